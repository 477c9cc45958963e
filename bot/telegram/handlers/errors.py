"""Last line of defence: an unexpected error is logged and the user hears about it, once.

A 403 gets no answer at all: the chat has just refused a message, and another one would be
refused too (the session's BlockedChats middleware has logged and recorded it). Nor does a
failure of the apology itself lead anywhere: it is logged, never retried.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import ErrorEvent, User

from bot.services.billing.credits import CreditService
from bot.telegram.i18n import Translator
from bot.telegram.routing import FeatureRouter

log = logging.getLogger(__name__)


async def _language(credits: CreditService, sender: User | None) -> str | None:
    """The sender's stored language (a /language choice wins over Telegram's setting)."""
    if sender is None:
        return None
    try:
        return await credits.language_of(sender.id) or sender.language_code
    except Exception:  # the database may be what failed
        return sender.language_code


async def on_error(event: ErrorEvent, texts: Translator, credits: CreditService) -> bool:
    update = event.update
    if isinstance(event.exception, TelegramForbiddenError):
        return True  # already logged (one line) and recorded by the session's BlockedChats middleware
    log.error("update %s failed", update.update_id, exc_info=event.exception)
    try:
        if update.message is not None:
            language = await _language(credits, update.message.from_user)
            await update.message.reply(texts("internal_error", language))
        elif update.callback_query is not None:
            query = update.callback_query
            language = await _language(credits, query.from_user)
            await query.answer(texts("internal_error", language), show_alert=True)
    except TelegramAPIError as exc:
        log.info("update %s: could not say so either (%s)", update.update_id, exc)
    return True


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.errors.register(on_error)
    return router
