"""A broadcast through the Bot API: the operator's text to each user, and the counts in the
operator's language. Pace and 429s are the session's business (Pacing, RetryAfter), a 403
is recorded by its BlockedChats middleware."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import ReplyParameters

from bot.services.ports import BroadcastProgress, BroadcastReport, BroadcastStage, CopyOutcome
from bot.telegram.i18n import Translator

log = logging.getLogger(__name__)

_KEYS = {
    BroadcastStage.RUNNING: "admin_broadcast_progress",
    BroadcastStage.DONE: "admin_broadcast_done",
    BroadcastStage.STOPPED: "admin_broadcast_stopped",
}


class TelegramBroadcastChannel:
    def __init__(self, bot: Bot, texts: Translator) -> None:
        self._bot = bot
        self._texts = texts

    async def send(self, user_id: int, text: str) -> CopyOutcome:
        try:
            await self._bot.send_message(chat_id=user_id, text=text)
        except TelegramForbiddenError:
            return CopyOutcome.BLOCKED
        except TelegramAPIError as exc:  # chat not found, flood control beyond our patience, network
            log.warning("broadcast to %d failed: %r", user_id, exc)
            return CopyOutcome.FAILED
        return CopyOutcome.SENT

    async def report(self, report: BroadcastReport, stage: BroadcastStage, progress: BroadcastProgress) -> int | None:
        text = self._texts(
            _KEYS[stage],
            report.language,
            total=progress.total,
            done=progress.done,
            sent=progress.sent,
            blocked=progress.blocked,
            failed=progress.failed,
        )
        if report.message_id is None:
            reply = ReplyParameters(message_id=report.reply_to, allow_sending_without_reply=True)
            sent = await self._bot.send_message(
                chat_id=report.chat_id, text=text, reply_parameters=reply if report.reply_to else None
            )
            return sent.message_id
        try:
            await self._bot.edit_message_text(text=text, chat_id=report.chat_id, message_id=report.message_id)
        except TelegramAPIError as exc:  # the operator deleted it, or nothing changed
            log.info("broadcast progress not shown: %r", exc)
        return report.message_id
