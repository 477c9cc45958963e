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
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import httpx

from bot.domain import DeliveryMethod, MediaKind
from bot.services.ports import (
    ChatRefusedError,
    FileSender,
    LocalFile,
    MethodRefusedError,
    PassingSendError,
)
from bot.storage import Database, DeliveryRecord, TaskRecord
from kie import KieClient, KieError

log = logging.getLogger(__name__)

PHOTO_LIMIT = 10 * 1024 * 1024  # Bot API: photos up to 10 MB
UPLOAD_LIMIT = 50 * 1024 * 1024  # Bot API: other files up to 50 MB
DOWNLOAD_ATTEMPTS = 3
_NATIVE = {
    MediaKind.IMAGE: DeliveryMethod.PHOTO,
    MediaKind.VIDEO: DeliveryMethod.VIDEO,
    MediaKind.AUDIO: DeliveryMethod.AUDIO,
}


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


@dataclass(eq=False)
class SendUnit:
    """A send-and-record unit (see ``DeliveryService._send_and_record``) as shutdown sees it."""

    # Its request has gone out to Telegram (or was answered "sent"): Telegram may have the file,
    # so cutting the unit off now could send the file twice after the restart.
    out: bool = False
    # Shutdown stopped waiting for it: no request of this unit may go out any more.
    cut_off: bool = False


# The unit the current asyncio task runs (one task per unit). The Telegram session's
# SendUnits middleware sets ``out`` when the request really leaves, after pacing and 429s.
current_send_unit: ContextVar[SendUnit | None] = ContextVar("delivery_send_unit", default=None)


class DeliveryService:
    def __init__(
        self,
        db: Database,
        files: FileSender,
        kie: KieClient,
        http: httpx.AsyncClient,
        *,
        work_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._files = files
        self._kie = kie
        self._http = http  # no Kie credentials on it: result hosts are third parties
        self._work_dir = work_dir
        self._clock = clock
        self._sending: dict[asyncio.Future[None], SendUnit] = {}

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

    def _ladder(self, delivery: DeliveryRecord, downloaded: Downloaded) -> list[DeliveryMethod]:
        if downloaded.path is None:
            return [DeliveryMethod.LINK]
        native = _NATIVE.get(delivery.media, DeliveryMethod.DOCUMENT)
        if native is DeliveryMethod.PHOTO and downloaded.size > PHOTO_LIMIT:
            native = DeliveryMethod.DOCUMENT
        return list(dict.fromkeys([native, DeliveryMethod.DOCUMENT, DeliveryMethod.LINK]))

    async def _send(self, task: TaskRecord, delivery: DeliveryRecord, downloaded: Downloaded) -> Outcome:
        last_error = "nothing tried"
        for method in self._ladder(delivery, downloaded):
            try:
                await self._send_and_record(method, task, delivery, downloaded)
            except MethodRefusedError as exc:
                last_error = f"{method}: {exc}"
                log.info("task %d file %s: %s refused, falling back", task.id, delivery.file_key, last_error)
                continue
            except ChatRefusedError:  # the session's BlockedChats middleware records who blocked us
                await self._record_attempt(delivery, "bot was blocked or removed from the chat", failed=True)
                return Outcome.FAILED
            except PassingSendError as exc:
                await self._record_attempt(delivery, f"{method}: {exc}", failed=False)
                return Outcome.RETRY
            return Outcome.SENT
        await self._record_attempt(delivery, last_error, failed=True)
        return Outcome.FAILED

    async def _send_and_record(
        self, method: DeliveryMethod, task: TaskRecord, delivery: DeliveryRecord, downloaded: Downloaded
    ) -> None:
        """Send and record as one unit that shutdown does not cut in half: a file Telegram
        took but we did not record would be sent again after the restart. Cancelling the
        caller leaves the unit running; ``drain`` settles it before the session closes."""
        state = SendUnit()

        async def unit() -> None:
            current_send_unit.set(state)  # this task's own context
            if method is DeliveryMethod.LINK:
                sent = await self._files.send_link(task, delivery, await self._link(delivery.url))
            else:
                assert downloaded.path is not None
                file = LocalFile(downloaded.path, downloaded.file_name)
                sent = await self._files.send_file(task, delivery, file, method)
            async with self._db.transaction() as repo:
                await repo.deliveries.mark_sent(
                    delivery.id, sent_as=method, file_id=sent.file_id, message_id=sent.message_id, now=self._clock()
                )

        job = asyncio.ensure_future(unit())
        self._sending[job] = state
        job.add_done_callback(self._unit_done)
        await asyncio.shield(job)

    def _unit_done(self, job: asyncio.Future[None]) -> None:
        self._sending.pop(job, None)
        # Retrieve the outcome here: once shutdown has cancelled the caller, nobody else awaits
        # the unit ("Task exception was never retrieved"). A caller still waiting gets it anyway.
        if not job.cancelled() and job.exception() is not None:
            log.debug("send unit ended with %r", job.exception())

    async def drain(self, timeout: float, out_limit: float = 50.0) -> None:
        """Settle the sends under way (see ``_send_and_record``) before the session closes.

        They get ``timeout`` to finish. Then a unit still waiting to send (pacing, a 429 being
        waited out, a download link) is cancelled: Telegram has nothing of it, the delivery
        stays pending for recovery, and nothing goes out after shutdown. A unit whose request
        is out is waited for up to ``out_limit`` more, whatever ``timeout`` says: Telegram may
        be posting the file, and only its answer lets us record it; closing the session under
        it would lose the answer and the file would come twice. (Past ``out_limit`` it is cut
        off after all, so the stop fits the process manager's grace; that is logged.)"""
        if not self._sending:
            return
        log.info("waiting for %d send(s) under way", len(self._sending))
        _, late = await asyncio.wait(set(self._sending), timeout=timeout)
        if not late:
            return
        out = 0
        for job in late:  # all still running: nothing was awaited since the wait
            state = self._sending[job]
            state.cut_off = True
            if state.out:
                out += 1
            else:
                job.cancel()
        log.warning(
            "%d send(s) still under way at shutdown: %d waiting to send, cancelled and left to recovery;"
            " %d out to Telegram, waiting for the answer to record it",
            len(late),
            len(late) - out,
            out,
        )
        _, stuck = await asyncio.wait(late, timeout=out_limit)
        for job in stuck:
            job.cancel()
        if stuck:
            log.warning(
                "%d upload(s) still unanswered after %.0f s: cut off; they may be repeated", len(stuck), out_limit
            )
        for result in await asyncio.gather(*late, return_exceptions=True):
            if isinstance(result, Exception):
                log.info("a send under way at shutdown failed (%r); recovery retries it", result)

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
