"""Inline mode: ``@bot <text>`` in any chat lists the user's own delivered results as cached
files (Telegram's file_id, nothing uploaded, nothing charged, Kie not asked), newest first,
those whose prompt contains the text (any case). The answer is personal and cached briefly;
more than 50 come in pages (``next_offset``). A user with nothing to share gets an empty
answer with a button that opens the bot. Inline mode must be switched on with @BotFather
(/setinline)."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.enums import ParseMode
from aiogram.types import (
    InlineQuery,
    InlineQueryResultCachedAudio,
    InlineQueryResultCachedDocument,
    InlineQueryResultCachedPhoto,
    InlineQueryResultCachedVideo,
    InlineQueryResultsButton,
    InlineQueryResultUnion,
)

from bot.domain import DeliveryMethod
from bot.services.generation.history import HistoryService, SharedFile
from bot.storage import UserRecord
from bot.telegram.files import shorten
from bot.telegram.i18n import Translator
from bot.telegram.resend import result_caption
from bot.telegram.routing import FeatureRouter

CACHE_TIME = 10  # seconds: a new result shows up soon
START_PARAMETER = "inline"
TITLE_LIMIT = 64


# The cached result type of each way a file was sent, and its file-id field; audio takes no
# title (Telegram shows the track's own), and anything else goes as a document.
_Titled = type[InlineQueryResultCachedPhoto | InlineQueryResultCachedVideo | InlineQueryResultCachedDocument]
_TITLED: dict[DeliveryMethod, tuple[_Titled, str]] = {
    DeliveryMethod.PHOTO: (InlineQueryResultCachedPhoto, "photo_file_id"),
    DeliveryMethod.VIDEO: (InlineQueryResultCachedVideo, "video_file_id"),
}
_AS_DOCUMENT: tuple[_Titled, str] = (InlineQueryResultCachedDocument, "document_file_id")


def inline_result(texts: Translator, language: str, shared: SharedFile) -> InlineQueryResultUnion:
    delivery, task = shared.delivery, shared.task
    assert delivery.file_id is not None
    common: dict[str, Any] = {
        "id": str(delivery.id),
        "caption": result_caption(texts, language, task, delivery),
        "parse_mode": ParseMode.HTML,
    }
    if delivery.sent_as is DeliveryMethod.AUDIO:
        return InlineQueryResultCachedAudio(audio_file_id=delivery.file_id, **common)
    # Titles and descriptions are plain text (no parse mode): the prompt as it is, shortened.
    common |= {"title": shorten(task.prompt, TITLE_LIMIT), "description": shared.model_name}
    kind, field = _TITLED.get(delivery.sent_as, _AS_DOCUMENT) if delivery.sent_as else _AS_DOCUMENT
    common[field] = delivery.file_id
    return kind(**common)


def _offset(raw: str) -> int:
    return int(raw) if raw.isdigit() else 0


async def share(query: InlineQuery, user: UserRecord, history: HistoryService, texts: Translator) -> None:
    offset = _offset(query.offset)
    found = await history.shareable(user.user_id, query.query, offset=offset)
    results = [inline_result(texts, user.language, shared) for shared in found.files]
    button = None
    if not results and offset == 0:
        key = "inline_nothing_matches" if found.has_any else "inline_none"
        button = InlineQueryResultsButton(text=texts(key, user.language), start_parameter=START_PARAMETER)
    await query.answer(
        results,
        cache_time=CACHE_TIME,
        is_personal=True,
        next_offset=str(found.next_offset) if found.next_offset is not None else "",
        button=button,
    )


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.inline_query.register(share)
    return router
