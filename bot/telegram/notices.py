"""Sends outbox notices through the Bot API and says how it went, in the outbox's terms.

Which Telegram answers are passing (try again) and which are final is decided here, once:
5xx, timeouts, network errors and flood control pass; a 403 or a chat that does not exist
is final; an edit Telegram refuses becomes a new message.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ReplyParameters

from bot.services.outbox import SendOutcome, SendResult
from bot.storage import NoticeRecord


class TelegramNoticeSender:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def deliver(self, notice: NoticeRecord) -> SendResult:
        try:
            if notice.edit_message_id is not None:
                return await self._edit(notice)
            reply = (
                ReplyParameters(message_id=notice.reply_to, allow_sending_without_reply=True)
                if notice.reply_to is not None
                else None
            )
            await self._bot.send_message(
                chat_id=notice.chat_id,
                text=notice.text,
                message_thread_id=notice.thread_id,
                reply_parameters=reply,
            )
            return SendResult(SendOutcome.SENT)
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            return SendResult(SendOutcome.UNDELIVERABLE, f"{type(exc).__name__}: {exc.message}")
        except TelegramAPIError as exc:  # 5xx, network, timeout, flood control not waited out
            return SendResult(SendOutcome.RETRY, f"{type(exc).__name__}: {exc.message}")
        except Exception as exc:  # e.g. an answer that is not JSON: Telegram having a bad moment
            return SendResult(SendOutcome.RETRY, repr(exc))

    async def _edit(self, notice: NoticeRecord) -> SendResult:
        assert notice.edit_message_id is not None
        try:
            await self._bot.edit_message_text(
                chat_id=notice.chat_id, message_id=notice.edit_message_id, text=notice.text
            )
        except TelegramForbiddenError:
            raise
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:  # it already says this (an earlier try got through)
                return SendResult(SendOutcome.SENT)
            return SendResult(SendOutcome.EDIT_IMPOSSIBLE, exc.message)
        return SendResult(SendOutcome.SENT)
