"""Private chat only: text that is no command gets a hint instead of silence.
In groups the bot never answers chatter."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import Message

from bot.catalog import Catalog
from bot.i18n import Translator
from bot.storage import UserRecord
from bot.telegram.handlers.usage import usage_text


async def hint(message: Message, user: UserRecord, texts: Translator, catalog: Catalog) -> None:
    await message.answer(usage_text(texts, user.language, catalog))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(hint)
    return router
