"""/language: the user picks the language the bot speaks to them (inline buttons). The choice
is stored per user and used for everything after, results of running requests included."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.services.billing.credits import CreditService
from bot.storage import UserRecord
from bot.telegram.i18n import ENGLISH, LANGUAGES, RUSSIAN, Translator
from bot.telegram.routing import FeatureRouter

# Each language's name in itself: a reader who cannot read the current one still finds theirs.
_NAMES = {RUSSIAN: "🇷🇺 Русский", ENGLISH: "🇬🇧 English"}


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


def _keyboard(current: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in (RUSSIAN, ENGLISH):
        mark = "✅ " if code == current else ""
        builder.button(text=f"{mark}{_NAMES[code]}", callback_data=LanguageChoice(code=code))
    return builder.as_markup()


async def choose(message: Message, user: UserRecord, texts: Translator) -> None:
    await message.reply(texts("language_choose", user.language), reply_markup=_keyboard(user.language))


async def chosen(
    query: CallbackQuery, callback_data: LanguageChoice, user: UserRecord, credits: CreditService, texts: Translator
) -> None:
    await credits.set_language(user.user_id, callback_data.code)
    await query.answer()
    if isinstance(query.message, Message) and query.message.chat.id == query.from_user.id:
        # In a group the keyboard is anyone's to press: leave it for the others.
        await query.message.edit_text(texts("language_set", callback_data.code))


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.register(choose, Command("language", ignore_case=True))
    # A forged or outdated code matches nothing here and gets the stale-button answer.
    router.callback_query.register(chosen, LanguageChoice.filter(F.code.in_(LANGUAGES)))
    return router
