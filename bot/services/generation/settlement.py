"""Closing a task exactly once: credits kept when a result was delivered, else refunded.
The user's notice of the outcome is written to the outbox in the same transaction.

``TaskRepo.finish`` only moves an *open* task to a final state, and the refund's ledger
key is unique per task, so a repeated callback, poll or restart can never settle twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.services.generation.reasons import CANCELLED, UNDELIVERABLE, Reason
from bot.services.messaging.notifier import Notifier
from bot.services.ports import NoticeKind
from bot.storage import Database, DeliveryState, TaskRecord, TaskState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Cancelled:
    task: TaskRecord
    balance: int  # the user's, after the refund
    notice: int  # the outbox notice saying so, to send


class Settlement:
    def __init__(self, db: Database, notifier: Notifier, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._notifier = notifier
        self._clock = clock

    async def fail(self, task: TaskRecord, reason: Reason, *, actor_id: int | None = None) -> bool:
        """Fail and refund ``task`` unless it is already settled; tell the user. True if it did.
        ``actor_id``: the operator who asked for it, recorded in the ledger."""
        now = self._clock()
        async with self._db.transaction() as repo:
            if not await repo.tasks.finish(task.id, TaskState.FAILED, error=str(reason), now=now):
                return False
            outcome = await repo.ledger.refund_task(task, now=now, actor_id=actor_id, note=str(reason))
            notice = await self._notifier.record(
                repo,
                task,
                NoticeKind.TASK_FAILED,
                reason=reason.code.value,
                detail=reason.detail,
                balance=outcome.balance,
            )
        log.info("task %d failed (%s); %d credits refunded", task.id, reason, task.price)
        await self._notifier.send(notice)
        return True

    async def cancel(self, task: TaskRecord) -> Cancelled | None:
        """The user's cancel of a request still in the bot's queue: failed, refunded and the
        notice recorded in one transaction, only while the submitter has not claimed it for
        a call to Kie (see ``QueueRepo``). None when Kie has it (or may), or it is settled.
        The caller sends the notice (``Notifier.send``) once the waiting call has left."""
        now = self._clock()
        async with self._db.transaction() as repo:
            if not await repo.queue.cancel(task.id, error=str(CANCELLED), now=now):
                return None
            outcome = await repo.ledger.refund_task(task, now=now, note=str(CANCELLED))
            notice = await self._notifier.record(repo, task, NoticeKind.TASK_CANCELLED, balance=outcome.balance)
        log.info("task %d cancelled by its user; %d credits refunded", task.id, task.price)
        return Cancelled(task=task, balance=outcome.balance, notice=notice)

    async def complete(self, task: TaskRecord) -> bool:
        """Settle a delivering task once none of its files is pending. True if settled now."""
        async with self._db.read() as repo:
            deliveries = await repo.deliveries.for_task(task.id)
        if not deliveries or any(d.state is DeliveryState.PENDING for d in deliveries):
            return False
        if not any(d.state is DeliveryState.SENT for d in deliveries):
            return await self.fail(task, UNDELIVERABLE)
        async with self._db.transaction() as repo:
            if not await repo.tasks.finish(task.id, TaskState.DONE, error=None, now=self._clock()):
                return False
            notice = await self._notifier.record(repo, task, NoticeKind.TASK_DONE)
        log.info("task %d delivered (%d files)", task.id, len(deliveries))
        await self._notifier.send(notice)
        return True
