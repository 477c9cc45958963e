"""Market (unified jobs API): ``/api/v1/jobs/createTask`` + ``/api/v1/jobs/recordInfo``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .._wire import LenientInt, LenientStr, WireModel, infer_kind, to_json_object, to_url_list
from ..errors import KieTransportError
from ..models import (
    CallbackEvent,
    Family,
    MarketTaskRequest,
    MediaKind,
    ResultFile,
    TaskResult,
    TaskState,
)

CREATE_PATH = "/api/v1/jobs/createTask"
STATUS_PATH = "/api/v1/jobs/recordInfo"

PENDING_STATES = frozenset({"waiting", "queuing", "generating"})
NO_URLS_MESSAGE = "Kie reported success but returned no result URLs"


def build_body(request: MarketTaskRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"model": request.model, "input": dict(request.input)}
    if request.callback_url:
        body["callBackUrl"] = request.callback_url
    return body


class _Record(WireModel):
    state: LenientStr = None
    # A JSON *string* on the wire; parsed separately so garbage cannot fail the record.
    result_json: Any = Field(None, alias="resultJson")
    fail_code: LenientInt = Field(None, alias="failCode")  # numeric string, "" on success
    fail_msg: LenientStr = Field(None, alias="failMsg")


def parse_status(task_id: str, data: object, *, kind_hint: MediaKind | None = None) -> TaskResult:
    if not isinstance(data, dict):
        raise KieTransportError("Kie recordInfo reply has no data object")
    record = _Record.model_validate(data)
    state = record.state
    if state in PENDING_STATES:
        return TaskResult(task_id=task_id, family=Family.MARKET, state=TaskState.PENDING)
    if state == "fail":
        return TaskResult(
            task_id=task_id,
            family=Family.MARKET,
            state=TaskState.FAILED,
            error_code=record.fail_code,
            error_message=record.fail_msg or "Generation failed",
        )
    if state != "success":
        raise KieTransportError(f"Kie recordInfo reply has an unknown state: {state!r:.40}")
    result = to_json_object(record.result_json) or {}
    urls = to_url_list(result.get("resultUrls"))
    if not urls:
        # Text-only outputs (resultObject) and garbage both land here: nothing to deliver.
        return TaskResult(
            task_id=task_id,
            family=Family.MARKET,
            state=TaskState.FAILED,
            error_message=NO_URLS_MESSAGE,
        )
    default = kind_hint or MediaKind.IMAGE
    files = tuple(ResultFile(key=str(i), url=url, kind=infer_kind(url, default)) for i, url in enumerate(urls))
    return TaskResult(task_id=task_id, family=Family.MARKET, state=TaskState.SUCCESS, files=files)


def parse_callback(data: dict[str, Any], *, task_id: str, code: int | None, message: str | None) -> CallbackEvent:
    """``data`` is recordInfo-shaped; only final states are expected, but any is reported."""
    state = data.get("state")
    if not isinstance(state, str) or not state:
        raise ValueError("market callback without a state")
    if state == "success":
        claimed = TaskState.SUCCESS
    elif state in PENDING_STATES:
        claimed = TaskState.PENDING
    else:
        claimed = TaskState.FAILED
    return CallbackEvent(
        task_id=task_id,
        family=Family.MARKET,
        stage=state,
        claimed_state=claimed,
        code=code,
        message=message,
    )
