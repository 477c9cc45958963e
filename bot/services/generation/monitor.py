"""Drives every submitted task to its end: checks Kie, delivers files, settles.

State lives in SQLite, not in memory: the loop picks tasks whose ``next_check_at`` is
due. A callback only makes a task due now; the task's real state always comes from the
family's status endpoint, so a forged or repeated callback can trigger a check but never
a delivery or a refund by itself. A task with no callback is checked after the poll
interval, then with backoff, and failed (refunded) past the maximum age.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable

from bot.catalog import Kind
from bot.services.generation.delivery import DeliveryService, Outcome
from bot.services.generation.reasons import INTERRUPTED, TIMEOUT, UNDELIVERABLE, Reason, for_failed_result
from bot.services.generation.settlement import Settlement
from bot.services.messaging.notifier import Notifier
from bot.storage import Database, DeliveryState, TaskRecord, TaskState
from kie import Family, KieClient, KieError, ResultFile, TaskResult
from kie import TaskState as KieState

log = logging.getLogger(__name__)

MAX_BACKOFF = 300.0
DELIVERY_RETRY = 15.0


class TaskMonitor:
    def __init__(
        self,
        db: Database,
        kie: KieClient,
        delivery: DeliveryService,
        settlement: Settlement,
        notifier: Notifier,
        *,
        poll_interval: float,
        max_age: float,
        concurrency: int = 8,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._kie = kie
        self._delivery = delivery
        self._settlement = settlement
        self._notifier = notifier
        self._poll_interval = poll_interval
        self._max_age = max_age
        self._clock = clock
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._nudged_in_flight: set[int] = set()
        self._loop_task: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        await self.recover()
        self._loop_task = asyncio.create_task(self._run(), name="task-monitor")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop picking tasks; let in-flight work finish up to ``timeout``; the rest is
        left in the database for recovery at the next start."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        pending = list(self._in_flight.values())
        if pending:
            _, late = await asyncio.wait(pending, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def recover(self) -> None:
        """After a restart: a request that never got a Kie task id is refunded (we cannot
        know whether Kie got it); everything Kie has is checked at once."""
        now = self._clock()
        async with self._db.transaction() as repo:
            for task in await repo.tasks.in_state(TaskState.PENDING):
                if task.kie_task_id is not None:
                    await repo.tasks.mark_running(task.id, check_at=now, now=now)
            for state in (TaskState.RUNNING, TaskState.DELIVERING):
                for task in await repo.tasks.in_state(state):
                    await repo.tasks.request_check(task.id, now)
            never_sent = await repo.tasks.in_state(TaskState.PENDING)
        for task in never_sent:
            await self._settlement.fail(task, INTERRUPTED)
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    async def nudge(self, task_id: int) -> None:
        """A callback arrived for this task: check it now (again, if a check is running)."""
        if task_id in self._in_flight:
            self._nudged_in_flight.add(task_id)
        async with self._db.transaction() as repo:
            await repo.tasks.request_check(task_id, self._clock())
        self.wake()

    async def idle(self) -> None:
        """Wait until nothing is in flight and nothing is due (for tests and shutdown)."""
        while True:
            if self._in_flight:
                await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
                continue
            async with self._db.read() as repo:
                due = await repo.tasks.due(self._clock(), limit=1)
            if not due:
                return
            self.wake()
            await asyncio.sleep(0.01)

    # -- the loop ----------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._spawn_due()
                async with self._db.read() as repo:
                    next_at = await repo.tasks.next_due_at()
            except Exception:  # the loop must survive a bad moment of the database
                log.exception("task monitor iteration failed")
                next_at = None
            delay = self._poll_interval if next_at is None else next_at - self._clock()
            if delay <= 0:  # what is due is in flight already; its end wakes us
                delay = self._poll_interval
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(delay, self._poll_interval)):
                    await self._wake.wait()

    async def _spawn_due(self) -> None:
        async with self._db.read() as repo:
            due = await repo.tasks.due(self._clock(), limit=64)
        for task_id in due:
            if task_id not in self._in_flight:
                job = asyncio.create_task(self._guarded(task_id), name=f"task-{task_id}")
                self._in_flight[task_id] = job
                job.add_done_callback(functools.partial(self._finished, task_id))

    def _finished(self, task_id: int, _job: asyncio.Task[None]) -> None:
        self._in_flight.pop(task_id, None)
        self.wake()

    async def _guarded(self, task_id: int) -> None:
        async with self._slots:
            try:
                await self.process(task_id)
            except Exception:
                log.exception("task %d: processing failed", task_id)
                await self._after_crash(task_id)
            if task_id in self._nudged_in_flight:
                # A callback came while we were busy: its check must not be lost.
                self._nudged_in_flight.discard(task_id)
                await self.nudge(task_id)

    async def _after_crash(self, task_id: int) -> None:
        """Retry an unexpected failure, but not forever: past twice the maximum age the
        task is settled with what reached the user (refunded if nothing did)."""
        async with self._db.read() as repo:
            task = await repo.tasks.get(task_id)
        if task is None or task.state.is_final:
            return
        if self._clock() - task.created_at > 2 * self._max_age:
            await self._give_up(task, UNDELIVERABLE)
        else:
            await self._reschedule(task_id, DELIVERY_RETRY)

    # -- one task ----------------------------------------------------------------------

    async def process(self, task_id: int) -> None:
        async with self._db.read() as repo:
            task = await repo.tasks.get(task_id)
        if task is None or task.state.is_final:
            return
        if task.state is TaskState.RUNNING:
            await self._check(task)
        elif task.state is TaskState.DELIVERING:
            await self._deliver(task)

    async def _check(self, task: TaskRecord) -> None:
        assert task.kie_task_id is not None
        try:
            result: TaskResult | None = await self._kie.get_task(
                Family(task.family), task.kie_task_id, kind_hint=Kind(task.kind).media
            )
        except KieError as exc:
            # Whatever it is (throttling, an outage, even our key), the task may still
            # finish; keep asking until the maximum age settles it.
            log.warning("task %d: status check failed (%s)", task.id, exc)
            result = None
        if result is not None and result.task_id != task.kie_task_id:
            log.error("task %d: Kie answered for another task %r", task.id, result.task_id)
            result = None
        if result is not None and result.state is KieState.SUCCESS and result.files:
            await self._record_files(task, result.files, delivering=True)
            await self._deliver(task)
        elif result is not None and result.state is not KieState.PENDING:
            await self._give_up(task, for_failed_result(result))
        else:
            if result is not None and result.files:  # Suno's first track: send it while the rest cooks
                await self._record_files(task, result.files)
                await self._deliver_pending(task)
            # Asked Kie first: a result that finished while we were down still gets delivered.
            if self._clock() - task.created_at > self._max_age:
                await self._give_up(task, TIMEOUT)
            else:
                await self._reschedule(task.id, self._backoff(task))

    async def _give_up(self, task: TaskRecord, reason: Reason) -> None:
        """No (more) results will come. If some file already reached the user (a Suno
        track), the task is settled as delivered; otherwise it is refunded."""
        async with self._db.read() as repo:
            delivered = any(d.state is DeliveryState.SENT for d in await repo.deliveries.for_task(task.id))
        if not delivered:
            await self._settlement.fail(task, reason)
            return
        now = self._clock()
        async with self._db.transaction() as repo:
            await repo.deliveries.fail_pending(task.id, error=str(reason), now=now)
            await repo.tasks.mark_delivering(task.id, now=now)
        await self._settlement.complete(task)

    async def _record_files(self, task: TaskRecord, files: tuple[ResultFile, ...], *, delivering: bool = False) -> None:
        """Keep the result files; ``delivering``: and move the task to delivering, in the same transaction."""
        now = self._clock()
        async with self._db.transaction() as repo:
            if delivering:
                await repo.tasks.mark_delivering(task.id, now=now)
            for file in files:
                await repo.deliveries.add(
                    task.id,
                    file_key=file.key,
                    url=file.url,
                    media=file.kind,
                    title=file.title,
                    duration=file.duration,
                    now=now,
                )

    async def _deliver_pending(self, task: TaskRecord) -> bool:
        """Send every file not sent yet; True when none is left waiting for a retry."""
        async with self._db.read() as repo:
            deliveries = await repo.deliveries.for_task(task.id)
        settled = True
        for delivery in deliveries:
            pending = delivery.state is DeliveryState.PENDING
            if pending and await self._delivery.deliver(task, delivery) is Outcome.RETRY:
                settled = False
        return settled

    async def _deliver(self, task: TaskRecord) -> None:
        if not await self._deliver_pending(task):
            if self._clock() - task.created_at <= 2 * self._max_age:
                await self._reschedule(task.id, DELIVERY_RETRY)
                return
            # Telegram kept failing for far too long: stop trying, settle what we have.
            async with self._db.transaction() as repo:
                await repo.deliveries.fail_pending(task.id, error="gave up retrying", now=self._clock())
        async with self._db.read() as repo:
            fresh = await repo.tasks.get(task.id)
        if fresh is not None:
            await self._settlement.complete(fresh)

    def _backoff(self, task: TaskRecord) -> float:
        return min(self._poll_interval * (1.5 ** min(task.checks, 10)), MAX_BACKOFF)

    async def _reschedule(self, task_id: int, delay: float) -> None:
        now = self._clock()
        async with self._db.transaction() as repo:
            await repo.tasks.schedule_check(task_id, now + delay, now=now)
