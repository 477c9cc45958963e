"""A request's progress message, in the task's language: sent once as a reply to the command,
then edited in place (queued → waiting → working). Best effort: the outcome that matters
goes through the outbox, so a failure here is logged and forgotten.

While the request waits in the bot's queue (queued, waiting) the message carries a Cancel
button; the "working" edit, sent once Kie has the request, has none, which removes it."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.ports import ProgressStage
from bot.storage import TaskRecord
from bot.telegram.i18n import Markup, Translator
from bot.telegram.replies import reply_target

log = logging.getLogger(__name__)

_CANCELLABLE = (ProgressStage.QUEUED, ProgressStage.WAITING)


class CancelRequest(CallbackData, prefix="cancel"):
    """The Cancel button of one request (only its requester may press it)."""

    task_id: int


def cancel_keyboard(texts: Translator, task: TaskRecord) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(
        text=texts("button_cancel", task.language), callback_data=CancelRequest(task_id=task.id).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


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
        # None on the "working" edit: an edit without a keyboard removes the Cancel button.
        markup = cancel_keyboard(self._texts, task) if stage in _CANCELLABLE else None
        try:
            if task.status_message_id is not None:
                try:
                    await self._bot.edit_message_text(
                        text=text, chat_id=task.chat_id, message_id=task.status_message_id, reply_markup=markup
                    )
                    return None
                except TelegramBadRequest as exc:
                    if "not modified" in exc.message:
                        return None
                    log.info("progress message of task %d is gone (%s); sending a new one", task.id, exc.message)
            sent = await self._bot.send_message(text=text, reply_markup=markup, **reply_target(task))
            return sent.message_id
        except TelegramForbiddenError:
            return None  # the session's BlockedChats middleware has recorded and logged it
        except Exception as exc:  # a progress line must never break the request
            log.warning("could not show progress of task %d to user %d: %r", task.id, task.user_id, exc)
            return None
