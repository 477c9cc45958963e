"""Private chat only: text that is no command gets a hint instead of silence.
In groups the bot never answers chatter.

Every button press is answered, also one from a button the bot no longer knows (an old
message, a feature since removed, a forged payload): otherwise the user's client shows a
spinner until it gives up."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message

from bot.catalog import Catalog
from bot.storage import UserRecord
from bot.telegram.handlers.usage import usage_text
from bot.telegram.i18n import Translator
from bot.telegram.routing import FeatureRouter


async def hint(message: Message, user: UserRecord, texts: Translator, catalog: Catalog) -> None:
    await message.answer(usage_text(texts, user.language, catalog))


async def stale_button(query: CallbackQuery, user: UserRecord, texts: Translator) -> None:
    await query.answer(texts("button_stale", user.language))


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(hint)
    router.callback_query.register(stale_button)
    return router
