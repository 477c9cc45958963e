"""/whoami: the numeric ids an operator needs for ADMIN_IDS and ALLOWED_GROUP_IDS.

Anyone may ask: an id is no secret to its owner, nor a group's id to its members. In a
group the answer also gives the group's id (a negative number).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import Message

from bot.storage import UserRecord
from bot.telegram.i18n import Translator
from bot.telegram.routing import FeatureRouter


async def whoami(message: Message, user: UserRecord, texts: Translator) -> None:
    if message.chat.type == ChatType.PRIVATE:
        await message.answer(texts("whoami_private", user.language, user_id=user.user_id))
        return
    chat = message.chat
    text = texts("whoami_group", user.language, user_id=user.user_id, chat_id=chat.id, title=chat.title or "")
    await message.reply(text)


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.register(whoami, Command("whoami", ignore_case=True))
    return router
