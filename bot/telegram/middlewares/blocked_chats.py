"""Telegram's 403 for any call, handled in one place (the session).

In a private chat a 403 means the user blocked the bot: they are marked so (broadcasts skip
them, /user shows it) and the refusal is logged in one line. In a group it means the bot was
removed, which says nothing about any user. The error is raised on, so the caller stops; the
dispatcher's error handler knows not to answer it with yet another message.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)


class BlockedChatsMiddleware(BaseRequestMiddleware):
    def __init__(self, on_blocked: Callable[[int], Awaitable[None]]) -> None:
        self._on_blocked = on_blocked

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramForbiddenError as exc:
            chat_id = getattr(method, "chat_id", None)
            name = type(method).__name__
            if isinstance(chat_id, int) and chat_id > 0:  # a private chat's id is its user's id
                log.info("user %d has blocked the bot (%s: %s)", chat_id, name, exc.message)
                with contextlib.suppress(Exception):  # recording it must not hide the 403
                    await self._on_blocked(chat_id)
            else:
                log.info("chat %s refused %s: %s", chat_id, name, exc.message)
            raise

    def __repr__(self) -> str:
        return "BlockedChatsMiddleware()"
