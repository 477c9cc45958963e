"""The buttons under a result: "Again" and "Animate" (see services/generation/actions).

The presser pays, in their language. The callback query is answered before the request is
sent to Kie (the service's refusals are answered by the refusals middleware); the request
then goes the way a command's does: progress message, submit, refund on failure. Its
results reply to the result message the button is under."""

from __future__ import annotations

from collections.abc import Awaitable

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message

from bot.errors import DuplicateRequestError, ResultButtonStaleError
from bot.services.generation.actions import ResultActions
from bot.services.generation.requests import ChatRef, GenerationService, Started
from bot.storage import UserRecord
from bot.telegram.i18n import Translator
from bot.telegram.replies import answer_charged
from bot.telegram.result_buttons import AgainButton, AnimateButton
from bot.telegram.routing import FeatureRouter


def _where(query: CallbackQuery) -> tuple[ChatRef, bool]:
    message = query.message
    if not isinstance(message, Message):  # too old for Telegram to show: nothing to reply to
        raise ResultButtonStaleError("the button's message is inaccessible")
    topic = message.message_thread_id if message.is_topic_message else None
    return ChatRef(message.chat.id, topic, message.message_id), message.chat.type != ChatType.PRIVATE


async def _run(
    query: CallbackQuery,
    user: UserRecord,
    texts: Translator,
    generation: GenerationService,
    starting: Awaitable[Started],
) -> None:
    """Charge (``starting``), answer the press, then send the request the way a command's goes."""
    try:
        started = await starting
    except DuplicateRequestError:
        await query.answer(texts("result_button_used", user.language))
        return
    await answer_charged(query, texts("result_button_started", user.language, price=started.price))
    await generation.launch(started)


async def again(
    query: CallbackQuery,
    callback_data: AgainButton,
    user: UserRecord,
    actions: ResultActions,
    generation: GenerationService,
    texts: Translator,
) -> None:
    chat, in_group = _where(query)
    starting = actions.again(
        task_id=callback_data.task, user_id=user.user_id, language=user.language, chat=chat, in_group=in_group
    )
    await _run(query, user, texts, generation, starting)


async def animate(
    query: CallbackQuery,
    callback_data: AnimateButton,
    user: UserRecord,
    actions: ResultActions,
    generation: GenerationService,
    texts: Translator,
) -> None:
    chat, in_group = _where(query)
    starting = actions.animate(
        delivery_id=callback_data.delivery,
        price=callback_data.price,
        user_id=user.user_id,
        language=user.language,
        chat=chat,
        in_group=in_group,
    )
    await _run(query, user, texts, generation, starting)


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    # Data that does not parse (forged, another version's) matches nothing here and gets the
    # stale-button answer of the fallback router.
    router.callback_query.register(again, AgainButton.filter())
    router.callback_query.register(animate, AnimateButton.filter())
    return router
