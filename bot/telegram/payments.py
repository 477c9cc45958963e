"""The Telegram side of Stars payments: the buy buttons and the refund call (the port
``StarsRefunder``). The logic lives in ``bot.services.billing.payments``."""

from __future__ import annotations

import functools

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.catalog import CreditPack
from bot.errors import RefundRefusedError
from bot.services.ports import ChargeAlreadyRefundedError
from bot.telegram.i18n import Translator


class BuyMenu(CallbackData, prefix="buy"):
    """The "Buy credits" button: shows the packs."""


class BuyPack(CallbackData, prefix="pack"):
    """One pack's button: sends its invoice."""

    key: str


@functools.lru_cache(maxsize=16)  # the same few objects for every /balance: built once per language
def buy_button(texts: Translator, language: str) -> InlineKeyboardMarkup:
    """One button that opens the packs: under /balance and the "not enough credits" refusal."""
    builder = InlineKeyboardBuilder()
    builder.button(text=texts("buy_button", language), callback_data=BuyMenu())
    return builder.as_markup()


def packs_keyboard(texts: Translator, language: str, packs: list[CreditPack]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for pack in packs:
        builder.button(
            text=texts("buy_pack_button", language, stars=pack.stars, credits=pack.total),
            callback_data=BuyPack(key=pack.key),
        )
    builder.adjust(1)
    return builder.as_markup()


class TelegramStarsRefunder:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def refund_stars(self, user_id: int, charge_id: str) -> None:
        try:
            await self._bot.refund_star_payment(user_id=user_id, telegram_payment_charge_id=charge_id)
        except TelegramBadRequest as exc:
            if "CHARGE_ALREADY_REFUNDED" in exc.message:
                raise ChargeAlreadyRefundedError(charge_id) from exc
            raise RefundRefusedError(charge_id, exc.message) from exc
