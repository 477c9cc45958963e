"""Where a message about a task goes: its chat and forum topic, replying to the command."""

from __future__ import annotations

from typing import Any

from aiogram.types import ReplyParameters

from bot.storage import TaskRecord


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
