"""One message to every user who has not blocked the bot, as a background job.

Pace: every send goes through the session's PacingMiddleware (~25 messages a second for
the whole bot, shared with normal traffic), so the job sends one message at a time and
never sleeps on its own; users' requests keep being answered in between. A 429 is waited
out by the session's RetryAfterMiddleware. A 403 means the user blocked the bot (or is
gone): they are marked blocked, not retried, and left out of the next broadcast.

The operator sees one progress message, edited every ``progress_every`` sends or
``progress_interval`` seconds, and finally the counts. One broadcast runs at a time; a
shutdown stops it between two sends (the rest is not sent, and the message says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.services.ports import BroadcastChannel, BroadcastProgress, BroadcastReport, BroadcastStage, CopyOutcome
from bot.storage import Database

log = logging.getLogger(__name__)


class Broadcaster:
    def __init__(
        self,
        db: Database,
        channel: BroadcastChannel,
        *,
        progress_every: int = 100,
        progress_interval: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._channel = channel
        self._every = max(1, progress_every)
        self._interval = progress_interval
        self._clock = clock
        self._busy = False  # set before the first await of start(): two /broadcast cannot race
        self._stopping = False
        self._job: asyncio.Task[BroadcastProgress] | None = None

    @property
    def running(self) -> bool:
        return self._busy

    async def start(
        self, text: str, *, report_chat_id: int, language: str, reply_to: int | None = None
    ) -> BroadcastProgress | None:
        """Start sending ``text`` (HTML) in the background; None if a broadcast is running.
        The progress message goes to ``report_chat_id``."""
        if self._busy or self._stopping:
            return None
        self._busy = True
        try:
            async with self._db.read() as repo:
                recipients = await repo.admin.broadcast_recipients()
            progress = BroadcastProgress(total=len(recipients))
            report = BroadcastReport(report_chat_id, language, reply_to)
            message_id = await self._channel.report(report, BroadcastStage.RUNNING, progress)
        except BaseException:
            self._busy = False
            raise
        report = BroadcastReport(report_chat_id, language, reply_to, message_id)
        log.info("broadcast to %d users started", progress.total)
        self._job = asyncio.create_task(self._run(recipients, text, progress, report), name="broadcast")
        return progress

    async def join(self) -> BroadcastProgress | None:
        """Wait for the current broadcast (tests, tools); its final counts, if there was one."""
        job = self._job
        return await job if job is not None else None

    async def stop(self, timeout: float) -> None:
        """Stop between two sends and report; cancel if that takes longer than ``timeout``."""
        self._stopping = True
        job = self._job
        if job is None or job.done():
            return
        _, late = await asyncio.wait({job}, timeout=timeout)
        if late:
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job

    async def _run(
        self, recipients: list[int], text: str, progress: BroadcastProgress, report: BroadcastReport
    ) -> BroadcastProgress:
        try:
            last_report, unreported = time.monotonic(), 0
            for user_id in recipients:
                if self._stopping:
                    break
                await self._send(user_id, text, progress)
                unreported += 1
                if unreported >= self._every or time.monotonic() - last_report >= self._interval:
                    await self._channel.report(report, BroadcastStage.RUNNING, progress)
                    last_report, unreported = time.monotonic(), 0
            final = BroadcastStage.DONE if progress.done == progress.total else BroadcastStage.STOPPED
            await self._channel.report(report, final, progress)
            log.info("broadcast ended: %s", progress)
            return progress
        except Exception:
            log.exception("broadcast crashed after %s", progress)
            await self._channel.report(report, BroadcastStage.STOPPED, progress)
            return progress
        finally:
            self._busy = False

    async def _send(self, user_id: int, text: str, progress: BroadcastProgress) -> None:
        outcome = await self._channel.send(user_id, text)
        if outcome is CopyOutcome.SENT:
            progress.sent += 1
        elif outcome is CopyOutcome.BLOCKED:  # recorded by the session's BlockedChats middleware
            progress.blocked += 1
        else:
            progress.failed += 1
