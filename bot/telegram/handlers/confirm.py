"""Confirm and Cancel under a request priced above ``CONFIRM_ABOVE``. Confirm charges and
starts the request once (the question becomes its progress message); Cancel says so and
charges nothing. Someone else's tap, a second tap, an expired question: a short answer from
the refusals middleware, nothing else happens."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot.errors import ConfirmationExpiredError
from bot.services.generation.requests import GenerationService
from bot.storage import UserRecord
from bot.telegram.confirmations import CANCEL, CONFIRM, ConfirmPress
from bot.telegram.i18n import Translator
from bot.telegram.replies import answer_charged
from bot.telegram.routing import FeatureRouter


def _message(query: CallbackQuery) -> Message | None:
    return query.message if isinstance(query.message, Message) else None


async def confirm(
    query: CallbackQuery,
    callback_data: ConfirmPress,
    user: UserRecord,
    generation: GenerationService,
    texts: Translator,
) -> None:
    message = _message(query)
    try:
        started = await generation.confirm(
            callback_data.id, user_id=user.user_id, status_message_id=message.message_id if message else None
        )
    except ConfirmationExpiredError:
        if message is not None:  # the buttons go; the answer (the middleware's) says why
            with contextlib.suppress(TelegramBadRequest):
                await message.edit_text(texts("confirm_expired_text", user.language))
        raise
    await answer_charged(query)
    await generation.launch(started)  # "queued" replaces the question, then the submit


async def cancel(
    query: CallbackQuery,
    callback_data: ConfirmPress,
    user: UserRecord,
    generation: GenerationService,
    texts: Translator,
) -> None:
    await generation.cancel_confirmation(callback_data.id, user_id=user.user_id)
    await query.answer()
    message = _message(query)
    if message is not None:
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_text(texts("confirm_cancelled", user.language))


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    # A forged action or a non-numeric id matches nothing here: the stale-button answer.
    router.callback_query.register(confirm, ConfirmPress.filter(F.action == CONFIRM))
    router.callback_query.register(cancel, ConfirmPress.filter(F.action == CANCEL))
    return router
