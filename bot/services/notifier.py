"""Talks to the requester about a task: one progress message, edited in place."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ReplyParameters

from bot.i18n import Markup, Translator
from bot.storage import Database, TaskRecord

log = logging.getLogger(__name__)


def reply_target(task: TaskRecord) -> dict[str, Any]:
    """Where a message about ``task`` goes: its chat and topic, replying to the command."""
    target: dict[str, Any] = {"chat_id": task.chat_id}
    if task.thread_id is not None:
        target["message_thread_id"] = task.thread_id
    if task.request_message_id is not None:
        # A deleted command must not make the result undeliverable.
        target["reply_parameters"] = ReplyParameters(
            message_id=task.request_message_id, allow_sending_without_reply=True
        )
    return target


class Notifier:
    def __init__(self, bot: Bot, db: Database, texts: Translator, clock: Callable[[], float] = time.time) -> None:
        self._bot = bot
        self._db = db
        self.texts = texts
        self._clock = clock

    async def language_of(self, user_id: int) -> str:
        async with self._db.read() as repo:
            user = await repo.users.get(user_id)
        return user.language if user else "en"

    async def tell(self, task: TaskRecord, key: str, **values: object) -> None:
        """Show the text ``key`` in the requester's language. A value given as a
        ``(prefix, name)`` pair is itself a text, looked up as ``prefix_name``."""
        language = await self.language_of(task.user_id)
        resolved = {
            name: self.texts(f"{value[0]}_{value[1]}", language) if isinstance(value, tuple) else value
            for name, value in values.items()
        }
        await self.show(task, self.texts(key, language, **resolved))

    async def show(self, task: TaskRecord, text: Markup) -> None:
        """Put ``text`` in the task's progress message, or send one if there is none.

        Never raises: a status line that cannot be shown must not break settlement.
        """
        try:
            if task.status_message_id is not None:
                try:
                    await self._bot.edit_message_text(
                        text=text, chat_id=task.chat_id, message_id=task.status_message_id
                    )
                    return
                except TelegramBadRequest as exc:
                    if "not modified" in exc.message:
                        return
                    log.info("progress message of task %d is gone (%s); sending a new one", task.id, exc.message)
            sent = await self._bot.send_message(text=text, **reply_target(task))
            async with self._db.transaction() as repo:
                await repo.tasks.set_status_message(task.id, sent.message_id)
        except TelegramForbiddenError:
            await self.chat_refused(task)
        except Exception as exc:  # a status line must never break settlement
            log.warning("could not tell user %d about task %d: %r", task.user_id, task.id, exc)

    async def chat_refused(self, task: TaskRecord) -> None:
        """Telegram answered 403 for the task's chat. Only a private chat means the user
        blocked the bot; in a group the bot was removed, which says nothing about them."""
        if task.chat_id == task.user_id:
            await self.mark_blocked(task.user_id)
        else:
            log.info("bot can no longer write to chat %d (task %d)", task.chat_id, task.id)

    async def mark_blocked(self, user_id: int) -> None:
        async with self._db.transaction() as repo:
            await repo.users.mark_blocked(user_id, self._clock())
