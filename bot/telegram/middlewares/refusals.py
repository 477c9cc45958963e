"""Turns what a service refuses (a typed ``BotError``) into one answer, in one place: the
user reads why in their language, nothing was charged, and no handler needs a try-chain."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.errors import BotError
from bot.storage import UserRecord
from bot.telegram.i18n import Translator
from bot.telegram.refusals import refusal_markup, refusal_text

log = logging.getLogger(__name__)


class RefusalsMiddleware(BaseMiddleware):
    """Inner middleware, after ``UserMiddleware`` (it needs the user's language)."""

    def __init__(self, texts: Translator) -> None:
        self._texts = texts

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except BotError as error:
            user: UserRecord | None = data.get("user")
            text = refusal_text(self._texts, user.language if user else "en", error)
            if text is None:
                raise
            log.debug("refused: %s", error)
            language = user.language if user else "en"
            markup = refusal_markup(self._texts, language, error)
            if isinstance(event, Message):
                await event.reply(text, reply_markup=markup)
            elif isinstance(event, CallbackQuery):
                if markup is not None and isinstance(event.message, Message):
                    # An answer with buttons (buy credits, confirm) cannot be a pop-up.
                    await event.answer()
                    await event.message.answer(text, reply_markup=markup)
                else:
                    await event.answer(text, show_alert=True)
            return None
