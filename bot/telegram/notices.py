"""Words outbox notices in their language, sends them through the Bot API and says how it
went, in the outbox's terms.

Which Telegram answers are passing (try again) and which are final is decided here, once:
5xx, timeouts, network errors and flood control pass; a 403 or a chat that does not exist
is final; an edit Telegram refuses becomes a new message.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError, TelegramMigrateToChat
from aiogram.types import ReplyParameters

from bot.services.generation.reasons import FailureReason
from bot.services.ports import NoticeKind, SendOutcome, SendResult
from bot.storage import NoticeRecord
from bot.telegram.i18n import Markup, Translator


def reason_text(texts: Translator, language: str, reason: str, detail: str | None) -> Markup:
    """Why it failed, in the user's language; Kie's own words, if any, quoted on a line of their own."""
    text = texts(f"reason_{FailureReason(reason)}", language)
    if detail:
        return Markup(f"{text}\n{texts('reason_detail', language, detail=detail)}")
    return text


def render(texts: Translator, notice: NoticeRecord) -> Markup:
    """The notice's text in its recipient's language."""
    lang, values = notice.language, dict(notice.payload)
    kind = NoticeKind(notice.event)
    if kind is NoticeKind.TASK_DONE:
        return texts("status_done", lang, kind=values["kind"], price=values["price"])
    if kind is NoticeKind.TASK_FAILED:
        reason = reason_text(texts, lang, values["reason"], values.get("detail"))
        return texts("status_failed", lang, reason=reason, price=values["price"], balance=values["balance"])
    if kind is NoticeKind.TASK_CANCELLED:
        return texts("status_cancelled", lang, kind=values["kind"], price=values["price"], balance=values["balance"])
    if kind is NoticeKind.OPERATOR_REFUND:
        return texts("refund_by_operator", lang, kind=values["kind"], price=values["price"], balance=values["balance"])
    return texts(
        "admin_kie_low_balance",
        lang,
        balance=round(float(values["balance"]), 2),  # Fluent writes numbers the language's way
        threshold=round(float(values["threshold"]), 2),
    )


class TelegramNoticeSender:
    def __init__(self, bot: Bot, texts: Translator) -> None:
        self._bot = bot
        self._texts = texts

    async def deliver(self, notice: NoticeRecord) -> SendResult:
        try:
            text = render(self._texts, notice)
            if notice.edit_message_id is not None:
                return await self._edit(notice, text)
            await self._send_new(notice, text)
            return SendResult(SendOutcome.SENT)
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            return SendResult(SendOutcome.UNDELIVERABLE, f"{type(exc).__name__}: {exc.message}")
        except TelegramAPIError as exc:  # 5xx, network, timeout, flood control not waited out
            return SendResult(SendOutcome.RETRY, f"{type(exc).__name__}: {exc.message}")
        except Exception as exc:  # e.g. an answer that is not JSON: Telegram having a bad moment
            return SendResult(SendOutcome.RETRY, repr(exc))

    async def _send_new(self, notice: NoticeRecord, text: str) -> None:
        """A new message, replying to the request. A closed or deleted forum topic, or a group
        that became a supergroup, must not cost the user their notice: the message then goes
        to the group itself, or to its new id."""
        chat_id, thread_id = notice.chat_id, notice.thread_id
        reply = (
            ReplyParameters(message_id=notice.reply_to, allow_sending_without_reply=True)
            if notice.reply_to is not None
            else None
        )
        for _ in range(3):
            try:
                await self._bot.send_message(
                    chat_id=chat_id, text=text, message_thread_id=thread_id, reply_parameters=reply
                )
                return
            except TelegramMigrateToChat as exc:
                chat_id, reply = exc.migrate_to_chat_id, None
            except TelegramBadRequest as exc:
                if thread_id is None or not any(word in exc.message.lower() for word in ("thread", "topic")):
                    raise
                thread_id = None
        await self._bot.send_message(chat_id=chat_id, text=text, message_thread_id=thread_id, reply_parameters=reply)

    async def _edit(self, notice: NoticeRecord, text: str) -> SendResult:
        assert notice.edit_message_id is not None
        try:
            await self._bot.edit_message_text(chat_id=notice.chat_id, message_id=notice.edit_message_id, text=text)
        except TelegramForbiddenError:
            raise
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:  # it already says this (an earlier try got through)
                return SendResult(SendOutcome.SENT)
            return SendResult(SendOutcome.EDIT_IMPOSSIBLE, exc.message)
        return SendResult(SendOutcome.SENT)
