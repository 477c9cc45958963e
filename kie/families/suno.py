"""Suno: ``/api/v1/generate`` + ``/api/v1/generate/record-info``.

record-info is camelCase (``sunoData``, ``audioUrl``); callbacks are snake_case
(``task_id``, ``audio_url``) and staged ``text`` → ``first`` → ``complete`` (or ``error``).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .._wire import LenientFloat, LenientInt, LenientStr, WireModel
from ..errors import KieTransportError
from ..models import (
    CallbackEvent,
    Family,
    MediaKind,
    ResultFile,
    SunoTaskRequest,
    TaskResult,
    TaskState,
)

CREATE_PATH = "/api/v1/generate"
STATUS_PATH = "/api/v1/generate/record-info"

PENDING_STATUSES = frozenset({"PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS"})
FAILED_STATUSES = frozenset(
    {"CREATE_TASK_FAILED", "GENERATE_AUDIO_FAILED", "CALLBACK_EXCEPTION", "SENSITIVE_WORD_ERROR"}
)
PENDING_CALLBACK_STAGES = frozenset({"text", "first"})
NO_TRACKS_MESSAGE = "Kie reported success but returned no audio tracks"


def build_body(request: SunoTaskRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prompt": request.prompt,
        "customMode": request.custom_mode,
        "instrumental": request.instrumental,
        "model": request.model,
        "callBackUrl": request.callback_url,
    }
    if request.style is not None:
        body["style"] = request.style
    if request.title is not None:
        body["title"] = request.title
    return body


class _Track(WireModel):
    id: LenientStr = None
    audio_url: LenientStr = Field(None, alias="audioUrl")
    title: LenientStr = None
    duration: LenientFloat = None


class _Record(WireModel):
    status: LenientStr = None
    response: Any = None
    error_code: LenientInt = Field(None, alias="errorCode")
    error_message: LenientStr = Field(None, alias="errorMessage")


def _ready_tracks(response: object) -> tuple[ResultFile, ...]:
    """Tracks that already have an audio URL; the rest are still rendering."""
    items = response.get("sunoData") if isinstance(response, dict) else None
    if not isinstance(items, list):
        return ()
    files: list[ResultFile] = []
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        track = _Track.model_validate(item)
        if track.audio_url is None:
            continue
        duration = track.duration if track.duration is not None and track.duration >= 0 else None
        files.append(
            ResultFile(
                key=track.id or str(position),
                url=track.audio_url,
                kind=MediaKind.AUDIO,
                title=track.title,
                duration=duration,
            )
        )
    return tuple(files)


def parse_status(task_id: str, data: object, *, kind_hint: MediaKind | None = None) -> TaskResult:
    if not isinstance(data, dict):
        raise KieTransportError("Kie Suno record-info reply has no data object")
    record = _Record.model_validate(data)
    status = record.status
    if status in PENDING_STATUSES:
        files = _ready_tracks(record.response)
        return TaskResult(task_id=task_id, family=Family.SUNO, state=TaskState.PENDING, files=files)
    if status == "SUCCESS":
        files = _ready_tracks(record.response)
        if not files:
            return TaskResult(
                task_id=task_id,
                family=Family.SUNO,
                state=TaskState.FAILED,
                error_message=NO_TRACKS_MESSAGE,
            )
        return TaskResult(task_id=task_id, family=Family.SUNO, state=TaskState.SUCCESS, files=files)
    # Unlisted *_FAILED / *_ERROR statuses are treated as failures so a new error enum
    # cannot leave a task polling forever.
    if status in FAILED_STATUSES or (status is not None and status.endswith(("_FAILED", "_ERROR", "_EXCEPTION"))):
        return TaskResult(
            task_id=task_id,
            family=Family.SUNO,
            state=TaskState.FAILED,
            error_code=record.error_code,
            error_message=record.error_message or status,
        )
    raise KieTransportError(f"Kie Suno reply has an unknown status: {status!r:.40}")


def parse_callback(data: dict[str, Any], *, task_id: str, code: int | None, message: str | None) -> CallbackEvent:
    stage = data.get("callbackType")
    if not isinstance(stage, str) or not stage:
        raise ValueError("suno callback without a callbackType")
    if stage == "complete":
        claimed = TaskState.SUCCESS
    elif stage in PENDING_CALLBACK_STAGES:
        claimed = TaskState.PENDING
    else:
        claimed = TaskState.FAILED
    return CallbackEvent(
        task_id=task_id,
        family=Family.SUNO,
        stage=stage,
        claimed_state=claimed,
        code=code,
        message=message,
    )
