"""A user's cancel of their own requests (/cancel and the Cancel button on the progress
message). Only a request still in the bot's queue can be stopped: Kie has no call to cancel
a task, so once its createTask call has started the request runs to its end and its result
(or refund) still arrives. A cancelled request is refunded at once, exactly once, in the
transaction that cancels it (``Settlement.cancel``), and its waiting submission leaves
without calling Kie."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.services.generation.settlement import Cancelled, Settlement
from bot.services.generation.submitter import KieSubmitter
from bot.services.messaging.notifier import Notifier
from bot.storage import Database

log = logging.getLogger(__name__)


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"  # stopped before Kie had it; refunded
    SENT = "sent"  # Kie has it (or may): it cannot be stopped
    FINISHED = "finished"  # already settled (done, failed, cancelled before)
    NOT_YOURS = "not_yours"  # someone else's request
    UNKNOWN = "unknown"  # no such request (a forged button)


@dataclass(frozen=True, slots=True)
class CancelReport:
    """What /cancel did in one chat."""

    cancelled: int = 0  # requests stopped now
    refunded: int = 0  # credits returned for them
    balance: int | None = None  # the user's balance after the refunds (None: nothing cancelled)
    running: int = 0  # requests Kie has: not stopped, their results still come


@dataclass(frozen=True, slots=True)
class ButtonCancel:
    outcome: CancelOutcome
    refunded: int = 0
    balance: int | None = None


class CancelService:
    def __init__(self, db: Database, settlement: Settlement, submitter: KieSubmitter, notifier: Notifier) -> None:
        self._db = db
        self._settlement = settlement
        self._submitter = submitter
        self._notifier = notifier

    async def cancel_in_chat(self, user_id: int, chat_id: int) -> CancelReport:
        """Cancel every request of ``user_id`` made in ``chat_id`` that is still in the bot's queue."""
        async with self._db.read() as repo:
            tasks = await repo.queue.open_in_chat(user_id, chat_id)
        cancelled: list[Cancelled] = []
        running = 0
        for task in tasks:
            done = await self._settlement.cancel(task)
            if done is None:
                async with self._db.read() as repo:
                    fresh = await repo.tasks.get(task.id)
                running += fresh is not None and not fresh.state.is_final
                continue
            cancelled.append(done)
            await self._finish(done)
        return CancelReport(
            cancelled=len(cancelled),
            refunded=sum(c.task.price for c in cancelled),
            balance=cancelled[-1].balance if cancelled else None,
            running=running,
        )

    async def cancel_task(self, task_id: int, user_id: int) -> ButtonCancel:
        """The Cancel button of one request, pressed by ``user_id``."""
        async with self._db.read() as repo:
            task = await repo.tasks.get(task_id)
        if task is None:
            return ButtonCancel(CancelOutcome.UNKNOWN)
        if task.user_id != user_id:
            return ButtonCancel(CancelOutcome.NOT_YOURS)
        if task.state.is_final:
            return ButtonCancel(CancelOutcome.FINISHED)
        done = await self._settlement.cancel(task)
        if done is None:
            async with self._db.read() as repo:
                fresh = await repo.tasks.get(task_id)
            finished = fresh is None or fresh.state.is_final
            return ButtonCancel(CancelOutcome.FINISHED if finished else CancelOutcome.SENT)
        await self._finish(done)
        return ButtonCancel(CancelOutcome.CANCELLED, refunded=task.price, balance=done.balance)

    async def _finish(self, done: Cancelled) -> None:
        # The waiting call leaves first, so no "waiting" line of it can follow the outcome.
        await self._submitter.withdraw(done.task.id)
        await self._notifier.send(done.notice)
