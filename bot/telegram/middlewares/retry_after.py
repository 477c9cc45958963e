"""Waits out Telegram's 429 for every Bot API call, in one place (the session).

Telegram says how long to wait (``retry_after``); we wait and repeat the same call, a
bounded number of times, so a send or edit anywhere in the bot survives flood control.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)


class RetryAfterMiddleware(BaseRequestMiddleware):
    def __init__(self, *, max_attempts: int = 5, max_wait: float = 120.0) -> None:
        self._max_attempts = max_attempts
        self._max_wait = max_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):  # polling has its own backoff
            return await make_request(bot, method)  # type: ignore[arg-type]
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt >= self._max_attempts or exc.retry_after > self._max_wait:
                    raise
                log.warning("%s: flood control, waiting %ss", type(method).__name__, exc.retry_after)
                await asyncio.sleep(exc.retry_after)
                attempt += 1

    def __repr__(self) -> str:
        return f"RetryAfterMiddleware(max_attempts={self._max_attempts})"
