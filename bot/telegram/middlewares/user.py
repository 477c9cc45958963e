"""Registers whoever writes to the bot and hands handlers their ``user`` record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject, User

from bot.i18n import Translator
from bot.services.credits import CreditService


class UserMiddleware(BaseMiddleware):
    def __init__(self, credits: CreditService) -> None:
        self._credits = credits

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: User | None = data.get("event_from_user")
        if sender is None or sender.is_bot:
            # Anonymous group admins and channels have no account to charge.
            if isinstance(event, Message):
                texts: Translator = data["texts"]
                await event.reply(texts("anonymous_sender", None))
            return None
        user, is_new = await self._credits.register(
            sender.id,
            username=sender.username,
            first_name=sender.first_name,
            language=sender.language_code or "en",
        )
        data["user"] = user
        data["is_new_user"] = is_new
        return await handler(event, data)
