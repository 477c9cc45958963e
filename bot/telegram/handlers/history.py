"""/history: the user's own generations, newest first, five a page, with Newer/Older buttons
that edit the message in place and a button per delivered file that sends it again by its
Telegram file_id (no Kie call, no charge). In a group: only the requests made in that group,
and only the one who asked may turn its pages or resend its files."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain import Kind
from bot.services.generation.history import HistoryPage, HistoryService, ResendOutcome
from bot.storage import UserRecord
from bot.telegram.files import ICONS, shorten
from bot.telegram.i18n import RUSSIAN, Markup, Translator, language_for
from bot.telegram.routing import FeatureRouter

PROMPT_LIMIT = 80  # characters of a prompt shown in the list
_KIND_ICONS = {kind: ICONS[kind.media] for kind in Kind}


class HistoryPageButton(CallbackData, prefix="hist"):
    owner: int  # whose history: nobody else may turn its pages
    page: int


class ResendButton(CallbackData, prefix="resend"):
    delivery_id: int


def when(language: str, timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    pattern = "%d.%m.%Y %H:%M UTC" if language_for(language) == RUSSIAN else "%Y-%m-%d %H:%M UTC"
    return moment.strftime(pattern)


def history_text(texts: Translator, language: str, page: HistoryPage, *, in_group: bool) -> Markup:
    if not page.entries:
        return texts("history_empty_group" if in_group else "history_empty", language)
    title = texts(
        "history_title_group" if in_group else "history_title",
        language,
        page=page.page,
        pages=page.pages,
        total=page.total,
    )
    lines = [
        texts(
            "history_entry",
            language,
            number=entry.number,
            icon=_KIND_ICONS.get(entry.task.kind, "📎"),
            prompt=shorten(entry.task.prompt, PROMPT_LIMIT),
            model=entry.model_name,
            price=entry.task.price,
            outcome=texts(f"history_{entry.outcome}", language),
            date=when(language, entry.task.created_at),
        )
        for entry in page.entries
    ]
    return Markup("\n\n".join([title, *lines]))


def history_keyboard(texts: Translator, language: str, page: HistoryPage, owner: int) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    resend = []
    for entry in page.entries:
        for index, file in enumerate(entry.files, start=1):
            label = f"{entry.number}.{index}" if len(entry.files) > 1 else str(entry.number)
            resend.append(
                InlineKeyboardButton(
                    text=texts("history_resend", language, number=label),
                    callback_data=ResendButton(delivery_id=file.id).pack(),
                )
            )
    for start in range(0, len(resend), 3):
        builder.row(*resend[start : start + 3])
    nav = []
    if page.page > 1:
        nav.append(
            InlineKeyboardButton(
                text=texts("history_newer", language),
                callback_data=HistoryPageButton(owner=owner, page=page.page - 1).pack(),
            )
        )
    if page.page < page.pages:
        nav.append(
            InlineKeyboardButton(
                text=texts("history_older", language),
                callback_data=HistoryPageButton(owner=owner, page=page.page + 1).pack(),
            )
        )
    if nav:
        builder.row(*nav)
    return builder.as_markup() if resend or nav else None


def _in_group(chat_type: str) -> bool:
    return chat_type != ChatType.PRIVATE


async def history_command(message: Message, user: UserRecord, history: HistoryService, texts: Translator) -> None:
    in_group = _in_group(message.chat.type)
    page = await history.page(user.user_id, chat_id=message.chat.id if in_group else None, page=1)
    await message.reply(
        history_text(texts, user.language, page, in_group=in_group),
        reply_markup=history_keyboard(texts, user.language, page, user.user_id),
    )


async def turn_page(
    query: CallbackQuery,
    callback_data: HistoryPageButton,
    user: UserRecord,
    history: HistoryService,
    texts: Translator,
) -> None:
    if callback_data.owner != user.user_id:
        await query.answer(texts("history_not_yours", user.language))
        return
    if not isinstance(query.message, Message):
        await query.answer(texts("button_stale", user.language))
        return
    in_group = _in_group(query.message.chat.type)
    chat_id = query.message.chat.id if in_group else None
    page = await history.page(user.user_id, chat_id=chat_id, page=callback_data.page)
    await query.answer()
    with contextlib.suppress(TelegramBadRequest):  # "not modified": pressed twice
        await query.message.edit_text(
            history_text(texts, user.language, page, in_group=in_group),
            reply_markup=history_keyboard(texts, user.language, page, user.user_id),
        )


async def resend(
    query: CallbackQuery,
    callback_data: ResendButton,
    user: UserRecord,
    history: HistoryService,
    texts: Translator,
) -> None:
    message = query.message
    if message is None:
        await query.answer(texts("button_stale", user.language))
        return
    topic = message.message_thread_id if isinstance(message, Message) and message.is_topic_message else None
    outcome = await history.resend(
        user_id=user.user_id,
        language=user.language,
        delivery_id=callback_data.delivery_id,
        chat_id=message.chat.id,
        thread_id=topic,
        in_group=_in_group(message.chat.type),
    )
    match outcome:
        case ResendOutcome.SENT:
            await query.answer()
        case ResendOutcome.NOT_YOURS:
            await query.answer(texts("history_not_yours", user.language))
        case ResendOutcome.REFUSED:
            await query.answer(texts("history_resend_failed", user.language))
        case _:
            await query.answer(texts("button_stale", user.language))


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.register(history_command, Command("history", ignore_case=True))
    router.callback_query.register(turn_page, HistoryPageButton.filter())
    router.callback_query.register(resend, ResendButton.filter())
    return router
