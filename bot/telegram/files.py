"""Result files through the Bot API: captions in the task's language, and Telegram's answers
mapped to the delivery service's terms (refused chat, passing failure, refused method)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import FSInputFile, Message

from bot.domain import DeliveryMethod, MediaKind
from bot.services.ports import ChatRefusedError, LocalFile, MethodRefusedError, PassingSendError, SentFile
from bot.storage import DeliveryRecord, TaskRecord
from bot.telegram.i18n import Translator
from bot.telegram.replies import reply_target
from bot.telegram.result_buttons import ResultButtons

CAPTION_PROMPT_LIMIT = 800  # captions hold 1024 UTF-16 units; leave room for the frame
UPLOAD_TIMEOUT = 300  # seconds; a 50 MB upload on a slow link takes a while
ICONS = {MediaKind.IMAGE: "🖼", MediaKind.VIDEO: "🎬", MediaKind.AUDIO: "🎵"}
# aiogram's FSInputFile reads through aiofiles' thread pool, 64 KiB per trip, and a trip costs
# about 0.15 ms of CPU (hand-off, wake-up), more than reading 1 MiB from the page cache on the
# loop (~0.06 ms). Measured one file at a time, CPU to read it: 1 KiB 0.58 → 0.015 ms (at
# once); 2 MiB 4.9 → 1.7 ms, 45 MiB 101 → 24 ms (in pieces). Pieces of 1 MiB would take 45 MiB
# to 10 ms, but left the bot 5.3–5.6 MB over idle after the benchmark's video case alone,
# against 2.0 MB with 256 KiB and 1.7–1.9 MB with aiogram's 64 KiB.
READ_AT_ONCE = 1024 * 1024  # a file up to this size is read on the loop, in one call
UPLOAD_CHUNK = 256 * 1024  # a larger one: one trip to the thread pool per 256 KiB


class ResultUpload(FSInputFile):
    """A downloaded result, read for its upload with fewer trips to a thread (a fresh read for
    every attempt, as aiogram's own)."""

    def __init__(self, path: Path, filename: str) -> None:
        super().__init__(path, filename=filename, chunk_size=UPLOAD_CHUNK)

    async def read(self, bot: Bot) -> AsyncGenerator[bytes, None]:
        path = Path(self.path)
        if path.stat().st_size <= READ_AT_ONCE:
            yield path.read_bytes()
            return
        async for chunk in super().read(bot):
            yield chunk


def shorten(text: str, limit: int) -> str:
    """Cut to ``limit`` UTF-16 code units, the way Telegram counts caption length."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    out, used = [], 1  # room for the ellipsis
    for ch in text:
        units = 2 if ord(ch) > 0xFFFF else 1
        if used + units > limit:
            break
        out.append(ch)
        used += units
    return "".join(out) + "…"


def _file_id(message: Message) -> str | None:
    if message.photo:
        return message.photo[-1].file_id
    media = message.video or message.audio or message.document
    return media.file_id if media else None


class TelegramFileSender:
    def __init__(self, bot: Bot, texts: Translator, buttons: ResultButtons | None = None) -> None:
        self._bot = bot
        self._texts = texts
        self._buttons = buttons  # "Again" / "Animate" under each result

    def _markup(self, task: TaskRecord, delivery: DeliveryRecord) -> dict[str, Any]:
        markup = self._buttons.markup(task, delivery) if self._buttons is not None else None
        return {"reply_markup": markup} if markup is not None else {}

    async def send_file(
        self, task: TaskRecord, delivery: DeliveryRecord, file: LocalFile, method: DeliveryMethod
    ) -> SentFile:
        t, lang = self._texts, task.language
        prompt = shorten(task.prompt, CAPTION_PROMPT_LIMIT)
        if delivery.media is MediaKind.AUDIO and delivery.title:
            caption = t("caption_song", lang, title=shorten(delivery.title, 100), prompt=prompt)
        else:
            caption = t("caption", lang, icon=ICONS.get(delivery.media, "📎"), prompt=prompt)
        upload = ResultUpload(file.path, filename=file.name)
        common = {
            "caption": caption,
            "request_timeout": UPLOAD_TIMEOUT,
            **reply_target(task),
            **self._markup(task, delivery),
        }
        async with _mapped_errors():
            if method is DeliveryMethod.PHOTO:
                message = await self._bot.send_photo(photo=upload, **common)
            elif method is DeliveryMethod.VIDEO:
                message = await self._bot.send_video(video=upload, supports_streaming=True, **common)
            elif method is DeliveryMethod.AUDIO:
                duration = int(delivery.duration) if delivery.duration else None
                message = await self._bot.send_audio(audio=upload, title=delivery.title, duration=duration, **common)
            else:
                message = await self._bot.send_document(document=upload, **common)
        return SentFile(message.message_id, _file_id(message))

    async def send_link(self, task: TaskRecord, delivery: DeliveryRecord, url: str) -> SentFile:
        icon = ICONS.get(delivery.media, "📎")
        text = self._texts("result_link", task.language, icon=icon, kind=task.kind.value, url=url)
        async with _mapped_errors():
            message = await self._bot.send_message(text=text, **reply_target(task), **self._markup(task, delivery))
        return SentFile(message.message_id, None)


@asynccontextmanager
async def _mapped_errors() -> AsyncIterator[None]:
    """Telegram's exceptions, as the delivery service's."""
    try:
        yield
    except TelegramEntityTooLarge as exc:  # a TelegramNetworkError, but a final "no"
        raise MethodRefusedError(str(exc)) from exc
    except TelegramForbiddenError as exc:
        raise ChatRefusedError(str(exc)) from exc
    except (TelegramRetryAfter, TelegramNetworkError, TelegramServerError) as exc:
        raise PassingSendError(str(exc)) from exc
    except TelegramAPIError as exc:
        raise MethodRefusedError(str(exc)) from exc
