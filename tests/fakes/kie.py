"""A loopback fake of the Kie.ai API (aiohttp), shaped after /work/shared/reference/kie-api.md.

One server plays the API host, the upload host and the result-file host, so tests point both
``KIE_API_URL`` and ``KIE_UPLOAD_URL`` at :attr:`FakeKie.base_url`. Like Kie it answers HTTP 200
with the failure in the JSON ``code`` (unless a test asks for an HTTP-level failure), encodes
Market ``param``/``resultJson`` as JSON strings, uses camelCase Suno record-info and snake_case
Suno callbacks. Signing is implemented here independently of ``kie.signing`` on purpose.

Typical use::

    fake = FakeKie(); await fake.start()
    ... client creates a task ...
    fake.complete(task_id)                 # or fail(), suno_first(), set_state()
    await fake.send_callback(task_id, hmac_key="secret")
    await fake.stop()
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import hmac
import json
import ssl
import struct
import time
import uuid
import zlib
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from aiohttp import BodyPartReader, web
from aiohttp.typedefs import Handler
from multidict import CIMultiDict

from kie.models import Family

__all__ = [
    "FakeKie",
    "FakeTask",
    "FakeTrack",
    "RecordedRequest",
    "SentCallback",
    "UploadedFile",
    "tiny_mp3",
    "tiny_mp4",
    "tiny_png",
]

# Internal task states. Market uses the first five verbatim; Veo/Suno map them to their enums.
PENDING_STATES = ("waiting", "queuing", "generating")
SUNO_STAGES = ("text", "first")
FINAL_STATES = ("success", "fail")
STATES = PENDING_STATES + SUNO_STAGES + FINAL_STATES

CREATE_PATHS = {
    "/api/v1/jobs/createTask": Family.MARKET,
    "/api/v1/veo/generate": Family.VEO,
    "/api/v1/generate": Family.SUNO,
}
STATUS_PATHS = {
    "/api/v1/jobs/recordInfo": Family.MARKET,
    "/api/v1/veo/record-info": Family.VEO,
    "/api/v1/generate/record-info": Family.SUNO,
}
_TARGETS: dict[str, str] = {
    **dict.fromkeys(CREATE_PATHS, "create"),
    **dict.fromkeys(STATUS_PATHS, "status"),
    "/api/v1/chat/credit": "credit",
    "/api/v1/common/download-url": "download",
    "/api/file-stream-upload": "upload",
}

RATE_WINDOW = 10.0  # seconds; Kie allows 20 creates per 10 s per account
_CHUNK = 256 * 1024


# -- tiny but valid media ---------------------------------------------------------------


def tiny_png() -> bytes:
    """A valid 1x1 RGB PNG (decodable by Pillow / Telegram)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def tiny_mp4() -> bytes:
    """An ``ftyp`` box plus an empty ``mdat``: enough to sniff as MP4, not to play."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 512) + b"isommp42"
    return ftyp + struct.pack(">I", 8) + b"mdat"


def tiny_mp3() -> bytes:
    """An ID3v2 header and one silent MPEG-1 Layer III frame (128 kbit/s, 44.1 kHz)."""
    id3 = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    return id3 + frame


# -- records ----------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any  # parsed JSON body, or None
    headers: CIMultiDict[str]  # case-insensitive
    form: dict[str, str] | None = None  # multipart text fields (uploads)


_RECORD = web.RequestKey("fake_kie_record", RecordedRequest)


@dataclass
class FakeTrack:
    """One Suno track; ``audio_url == ""`` while it is still rendering."""

    id: str
    title: str
    audio_url: str = ""
    image_url: str = ""
    duration: float | None = None
    prompt: str = "[Verse] Night city lights shining bright"
    tags: str = "electrifying, rock"


@dataclass
class FakeTask:
    task_id: str
    family: Family
    model: str
    body: dict[str, Any]  # the create request JSON, verbatim
    callback_url: str | None
    state: str = "waiting"  # one of STATES
    urls: list[str] = field(default_factory=list)
    tracks: list[FakeTrack] = field(default_factory=list)
    fail_code: int | None = None
    fail_msg: str | None = None
    suno_fail_status: str = "GENERATE_AUDIO_FAILED"
    veo_fail_flag: int = 3
    # When set, Market recordInfo returns this verbatim as ``resultJson`` (garbage tests).
    raw_result_json: str | None = None
    create_time: int = field(default_factory=lambda: int(time.time() * 1000))
    complete_time: int | None = None
    credits_consumed: float = 0.0
    polls: int = 0

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


@dataclass
class UploadedFile:
    upload_path: str
    file_name: str
    content_type: str
    data: bytes
    url: str


@dataclass
class SentCallback:
    task_id: str
    url: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int  # 0 when the receiver could not be reached


@dataclass
class _File:
    content_type: str
    data: bytes | None  # None: ``size`` zero bytes generated on the fly
    size: int


@dataclass
class _Override:
    target: str  # create | status | credit | download | upload | any
    times: int
    http_status: int = 200
    code: int | None = None
    msg: str = ""
    raw: bytes | None = None
    content_type: str = "application/json"
    delay: float = 0.0


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(), content_type="application/json")


def _envelope(code: int, msg: str, data: Any = None) -> web.Response:
    return _json({"code": code, "msg": msg, "data": data})


def _number(value: float) -> float | int:
    """Whole numbers as JSON ints, like Kie writes credits."""
    return int(value) if float(value).is_integer() else value


def _fmt_time(ms: int | None) -> str | None:
    # Veo writes "YYYY-MM-DD HH:MM:SS" (reference §4.2).
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Shared: building one loads the CA bundle, ~20 ms per callback otherwise.
    return ssl.create_default_context()


def _sign(key: str, task_id: str, timestamp: str) -> str:
    digest = hmac.new(key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


_VIDEO_HINTS = ("video", "kling", "sora", "hailuo", "seedance", "veo", "wan/")
_AUDIO_HINTS = ("elevenlabs", "speech", "audio", "sound", "music", "tts", "suno")


def _market_media(model: str) -> tuple[str, str, bytes]:
    """(extension, content type, bytes) of a default result for a Market model id."""
    lowered = model.lower()
    if any(hint in lowered for hint in _VIDEO_HINTS):
        return "mp4", "video/mp4", tiny_mp4()
    if any(hint in lowered for hint in _AUDIO_HINTS):
        return "mp3", "audio/mpeg", tiny_mp3()
    return "png", "image/png", tiny_png()


@dataclass(frozen=True)
class _Field:
    """One input field of a Market model: its type, allowed values, length, requiredness."""

    kind: type | tuple[type, ...]
    choices: tuple[Any, ...] = ()
    required: bool = False
    min_len: int = 0
    max_len: int | None = None

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) and self.kind is not bool:
            return False  # JSON true is no number
        if not isinstance(value, self.kind):
            return False
        if self.choices and value not in self.choices:
            return False
        if isinstance(value, str):
            return len(value) >= self.min_len and (self.max_len is None or len(value) <= self.max_len)
        return True


def _prompt(max_len: int, min_len: int = 1) -> _Field:
    return _Field(str, required=True, min_len=min_len, max_len=max_len)


_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9", "auto")
MARKET_INPUTS: dict[str, dict[str, _Field]] = {
    "google/nano-banana": {
        "prompt": _prompt(5000),
        "output_format": _Field(str, ("png", "jpeg")),
        "aspect_ratio": _Field(str, _RATIOS),
        "image_size": _Field(str, _RATIOS),
    },
    "nano-banana-pro": {
        "prompt": _prompt(10000),
        "image_input": _Field(list),
        "aspect_ratio": _Field(str, _RATIOS),
        "resolution": _Field(str, ("1K", "2K", "4K")),
        "output_format": _Field(str, ("png", "jpg")),
    },
    "seedream/4.5-text-to-image": {
        "prompt": _prompt(3000),
        "aspect_ratio": _Field(str, ("1:1", "4:3", "3:4", "16:9", "9:16", "2:3", "3:2", "21:9"), required=True),
        "quality": _Field(str, ("basic", "high"), required=True),
        "nsfw_checker": _Field(bool),
    },
    "gpt-image/1.5-text-to-image": {
        "prompt": _prompt(20000),
        "aspect_ratio": _Field(str, ("1:1", "2:3", "3:2"), required=True),
        "quality": _Field(str, ("medium", "high"), required=True),
    },
    "flux-2/pro-text-to-image": {
        "prompt": _prompt(5000, min_len=3),
        "aspect_ratio": _Field(str, ("1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3"), required=True),
        "resolution": _Field(str, ("1K", "2K"), required=True),
        "nsfw_checker": _Field(bool),
    },
    "kling-2.6/text-to-video": {
        "prompt": _prompt(1000),
        "sound": _Field(bool, required=True),
        "aspect_ratio": _Field(str, ("1:1", "16:9", "9:16"), required=True),
        "duration": _Field(str, ("5", "10"), required=True),  # a string, not a number
    },
    "bytedance/seedance-1.5-pro": {
        "prompt": _prompt(20000, min_len=3),
        "input_urls": _Field(list),
        "aspect_ratio": _Field(str, ("1:1", "4:3", "3:4", "16:9", "9:16", "21:9"), required=True),
        "resolution": _Field(str, ("480p", "720p", "1080p")),
        "duration": _Field(int, tuple(range(4, 13)), required=True),  # a number, not a string
        "fixed_lens": _Field(bool),
        "generate_audio": _Field(bool),
    },
    "hailuo/02-text-to-video-standard": {
        "prompt": _prompt(1500),
        "prompt_optimizer": _Field(bool),
    },
}


@dataclass
class HeldCall:
    """See :meth:`FakeKie.hold_next`."""

    arrived: asyncio.Event
    release: asyncio.Event


class FakeKie:
    """Loopback Kie. Start with :meth:`start`; everything lives on :attr:`base_url`."""

    def __init__(self, api_key: str = "test-kie-key") -> None:
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.tasks: dict[str, FakeTask] = {}
        self.uploads: list[UploadedFile] = []
        self.callbacks_sent: list[SentCallback] = []
        self.credits: float = 1000.0
        # Charged on success only (failures consume 0 credits, reference §1.3).
        self.costs: dict[Family, float] = {Family.MARKET: 18.0, Family.VEO: 60.0, Family.SUNO: 12.0}
        self.auto_complete: bool = False
        # When True, complete()/fail()/suno_text()/suno_first() POST the callback in the
        # background (like Kie does) to tasks that have a callBackUrl.
        self.auto_callback: bool = False
        self.callback_hmac_key: str | None = None  # used by auto callbacks
        self.rate_limit: int | None = None
        # Veo ``resultUrls`` as a JSON-encoded string instead of a list (both occur).
        self.veo_urls_as_string: bool = False
        self._files: dict[str, _File] = {}
        self._overrides: list[_Override] = []
        self._holds: dict[str, list[HeldCall]] = {}
        self._create_times: deque[float] = deque()
        self._background: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._counter = 0

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("FakeKie is not started")
        return self._base_url

    async def start(self) -> None:
        self._stopping.clear()
        app = web.Application(middlewares=[self._middleware])
        app.router.add_post("/api/v1/jobs/createTask", self._create)
        app.router.add_post("/api/v1/veo/generate", self._create)
        app.router.add_post("/api/v1/generate", self._create)
        app.router.add_get("/api/v1/jobs/recordInfo", self._status)
        app.router.add_get("/api/v1/veo/record-info", self._status)
        app.router.add_get("/api/v1/generate/record-info", self._status)
        app.router.add_get("/api/v1/chat/credit", self._credit)
        app.router.add_post("/api/v1/common/download-url", self._download_url)
        app.router.add_post("/api/file-stream-upload", self._upload)
        app.router.add_get("/files/{name:.+}", self._serve_file)
        # Short shutdown: a client that gave up on a delayed reply must not stall stop().
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self._base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self._stopping.set()
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeKie:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- scripting failures -----------------------------------------------------------

    def fail_next_create(
        self, code: int, msg: str = "Simulated failure", *, times: int = 1, http_status: int = 200
    ) -> None:
        """The next ``times`` create calls (any family) answer ``{code, msg, data: null}``."""
        self._overrides.append(_Override("create", times, http_status, code, msg))

    def fail_next_status(
        self, code: int, msg: str = "Simulated failure", *, times: int = 1, http_status: int = 200
    ) -> None:
        """The next ``times`` status (record-info) calls answer ``{code, msg, data: null}``."""
        self._overrides.append(_Override("status", times, http_status, code, msg))

    def fail_next(
        self,
        target: str,
        code: int,
        msg: str = "Simulated failure",
        *,
        times: int = 1,
        http_status: int = 200,
    ) -> None:
        """Like :meth:`fail_next_create` for ``create|status|credit|download|upload|any``."""
        self._overrides.append(_Override(target, times, http_status, code, msg))

    def fail_next_raw(
        self,
        body: bytes | str,
        *,
        http_status: int = 502,
        content_type: str = "text/html",
        times: int = 1,
        target: str = "any",
    ) -> None:
        """Answer the next ``times`` API calls with a non-envelope body (proxy pages etc.)."""
        raw = body.encode() if isinstance(body, str) else body
        self._overrides.append(_Override(target, times, http_status, raw=raw, content_type=content_type))

    def hold_next(self, target: str) -> HeldCall:
        """Hold the next call of ``target`` (``create``, ``status``...) after it is recorded
        in :attr:`requests` (``arrived`` is set) until ``release`` is set: Kie has the
        request and has not answered yet."""
        held = HeldCall(asyncio.Event(), asyncio.Event())
        self._holds.setdefault(target, []).append(held)
        return held

    def delay_next(self, seconds: float, *, times: int = 1, target: str = "any") -> None:
        """Hold the next ``times`` API replies for ``seconds`` (client timeout tests)."""
        self._overrides.append(_Override(target, times, delay=seconds))

    # -- scripting tasks ----------------------------------------------------------------

    def add_file(self, name: str, data: bytes, content_type: str) -> str:
        """Serve ``data`` at ``/files/<name>``; returns the absolute URL."""
        self._files[name] = _File(content_type, bytes(data), len(data))
        return self.file_url(name)

    def add_large_file(self, name: str, size: int, content_type: str) -> str:
        """Serve ``size`` zero bytes, generated while streaming (nothing kept in memory)."""
        self._files[name] = _File(content_type, None, size)
        return self.file_url(name)

    def file_url(self, name: str) -> str:
        return f"{self.base_url}/files/{quote(name, safe='/')}"

    def set_state(self, task_id: str, state: str) -> None:
        """Move a task to any internal state (e.g. ``"generating"``) without side effects."""
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}; expected one of {STATES}")
        self.tasks[task_id].state = state

    def complete(self, task_id: str, urls: list[str] | None = None) -> None:
        """Mark success. Without ``urls``, small valid files are generated and served."""
        task = self.tasks[task_id]
        if task.family is Family.SUNO:
            if urls is not None:
                # One track per URL; existing tracks keep their ids (and any early delivery).
                while len(task.tracks) < len(urls):
                    task.tracks.append(FakeTrack(id=str(uuid.uuid4()), title=f"Track {len(task.tracks) + 1}"))
                del task.tracks[len(urls) :]
            for i, track in enumerate(task.tracks):
                track.audio_url = urls[i] if urls is not None else self._suno_audio(task, i)
                track.image_url = track.image_url or self._suno_cover(task, i)
                track.duration = track.duration or 30.0 + i
            task.urls = [track.audio_url for track in task.tracks]
        elif urls is not None:
            task.urls = list(urls)
        elif task.family is Family.VEO:
            task.urls = [self.add_file(f"{task_id}-0.mp4", tiny_mp4(), "video/mp4")]
        else:
            ext, content_type, data = _market_media(task.model)
            task.urls = [self.add_file(f"{task_id}-0.{ext}", data, content_type)]
        if task.state != "success":  # charge once, on success only
            task.credits_consumed = self.costs.get(task.family, 0.0)
            self.credits -= task.credits_consumed
        self._finish(task, "success")

    def suno_text(self, task_id: str) -> None:
        """TEXT_SUCCESS: lyrics are ready, no audio yet."""
        task = self._suno(task_id)
        task.state = "text"
        self._maybe_auto_callback(task)

    def suno_first(self, task_id: str) -> None:
        """FIRST_SUCCESS: track 1 has its audio URL, track 2 is still empty."""
        task = self._suno(task_id)
        first = task.tracks[0]
        first.audio_url = first.audio_url or self._suno_audio(task, 0)
        first.image_url = first.image_url or self._suno_cover(task, 0)
        first.duration = first.duration or 30.0
        task.state = "first"
        self._maybe_auto_callback(task)

    def fail(
        self,
        task_id: str,
        code: int = 501,
        msg: str = "Generation failed",
        *,
        suno_status: str = "GENERATE_AUDIO_FAILED",
        veo_flag: int = 3,
    ) -> None:
        task = self.tasks[task_id]
        task.fail_code, task.fail_msg = code, msg
        task.suno_fail_status, task.veo_fail_flag = suno_status, veo_flag
        self._finish(task, "fail")

    def _finish(self, task: FakeTask, state: str) -> None:
        task.state = state
        task.complete_time = int(time.time() * 1000)
        self._maybe_auto_callback(task)

    def _suno(self, task_id: str) -> FakeTask:
        task = self.tasks[task_id]
        if task.family is not Family.SUNO:
            raise ValueError(f"{task_id} is not a Suno task")
        return task

    def _suno_audio(self, task: FakeTask, index: int) -> str:
        return self.add_file(f"{task.task_id}-{index}.mp3", tiny_mp3(), "audio/mpeg")

    def _suno_cover(self, task: FakeTask, index: int) -> str:
        return self.add_file(f"{task.task_id}-{index}.png", tiny_png(), "image/png")

    # -- callbacks ----------------------------------------------------------------------

    def callback_body(self, task_id: str) -> dict[str, Any]:
        """The body Kie would POST for the task's current state (reference §1.3, §3.3, §4.3)."""
        task = self.tasks[task_id]
        if task.family is Family.MARKET:
            return self._market_callback(task)
        if task.family is Family.VEO:
            return self._veo_callback(task)
        return self._suno_callback(task)

    async def send_callback(
        self,
        task_id: str,
        *,
        body: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        hmac_key: str | None = None,
        url: str | None = None,
    ) -> int:
        """POST the callback to the task's ``callBackUrl`` (or ``url``); returns the HTTP status.

        With ``hmac_key`` the request carries ``X-Webhook-Timestamp`` (now, in seconds) and
        ``X-Webhook-Signature``; ``headers`` are applied last, so they can override both.
        """
        task = self.tasks[task_id]
        target = url or task.callback_url
        if not target:
            raise ValueError(f"task {task_id} has no callBackUrl")
        payload = body if body is not None else self.callback_body(task_id)
        sent_headers = {"Content-Type": "application/json", "User-Agent": "FakeKie-Webhook/1.0"}
        if hmac_key is not None:
            timestamp = str(int(time.time()))
            sent_headers["X-Webhook-Timestamp"] = timestamp
            sent_headers["X-Webhook-Signature"] = _sign(hmac_key, task_id, timestamp)
        sent_headers.update(headers or {})
        # trust_env=False: a proxy from the environment must never see loopback traffic.
        async with httpx.AsyncClient(timeout=15.0, trust_env=False, verify=_ssl_context()) as client:
            response = await client.post(target, content=json.dumps(payload), headers=sent_headers)
        self.callbacks_sent.append(SentCallback(task_id, target, payload, sent_headers, response.status_code))
        return response.status_code

    def _maybe_auto_callback(self, task: FakeTask) -> None:
        if not (self.auto_callback and task.callback_url):
            return
        try:
            body = self.callback_body(task.task_id)  # snapshot the state now, send later
        except ValueError:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # scripted from sync code: nothing can be sent
            return
        background = loop.create_task(self._auto_send(task, body))
        self._background.add(background)
        background.add_done_callback(self._background.discard)

    async def _auto_send(self, task: FakeTask, body: dict[str, Any]) -> None:
        try:
            await self.send_callback(task.task_id, body=body, hmac_key=self.callback_hmac_key)
        except httpx.HTTPError:
            assert task.callback_url is not None
            self.callbacks_sent.append(SentCallback(task.task_id, task.callback_url, body, {}, 0))

    def _market_callback(self, task: FakeTask) -> dict[str, Any]:
        if not task.is_final:
            raise ValueError("Kie sends Market callbacks for final states only")
        data: dict[str, Any] = {
            "taskId": task.task_id,
            "model": task.model,
            "state": task.state,
            "param": json.dumps(task.body),
            "costTime": max(1, ((task.complete_time or task.create_time) - task.create_time) // 1000),
            "completeTime": task.complete_time,
            "createTime": task.create_time,
            "updateTime": task.complete_time,
            "creditsConsumed": _number(task.credits_consumed),
        }
        if task.state == "success":
            data["resultJson"] = json.dumps({"resultUrls": task.urls})
            return {"code": 200, "msg": "Playground task completed successfully.", "data": data}
        data["failCode"] = str(task.fail_code)
        data["failMsg"] = task.fail_msg
        return {"code": 501, "msg": "Playground task failed.", "data": data}

    def _veo_callback(self, task: FakeTask) -> dict[str, Any]:
        if not task.is_final:
            raise ValueError("Kie sends Veo callbacks for final states only")
        if task.state == "fail":
            return {
                "code": task.fail_code or 501,
                "msg": task.fail_msg,
                "data": {"taskId": task.task_id, "fallbackFlag": False},
            }
        info = {
            "resultUrls": self._veo_urls(task),
            "originUrls": [],
            "resolution": task.body.get("resolution", "720p"),
        }
        return {
            "code": 200,
            "msg": "Veo3.1 video generated successfully.",
            "data": {"taskId": task.task_id, "info": info, "fallbackFlag": False},
        }

    def _suno_callback(self, task: FakeTask) -> dict[str, Any]:
        if task.state == "fail":
            return {
                "code": task.fail_code or 501,
                "msg": task.fail_msg,
                "data": {"callbackType": "error", "task_id": task.task_id, "data": None},
            }
        stage = {"text": "text", "first": "first", "success": "complete"}.get(task.state)
        if stage is None:
            raise ValueError("Suno sends no callback before the text stage")
        msg = {
            "text": "Text generated successfully",
            "first": "First audio generated successfully.",
            "complete": "All generated successfully.",
        }[stage]
        items = [self._suno_callback_track(task, track) for track in task.tracks]
        return {
            "code": 200,
            "msg": msg,
            "data": {"callbackType": stage, "task_id": task.task_id, "data": items},
        }

    def _suno_callback_track(self, task: FakeTask, track: FakeTrack) -> dict[str, Any]:
        # The realistic variant (reference §3.3): snake_case, numeric createTime, extra
        # source_* fields, and no ``duration`` on a track that is still rendering.
        item: dict[str, Any] = {
            "id": track.id,
            "audio_url": track.audio_url,
            "source_audio_url": track.audio_url,
            "stream_audio_url": track.audio_url and track.audio_url + "?stream=1",
            "source_stream_audio_url": track.audio_url and track.audio_url + "?stream=1",
            "image_url": track.image_url,
            "source_image_url": track.image_url,
            "prompt": track.prompt,
            "model_name": "chirp-" + task.model.lower().replace("_", "-"),
            "title": track.title,
            "tags": track.tags,
            "createTime": task.create_time,
        }
        if track.audio_url and track.duration is not None:
            item["duration"] = track.duration
        return item

    # -- HTTP plumbing --------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body: Any = None
        if request.content_type == "application/json" and request.can_read_body:
            raw = await request.read()  # cached by aiohttp; handlers can read again
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
        record = RecordedRequest(request.method, request.path, dict(request.query), body, CIMultiDict(request.headers))
        self.requests.append(record)
        request[_RECORD] = record
        target = _TARGETS.get(request.path)
        if target is None:
            return await handler(request)  # result files: public, no auth
        holds = self._holds.get(target)
        if holds:
            held = holds.pop(0)
            held.arrived.set()
            release = asyncio.ensure_future(held.release.wait())
            stopping = asyncio.ensure_future(self._stopping.wait())
            await asyncio.wait((release, stopping), return_when=asyncio.FIRST_COMPLETED)
            release.cancel()
            stopping.cancel()
        delay = self._take(target, delays=True)
        if delay is not None:
            await self._sleep(delay.delay)
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            if target == "upload":
                return _json({"success": False, "code": 401, "msg": "Authentication failed: Invalid API Key"})
            return _envelope(401, "You do not have access permissions")
        override = self._take(target, delays=False)
        if override is not None:
            if override.raw is not None:
                return web.Response(
                    status=override.http_status,
                    body=override.raw,
                    content_type=override.content_type,
                )
            payload: dict[str, Any] = {"code": override.code, "msg": override.msg, "data": None}
            if target == "upload":
                payload = {"success": False, "code": override.code, "msg": override.msg}
            return _json(payload, override.http_status)
        return await handler(request)

    def _take(self, target: str, *, delays: bool) -> _Override | None:
        for override in self._overrides:
            if (override.delay > 0) != delays or override.target not in (target, "any"):
                continue
            override.times -= 1
            if override.times <= 0:
                self._overrides.remove(override)
            return override
        return None

    async def _sleep(self, seconds: float) -> None:
        # Interruptible, so stop() does not wait for a reply nobody is reading.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def _create(self, request: web.Request) -> web.Response:
        family = CREATE_PATHS[request.path]
        body = request[_RECORD].json
        if not isinstance(body, dict):
            return _envelope(422, "Request body must be a JSON object")
        problem = self._validate(family, body)
        if problem:
            return _envelope(422, problem)
        callback_url = body.get("callBackUrl")
        if callback_url is not None and not isinstance(callback_url, str):
            return _envelope(422, "callBackUrl must be a string")
        now = time.monotonic()
        while self._create_times and now - self._create_times[0] > RATE_WINDOW:
            self._create_times.popleft()
        if self.rate_limit is not None and len(self._create_times) >= self.rate_limit:
            return _envelope(429, "Rate limit exceeded")  # rejected, not queued, not counted
        if self.credits < self.costs.get(family, 0.0):
            return _envelope(402, "The current credits are insufficient. Please top up.")
        self._create_times.append(now)
        task = self._new_task(family, body, callback_url)
        if self.auto_complete:
            self.complete(task.task_id)
        return _envelope(200, "success", {"taskId": task.task_id})

    @staticmethod
    def _validate_market_input(model: str, given: dict[str, Any]) -> str | None:
        """Kie's per-model input schema (reference §8) for the models the bot offers:
        unknown fields, wrong types, values outside the enum and missing required fields
        are refused with 422, as Kie does. Other models are not checked."""
        schema = MARKET_INPUTS.get(model)
        if schema is None:
            return None
        for key, value in given.items():
            check = schema.get(key)
            if check is None:
                return f"input.{key} is not a field of {model}"
            if not check.accepts(value):
                return f"input.{key}: {value!r} is not valid for {model}"
        missing = [key for key, check in schema.items() if check.required and key not in given]
        return f"input.{missing[0]} is required for {model}" if missing else None

    @staticmethod
    def _validate(family: Family, body: dict[str, Any]) -> str | None:
        def text(value: Any) -> bool:
            return isinstance(value, str) and bool(value.strip())

        if family is Family.MARKET:
            if not text(body.get("model")):
                return "model is required"
            if not isinstance(body.get("input"), dict):
                return "input is required"
            if not text(body["input"].get("prompt")):
                return "input.prompt is required"
            return FakeKie._validate_market_input(body["model"], body["input"])
        if family is Family.VEO:
            return None if text(body.get("prompt")) else "prompt is required"
        for key in ("customMode", "instrumental"):
            if not isinstance(body.get(key), bool):
                return f"{key} is required"
        for key in ("model", "callBackUrl"):
            if not text(body.get(key)):
                return f"{key} is required"
        if body["customMode"]:
            for key in ("style", "title"):
                if not text(body.get(key)):
                    return f"{key} is required in custom mode"
            if not body["instrumental"] and not text(body.get("prompt")):
                return "prompt is required"
        elif not text(body.get("prompt")):
            return "prompt is required"
        return None

    def _new_task(self, family: Family, body: dict[str, Any], callback_url: str | None) -> FakeTask:
        self._counter += 1
        if family is Family.VEO:
            task_id = f"veo_task_{uuid.uuid4().hex[:12]}"
            model = str(body.get("model") or "veo3_fast")
        else:
            task_id = uuid.uuid4().hex
            model = str(body.get("model"))
        task = FakeTask(task_id, family, model, body, callback_url)
        if family is Family.SUNO:
            title = body.get("title") if isinstance(body.get("title"), str) else None
            task.tracks = [
                FakeTrack(id=str(uuid.uuid4()), title=title or f"Fake song {self._counter}.{i + 1}") for i in range(2)
            ]
        self.tasks[task_id] = task
        return task

    async def _status(self, request: web.Request) -> web.Response:
        family = STATUS_PATHS[request.path]
        task_id = request.query.get("taskId", "")
        if not task_id:
            return _envelope(400, "taskId parameter is required")
        task = self.tasks.get(task_id)
        if task is None or task.family is not family:
            return _envelope(422, "recordInfo is null")
        task.polls += 1
        if family is Family.MARKET:
            data = self._market_record(task)
        elif family is Family.VEO:
            data = self._veo_record(task)
        else:
            data = self._suno_record(task)
        return _envelope(200, "success", data)

    def _market_record(self, task: FakeTask) -> dict[str, Any]:
        success, failed = task.state == "success", task.state == "fail"
        state = task.state if task.state in PENDING_STATES + FINAL_STATES else "generating"
        result_json = json.dumps({"resultUrls": task.urls}) if success else ""
        if task.raw_result_json is not None:
            result_json = task.raw_result_json
        return {
            "taskId": task.task_id,
            "model": task.model,
            "state": state,
            "param": json.dumps(task.body),
            "resultJson": result_json,
            "failCode": str(task.fail_code) if failed else "",
            "failMsg": (task.fail_msg or "") if failed else "",
            "costTime": (task.complete_time - task.create_time) if task.complete_time else 0,
            "completeTime": task.complete_time,
            "createTime": task.create_time,
            "updateTime": task.complete_time or task.create_time,
            "creditsConsumed": _number(task.credits_consumed),
        }

    def _veo_urls(self, task: FakeTask) -> list[str] | str:
        return json.dumps(task.urls) if self.veo_urls_as_string else list(task.urls)

    def _veo_record(self, task: FakeTask) -> dict[str, Any]:
        flag = {"success": 1, "fail": task.veo_fail_flag}.get(task.state, 0)
        response = None
        if task.state == "success":
            response = {
                "taskId": task.task_id,
                "resultUrls": self._veo_urls(task),
                "originUrls": [],
                "resolution": task.body.get("resolution", "720p"),
                "fullResultUrls": [],
            }
        return {
            "taskId": task.task_id,
            "paramJson": json.dumps(task.body),
            "completeTime": _fmt_time(task.complete_time),
            "response": response,
            "successFlag": flag,
            "errorCode": task.fail_code if task.state == "fail" else None,
            "errorMessage": task.fail_msg if task.state == "fail" else None,
            "createTime": _fmt_time(task.create_time),
            "fallbackFlag": False,
        }

    def _suno_record(self, task: FakeTask) -> dict[str, Any]:
        status = {
            "text": "TEXT_SUCCESS",
            "first": "FIRST_SUCCESS",
            "success": "SUCCESS",
            "fail": task.suno_fail_status,
        }.get(task.state, "PENDING")
        response = None
        if task.state in (*SUNO_STAGES, "success"):
            tracks = [
                {
                    "id": track.id,
                    "audioUrl": track.audio_url,
                    "streamAudioUrl": track.audio_url and track.audio_url + "?stream=1",
                    "imageUrl": track.image_url,
                    "prompt": track.prompt,
                    "modelName": "chirp-" + task.model.lower().replace("_", "-"),
                    "title": track.title,
                    "tags": track.tags,
                    "createTime": _fmt_time(task.create_time),
                    "duration": track.duration if track.audio_url else None,
                }
                for track in task.tracks
            ]
            response = {"taskId": task.task_id, "sunoData": tracks}
        elif task.state == "fail":
            response = {"taskId": task.task_id, "sunoData": []}
        failed = task.state == "fail"
        return {
            "taskId": task.task_id,
            "parentMusicId": "",
            "param": json.dumps(task.body),
            "response": response,
            "status": status,
            "type": "GENERATE",
            "operationType": "generate",
            "errorCode": task.fail_code if failed else None,
            "errorMessage": task.fail_msg if failed else None,
        }

    async def _credit(self, request: web.Request) -> web.Response:
        return _envelope(200, "success", _number(self.credits))

    async def _download_url(self, request: web.Request) -> web.Response:
        body = request[_RECORD].json
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url:
            return _envelope(422, "url is required")
        prefix = f"{self.base_url}/files/"
        if not url.startswith(prefix):
            return _envelope(422, "Only kie.ai generated file URLs are supported")
        path = urlsplit(url).path
        return _envelope(200, "success", f"{self.base_url}{path}?token={uuid.uuid4().hex}")

    async def _upload(self, request: web.Request) -> web.Response:
        fields: dict[str, str] = {}
        data: bytes | None = None
        content_type = "application/octet-stream"
        part_name: str | None = None
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue  # nested multipart: not something Kie accepts
                if part.name == "file":
                    data = bytes(await part.read())
                    content_type = part.headers.get("Content-Type", content_type)
                    part_name = part.filename
                elif part.name:
                    fields[part.name] = await part.text()
        request[_RECORD].form = dict(fields)
        if data is None:
            return _json({"success": False, "code": 400, "msg": "Missing required parameter: file"})
        upload_path = fields.get("uploadPath", "").strip("/")
        if not upload_path:
            return _json({"success": False, "code": 400, "msg": "Missing required parameter: uploadPath"})
        file_name = fields.get("fileName") or part_name or f"{uuid.uuid4().hex}.bin"
        file_path = f"{upload_path}/{file_name}"
        url = self.add_file(file_path, data, content_type)  # re-using a name overwrites
        self.uploads.append(UploadedFile(upload_path, file_name, content_type, data, url))
        return _json(
            {
                "success": True,
                "code": 200,
                "msg": "File uploaded successfully",
                "data": {
                    "fileName": file_name,
                    "filePath": file_path,
                    "downloadUrl": url,
                    "fileSize": len(data),
                    "mimeType": content_type,
                    "uploadedAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
                },
            }
        )

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._files.get(request.match_info["name"])
        if stored is None:
            return web.Response(status=404, text="Not Found")
        response = web.StreamResponse(headers={"Content-Type": stored.content_type, "Content-Length": str(stored.size)})
        await response.prepare(request)
        if request.method == "HEAD":
            return response
        if stored.data is not None:
            await response.write(stored.data)
        else:
            zeros = bytes(_CHUNK)
            remaining = stored.size
            while remaining > 0:
                step = min(remaining, _CHUNK)
                await response.write(zeros if step == _CHUNK else zeros[:step])
                remaining -= step
        await response.write_eof()
        return response
