"""Public, family-independent types of the Kie client.

Each Kie family (Market, Veo, Suno) has its own request, status and callback shapes;
the client normalises all of them into :class:`TaskResult` and :class:`CallbackEvent`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class Family(StrEnum):
    MARKET = "market"  # /api/v1/jobs/createTask + /api/v1/jobs/recordInfo
    VEO = "veo"  # /api/v1/veo/generate + /api/v1/veo/record-info
    SUNO = "suno"  # /api/v1/generate + /api/v1/generate/record-info


class TaskState(StrEnum):
    PENDING = "pending"  # waiting, queuing, generating; Suno text/first stages
    SUCCESS = "success"
    FAILED = "failed"


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ResultFile(_Frozen):
    """One generated file. ``key`` is stable across polls and callbacks of the same task
    (the Suno track id, else the position in the result list), so a caller can deliver
    each file exactly once."""

    key: str
    url: str
    kind: MediaKind
    title: str | None = None
    duration: float | None = None


class TaskResult(_Frozen):
    """A task's state as reported by the family's status endpoint (the source of truth).

    A PENDING Suno task may already carry the tracks that are finished (``FIRST_SUCCESS``).
    """

    task_id: str
    family: Family
    state: TaskState
    files: tuple[ResultFile, ...] = ()
    error_code: int | None = None
    error_message: str | None = None


class CallbackEvent(_Frozen):
    """What a callback body *claims*. Untrusted: use it to find the task, then confirm
    with :meth:`kie.KieClient.get_task`."""

    task_id: str
    family: Family
    stage: str  # "complete", "first", "text", "error", or the Market state
    claimed_state: TaskState
    code: int | None = None
    message: str | None = None


class MarketTaskRequest(_Frozen):
    model: str
    input: dict[str, Any]
    callback_url: str | None = None


class VeoTaskRequest(_Frozen):
    prompt: str
    model: str = "veo3_fast"
    aspect_ratio: str = "16:9"
    image_urls: tuple[str, ...] = ()
    resolution: str | None = None
    duration: int | None = None
    callback_url: str | None = None


class SunoTaskRequest(_Frozen):
    prompt: str
    callback_url: str  # required by Kie for Suno
    model: str = "V4_5"
    custom_mode: bool = False
    instrumental: bool = False
    style: str | None = None
    title: str | None = None


TaskRequest = MarketTaskRequest | VeoTaskRequest | SunoTaskRequest


def family_of(request: TaskRequest) -> Family:
    if isinstance(request, MarketTaskRequest):
        return Family.MARKET
    if isinstance(request, VeoTaskRequest):
        return Family.VEO
    return Family.SUNO


__all__ = [
    "CallbackEvent",
    "Family",
    "MarketTaskRequest",
    "MediaKind",
    "ResultFile",
    "SunoTaskRequest",
    "TaskRequest",
    "TaskResult",
    "TaskState",
    "VeoTaskRequest",
    "family_of",
]
