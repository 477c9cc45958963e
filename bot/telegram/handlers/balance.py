from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.storage import UserRecord
from bot.telegram.i18n import Translator
from bot.telegram.payments import buy_button
from bot.telegram.routing import FeatureRouter


async def balance(message: Message, user: UserRecord, texts: Translator) -> None:
    # ``user`` was read for this very update (UserMiddleware): no second read of the same row.
    await message.answer(
        texts("balance", user.language, balance=user.balance), reply_markup=buy_button(texts, user.language)
    )


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.register(balance, Command("balance", ignore_case=True))
    return router
