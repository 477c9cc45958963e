"""One SQLite connection, one unit of work at a time, schema migrated at open.

aiosqlite opens and closes the connection and runs what takes long (migrations, backups)
on its thread; the statements of a unit of work run on the event loop's thread (see
``bot/storage/base.py`` for why). Transaction state is shared by every coroutine using the
connection, so every unit of work takes ``_lock`` (see ``Database.transaction``). A
single-process bot needs nothing more.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.base import Session
from bot.storage.repositories import Repositories

log = logging.getLogger(__name__)

# Benchmark hook (bench/run.py), not a setting: with this variable set, every SQL statement
# the connection runs is counted, and SIGUSR1 writes the count so far to the named file.
SQL_COUNT_ENV = "BENCH_SQL_COUNT_FILE"


def _migrations() -> list[tuple[int, str]]:
    """Ordered (version, sql) pairs shipped as package data: ``NNNN_name.sql``."""
    folder = resources.files("bot.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text("utf-8")))
    return sorted(found)


def _statements(script: str) -> list[str]:
    """Split a migration into statements; ``executescript`` would COMMIT on its own."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def _rollback_if_open(raw: sqlite3.Connection) -> None:
    if raw.in_transaction:
        raw.execute("ROLLBACK")


class Database:
    def __init__(self, path: Path | str) -> None:
        self._path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def path(self) -> Path:
        return self._path

    async def open(self) -> None:
        if str(self._path) != ":memory:":
            self._path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so the write lock is taken up front.
        # check_same_thread=False: units of work use it from the loop's thread (always under _lock).
        self._conn = await aiosqlite.connect(self._path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = aiosqlite.Row
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=5000"):
            await self._conn.execute(f"PRAGMA {pragma}")
        await self._migrate()
        if os.environ.get(SQL_COUNT_ENV):
            await self._count_statements(Path(os.environ[SQL_COUNT_ENV]))

    async def _count_statements(self, target: Path) -> None:
        count = [0]

        def trace(_: str) -> None:  # one statement runs at a time (see _lock)
            count[0] += 1

        await self.connection.set_trace_callback(trace)
        signal.signal(signal.SIGUSR1, lambda *_: target.write_text(str(count[0])))

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @property
    def _raw(self) -> sqlite3.Connection:
        return self.connection._conn

    async def _migrate(self) -> None:
        conn = self.connection
        async with self._lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                async with conn.execute("PRAGMA user_version") as cur:
                    (current,) = await cur.fetchone()  # type: ignore[misc]
                for version, script in _migrations():
                    if version <= current:
                        continue
                    for statement in _statements(script):
                        await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version = {version:d}")
                    log.info("database migrated to version %d", version)
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repositories]:
        """A write unit of work: BEGIN IMMEDIATE ... COMMIT, rolled back on any exception.
        BEGIN goes with the first statement (see ``Session``); a unit that ran none ends as it began."""
        async with self._lock:
            raw = self._raw
            session = Session(raw, begin=True)
            try:
                yield Repositories(session)
            except BaseException:
                _rollback_if_open(raw)
                raise
            if session.begun:
                raw.execute("COMMIT")

    async def write_each(
        self,
        sql: str,
        rows: Sequence[Sequence[Any]] | Callable[[], Sequence[Sequence[Any]]],
        *,
        counts: bool = True,
    ) -> list[int]:
        """A transaction of one statement run for each parameter set (BEGIN IMMEDIATE, the
        statements, COMMIT; ROLLBACK if one fails). ``rows`` may be a function, called once
        the lock is held (so what piled up while waiting for it goes in too). Returns the rows
        each statement changed; with ``counts=False`` nobody needs them and SQLite runs all
        the statements in one call (``executemany``), returning []. For the inbox, written
        for every update."""
        async with self._lock:
            seq_of_params = rows() if callable(rows) else rows
            if not seq_of_params:
                return []
            raw = self._raw
            raw.execute("BEGIN IMMEDIATE")
            try:
                if counts:
                    changed = [raw.execute(sql, params).rowcount for params in seq_of_params]
                else:
                    raw.executemany(sql, seq_of_params)
                    changed = []
            except BaseException:
                _rollback_if_open(raw)
                raise
            raw.execute("COMMIT")
            return changed

    async def size(self) -> int:
        """Bytes a copy of the database would take: its pages, committed WAL frames included."""
        async with self._lock:
            async with self.connection.execute("PRAGMA page_count") as cur:
                (pages,) = await cur.fetchone()  # type: ignore[misc]
            async with self.connection.execute("PRAGMA page_size") as cur:
                (page_size,) = await cur.fetchone()  # type: ignore[misc]
        return int(pages) * int(page_size)

    async def backup_to(self, target: Path) -> None:
        """Write a consistent copy of the database to ``target`` (a new file) with SQLite's
        online backup API. Copying the files instead could catch the main file and the WAL at
        different moments, or a page half written; the backup API copies what is committed.
        Taken under ``_lock`` like a read, so no other coroutine's transaction is half done."""
        # The copy runs on aiosqlite's worker thread, not the thread that opened the target.
        dest = sqlite3.connect(target, check_same_thread=False)
        try:
            async with self._lock:
                await self.connection.backup(dest, pages=-1)
        finally:
            dest.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Repositories]:
        """Reads take the same lock so they never see another coroutine's open transaction."""
        async with self._lock:
            yield Repositories(Session(self._raw, begin=False))
