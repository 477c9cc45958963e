"""A delivered result sent again by its Telegram ``file_id`` (for /history): nothing is
uploaded, Kie is not asked, nothing is charged. Captions as on the first delivery, in the
language of the user who asks."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from bot.domain import DeliveryMethod, MediaKind
from bot.storage import DeliveryRecord, TaskRecord
from bot.telegram.files import CAPTION_PROMPT_LIMIT, ICONS, shorten
from bot.telegram.i18n import Markup, Translator

log = logging.getLogger(__name__)


def result_caption(texts: Translator, language: str, task: TaskRecord, delivery: DeliveryRecord) -> Markup:
    prompt = shorten(task.prompt, CAPTION_PROMPT_LIMIT)
    if delivery.media is MediaKind.AUDIO and delivery.title:
        return texts("caption_song", language, title=shorten(delivery.title, 100), prompt=prompt)
    return texts("caption", language, icon=ICONS.get(delivery.media, "📎"), prompt=prompt)


class TelegramResender:
    def __init__(self, bot: Bot, texts: Translator) -> None:
        self._bot = bot
        self._texts = texts

    async def resend(
        self, task: TaskRecord, delivery: DeliveryRecord, *, chat_id: int, thread_id: int | None, language: str
    ) -> bool:
        file_id = delivery.file_id
        if file_id is None:
            return False
        common: dict[str, Any] = {
            "chat_id": chat_id,
            "message_thread_id": thread_id,
            "caption": result_caption(self._texts, language, task, delivery),
        }
        try:
            try:
                match delivery.sent_as:
                    case DeliveryMethod.PHOTO:
                        await self._bot.send_photo(photo=file_id, **common)
                    case DeliveryMethod.VIDEO:
                        await self._bot.send_video(video=file_id, **common)
                    case DeliveryMethod.AUDIO:
                        await self._bot.send_audio(audio=file_id, **common)
                    case _:
                        await self._bot.send_document(document=file_id, **common)
                return True
            except TelegramBadRequest as exc:
                if delivery.sent_as is DeliveryMethod.DOCUMENT:
                    raise
                # Telegram may have stored it as another type (a silent video as an animation):
                # a document takes any file id.
                log.info("resend of delivery %d as %s refused (%s); as a document", delivery.id, delivery.sent_as, exc)
                await self._bot.send_document(document=file_id, **common)
                return True
        except TelegramAPIError as exc:
            log.warning("could not resend delivery %d to chat %d: %s", delivery.id, chat_id, exc)
            return False
