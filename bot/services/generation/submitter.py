"""The one road to Kie for new tasks: a shared rate limiter and retries with backoff.

Kie admits a fixed number of new tasks per window per account and drops (does not queue)
the rest with 429, so a burst of users waits here instead of failing.

A task waiting here is in the bot's queue and its user may cancel it. The race between a
cancel and the call to Kie is settled in the database, not here: right before each
createTask call the submitter takes the task's ``Claim`` (one conditional UPDATE), which
fails once the task is cancelled, and a cancel fails once the claim is taken. When Kie
refuses in a way that is retried (throttling, an outage, a connection that never reached
it), Kie certainly does not have the task: the claim is given back and the task is again
cancellable while it waits for the retry. A call cut off after it may have reached Kie
(``KieUnconfirmedError``) is not retried and keeps its claim: Kie may have it.
``withdraw`` wakes a cancelled task's waiting call, so it leaves at once instead of
holding its place in the pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from kie import KieClient, KieError, KieRateLimitError, KieUnreachableError, TaskRequest

log = logging.getLogger(__name__)


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, KieError) and exc.retryable


def _never_taken(exc: KieError) -> bool:
    """Kie certainly does not have the task: it said it is throttling (throttled requests
    are dropped, not queued), or the connection was never made. After a 5xx or a garbled
    reply it may have it (a gateway can fail after Kie took the request): the claim stays,
    so such a request is not cancelled and refunded while Kie may be running it."""
    return isinstance(exc, KieRateLimitError | KieUnreachableError)


class WithdrawnError(Exception):
    """The task was cancelled (or settled) while it waited: it must not go to Kie."""


@dataclass(frozen=True, slots=True)
class Claim:
    """The database side of one task's submission: ``take`` right before each createTask
    call (False: cancelled or settled meanwhile), ``give_back`` after a refusal that
    proves Kie did not take it (see ``_never_taken``)."""

    task_id: int
    take: Callable[[], Awaitable[bool]]
    give_back: Callable[[], Awaitable[None]]


@dataclass(slots=True)
class _Waiter:
    withdrawn: asyncio.Event = field(default_factory=asyncio.Event)
    left: asyncio.Event = field(default_factory=asyncio.Event)


class KieSubmitter:
    def __init__(
        self,
        kie: KieClient,
        *,
        rate_limit: int,
        rate_period: float,
        attempts: int = 4,
        backoff_initial: float = 2.0,
        backoff_max: float = 30.0,
    ) -> None:
        self._kie = kie
        # One task per (period / limit) seconds: aiolimiter is a leaky bucket, and a bucket
        # as large as the limit would let about twice Kie's window through in a burst.
        self._limiter = AsyncLimiter(1, rate_period / rate_limit)
        self._attempts = attempts
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._waiting: dict[int, _Waiter] = {}
        # Withdrawn before their call began (cancelled during the picture upload, say): such a
        # call must not wait for a place in the pace first. Rare, and each entry is one id.
        self._withdrawn_early: set[int] = set()

    async def withdraw(self, task_id: int, *, timeout: float = 5.0) -> None:
        """Wake the waiting call of a task just cancelled and let it leave (bounded by
        ``timeout``): after this no progress line of that call can follow the outcome."""
        waiter = self._waiting.get(task_id)
        if waiter is None:
            self._withdrawn_early.add(task_id)
            return
        waiter.withdrawn.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await waiter.left.wait()

    async def create_task(
        self,
        request: TaskRequest,
        *,
        on_wait: Callable[[], Awaitable[None]] | None = None,
        claim: Claim | None = None,
    ) -> str:
        """Kie's task id. ``on_wait`` is awaited once if the request has to queue (our pace
        or Kie's throttling), so the user can be told it is waiting, not lost. With a
        ``claim``, raises ``WithdrawnError`` when the task was cancelled before its call."""
        if claim is None:
            return await self._create(request, on_wait, None, None)
        waiter = self._waiting[claim.task_id] = _Waiter()
        if claim.task_id in self._withdrawn_early:
            self._withdrawn_early.discard(claim.task_id)
            waiter.withdrawn.set()
        try:
            return await self._create(request, on_wait, claim, waiter)
        finally:
            waiter.left.set()
            if self._waiting.get(claim.task_id) is waiter:
                del self._waiting[claim.task_id]

    async def _create(
        self,
        request: TaskRequest,
        on_wait: Callable[[], Awaitable[None]] | None,
        claim: Claim | None,
        waiter: _Waiter | None,
    ) -> str:
        told = False

        async def waiting() -> None:
            nonlocal told
            if on_wait is not None and not told:
                told = True
                await on_wait()

        async def before_sleep(state: RetryCallState) -> None:
            log.warning(
                "Kie refused a new task (%s); retry %d",
                state.outcome.exception() if state.outcome else "?",
                state.attempt_number,
            )
            await waiting()

        retrying = AsyncRetrying(
            retry=retry_if_exception(_is_retryable),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(
                multiplier=self._backoff_initial, max=self._backoff_max, jitter=self._backoff_initial
            ),
            before_sleep=before_sleep,
            sleep=lambda seconds: self._pause(seconds, waiter),
            reraise=True,
        )
        held = False  # the claim, kept across a retry after which Kie may have the task
        async for attempt in retrying:
            with attempt:
                if not self._limiter.has_capacity():
                    await waiting()
                await self._acquire(waiter)
                if claim is not None and not held:
                    if not await claim.take():
                        raise WithdrawnError(claim.task_id)
                    held = True
                try:
                    return await self._kie.create_task(request)
                except KieError as exc:
                    if claim is not None and _never_taken(exc):
                        await claim.give_back()
                        held = False
                    raise
        raise AssertionError("unreachable: tenacity reraises the last error")

    async def _acquire(self, waiter: _Waiter | None) -> None:
        """A place in the pace; a withdrawn task gives its place up at once."""
        if waiter is None:
            await self._limiter.acquire()
            return
        if waiter.withdrawn.is_set():
            raise WithdrawnError()
        acquiring = asyncio.ensure_future(self._limiter.acquire())
        withdrawn = asyncio.ensure_future(waiter.withdrawn.wait())
        try:
            await asyncio.wait((acquiring, withdrawn), return_when=asyncio.FIRST_COMPLETED)
        finally:
            withdrawn.cancel()
            if not acquiring.done():
                acquiring.cancel()
        if acquiring.cancelled() or not acquiring.done():
            raise WithdrawnError()
        acquiring.result()

    @staticmethod
    async def _pause(seconds: float, waiter: _Waiter | None) -> None:
        """tenacity's wait before a retry, cut short by a withdrawal."""
        if waiter is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await waiter.withdrawn.wait()
        if waiter.withdrawn.is_set():
            raise WithdrawnError()
