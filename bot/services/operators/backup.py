"""Database snapshots for the operator's /backup.

A snapshot is made with SQLite's online backup API into a temporary file, so it is
consistent while the bot keeps running (a raw copy of a live WAL-mode database can catch
the main file and the WAL at different moments). Telegram takes uploads up to 50 MB: a
bigger database is refused before anything is copied, and the operator is pointed at the
command that makes the same backup on the server.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import BotError
from bot.storage import Database

log = logging.getLogger(__name__)

UPLOAD_LIMIT = 50 * 1024 * 1024  # Bot API: a bot uploads files up to 50 MB


@dataclass(frozen=True, slots=True)
class Snapshot:
    path: Path  # a temporary file, removed when the snapshot's context ends
    filename: str  # what the operator's copy is called: kie-bot-20250101-120000Z.sqlite3
    size: int
    taken_at: datetime


class BackupTooLarge(BotError):
    """The snapshot would not fit in a Telegram upload; ``command`` makes it on the server."""

    def __init__(self, size: int, limit: int, command: str) -> None:
        super().__init__(f"database snapshot of {size} bytes is over the {limit} byte upload limit")
        self.size = size
        self.limit = limit
        self.command = command


def backup_command(database: Path) -> str:
    """The documented shell command that makes the same online backup next to the database."""
    source = database.resolve()
    return f"sqlite3 {source} \".backup '{source.with_name('backup.sqlite3')}'\""


class BackupService:
    def __init__(self, db: Database, *, limit: int = UPLOAD_LIMIT, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._limit = limit
        self._clock = clock

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Snapshot]:
        """A consistent copy of the database in a temporary file, deleted afterwards.
        Raises :class:`BackupTooLarge` when it would not fit in a Telegram upload."""
        command = backup_command(self._db.path)
        estimate = await self._db.size()
        if estimate > self._limit:  # checked first: no point copying what cannot be sent
            raise BackupTooLarge(estimate, self._limit, command)
        taken_at = datetime.fromtimestamp(self._clock(), UTC)
        filename = f"kie-bot-{taken_at:%Y%m%d-%H%M%S}Z.sqlite3"
        with tempfile.TemporaryDirectory(prefix="kie-bot-backup-") as folder:
            path = Path(folder) / filename
            await self._db.backup_to(path)
            size = path.stat().st_size
            if size > self._limit:  # grew between the estimate and the copy
                raise BackupTooLarge(size, self._limit, command)
            log.info("database snapshot of %d bytes made", size)
            yield Snapshot(path=path, filename=filename, size=size, taken_at=taken_at)
