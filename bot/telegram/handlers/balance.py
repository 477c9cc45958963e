from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.services.billing.credits import CreditService
from bot.storage import UserRecord
from bot.telegram.i18n import Translator
from bot.telegram.payments import buy_button


async def balance(message: Message, user: UserRecord, credits: CreditService, texts: Translator) -> None:
    amount = await credits.balance(user.user_id)
    await message.answer(texts("balance", user.language, balance=amount), reply_markup=buy_button(texts, user.language))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(balance, Command("balance", ignore_case=True))
    return router
