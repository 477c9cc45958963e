"""Lenient coercions shared by the family parsers.

Kie's payloads drift between pages and versions (numbers as strings, lists as JSON strings,
empty strings for "none"), so the wire models coerce instead of rejecting: a field we cannot
read becomes ``None`` and the caller decides whether that is fatal.
"""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Any, TypeGuard
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict

from .models import MediaKind


class WireModel(BaseModel):
    """Base for Kie wire shapes: unknown keys are ignored, never an error."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def to_int(value: object) -> int | None:
    """An int from an int or a numeric string (``"500"``); anything else is ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        return int(value)
    return None


def to_float(value: object) -> float | None:
    """A finite float from a number or a numeric string; anything else is ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def to_str(value: object) -> str | None:
    """A non-empty string, else ``None`` (Kie uses ``""`` and ``null`` interchangeably)."""
    if isinstance(value, str) and value.strip():
        return value
    return None


def to_url_list(value: object) -> list[str]:
    """URLs from a list, a JSON-encoded list, or a single URL string.

    The Veo OpenAPI schema even shows ``'[http://…mp4]'`` (brackets, no quotes), so a
    bracketed string that is not JSON is split on commas.
    """
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                value = [part.strip().strip("'\"") for part in text.strip("[]").split(",")]
        else:
            value = [text]
    if not isinstance(value, list | tuple):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def to_json_object(value: object) -> dict[str, Any] | None:
    """A dict from a dict or a JSON string holding one (``resultJson``)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


LenientInt = Annotated[int | None, BeforeValidator(to_int)]
LenientFloat = Annotated[float | None, BeforeValidator(to_float)]
LenientStr = Annotated[str | None, BeforeValidator(to_str)]


_EXTENSIONS: dict[str, MediaKind] = {
    ".png": MediaKind.IMAGE,
    ".jpg": MediaKind.IMAGE,
    ".jpeg": MediaKind.IMAGE,
    ".webp": MediaKind.IMAGE,
    ".mp4": MediaKind.VIDEO,
    ".mov": MediaKind.VIDEO,
    ".webm": MediaKind.VIDEO,
    ".mp3": MediaKind.AUDIO,
    ".wav": MediaKind.AUDIO,
    ".m4a": MediaKind.AUDIO,
}


def infer_kind(url: str, default: MediaKind) -> MediaKind:
    """The media kind from the URL path's extension (query ignored), else ``default``."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return default
    dot = path.rfind(".")
    if dot == -1 or "/" in path[dot:]:
        return default
    return _EXTENSIONS.get(path[dot:].lower(), default)


# Kie ids seen: 32-hex, ``task_<model>_<ms>``, ``veo_task_…``, UUIDs. Anything outside this
# alphabet in an untrusted callback is rejected before it reaches logs or SQL.
_TASK_ID = re.compile(r"[A-Za-z0-9_.\-]{1,128}")


def is_task_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _TASK_ID.fullmatch(value) is not None
