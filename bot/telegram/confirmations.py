"""The Telegram side of confirmations above ``CONFIRM_ABOVE``: the two buttons under the
question. The logic (what is kept, charged once, expires) is in ``GenerationService``."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.telegram.i18n import Translator

CONFIRM, CANCEL = "ok", "no"


class ConfirmPress(CallbackData, prefix="cfm"):
    """Confirm or Cancel of one pending confirmation (its id; the requester is checked)."""

    action: str  # CONFIRM or CANCEL
    id: int


def confirm_keyboard(texts: Translator, language: str, confirmation_id: int, price: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=texts("confirm_button", language, price=price),
        callback_data=ConfirmPress(action=CONFIRM, id=confirmation_id),
    )
    builder.button(
        text=texts("confirm_cancel_button", language), callback_data=ConfirmPress(action=CANCEL, id=confirmation_id)
    )
    builder.adjust(1)
    return builder.as_markup()
