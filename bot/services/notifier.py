"""Talks to the requester about a task: one progress message, edited in place.

Progress lines ("queued", "working") are best effort. A task's outcome is a notice in the
outbox instead (``record``, in the settling transaction, then ``send``): it is retried
until Telegram takes it, across restarts, so the user always learns how a request ended.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ReplyParameters

from bot.i18n import Markup, Translator
from bot.services.outbox import Outbox
from bot.storage import Database, Repositories, TaskRecord

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
    def __init__(
        self, bot: Bot, db: Database, texts: Translator, outbox: Outbox, clock: Callable[[], float] = time.time
    ) -> None:
        self._bot = bot
        self._db = db
        self.texts = texts
        self._outbox = outbox
        self._clock = clock

    async def language_of(self, user_id: int) -> str:
        async with self._db.read() as repo:
            user = await repo.users.get(user_id)
        return user.language if user else "en"

    def render(self, language: str, key: str, **values: object) -> Markup:
        """The text ``key`` in ``language``. A value given as a ``(prefix, name)`` pair is
        itself a text, looked up as ``prefix_name``; a ``(key, {values})`` pair likewise."""
        resolved: dict[str, object] = {}
        for name, value in values.items():
            if isinstance(value, tuple) and isinstance(value[1], dict):
                resolved[name] = self.texts(value[0], language, **value[1])
            elif isinstance(value, tuple):
                resolved[name] = self.texts(f"{value[0]}_{value[1]}", language)
            else:
                resolved[name] = value
        return self.texts(key, language, **resolved)

    async def tell(self, task: TaskRecord, key: str, **values: object) -> None:
        """Best effort: show the text ``key`` in the task's progress message."""
        await self.show(task, self.render(await self.language_of(task.user_id), key, **values))

    async def record(
        self, repo: Repositories, task: TaskRecord, key: str, *, new_message: bool = False, **values: object
    ) -> int:
        """Put an outcome notice about ``task`` in the outbox, inside the caller's transaction
        (so it exists exactly when the outcome does). It replaces the progress message unless
        ``new_message``. Returns its id for ``send``."""
        fresh = await repo.tasks.get(task.id) or task  # the progress message may be newer than ``task``
        user = await repo.users.get(task.user_id)
        text = self.render(user.language if user else "en", key, **values)
        return await repo.outbox.add(
            task_id=task.id,
            chat_id=fresh.chat_id,
            thread_id=fresh.thread_id,
            reply_to=fresh.request_message_id,
            edit_message_id=None if new_message else fresh.status_message_id,
            text=text,
            now=self._clock(),
        )

    async def send(self, notice_id: int) -> None:
        """Send a recorded notice now; if Telegram cannot take it, the outbox keeps trying."""
        await self._outbox.send_now(notice_id)

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
            pass  # the session's BlockedChats middleware has recorded and logged it
        except Exception as exc:  # a progress line must never break the request
            log.warning("could not show progress of task %d to user %d: %r", task.id, task.user_id, exc)
