"""Groups the operator did not allow (``ALLOWED_GROUP_IDS``): the bot says so and leaves,
before anything else looks at the message (no user is registered, nothing is charged)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, ChatMemberUpdated, Message, TelegramObject

from bot.telegram.i18n import Translator

log = logging.getLogger(__name__)

_GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)


def is_unlisted_group(chat: Chat, allowed_groups: frozenset[int]) -> bool:
    return bool(allowed_groups) and chat.type in _GROUP_TYPES and chat.id not in allowed_groups


async def refuse_and_leave(bot: Bot, chat: Chat, texts: Translator, language: str | None) -> None:
    log.info("leaving group %d: not in ALLOWED_GROUP_IDS", chat.id)
    with contextlib.suppress(TelegramAPIError):  # may not be allowed to write; leaving matters more
        await bot.send_message(chat.id, texts("group_not_allowed", language))
    try:
        await bot.leave_chat(chat.id)
    except TelegramAPIError as exc:
        log.warning("could not leave group %d: %s", chat.id, exc)


class GroupAccessMiddleware(BaseMiddleware):
    """Outer middleware for messages and the bot's own membership changes."""

    def __init__(self, allowed_groups: frozenset[int]) -> None:
        self._allowed = allowed_groups

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Message | ChatMemberUpdated) and is_unlisted_group(event.chat, self._allowed):
            if isinstance(event, ChatMemberUpdated) and event.new_chat_member.status in ("left", "kicked"):
                return None  # already out
            sender = event.from_user
            await refuse_and_leave(data["bot"], event.chat, data["texts"], sender.language_code if sender else None)
            return None
        return await handler(event, data)
