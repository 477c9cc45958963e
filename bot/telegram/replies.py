"""Where a message about a task goes: its chat and forum topic, replying to the command;
and answering the button press that charged a request."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ReplyParameters

from bot.storage import TaskRecord

log = logging.getLogger(__name__)


def reply_target(task: TaskRecord) -> dict[str, Any]:
    target: dict[str, Any] = {"chat_id": task.chat_id}
    if task.thread_id is not None:
        target["message_thread_id"] = task.thread_id
    if task.request_message_id is not None:
        # A deleted command must not make the result undeliverable.
        target["reply_parameters"] = ReplyParameters(
            message_id=task.request_message_id, allow_sending_without_reply=True
        )
    return target


async def answer_charged(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a press that has just charged a request, never raising: the request must be
    sent whatever the answer does ("query is too old" after a replay, a 429, the network)."""
    try:
        await query.answer(text)
    except TelegramAPIError as exc:
        log.warning("could not answer button press %s: %s", query.id, exc)
