"""Veo 3.1: ``/api/v1/veo/generate`` + ``/api/v1/veo/record-info``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .._wire import LenientInt, LenientStr, WireModel, to_int, to_url_list
from ..errors import KieTransportError
from ..models import (
    CallbackEvent,
    Family,
    MediaKind,
    ResultFile,
    TaskResult,
    TaskState,
    VeoTaskRequest,
)

CREATE_PATH = "/api/v1/veo/generate"
STATUS_PATH = "/api/v1/veo/record-info"

NO_URLS_MESSAGE = "Kie reported success but returned no video URLs"


def build_body(request: VeoTaskRequest) -> dict[str, Any]:
    # camelCase ``aspectRatio``: the newer CN schema and most clients use it (reference §4.1).
    body: dict[str, Any] = {
        "prompt": request.prompt,
        "model": request.model,
        "aspectRatio": request.aspect_ratio,
    }
    if request.image_urls:
        body["imageUrls"] = list(request.image_urls)
    if request.resolution is not None:
        body["resolution"] = request.resolution
    if request.duration is not None:
        body["duration"] = request.duration
    if request.callback_url:
        body["callBackUrl"] = request.callback_url
    return body


class _Record(WireModel):
    success_flag: Any = Field(None, alias="successFlag")
    response: Any = None
    error_code: LenientInt = Field(None, alias="errorCode")
    error_message: LenientStr = Field(None, alias="errorMessage")


def parse_status(task_id: str, data: object, *, kind_hint: MediaKind | None = None) -> TaskResult:
    if not isinstance(data, dict):
        raise KieTransportError("Kie Veo record-info reply has no data object")
    record = _Record.model_validate(data)
    flag = to_int(record.success_flag)
    if record.success_flag is None or flag == 0:
        return TaskResult(task_id=task_id, family=Family.VEO, state=TaskState.PENDING)
    if flag in (2, 3):
        return TaskResult(
            task_id=task_id,
            family=Family.VEO,
            state=TaskState.FAILED,
            error_code=record.error_code,
            error_message=record.error_message or "Video generation failed",
        )
    if flag != 1:
        raise KieTransportError(f"Kie Veo reply has an unknown successFlag: {record.success_flag!r:.40}")
    response = record.response if isinstance(record.response, dict) else {}
    urls = to_url_list(response.get("resultUrls"))
    if not urls:
        return TaskResult(
            task_id=task_id,
            family=Family.VEO,
            state=TaskState.FAILED,
            error_message=NO_URLS_MESSAGE,
        )
    files = tuple(ResultFile(key=str(i), url=url, kind=MediaKind.VIDEO) for i, url in enumerate(urls))
    return TaskResult(task_id=task_id, family=Family.VEO, state=TaskState.SUCCESS, files=files)


def parse_callback(data: dict[str, Any], *, task_id: str, code: int | None, message: str | None) -> CallbackEvent:
    """Success carries ``data.info.resultUrls``; a failure has only ``taskId`` and a code."""
    success = code == 200
    return CallbackEvent(
        task_id=task_id,
        family=Family.VEO,
        stage="complete" if success else "error",
        claimed_state=TaskState.SUCCESS if success else TaskState.FAILED,
        code=code,
        message=message,
    )
