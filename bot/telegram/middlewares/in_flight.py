"""Counts updates being handled, so shutdown can let them finish (up to a limit).

A handler may be between the debit and Kie's answer when SIGTERM comes; cutting it off
there would leave the request to recovery, which refunds it. Draining lets it finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

log = logging.getLogger(__name__)

# What an update not taken because shutdown began returns (not handled: replay it later).
NOT_TAKEN = object()


class InFlightUpdates(BaseMiddleware):
    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()
        self._accepting = True

    @property
    def accepting(self) -> bool:
        return self._accepting

    @property
    def count(self) -> int:
        return len(self._running)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not self._accepting:
            return NOT_TAKEN  # polling has stopped; a webhook answers 503 before reaching here
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            return await handler(event, data)
        finally:
            self._running.discard(task)

    async def drain(self, timeout: float) -> None:
        """Take no new updates; wait for running ones, cancel what is still running after ``timeout``."""
        self._accepting = False
        running = set(self._running)
        if not running:
            return
        log.info("waiting for %d update(s) being handled", len(running))
        _, late = await asyncio.wait(running, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            log.warning("%d update(s) cut off at shutdown; recovery settles them at the next start", len(late))
            await asyncio.gather(*late, return_exceptions=True)
