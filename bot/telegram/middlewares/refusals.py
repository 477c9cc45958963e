"""Turns what a service refuses (a typed ``BotError``) into one answer, in one place: the
user reads why in their language, nothing was charged, and no handler needs a try-chain."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject

from bot.errors import BotError
from bot.storage import UserRecord
from bot.telegram.i18n import Translator
from bot.telegram.refusals import refusal_markup, refusal_text

log = logging.getLogger(__name__)

ALERT_LIMIT = 200  # characters Telegram shows in a button's alert


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
                await self._answer(event, text, markup)
            return None

    @staticmethod
    async def _answer(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
        """A short plain refusal as the button's alert; one with buttons (buy credits) or
        formatting, or too long for an alert, as a reply to the button's message."""
        plain = "<" not in text and "&" not in text  # an alert shows no HTML, entities neither
        if markup is None and plain and len(text) <= ALERT_LIMIT:
            await query.answer(text, show_alert=True)
            return
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.reply(text, reply_markup=markup)
