"""The bot in group chats: it introduces itself once when added, and leaves groups the
operator did not allow (``ALLOWED_GROUP_IDS``), saying why."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import JOIN_TRANSITION, ChatMemberUpdatedFilter, Filter
from aiogram.types import Chat, ChatMemberUpdated, Message

from bot.catalog import Catalog, Kind
from bot.i18n import Translator

log = logging.getLogger(__name__)

_GROUPS = F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP})


class NotAllowedGroup(Filter):
    """A group outside a non-empty ``allowed_groups`` list."""

    async def __call__(self, event: Message | ChatMemberUpdated, allowed_groups: frozenset[int]) -> bool:
        return bool(allowed_groups) and event.chat.id not in allowed_groups


async def _refuse_and_leave(bot: Bot, chat: Chat, texts: Translator, language: str | None) -> None:
    log.info("leaving group %d: not in ALLOWED_GROUP_IDS", chat.id)
    with contextlib.suppress(TelegramAPIError):  # may not be allowed to write; leaving matters more
        await bot.send_message(chat.id, texts("group_not_allowed", language))
    try:
        await bot.leave_chat(chat.id)
    except TelegramAPIError as exc:
        log.warning("could not leave group %d: %s", chat.id, exc)


async def added_to_unlisted_group(event: ChatMemberUpdated, bot: Bot, texts: Translator) -> None:
    await _refuse_and_leave(bot, event.chat, texts, event.from_user.language_code)


async def message_in_unlisted_group(message: Message, bot: Bot, texts: Translator) -> None:
    language = message.from_user.language_code if message.from_user else None
    await _refuse_and_leave(bot, message.chat, texts, language)


async def added_to_group(event: ChatMemberUpdated, bot: Bot, texts: Translator, catalog: Catalog) -> None:
    me = await bot.me()
    await bot.send_message(
        event.chat.id,
        texts(
            "group_intro",
            event.from_user.language_code,
            bot=me.username or me.first_name,
            image_price=catalog.default_for(Kind.IMAGE).price,
        ),
    )


def setup() -> Router:
    router = Router(name=__name__)
    joined = ChatMemberUpdatedFilter(member_status_changed=JOIN_TRANSITION)
    router.my_chat_member.register(added_to_unlisted_group, _GROUPS, joined, NotAllowedGroup())
    router.my_chat_member.register(added_to_group, _GROUPS, joined)
    router.message.register(message_in_unlisted_group, _GROUPS, NotAllowedGroup())
    return router
