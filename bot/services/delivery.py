"""Sending result files to the chat, each exactly once, never silently.

A file is streamed to disk (never held whole in memory), then sent down a fallback
ladder: the native media type, then a document, then a download link. Which rung worked
is recorded with the Telegram ``file_id`` so a later resend costs nothing.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import httpx
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

from bot.services.notifier import Notifier, reply_target
from bot.storage import Database, DeliveryRecord, TaskRecord
from kie import KieClient, KieError

log = logging.getLogger(__name__)

PHOTO_LIMIT = 10 * 1024 * 1024  # Bot API: photos up to 10 MB
UPLOAD_LIMIT = 50 * 1024 * 1024  # Bot API: other files up to 50 MB
DOWNLOAD_ATTEMPTS = 3
CAPTION_PROMPT_LIMIT = 800  # captions hold 1024 UTF-16 units; leave room for the frame
UPLOAD_TIMEOUT = 300  # seconds; a 50 MB upload on a slow link takes a while
_ICONS = {"image": "🖼", "video": "🎬", "audio": "🎵"}


class Outcome(StrEnum):
    SENT = "sent"  # delivered (as media, document or link)
    RETRY = "retry"  # a passing failure; try again later
    FAILED = "failed"  # cannot be delivered to this chat


@dataclass(frozen=True, slots=True)
class Downloaded:
    path: Path | None  # None: larger than Telegram takes, deliver as a link
    size: int
    file_name: str


class DownloadError(Exception):
    pass


def _file_name(url: str, fallback: str) -> str:
    name = PurePosixPath(urlsplit(url).path).name
    safe = "".join(ch for ch in name if ch.isalnum() or ch in "._-")[:64]
    return safe if "." in safe else fallback


def _shorten(text: str, limit: int) -> str:
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


class DeliveryService:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        notifier: Notifier,
        kie: KieClient,
        http: httpx.AsyncClient,
        *,
        work_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._bot = bot
        self._notifier = notifier
        self._kie = kie
        self._http = http  # no Kie credentials on it: result hosts are third parties
        self._work_dir = work_dir
        self._clock = clock
        self._sending: set[asyncio.Future[None]] = set()

    async def deliver(self, task: TaskRecord, delivery: DeliveryRecord) -> Outcome:
        with tempfile.TemporaryDirectory(dir=self._work_dir, prefix="delivery-") as tmp:
            try:
                downloaded = await self._download(delivery, Path(tmp))
            except DownloadError as exc:
                failed = delivery.attempts + 1 >= DOWNLOAD_ATTEMPTS
                log.warning("task %d file %s: download failed (%s)", task.id, delivery.file_key, exc)
                await self._record_attempt(delivery, f"download: {exc}", failed=failed)
                return Outcome.FAILED if failed else Outcome.RETRY
            return await self._send(task, delivery, downloaded)

    async def _download(self, delivery: DeliveryRecord, folder: Path) -> Downloaded:
        fallback = f"result-{delivery.task_id}-{delivery.file_key}{_extension(delivery.media)}"
        name = _file_name(delivery.url, fallback)
        target = folder / name
        try:
            async with self._http.stream("GET", delivery.url, follow_redirects=True) as response:
                if response.status_code != 200:
                    raise DownloadError(f"HTTP {response.status_code}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > UPLOAD_LIMIT:
                    return Downloaded(path=None, size=int(declared), file_name=name)
                size = 0
                with target.open("wb") as out:
                    async for chunk in response.aiter_bytes(256 * 1024):
                        size += len(chunk)
                        if size > UPLOAD_LIMIT:  # a lying or missing Content-Length
                            return Downloaded(path=None, size=size, file_name=name)
                        out.write(chunk)
        except httpx.HTTPError as exc:
            raise DownloadError(type(exc).__name__) from exc
        if size == 0:
            raise DownloadError("empty file")
        return Downloaded(path=target, size=size, file_name=name)

    def _ladder(self, delivery: DeliveryRecord, downloaded: Downloaded) -> list[str]:
        if downloaded.path is None:
            return ["link"]
        native = {"image": "photo", "video": "video", "audio": "audio"}.get(delivery.media, "document")
        if native == "photo" and downloaded.size > PHOTO_LIMIT:
            native = "document"
        return list(dict.fromkeys([native, "document", "link"]))

    async def _send(self, task: TaskRecord, delivery: DeliveryRecord, downloaded: Downloaded) -> Outcome:
        language = await self._notifier.language_of(task.user_id)
        last_error = "nothing tried"
        for rung in self._ladder(delivery, downloaded):
            try:
                await self._send_and_record(rung, task, delivery, downloaded, language)
            except TelegramEntityTooLarge as exc:  # a TelegramNetworkError, but a final "no"
                last_error = f"{rung}: {exc}"
                continue
            except TelegramForbiddenError:  # the session's BlockedChats middleware records who blocked us
                await self._record_attempt(delivery, "bot was blocked or removed from the chat", failed=True)
                return Outcome.FAILED
            except (TelegramRetryAfter, TelegramNetworkError, TelegramServerError) as exc:
                await self._record_attempt(delivery, f"{rung}: {exc}", failed=False)
                return Outcome.RETRY
            except TelegramAPIError as exc:
                last_error = f"{rung}: {exc}"
                log.info("task %d file %s: %s refused, falling back", task.id, delivery.file_key, last_error)
                continue
            return Outcome.SENT
        await self._record_attempt(delivery, last_error, failed=True)
        return Outcome.FAILED

    async def _send_and_record(
        self, rung: str, task: TaskRecord, delivery: DeliveryRecord, downloaded: Downloaded, language: str
    ) -> None:
        """Send and record as one unit that shutdown does not cut in half: a file Telegram
        took but we did not record would be sent again after the restart. Cancelling the
        caller leaves the unit running; ``drain`` waits for it before the session closes."""

        async def unit() -> None:
            message = await self._send_as(rung, task, delivery, downloaded, language)
            async with self._db.transaction() as repo:
                await repo.deliveries.mark_sent(
                    delivery.id,
                    sent_as=rung,
                    file_id=_file_id(message),
                    message_id=message.message_id,
                    now=self._clock(),
                )

        job = asyncio.ensure_future(unit())
        self._sending.add(job)
        job.add_done_callback(self._sending.discard)
        await asyncio.shield(job)

    async def drain(self, timeout: float) -> None:
        """Wait for sends already under way (see ``_send_and_record``), up to ``timeout``."""
        if self._sending:
            log.info("waiting for %d send(s) under way", len(self._sending))
            _, late = await asyncio.wait(set(self._sending), timeout=timeout)
            if late:
                log.warning("%d send(s) still under way at shutdown; they may be repeated after the restart", len(late))

    async def _send_as(
        self, rung: str, task: TaskRecord, delivery: DeliveryRecord, downloaded: Downloaded, language: str
    ) -> Message:
        t = self._notifier.texts
        icon = _ICONS.get(delivery.media, "📎")
        target = reply_target(task)
        if rung == "link":
            url = await self._link(delivery.url)
            text = t("result_link", language, icon=icon, kind=t(f"kind_{task.kind}", language), url=url)
            return await self._bot.send_message(text=text, **target)
        assert downloaded.path is not None
        prompt = _shorten(task.prompt, CAPTION_PROMPT_LIMIT)
        if delivery.media == "audio" and delivery.title:
            caption = t("caption_song", language, title=_shorten(delivery.title, 100), prompt=prompt)
        else:
            caption = t("caption", language, icon=icon, prompt=prompt)
        file = FSInputFile(downloaded.path, filename=downloaded.file_name)
        upload = {"caption": caption, "request_timeout": UPLOAD_TIMEOUT, **target}
        if rung == "photo":
            return await self._bot.send_photo(photo=file, **upload)
        if rung == "video":
            return await self._bot.send_video(video=file, supports_streaming=True, **upload)
        if rung == "audio":
            duration = int(delivery.duration) if delivery.duration else None
            return await self._bot.send_audio(audio=file, title=delivery.title, duration=duration, **upload)
        return await self._bot.send_document(document=file, **upload)

    async def _link(self, url: str) -> str:
        """Kie's temporary direct link for its own files; other hosts' URLs as they are."""
        try:
            return await self._kie.get_download_url(url)
        except KieError as exc:
            log.info("no Kie download link (%s); sending the result URL itself", exc)
            return url

    async def _record_attempt(self, delivery: DeliveryRecord, error: str, *, failed: bool) -> None:
        async with self._db.transaction() as repo:
            await repo.deliveries.mark_attempt(delivery.id, error=error, failed=failed, now=self._clock())


def _extension(media: str) -> str:
    return {"image": ".png", "video": ".mp4", "audio": ".mp3"}.get(media, ".bin")
