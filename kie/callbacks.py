"""Parsing of the bodies Kie POSTs to ``callBackUrl``.

A callback is untrusted input from the internet: :func:`parse_callback` only says which task
it is about and what it *claims*; the caller confirms with :meth:`kie.KieClient.get_task`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._wire import is_task_id, to_int
from .errors import KieCallbackError
from .families import market, suno, veo
from .models import CallbackEvent

_MAX_STAGE = 64
_MAX_MESSAGE = 1000

_Parser = Callable[..., CallbackEvent]


def _code(payload: dict[str, Any]) -> int | None:
    raw = payload.get("code")
    if raw is None:
        return None
    code = to_int(raw)
    if code is None:
        raise KieCallbackError("callback code is not a number")
    return code


def _message(payload: dict[str, Any]) -> str | None:
    for key in ("msg", "message"):
        value = payload.get(key)
        if isinstance(value, str):
            return value[:_MAX_MESSAGE]
    return None


def _route(data: dict[str, Any]) -> tuple[_Parser, object]:
    """Pick the family parser and the raw task id from the shape of ``data``."""
    if "callbackType" in data:
        # Suno: snake_case ``task_id``; fall back to ``taskId`` as some mirrors write it.
        nested = data.get("data")
        if nested is not None and not isinstance(nested, list):
            raise KieCallbackError("suno callback data.data is not a list")
        return suno.parse_callback, data.get("task_id", data.get("taskId"))
    if "taskId" in data:
        if "state" in data or "model" in data:
            return market.parse_callback, data["taskId"]
        info = data.get("info")
        if info is not None and not isinstance(info, dict):
            raise KieCallbackError("veo callback info is not an object")
        return veo.parse_callback, data["taskId"]
    raise KieCallbackError("callback data has no task id")


def parse_callback(payload: object) -> CallbackEvent:
    """Classify a callback body by family; :class:`KieCallbackError` for any other shape."""
    if not isinstance(payload, dict):
        raise KieCallbackError("callback body is not a JSON object")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise KieCallbackError("callback body has no data object")
    parser, task_id = _route(data)
    if not is_task_id(task_id):
        raise KieCallbackError("callback task id is missing or malformed")
    code = _code(payload)
    stage = data.get("state", data.get("callbackType"))
    if isinstance(stage, str) and len(stage) > _MAX_STAGE:
        raise KieCallbackError("callback stage is too long")
    try:
        return parser(data, task_id=task_id, code=code, message=_message(payload))
    except ValueError as exc:  # includes pydantic.ValidationError
        raise KieCallbackError(str(exc)) from exc


def callback_task_id(payload: object) -> str | None:
    """The task id Kie signs (``X-Webhook-Signature``): ``data.taskId``, else
    ``data.task_id``, else the top-level ``taskId`` (reference §2); ``None`` if absent."""
    if not isinstance(payload, dict):
        return None
    data = payload.get("data")
    candidates: list[object] = []
    if isinstance(data, dict):
        candidates += [data.get("taskId"), data.get("task_id")]
    candidates.append(payload.get("taskId"))
    for candidate in candidates:
        if is_task_id(candidate):
            return candidate
    return None
