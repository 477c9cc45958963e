"""Notices the user must get, delivered at least once: kept in SQLite until Telegram took them.

A task's outcome ("done", "failed, credits returned", an operator's refund) is written to
the outbox in the same transaction that settles the task. It is sent at once; a passing
failure (Telegram 5xx, a timeout, the network, flood control) is retried with backoff, an
edit that keeps failing becomes a new message, and whatever is still pending at a restart
is sent after it. Only a chat that refuses us (403, chat gone) drops a notice.

How a notice reaches Telegram is the Telegram layer's business (``NoticeSender``); this
module only decides when to try again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.services.ports import NoticeSender, SendOutcome
from bot.storage import Database, NoticeState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OutboxPolicy:
    edit_attempts: int = 3  # failed edits before the notice goes out as a new message
    max_attempts: int = 40  # about three hours at the longest backoff; then it is dropped
    backoff_initial: float = 2.0
    backoff_max: float = 300.0
    # A claimed notice may be tried by another after this (its sender died mid-send). Longer
    # than any attempt can take: flood control alone may be waited out 5 x 120 s.
    lease: float = 900.0
    idle_check: float = 30.0  # the loop looks for due notices at least this often


class Outbox:
    def __init__(
        self,
        db: Database,
        sender: NoticeSender,
        *,
        policy: OutboxPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._sender = sender
        self._policy = policy or OutboxPolicy()
        self._clock = clock
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._attempts: set[asyncio.Task[None]] = set()
        self._in_flight: set[int] = set()  # notice ids being tried by this process

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        async with self._db.transaction() as repo:
            # One process per database today: any claim left is from our own previous run,
            # cut off by a restart, and must not hold its notice back for a whole lease.
            released = await repo.outbox.release_claims()
        if released:
            log.info("%d notice(s) cut off by the restart are due again", released)
        self._loop_task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self, timeout: float) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        if self._attempts:
            _, late = await asyncio.wait(set(self._attempts), timeout=timeout)
            for job in late:
                job.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    async def idle(self) -> None:
        """Wait until every notice is sent or dropped (for tests: give them a short backoff)."""
        while True:
            if self._attempts:
                await asyncio.gather(*self._attempts, return_exceptions=True)
                continue
            async with self._db.read() as repo:
                next_at = await repo.outbox.next_due_at()
            if next_at is None:
                return
            self.wake()
            await asyncio.sleep(min(max(next_at - self._clock(), 0.0), 0.05) + 0.001)

    # -- sending -----------------------------------------------------------------------

    async def send_now(self, notice_id: int) -> None:
        """One attempt right away (the usual case: Telegram answers and that is all).
        Never raises; a failure leaves the notice to the retry loop."""
        job = asyncio.ensure_future(self._attempt(notice_id))
        self._attempts.add(job)
        job.add_done_callback(self._attempts.discard)
        # Shielded: a caller cancelled at shutdown must not cut a send off halfway, which
        # could show the notice twice after the restart; ``stop`` bounds the wait.
        with contextlib.suppress(Exception):
            await asyncio.shield(job)

    async def _attempt(self, notice_id: int) -> None:
        if notice_id in self._in_flight:
            return  # this process is trying it already
        self._in_flight.add(notice_id)
        try:
            await self._try(notice_id)
        except Exception:  # the notice stays pending; its lease makes it due again
            log.exception("notice %d: attempt failed unexpectedly", notice_id)
        finally:
            self._in_flight.discard(notice_id)
            self.wake()

    async def _try(self, notice_id: int) -> None:
        policy = self._policy
        while True:
            claim = secrets.token_hex(8)
            async with self._db.transaction() as repo:
                notice = await repo.outbox.claim(notice_id, claim, now=self._clock(), lease=policy.lease)
            if notice is None:
                return  # sent, dropped, not due, or being sent by someone else
            result = await self._sender.deliver(notice)
            now = self._clock()
            tries = notice.attempts + 1
            async with self._db.transaction() as repo:
                if result.outcome is SendOutcome.SENT:
                    await repo.outbox.finish(notice.id, claim, NoticeState.SENT, error=None, now=now)
                    return
                if result.outcome is SendOutcome.UNDELIVERABLE:
                    log.info("notice %d to chat %d dropped: %s", notice.id, notice.chat_id, result.detail)
                    await repo.outbox.finish(notice.id, claim, NoticeState.DROPPED, error=result.detail, now=now)
                    return
                if result.outcome is SendOutcome.EDIT_IMPOSSIBLE:
                    await repo.outbox.retry_later(notice.id, claim, at=now, error=result.detail, as_new_message=True)
                    continue  # at once, as a new message
                if tries >= policy.max_attempts:
                    log.warning("notice %d to chat %d dropped after %d tries: %s", notice.id, notice.chat_id, tries,
                                result.detail)  # fmt: skip
                    await repo.outbox.finish(notice.id, claim, NoticeState.DROPPED, error=result.detail, now=now)
                    return
                delay = min(policy.backoff_initial * 2 ** (tries - 1), policy.backoff_max)
                await repo.outbox.retry_later(
                    notice.id, claim, at=now + delay, error=result.detail, as_new_message=tries >= policy.edit_attempts
                )
            log.info("notice %d to chat %d: %s; retry in %.0f s", notice.id, notice.chat_id, result.detail, delay)
            return

    # -- the retry loop ----------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                async with self._db.read() as repo:
                    due = await repo.outbox.due(self._clock(), limit=32)
                    next_at = await repo.outbox.next_due_at()
                for notice_id in due:
                    job = asyncio.ensure_future(self._attempt(notice_id))
                    self._attempts.add(job)
                    job.add_done_callback(self._attempts.discard)
            except Exception:  # the loop must survive a bad moment of the database
                log.exception("outbox iteration failed")
                next_at = None
            delay = self._policy.idle_check if next_at is None else next_at - self._clock()
            if delay <= 0:  # what is due is being tried; its end wakes us
                delay = self._policy.idle_check
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(delay, self._policy.idle_check)):
                    await self._wake.wait()
