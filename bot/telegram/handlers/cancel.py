"""/cancel and the Cancel button of a progress message: stop requests still in the bot's
queue (refunded at once); a request Kie already has cannot be stopped, and the user is told
so plainly. The outcome of each cancelled request also replaces its progress message (an
outbox notice, so it survives a restart)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.services.generation.cancel import CancelOutcome, CancelReport, CancelService
from bot.storage import UserRecord
from bot.telegram.i18n import Markup, Translator
from bot.telegram.progress import CancelRequest
from bot.telegram.routing import FeatureRouter


def report_text(texts: Translator, language: str, report: CancelReport) -> Markup:
    parts = []
    if report.cancelled:
        parts.append(
            texts("cancel_done", language, count=report.cancelled, credits=report.refunded, balance=report.balance)
        )
    if report.running:
        parts.append(texts("cancel_running", language, count=report.running))
    return Markup("\n".join(parts)) if parts else texts("cancel_nothing", language)


async def cancel_command(message: Message, user: UserRecord, cancels: CancelService, texts: Translator) -> None:
    report = await cancels.cancel_in_chat(user.user_id, message.chat.id)
    await message.reply(report_text(texts, user.language, report))


async def cancel_button(
    query: CallbackQuery, callback_data: CancelRequest, user: UserRecord, cancels: CancelService, texts: Translator
) -> None:
    result = await cancels.cancel_task(callback_data.task_id, user.user_id)
    lang = user.language
    match result.outcome:
        case CancelOutcome.CANCELLED:
            await query.answer(texts("cancel_button_done", lang, credits=result.refunded))
        case CancelOutcome.SENT:
            await query.answer(texts("cancel_button_sent", lang))
        case CancelOutcome.NOT_YOURS:
            await query.answer(texts("cancel_not_yours", lang))
        case _:
            await query.answer(texts("button_stale", lang))


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.register(cancel_command, Command("cancel", ignore_case=True))
    router.callback_query.register(cancel_button, CancelRequest.filter())
    return router
