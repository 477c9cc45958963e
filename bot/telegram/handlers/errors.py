"""Last line of defence: an unexpected error is logged and the user hears about it."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.i18n import Translator

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, texts: Translator) -> bool:
    log.error("update %s failed", event.update.update_id, exc_info=event.exception)
    message = event.update.message
    if message is not None:
        try:
            language = message.from_user.language_code if message.from_user else None
            await message.reply(texts("internal_error", language))
        except TelegramAPIError:
            pass
    return True


def setup() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router
