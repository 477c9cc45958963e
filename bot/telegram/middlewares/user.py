"""Registers whoever writes to the bot and hands handlers their ``user`` record.

A banned user stops here: no handler runs, so nothing is created or charged. They get
one short notice per ban (for a button press: as the button's answer), then silence.
Admins are never stopped (they cannot be banned; this also covers an id added to
ADMIN_IDS after a ban), nor are Telegram's reports of a payment or its refund: Stars
already paid are credited even if the payer was banned after the checkout. A banned user's
inline query gets an empty answer (the one notice is kept for a chat)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, InlineQuery, Message, TelegramObject, User

from bot.services.billing.credits import CreditService
from bot.services.operators.admin import AdminService
from bot.storage import UserRecord
from bot.telegram.i18n import Translator, language_for


def _is_payment(event: TelegramObject) -> bool:
    """Telegram's report of Stars already paid or refunded: it must be recorded even for a
    user banned since the checkout, or their money would be taken without credits."""
    return isinstance(event, Message) and (event.successful_payment is not None or event.refunded_payment is not None)


class UserMiddleware(BaseMiddleware):
    def __init__(self, credits: CreditService, admin: AdminService) -> None:
        self._credits = credits
        self._admin = admin

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
            language=language_for(sender.language_code),
        )
        if user.is_banned and not self._admin.is_admin(user.user_id) and not _is_payment(event):
            await self._turn_away(event, user, data["texts"])
            return None
        data["user"] = user
        data["is_new_user"] = is_new
        return await handler(event, data)

    async def _turn_away(self, event: TelegramObject, user: UserRecord, texts: Translator) -> None:
        if isinstance(event, InlineQuery):
            with contextlib.suppress(TelegramAPIError):
                await event.answer([], cache_time=60, is_personal=True)
            return
        notice = await self._admin.take_ban_notice(user.user_id)
        with contextlib.suppress(TelegramAPIError):  # the notice is a courtesy; never retried
            if isinstance(event, CallbackQuery):
                await event.answer(texts("banned_notice", user.language) if notice else None, show_alert=notice)
            elif notice and isinstance(event, Message):
                await event.reply(texts("banned_notice", user.language))
