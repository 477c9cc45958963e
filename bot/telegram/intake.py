"""Where updates come in, in polling and webhook mode alike: recorded, then handled.

Two promises live here:

- No update is lost at a crash. An update is written to the inbox (SQLite) before Telegram
  is told we have it: the next getUpdates' offset, or the webhook's 200. If the process dies
  while handling it, it is still unhandled in the inbox and is handled at the next start.
  An update Telegram sends again is recognised by its id and not handled twice.
- No update can stall the bot. getUpdates' answer is read as plain JSON objects, and each
  update is turned into aiogram's types on its own: one that aiogram rejects (a field it
  requires but the update lacks, an enum value newer than the library) is logged in one
  line and skipped, and the updates after it are handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from pydantic import ValidationError

from bot.storage import Database
from bot.storage.messaging import INBOX_HANDLED, INBOX_RECORD
from bot.telegram.middlewares.in_flight import NOT_TAKEN

log = logging.getLogger(__name__)

KEEP_HANDLED = 2 * 86_400.0  # Telegram keeps an unconfirmed update for 24 hours
MARK_DELAY = 0.02  # seconds a handled mark waits for others to share its write (see _mark_handled)
POLL_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=60.0, factor=1.6, jitter=0.1)


class GetRawUpdates(GetUpdates):
    """getUpdates, its result left as JSON objects: aiogram validates a whole answer at once,
    so one update it cannot read would fail the batch, which would be fetched again forever."""

    __returning__ = list[Any]  # type: ignore[assignment]  # not even "an object" is assumed


def update_id_of(raw: Any) -> int | None:
    if isinstance(raw, dict):
        value = raw.get("update_id")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def _why_unreadable(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{exc.error_count()} problem(s), first at {where}: {first['msg']}"


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), max(seconds, 0.0))


class UpdateIntake:
    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher,
        bot: Bot,
        *,
        clock: Callable[[], float] = time.time,
        mark_delay: float = MARK_DELAY,
    ):
        self._db = db
        self._mark_delay = mark_delay
        self._dp = dispatcher
        self._bot = bot
        self._clock = clock
        self._handling: set[asyncio.Task[None]] = set()
        self._marks: list[int] = []  # handled, waiting for the next write (see _mark_handled)
        self._marking: asyncio.Future[None] | None = None

    # -- taking updates in ---------------------------------------------------------------

    async def accept(self, raw_updates: Iterable[Any]) -> int | None:
        """Record new updates durably, then start handling them. Returns the offset that
        confirms them (the highest update id + 1), or None when there was none."""
        fresh: list[tuple[int, dict[str, Any]]] = []
        highest: int | None = None
        now = self._clock()
        readable: list[tuple[int, str, dict[str, Any]]] = []
        for raw in raw_updates:
            update_id = update_id_of(raw)
            if update_id is None:
                log.warning("update without a valid update_id skipped")
                continue
            highest = update_id if highest is None else max(highest, update_id)
            try:
                # ASCII escapes: even a lone surrogate in a text cannot fail the write.
                body = json.dumps(raw, ensure_ascii=True)
            except (TypeError, ValueError) as exc:
                log.warning("update %d skipped: cannot be stored (%s)", update_id, exc)
                continue
            readable.append((update_id, body, raw))
        # The whole batch in one transaction and one round trip; 0 rows: Telegram sent it before.
        changed = await self._db.write_each(INBOX_RECORD, [(update_id, body, now) for update_id, body, _ in readable])
        fresh = [(update_id, raw) for (update_id, _, raw), rows in zip(readable, changed, strict=True) if rows]
        for update_id, raw in fresh:
            self._spawn(update_id, raw)
        return None if highest is None else highest + 1

    async def replay(self) -> int:
        """At start: handle what a crash cut off (recorded, never finished). Returns how many."""
        async with self._db.transaction() as repo:
            await repo.inbox.prune(before=self._clock() - KEEP_HANDLED)
            left = await repo.inbox.unhandled()
        if left:
            log.info("handling %d update(s) recorded before the restart", len(left))
        for entry in left:
            self._spawn(entry.update_id, json.loads(entry.body))
        return len(left)

    def _spawn(self, update_id: int, raw: dict[str, Any]) -> None:
        job = asyncio.create_task(self._handle(update_id, raw), name=f"update-{update_id}")
        self._handling.add(job)
        job.add_done_callback(self._handling.discard)

    async def _handle(self, update_id: int, raw: dict[str, Any]) -> None:
        try:
            update = Update.model_validate(raw, context={"bot": self._bot})
        except ValidationError as exc:
            log.warning("update %d skipped: aiogram cannot read it (%s)", update_id, _why_unreadable(exc))
            await self._mark_handled(update_id)
            return
        except Exception as exc:  # anything else that breaks on it must not replay it at every start
            log.warning("update %d skipped: %s: %s", update_id, type(exc).__name__, exc)
            await self._mark_handled(update_id)
            return
        try:
            result = await self._dp.feed_update(self._bot, update)
        except Exception:  # the error handler had its say; a failing update is not retried forever
            log.exception("update %d failed", update_id)
            result = None
        if result is NOT_TAKEN:
            return  # shutdown began first: it stays unhandled and is handled after the restart
        await self._mark_handled(update_id)

    async def _mark_handled(self, update_id: int) -> None:
        """Group commit: a mark waits ``mark_delay`` (20 ms) for others, then all that came are
        written in one transaction, so under load one write marks many updates. The delay
        widens the window in which a crash makes a handled update be handled again after the
        restart, which every handler already survives (see ``_write_marks``)."""
        self._marks.append(update_id)
        if self._marking is None:
            self._marking = asyncio.ensure_future(self._write_marks())
        # Shielded: a handler cancelled now (shutdown) must not cancel the others' marks.
        await asyncio.shield(self._marking)

    async def _write_marks(self) -> None:
        await asyncio.sleep(self._mark_delay)
        ids: list[int] = []

        def take() -> list[tuple[float, int]]:  # called once the database's write lock is ours
            nonlocal ids
            ids, self._marks, self._marking = self._marks, [], None  # later marks: the next write
            now = self._clock()
            return [(now, update_id) for update_id in ids]

        try:
            await self._db.write_each(INBOX_HANDLED, take, counts=False)
        except Exception:  # worst case they are handled again after a restart, which is harmless
            log.exception("could not mark update(s) %s handled", ", ".join(map(str, ids)) or "(queued)")
        finally:
            if self._marking is asyncio.current_task():
                self._marking = None

    async def idle(self) -> None:
        """Wait until every update taken in so far has been handled (for tests)."""
        while self._handling:
            await asyncio.gather(*self._handling, return_exceptions=True)

    async def wait_handled(self, timeout: float) -> None:
        """Let running handlers finish for up to ``timeout`` at shutdown (they are cancelled
        by the dispatcher's drain; what is cut off is replayed at the next start)."""
        if self._handling:
            await asyncio.wait(set(self._handling), timeout=timeout)

    # -- polling ---------------------------------------------------------------------------

    async def poll(self, stop: asyncio.Event, *, timeout: int = 30, allowed_updates: list[str] | None = None) -> None:
        """Long-poll getUpdates until ``stop`` is set. A failure to fetch or to record is
        logged in one line and retried with backoff; the offset only moves past updates
        that are recorded."""
        backoff = Backoff(POLL_BACKOFF)
        offset: int | None = None
        request_timeout = timeout + int(self._bot.session.timeout or 60)
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                method = GetRawUpdates(offset=offset, timeout=timeout, allowed_updates=allowed_updates)
                fetch = asyncio.ensure_future(self._bot(method, request_timeout=request_timeout))
                await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if stop.is_set():
                    fetch.cancel()
                    with contextlib.suppress(BaseException):
                        await fetch
                    return
                try:
                    raw = fetch.result()
                    offset = await self.accept(raw) or offset
                except TelegramUnauthorizedError:
                    raise  # the token was revoked: retrying cannot help
                except Exception as exc:
                    delay = next(backoff)
                    log.warning("could not fetch updates (%s: %s); retrying in %.1f s", type(exc).__name__, exc, delay)
                    await _sleep_or_stop(stop, delay)
                    continue
                if backoff.counter:
                    log.info("fetching updates again")
                    backoff.reset()
        finally:
            stopping.cancel()
