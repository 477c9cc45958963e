"""The one road to Kie for new tasks: a shared rate limiter and retries with backoff.

Kie admits a fixed number of new tasks per window per account and drops (does not queue)
the rest with 429, so a burst of users waits here instead of failing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiolimiter import AsyncLimiter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from kie import KieClient, KieError, TaskRequest

log = logging.getLogger(__name__)


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, KieError) and exc.retryable


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

    async def create_task(self, request: TaskRequest, *, on_wait: Callable[[], Awaitable[None]] | None = None) -> str:
        """Kie's task id. ``on_wait`` is awaited once if the request has to queue (our pace
        or Kie's throttling), so the user can be told it is waiting, not lost."""
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
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                if not self._limiter.has_capacity():
                    await waiting()
                async with self._limiter:
                    return await self._kie.create_task(request)
        raise AssertionError("unreachable: tenacity reraises the last error")
