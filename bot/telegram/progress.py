"""A request's progress message, in the task's language: sent once as a reply to the command,
then edited in place (queued → waiting → working). Best effort: the outcome that matters
goes through the outbox, so a failure here is logged and forgotten."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from bot.services.ports import ProgressStage
from bot.storage import TaskRecord
from bot.telegram.i18n import Markup, Translator
from bot.telegram.replies import reply_target

log = logging.getLogger(__name__)


class TelegramProgress:
    def __init__(self, bot: Bot, texts: Translator) -> None:
        self._bot = bot
        self._texts = texts

    def text(self, task: TaskRecord, stage: ProgressStage, *, model_name: str, balance: int | None) -> Markup:
        values = {"kind": task.kind.value, "model": model_name}
        if stage is ProgressStage.QUEUED:
            return self._texts("status_queued", task.language, price=task.price, balance=balance or 0, **values)
        return self._texts(f"status_{stage}", task.language, **values)

    async def show(
        self, task: TaskRecord, stage: ProgressStage, *, model_name: str, balance: int | None = None
    ) -> int | None:
        text = self.text(task, stage, model_name=model_name, balance=balance)
        try:
            if task.status_message_id is not None:
                try:
                    await self._bot.edit_message_text(
                        text=text, chat_id=task.chat_id, message_id=task.status_message_id
                    )
                    return None
                except TelegramBadRequest as exc:
                    if "not modified" in exc.message:
                        return None
                    log.info("progress message of task %d is gone (%s); sending a new one", task.id, exc.message)
            sent = await self._bot.send_message(text=text, **reply_target(task))
            return sent.message_id
        except TelegramForbiddenError:
            return None  # the session's BlockedChats middleware has recorded and logged it
        except Exception as exc:  # a progress line must never break the request
            log.warning("could not show progress of task %d to user %d: %r", task.id, task.user_id, exc)
            return None
