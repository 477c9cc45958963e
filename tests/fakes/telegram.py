"""A loopback fake Telegram Bot API server for tests.

It is an aiohttp app on ``127.0.0.1:<random port>``. Point a real aiogram ``Bot`` at it:

    fake = FakeTelegram()
    await fake.start()
    bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))

Every request is checked against the Bot API 10.1 schema in ``tests/data/bot_api_methods.json``:
method names, required and unknown parameters, coarse types, nested JSON objects. A few
semantic rules that the schema only states in prose are hand-coded: text and caption lengths after
entity parsing, HTML / MarkdownV2 / Markdown parsing, callback_data size, upload size limits,
reply targets, edits that change nothing, invoices in Telegram Stars. So a call that real Telegram
would reject is rejected here too, with the same HTTP status and a similar description. aiogram then
raises its real exception classes (TelegramBadRequest, TelegramRetryAfter, TelegramForbiddenError, ...).

Where the fake is stricter than Telegram, it says so in the description:
- Telegram ignores unknown parameters; the fake rejects them (catches typos). Deprecated parameters
  that Telegram still accepts (reply_to_message_id, allow_sending_without_reply,
  disable_web_page_preview) are allowed.
- In parse_mode=HTML Telegram keeps a bare ``&`` literally; the Bot API documentation says it must be
  escaped and the fake enforces that (``strict_html_ampersand=False`` turns it off).

Recorded state, for assertions: ``calls`` (every request that reached a method, accepted or not),
``messages(chat_id)`` (messages the bot sent, with their current text after edits), ``webhook``,
``my_commands()``, ``callback_answers``, ``pre_checkout_answers``, ``inline_answers``, ``refunded_charges``,
``files``.

Simulated users: ``message_update()``, ``photo_update()``, ``callback_update()``,
``inline_query_update()``, ``pre_checkout_update()`` and ``successful_payment_update()`` build
realistic Update dicts (and register the ids they mint, so answering them works); ``push_update()``
queues one for getUpdates; ``push_message()`` does both for a text message.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import math
import mimetypes
import re
import secrets
import struct
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import BodyPartReader, web

__all__ = [
    "SCHEMA_PATH",
    "BotApiSchema",
    "Call",
    "FakeTelegram",
    "MarkupError",
    "SentMessage",
    "StoredFile",
    "UploadedFile",
    "make_png",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "bot_api_methods.json"

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 50 * MB  # any multipart file: "Request Entity Too Large"
MAX_PHOTO_UPLOAD_BYTES = 10 * MB  # sendPhoto: PHOTO_SAVE_FILE_INVALID
MAX_DOWNLOAD_BYTES = 20 * MB  # getFile: "file is too big"
MAX_TEXT_FIELD_BYTES = 1 * MB  # a non-file multipart part
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

# Parameters Telegram removed from the docs but still accepts; aiogram still has them.
LEGACY_PARAMS: dict[str, list[str]] = {
    "reply_to_message_id": ["Integer"],
    "allow_sending_without_reply": ["Boolean"],
    "disable_web_page_preview": ["Boolean"],
}

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

DEFAULT_UPDATE_TYPES_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# method -> (media kind, parameter holding the file)
MEDIA_METHODS: dict[str, tuple[str, str]] = {
    "sendPhoto": ("photo", "photo"),
    "sendVideo": ("video", "video"),
    "sendAudio": ("audio", "audio"),
    "sendDocument": ("document", "document"),
    "sendAnimation": ("animation", "animation"),
    "sendVoice": ("voice", "voice"),
    "sendVideoNote": ("video_note", "video_note"),
    "sendSticker": ("sticker", "sticker"),
}

_FILE_ID_PREFIX = {
    "photo": "AgACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "animation": "CgACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "video_note": "DQACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
}
_FILE_ID_RE = re.compile(r"[A-Za-z0-9_\-]{16,}")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_\-]{1,256}")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_COMMAND_TOKEN_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


# --------------------------------------------------------------------------------------------
# Errors and records
# --------------------------------------------------------------------------------------------


class TelegramError(Exception):
    """Raised inside the fake; becomes ``{"ok": false, ...}`` with HTTP status ``error_code``."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {description}")


class MarkupError(ValueError):
    """A parse_mode text that Telegram refuses ("can't parse entities: ...")."""


@dataclass
class UploadedFile:
    """One multipart file part. ``data`` holds at most ``max_stored_bytes`` bytes; ``size`` and
    ``sha256`` always describe the whole upload."""

    name: str  # multipart part name
    filename: str | None
    content_type: str | None
    size: int
    data: bytes
    sha256: str

    @property
    def truncated(self) -> bool:
        return len(self.data) < self.size


@dataclass
class Call:
    """One request that reached a Bot API method.

    ``method`` is the canonical schema name ("sendMessage") whatever case the client used.
    ``params`` are decoded by the schema type: Integer -> int, Float -> float, Boolean -> bool,
    "Integer or String" (chat_id) -> int when it is a number else str, objects and arrays -> the
    decoded JSON, InputFile -> the string that was sent ("attach://<part>", a file_id or a URL).
    A value that failed validation stays as sent. ``raw`` keeps the wire strings.
    ``files`` maps a parameter name (photo, document, thumbnail, ...) to its upload; uploads
    referenced from inside JSON (sendMediaGroup) are keyed by their part name. ``parts`` has every
    file part by part name. A file part sent under the parameter's own name (no attach://) is
    recorded as ``params[name] == "attach://<name>"``.
    """

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    parts: dict[str, UploadedFile] = field(default_factory=dict)
    http_method: str = "POST"
    status: int | None = None  # HTTP status of the answer; None while in flight
    response: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        return (self.response or {}).get("result")

    @property
    def error_code(self) -> int | None:
        return None if self.ok or self.response is None else self.response.get("error_code")

    @property
    def description(self) -> str | None:
        return None if self.response is None else self.response.get("description")

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    @property
    def chat_id(self) -> int | str | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """``text`` or ``caption`` as sent (markup not stripped)."""
        return self.params.get("text", self.params.get("caption"))


@dataclass
class SentMessage:
    """A message in the fake's per-chat history (bot-sent, or from a simulated user)."""

    chat_id: int
    message_id: int
    method: str  # "sendMessage", "sendPhoto", ... or "user" for simulated incoming messages
    from_bot: bool
    message: dict[str, Any]  # the Message object as last returned / delivered (updated by edits)
    raw_text: str | None = None  # text or caption as last sent, with markup
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    history: list[str] = field(default_factory=list)  # plain text/caption of every version
    deleted: bool = False
    edited: bool = False

    @property
    def text(self) -> str | None:
        """Current plain text (entities parsed, after edits); the caption for media."""
        return self.message.get("text", self.message.get("caption"))

    @property
    def caption(self) -> str | None:
        return self.message.get("caption")

    @property
    def entities(self) -> list[dict[str, Any]]:
        return self.message.get("entities", self.message.get("caption_entities", []))

    @property
    def kind(self) -> str:
        for key in ("photo", "video", "audio", "document", "animation", "voice", "video_note", "sticker", "invoice"):
            if key in self.message:
                return key
        return "text"


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    size: int | None
    data: bytes
    filename: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    url: str | None = None
    file_path: str | None = None


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.is_forum:
            out["is_forum"] = True
        return out


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, message: str, score: int = 0):
        super().__init__(message)
        self.message = message
        self.score = score


@dataclass
class _Ctx:
    parts: dict[str, UploadedFile]
    nested_refs: set[str] = field(default_factory=set)
    file_param: bool = False  # the top-level parameter being coerced accepts an InputFile


_SCHEMA_CACHE: dict[Path, BotApiSchema] = {}


class BotApiSchema:
    """The slim Bot API schema: ``methods[name] = {returns, fields[{name, types, required}]}`` and
    ``types[name] = {fields?, subtypes?, const?}``."""

    def __init__(self, data: dict[str, Any]):
        self.source: str = data.get("source", "")
        self.version: str = data.get("version", "")
        self.methods: dict[str, dict[str, Any]] = data["methods"]
        self.types: dict[str, dict[str, Any]] = data["types"]
        self._by_lower = {name.lower(): name for name in self.methods}

    @classmethod
    def load(cls, path: Path = SCHEMA_PATH) -> BotApiSchema:
        """Load (and cache: the schema is read-only) the slim schema file."""
        cached = _SCHEMA_CACHE.get(path)
        if cached is None:
            cached = _SCHEMA_CACHE[path] = cls(json.loads(path.read_text(encoding="utf-8")))
        return cached

    def canonical(self, method: str) -> str | None:
        return self._by_lower.get(method.lower())

    def fields(self, method: str) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in self.methods[method]["fields"]}

    def returns(self, method: str) -> list[str]:
        return list(self.methods[method].get("returns", []))

    # -- coercion / validation ---------------------------------------------------------------

    def coerce(self, value: Any, types: list[str], path: str, ctx: _Ctx, *, top: bool) -> Any:
        errors: list[_Invalid] = []
        for type_name in types:
            try:
                return self._coerce_one(value, type_name, path, ctx, top=top)
            except _Invalid as exc:
                errors.append(exc)
        best = max(errors, key=lambda e: e.score)
        if best.score <= 0 and all(t in _SCALARS or t == "InputFile" for t in types):
            raise _Invalid(f"{path} must be of type {' or '.join(types)}", best.score)
        raise best

    def _coerce_one(self, value: Any, type_name: str, path: str, ctx: _Ctx, *, top: bool) -> Any:
        if type_name.startswith("Array of "):
            inner = type_name[len("Array of ") :]
            if isinstance(value, str) and top:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise _Invalid(f"can't parse {path}: must be a JSON-serialized array") from None
            if not isinstance(value, list):
                raise _Invalid(f"{path} must be an Array")
            return [self.coerce(item, [inner], f"{path}[{i}]", ctx, top=False) for i, item in enumerate(value)]
        if type_name == "Integer":
            if isinstance(value, bool):
                raise _Invalid(f"{path} must be an Integer")
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
                return int(value)
            raise _Invalid(f"{path} must be an Integer")
        if type_name == "Float":
            if isinstance(value, bool):
                raise _Invalid(f"{path} must be a Float")
            if isinstance(value, (int, float)):
                return float(value)
            if isinstance(value, str):
                try:
                    number = float(value)
                except ValueError:
                    pass
                else:
                    if math.isfinite(number):
                        return number
            raise _Invalid(f"{path} must be a Float")
        if type_name in ("Boolean", "True"):
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
                return value.strip().lower() in ("true", "1")
            raise _Invalid(f"{path} must be a Boolean")
        if type_name == "String":
            if not isinstance(value, str):
                raise _Invalid(f"{path} must be a String")
            if value.startswith("attach://") and (ctx.file_param or not top):
                part = value[len("attach://") :]
                if part not in ctx.parts:
                    raise _Invalid(f"{path}: no multipart file part named {part!r} for {value!r}", 50)
                if not top:
                    ctx.nested_refs.add(part)
            return value
        if type_name == "InputFile":
            if isinstance(value, str) and value.startswith("attach://"):
                part = value[len("attach://") :]
                if part not in ctx.parts:
                    raise _Invalid(f"{path}: no multipart file part named {part!r} for {value!r}", 50)
                return value
            raise _Invalid(f"{path} must be an uploaded file (InputFile)")
        spec = self.types.get(type_name)
        if spec is None:  # pragma: no cover - schema closure is complete
            return value
        if isinstance(value, str) and top:
            try:
                value = json.loads(value)
            except ValueError:
                raise _Invalid(f"can't parse {path} JSON object") from None
        if not isinstance(value, dict):
            raise _Invalid(f"{path} must be an Object ({type_name})")
        if spec.get("subtypes"):
            return self.coerce(value, spec["subtypes"], path, ctx, top=False)
        fields = {f["name"]: f for f in spec.get("fields", [])}
        if not fields:
            return value
        score = len(set(value) & set(fields))
        for key, expected in spec.get("const", {}).items():
            if value.get(key) != expected:
                raise _Invalid(f'{path}.{key} must be "{expected}" for {type_name}', -1)
            score += 100
        for name, spec_field in fields.items():
            if spec_field["required"] and name not in value:
                raise _Invalid(f'{path}: field "{name}" is required in {type_name}', score)
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key not in fields:
                raise _Invalid(f'{path}: unknown field "{key}" in {type_name}', score)
            try:
                out[key] = self.coerce(item, fields[key]["types"], f"{path}.{key}", ctx, top=False)
            except _Invalid as exc:
                raise _Invalid(exc.message, score + max(exc.score, 0)) from None
        return out


_DEFAULT_MIME = {"audio": "audio/mpeg", "video": "video/mp4", "voice": "audio/ogg", "animation": "video/mp4"}
_MEDIA_KEYS = ("photo", "video", "audio", "document", "animation", "voice", "video_note", "sticker")
_SCALARS = frozenset({"Integer", "Float", "Boolean", "True", "String"})
_NOT_COPIED = frozenset({"message_id", "from", "chat", "date", "reply_to_message", "edit_date", "media_group_id"})


# --------------------------------------------------------------------------------------------
# parse_mode parsers (modelled on tdlib's parse_html / parse_markdown_v2 / parse_markdown)
# --------------------------------------------------------------------------------------------


class _Builder:
    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.pos = 0  # UTF-16 offset
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.chunks.append(text)
        self.pos += utf16_len(text)

    def entity(self, type_: str, start: int, **extra: Any) -> None:
        length = self.pos - start
        if length > 0:
            self.entities.append({"type": type_, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        return _trim("".join(self.chunks), self.entities)


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading and trailing whitespace after parsing; entities follow."""
    stripped = text.strip()
    if stripped == text:
        return text, sorted(entities, key=lambda e: (e["offset"], -e["length"]))
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    out = []
    for ent in entities:
        start = max(ent["offset"] - lead, 0)
        end = min(ent["offset"] + ent["length"] - lead, total)
        if end > start:
            out.append({**ent, "offset": start, "length": end - start})
    return stripped, sorted(out, key=lambda e: (e["offset"], -e["length"]))


_HTML_TAGS = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_NAMED_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(text: str, i: int) -> tuple[str, int] | None:
    n = len(text)
    j = i + 1
    if j < n and text[j] == "#":
        j += 1
        if j < n and text[j] in "xX":
            j += 1
            start = j
            while j < n and text[j] in "0123456789abcdefABCDEF":
                j += 1
            digits, base = text[start:j], 16
        else:
            start = j
            while j < n and text[j].isdigit():
                j += 1
            digits, base = text[start:j], 10
        if not digits or j >= n or text[j] != ";" or len(digits) > 8:
            return None
        code = int(digits, base)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), j + 1
    start = j
    while j < n and text[j].isalpha() and text[j].isascii():
        j += 1
    name = text[start:j]
    if j < n and text[j] == ";" and name in _NAMED_HTML_ENTITIES:
        return _NAMED_HTML_ENTITIES[name], j + 1
    return None


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram's HTML subset into ``(plain_text, entities)`` or raise MarkupError."""
    out = _Builder()
    stack: list[dict[str, Any]] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.add(decoded[0])
                i = decoded[1]
                continue
            if strict_ampersand:
                raise MarkupError(
                    f'Character "&" at byte offset {_byte_offset(text, i)} must be escaped as "&amp;" '
                    "(Bot API: all <, > and & symbols that are not part of a tag or an HTML entity must be "
                    "replaced with the corresponding HTML entities)"
                )
            out.add(c)
            i += 1
            continue
        if c != "<":
            out.add(c)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            if not stack:
                raise MarkupError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            i += 1
            j = i
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            end_name = text[i:j].lower()
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != ">":
                raise MarkupError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            top = stack[-1]
            if end_name and end_name != top["tag"]:
                raise MarkupError(
                    f'Unmatched end tag at byte offset {_byte_offset(text, begin)}, expected "</{top["tag"]}>", '
                    f'found "</{end_name}>"'
                )
            stack.pop()
            i = j + 1
            _close_html_entity(out, top, stack)
            continue
        # start tag
        j = i
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            raise MarkupError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[i:j].lower()
        if tag not in _HTML_TAGS:
            raise MarkupError(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
        attrs: dict[str, str] = {}
        i = j
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise MarkupError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[i] == ">":
                i += 1
                break
            attr_begin = i
            while i < n and not text[i].isspace() and text[i] not in "=>":
                i += 1
            attr_name = text[attr_begin:i].lower()
            if not attr_name:
                raise MarkupError(f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            while i < n and text[i].isspace():
                i += 1
            if i >= n or text[i] != "=":
                if tag == "blockquote" and attr_name == "expandable":
                    attrs["expandable"] = ""
                    continue
                raise MarkupError(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset '
                    f"{_byte_offset(text, begin)}"
                )
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise MarkupError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[i] in "\"'":
                quote = text[i]
                i += 1
                value_chars: list[str] = []
                while i < n and text[i] != quote:
                    if text[i] == "&":
                        decoded = _decode_html_entity(text, i)
                        if decoded is not None:
                            value_chars.append(decoded[0])
                            i = decoded[1]
                            continue
                    value_chars.append(text[i])
                    i += 1
                if i >= n:
                    raise MarkupError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
                i += 1
                value = "".join(value_chars)
            else:
                token_begin = i
                while i < n and (text[i].isalnum() or text[i] in ".-"):
                    i += 1
                value = text[token_begin:i].lower()
                if i < n and not text[i].isspace() and text[i] != ">":
                    raise MarkupError(f"Unexpected end of name token at byte offset {_byte_offset(text, token_begin)}")
            attrs[attr_name] = value
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise MarkupError(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}')
        if tag == "tg-emoji" and not re.fullmatch(r"[1-9]\d{0,19}", attrs.get("emoji-id", "")):
            raise MarkupError("Invalid custom emoji identifier specified")
        if tag == "tg-time" and not re.fullmatch(r"-?\d{1,12}", attrs.get("unix", "")):
            raise MarkupError(f'Tag "tg-time" must have attribute "unix" at byte offset {_byte_offset(text, begin)}')
        stack.append({"tag": tag, "start": out.pos, "attrs": attrs})
    if stack:
        raise MarkupError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    return out.result()


def _close_html_entity(out: _Builder, entry: dict[str, Any], stack: list[dict[str, Any]]) -> None:
    tag, start, attrs = entry["tag"], entry["start"], entry["attrs"]
    kind = _HTML_TAGS[tag]
    if kind == "text_link":
        url = attrs.get("href", "").strip()
        match = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if match:
            out.entity("text_mention", start, user={"id": int(match.group(1)), "is_bot": False, "first_name": ""})
        elif url:
            out.entity("text_link", start, url=url)
        return
    if kind == "code" and stack and stack[-1]["tag"] == "pre" and stack[-1]["start"] == start:
        language = attrs.get("class", "")
        if language.startswith("language-") and len(language) > len("language-"):
            stack[-1]["language"] = language[len("language-") :]
        return
    if kind == "pre":
        if entry.get("language"):
            out.entity("pre", start, language=entry["language"])
        else:
            out.entity("pre", start)
        return
    if kind == "blockquote" and "expandable" in attrs:
        out.entity("expandable_blockquote", start)
        return
    if kind == "custom_emoji":
        out.entity("custom_emoji", start, custom_emoji_id=attrs["emoji-id"])
        return
    if kind == "date_time":
        extra: dict[str, Any] = {"unix_time": int(attrs["unix"])}
        if attrs.get("format"):
            extra["date_time_format"] = attrs["format"]
        out.entity("date_time", start, **extra)
        return
    out.entity(kind, start)


_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 into ``(plain_text, entities)`` or raise MarkupError.

    Every character of ``_*[]()~`>#+-=|{}.!`` outside entity markup must be escaped with ``\\``.
    Blockquotes (``>`` / ``**>`` at a line start, ``||`` ending an expandable one) are supported.
    """
    out = _Builder()
    stack: list[dict[str, Any]] = []
    quote: dict[str, Any] | None = None
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        top = stack[-1] if stack else None
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        if top is not None and top["type"] in ("code", "pre"):
            if top["type"] == "code" and c == "`":
                stack.pop()
                out.entity("code", top["start"])
                i += 1
                continue
            if top["type"] == "pre" and text.startswith("```", i):
                stack.pop()
                if top.get("language"):
                    out.entity("pre", top["start"], language=top["language"])
                else:
                    out.entity("pre", top["start"])
                i += 3
                continue
            out.add(c)
            i += 1
            continue
        at_line_start = i == 0 or text[i - 1] == "\n"
        if at_line_start:
            if text.startswith("**>", i) or c == ">":
                expandable = text.startswith("**>", i)
                if quote is None:
                    quote = {"start": out.pos, "expandable": expandable, "end": None}
                elif expandable:
                    quote["expandable"] = True
                i += 3 if expandable else 1
                continue
            if quote is not None:
                _close_quote(out, quote)
                quote = None
        if c == "\n" and quote is not None:
            quote["end"] = out.pos
        if (
            quote is not None
            and quote["expandable"]
            and text.startswith("||", i)
            and (i + 2 >= n or text[i + 2] == "\n")
            and not (top is not None and top["type"] == "spoiler")
        ):
            quote["end"] = out.pos
            _close_quote(out, quote)
            quote = None
            i += 2
            continue
        if c not in _MDV2_RESERVED:
            out.add(c)
            i += 1
            continue
        is_end = False
        if top is not None:
            kind = top["type"]
            is_end = (
                (kind == "bold" and c == "*")
                or (kind == "italic" and c == "_" and not text.startswith("__", i))
                or (kind == "underline" and text.startswith("__", i))
                or (kind == "strikethrough" and c == "~")
                or (kind == "spoiler" and text.startswith("||", i))
                or (kind in ("text_link", "custom_emoji") and c == "]")
            )
        if is_end:
            assert top is not None
            stack.pop()
            kind = top["type"]
            if kind in ("underline", "spoiler"):
                out.entity(kind, top["start"])
                i += 2
                continue
            if kind in ("text_link", "custom_emoji"):
                i += 1
                url = None
                if i < n and text[i] == "(":
                    url_begin = i
                    i += 1
                    url_chars: list[str] = []
                    while i < n and text[i] != ")":
                        if text[i] == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                            url_chars.append(text[i + 1])
                            i += 2
                            continue
                        url_chars.append(text[i])
                        i += 1
                    if i >= n:
                        raise MarkupError(f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}")
                    i += 1
                    url = "".join(url_chars)
                if kind == "custom_emoji":
                    match = re.fullmatch(r"tg://emoji\?id=(\d+)", url or "")
                    if not match:
                        raise MarkupError("Custom emoji entity must contain a tg://emoji URL")
                    out.entity("custom_emoji", top["start"], custom_emoji_id=match.group(1))
                else:
                    if url is None:
                        url = "".join(out.chunks[top["chunk"] :])
                    if url:
                        out.entity("text_link", top["start"], url=url)
                continue
            out.entity(kind, top["start"])
            i += 1
            continue
        # start of an entity
        begin = i
        if c == "_":
            if text.startswith("__", i):
                kind, i = "underline", i + 2
            else:
                kind, i = "italic", i + 1
        elif c == "*":
            kind, i = "bold", i + 1
        elif c == "~":
            kind, i = "strikethrough", i + 1
        elif c == "|" and text.startswith("||", i):
            kind, i = "spoiler", i + 2
        elif c == "[":
            kind, i = "text_link", i + 1
        elif c == "!" and text.startswith("![", i):
            kind, i = "custom_emoji", i + 2
        elif c == "`":
            if text.startswith("```", i):
                kind, i = "pre", i + 3
                lang_end = i
                while lang_end < n and not text[lang_end].isspace() and text[lang_end] != "`":
                    lang_end += 1
                language = None
                if lang_end != i and lang_end < n and text[lang_end] != "`":
                    language = text[i:lang_end]
                    i = lang_end
                if i < n and text[i] in "\r\n":
                    i += 2 if (i + 1 < n and text[i + 1] in "\r\n" and text[i] != text[i + 1]) else 1
                stack.append({"type": kind, "start": out.pos, "begin": begin, "language": language})
                continue
            kind, i = "code", i + 1
        else:
            raise MarkupError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        stack.append({"type": kind, "start": out.pos, "begin": begin, "chunk": len(out.chunks)})
    if stack:
        top = stack[-1]
        raise MarkupError(
            f"Can't find end of {_MDV2_NAMES[top['type']]} entity at byte offset {_byte_offset(text, top['begin'])}"
        )
    if quote is not None:
        quote["end"] = None
        _close_quote(out, quote)
    return out.result()


def _close_quote(out: _Builder, quote: dict[str, Any]) -> None:
    end = quote["end"] if quote["end"] is not None else out.pos
    length = end - quote["start"]
    if length > 0:
        kind = "expandable_blockquote" if quote["expandable"] else "blockquote"
        out.entities.append({"type": kind, "offset": quote["start"], "length": length})


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy ``Markdown``: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = _Builder()
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.add(c)
            i += 1
            continue
        begin = i
        start = out.pos
        if text.startswith("```", i):
            i += 3
            lang_end = i
            while lang_end < n and not text[lang_end].isspace() and text[lang_end] != "`":
                lang_end += 1
            language = None
            if lang_end != i and lang_end < n and text[lang_end] != "`":
                language = text[i:lang_end]
                i = lang_end
            end = text.find("```", i)
            if end == -1:
                raise MarkupError(f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}")
            out.add(text[i:end])
            if language:
                out.entity("pre", start, language=language)
            else:
                out.entity("pre", start)
            i = end + 3
            continue
        end_char = "]" if c == "[" else c
        end = text.find(end_char, i + 1)
        if end == -1:
            raise MarkupError(f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}")
        out.add(text[i + 1 : end])
        i = end + 1
        if c == "[":
            if i < n and text[i] == "(":
                close = text.find(")", i)
                if close == -1:
                    raise MarkupError(f"Can't find end of a URL at byte offset {_byte_offset(text, i)}")
                url = text[i + 1 : close]
                i = close + 1
                if url:
                    out.entity("text_link", start, url=url)
            continue
        out.entity({"*": "bold", "_": "italic", "`": "code"}[c], start)
    return out.result()


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------


def make_png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A valid PNG of the given size (for sendPhoto tests: the fake rejects non-images)."""

    def chunk(tag: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", zlib.crc32(tag + payload))

    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def image_info(data: bytes) -> tuple[str, int | None, int | None] | None:
    """``(format, width, height)`` from the first bytes of an image, or None if not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) >= 24:
            width, height = struct.unpack(">II", data[16:24])
            return "png", width, height
        return "png", None, None
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return "jpeg", width, height
            i += 2 + length
        return "jpeg", None, None
    if data[:6] in (b"GIF87a", b"GIF89a"):
        if len(data) >= 10:
            width, height = struct.unpack("<HH", data[6:10])
            return "gif", width, height
        return "gif", None, None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = data[12:16]
        if kind == b"VP8X" and len(data) >= 30:
            width = 1 + int.from_bytes(data[24:27], "little")
            height = 1 + int.from_bytes(data[27:30], "little")
            return "webp", width, height
        if kind == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if kind == b"VP8 " and len(data) >= 30:
            width, height = struct.unpack("<HH", data[26:30])
            return "webp", width & 0x3FFF, height & 0x3FFF
        return "webp", None, None
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return "bmp", abs(width), abs(height)
    return None


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


@dataclass
class HeldRequest:
    """See :meth:`FakeTelegram.hold_request`."""

    arrived: asyncio.Event
    release: asyncio.Event


class FakeTelegram:
    """Fake Bot API server; see the module docstring.

    Knobs (keyword-only):
    - ``strict_chats``: sends to a chat the fake has never seen (no update, no ``add_chat``) fail
      with "chat not found", like Telegram. Default False: unknown ids are auto-registered
      (positive -> private, negative -> supergroup).
    - ``check_image_content``: sendPhoto uploads must be PNG/JPEG/GIF/WEBP/BMP
      ("IMAGE_PROCESS_FAILED" otherwise) and within Telegram's dimension rules. Use ``make_png()``.
    - ``strict_html_ampersand``: a bare ``&`` in HTML is an error (see module docstring).
    - ``reject_unknown_params``: parameters not in Bot API 10.1 (nor legacy) are an error.
    - ``max_stored_bytes``: how much of each upload is kept in ``UploadedFile.data``.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "kie_test_bot",
        bot_id: int = 123456,
        bot_first_name: str = "Kie Test Bot",
        strict_chats: bool = False,
        check_image_content: bool = True,
        strict_html_ampersand: bool = True,
        reject_unknown_params: bool = True,
        max_stored_bytes: int = 2 * MB,
        schema: BotApiSchema | None = None,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.bot_first_name = bot_first_name
        self.strict_chats = strict_chats
        self.check_image_content = check_image_content
        self.strict_html_ampersand = strict_html_ampersand
        self.reject_unknown_params = reject_unknown_params
        self.max_stored_bytes = max_stored_bytes
        self.schema = schema or BotApiSchema.load()

        self.base_url: str = ""
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] | None = None
        self.blocked_users: set[int] = set()
        self.left_chats: set[int] = set()
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.pre_checkout_answers: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}  # telegram_payment_charge_id -> info
        self.refunded_charges: set[str] = set()
        self.files: dict[str, StoredFile] = {}  # file_id -> file
        self.internal_errors: list[BaseException] = []  # bugs in the fake itself (HTTP 500)

        self._runner: web.AppRunner | None = None
        self._faults: dict[str, list[dict[str, Any]]] = {}
        self._chat_faults: dict[tuple[str, int | str | None], list[dict[str, Any]]] = {}
        self._held_answers: dict[str, list[asyncio.Event]] = {}
        self._held_requests: dict[str, list[HeldRequest]] = {}
        self._results: dict[str, Any] = {}
        self._consumed: set[int] = set()
        self._call_event = asyncio.Event()
        self._update_event = asyncio.Event()
        self._closing = False
        self._poll_generation = 0
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 100_000_001
        self._allowed_updates: list[str] | None = None
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[int, dict[int, SentMessage]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._members: dict[tuple[int, int], str] = {}
        self._open_callback_queries: set[str] = set()
        self._open_pre_checkout_queries: set[str] = set()
        self._open_inline_queries: set[str] = set()
        self.inline_answers: dict[str, dict[str, Any]] = {}  # inline_query_id -> the answer's params
        self._invoice_payloads: list[str] = []
        self._counter = itertools.count(1)
        self._bot_settings: dict[str, dict[str, Any]] = {}

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._closing = False
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + MB)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        self._closing = True
        self._update_event.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def make_bot(self, **kwargs: Any) -> Any:
        """An aiogram ``Bot`` pointed at this fake; the caller closes ``bot.session``. Its session
        is an ``AiohttpSession`` whose ``close()`` skips aiogram's 250 ms wait for TLS shutdown
        (there is no TLS on loopback), which keeps test teardown fast."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        class LoopbackSession(AiohttpSession):
            async def close(self) -> None:
                if self._session is not None and not self._session.closed:
                    await self._session.close()

        session = LoopbackSession(api=TelegramAPIServer.from_base(self.base_url))
        return Bot(self.token, session=session, **kwargs)

    @property
    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name, "username": self.bot_username}

    # -- assertions helpers ------------------------------------------------------------------

    def _canonical(self, method: str) -> str:
        return self.schema.canonical(method) or method

    def calls_of(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """Calls of ``method`` (any case), optionally only accepted (ok=True) or rejected ones."""
        name = self._canonical(method)
        return [c for c in self.calls if c.method == name and (ok is None or c.ok == ok)]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
    ) -> Call:
        """Wait until a call of ``method`` matching ``predicate`` has been answered, and return it.

        Each call is returned by ``wait_for`` at most once: the first matching call (in arrival
        order) that no earlier ``wait_for`` returned. So awaiting ``wait_for("sendMessage")`` twice
        yields the first and then the second message, whether they arrived before or after the
        wait started. Rejected calls match too (check ``call.ok``). Raises TimeoutError.
        """
        name = self._canonical(method)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for index, call in enumerate(self.calls):
                if index in self._consumed or call.method != name or call.response is None:
                    continue
                if predicate is None or predicate(call):
                    self._consumed.add(index)
                    return call
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = ", ".join(f"{c.method}:{c.status}" for c in self.calls[-15:]) or "none"
                raise TimeoutError(f"no matching {name} call within {timeout}s; recent calls: {seen}")
            event = self._call_event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def messages(self, chat_id: int, *, incoming: bool = False) -> list[SentMessage]:
        """Messages the bot sent to ``chat_id`` in order (deleted ones included, flagged).
        ``incoming=True`` also includes the simulated users' messages."""
        chat = self._messages.get(chat_id, {})
        return [m for _, m in sorted(chat.items()) if incoming or m.from_bot]

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        return self._messages.get(chat_id, {}).get(message_id)

    def my_commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]] | None:
        return self._commands.get((_scope_key(scope), language_code))

    # -- fault injection / overrides ---------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` fail with this error (before any validation).
        With ``retry_after`` the body carries ``parameters.retry_after`` (aiogram raises
        TelegramRetryAfter); a 429 without an explicit description reads like Telegram's."""
        name = self._canonical(method)
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        if error_code == 429 and retry_after is not None and not description:
            description = f"Too Many Requests: retry after {retry_after}"
        for _ in range(times):
            self._faults.setdefault(name, []).append(
                {"error_code": error_code, "description": description, "parameters": parameters}
            )

    def fail_next_flood(self, method: str, retry_after: int = 3, *, times: int = 1) -> None:
        description = f"Too Many Requests: retry after {retry_after}"
        self.fail_next(method, 429, description, retry_after=retry_after, times=times)

    def fail_next_in_chat(
        self,
        method: str,
        chat_id: int | str,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Like :meth:`fail_next`, but only for valid calls of ``method`` addressed to ``chat_id``,
        so a test with many chats busy at once knows whose call fails. Checked after validation
        and after the method-wide faults of :meth:`fail_next`."""
        name = self._canonical(method)
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        for _ in range(times):
            self._chat_faults.setdefault((name, chat_id), []).append(
                {"error_code": error_code, "description": description, "parameters": parameters}
            )

    def hold_answer(self, method: str) -> asyncio.Event:
        """Carry out the next call of ``method`` as usual (it is recorded and answered, so
        ``wait_for`` sees it), but hold the HTTP reply until the returned event is set: Telegram
        has done it and the bot does not know yet (a slow reply)."""
        release = asyncio.Event()
        self._held_answers.setdefault(self._canonical(method), []).append(release)
        return release

    def hold_request(self, method: str) -> HeldRequest:
        """Hold the next call of ``method`` before Telegram looks at it, until ``release`` is
        set (``arrived`` is set when it comes). If the bot has gone by then (killed), the call is
        dropped unseen, as if it had never been sent."""
        held = HeldRequest(asyncio.Event(), asyncio.Event())
        self._held_requests.setdefault(self._canonical(method), []).append(held)
        return held

    def set_result(self, method: str, result: Any | Callable[[Call], Any]) -> None:
        """Answer ``method`` with ``result`` (or ``result(call)``) after validation, instead of the
        built-in behaviour. For methods the fake does not implement (they answer HTTP 500)."""
        self._results[self._canonical(method)] = result

    # -- chats and users ---------------------------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        is_forum: bool = False,
    ) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = _Chat(chat_id, chat_type)
            self._chats[chat_id] = chat
        chat.type = chat_type
        if chat_type == "private":
            chat.first_name = first_name or chat.first_name or f"User{chat_id}"
            chat.username = username or chat.username
        else:
            chat.title = title or chat.title or "Test Group"
            chat.username = username or chat.username
        chat.is_forum = is_forum or chat.is_forum
        return chat.as_dict()

    def set_chat_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Status getChatMember reports: creator, administrator, member, restricted, left, kicked."""
        if status not in ("creator", "administrator", "member", "restricted", "left", "kicked"):
            raise ValueError(status)
        self._members[(chat_id, user_id)] = status

    def _user(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            return self.bot_user
        return self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"})

    # -- updates -----------------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an Update for getUpdates (assigns ``update_id`` if missing); returns it."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._new_update_id()
        else:
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        self._learn(update)
        self._updates.append(update)
        event, self._update_event = self._update_event, asyncio.Event()
        event.set()
        return update

    def push_message(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """``push_update(message_update(text, **kwargs))``."""
        return self.push_update(self.message_update(text, **kwargs))

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def _new_update_id(self) -> int:
        value = self._next_update_id
        self._next_update_id += 1
        return value

    def _alloc_message_id(self, chat_id: int) -> int:
        value = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = value + 1
        return value

    def _make_user(
        self, user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _make_chat(
        self, chat_type: str, chat_id: int | None, user: dict[str, Any], message_thread_id: int | None
    ) -> _Chat:
        if chat_type == "private":
            cid = chat_id if chat_id is not None else user["id"]
            if cid <= 0:
                raise ValueError("a private chat id is the user's (positive) id")
            self.add_chat(cid, "private", first_name=user["first_name"], username=user.get("username"))
        elif chat_type in ("group", "supergroup", "channel"):
            default = {"group": -4_012_345_678, "supergroup": -1_001_234_567_890, "channel": -1_009_876_543_210}
            cid = chat_id if chat_id is not None else default[chat_type]
            if cid >= 0:
                raise ValueError("group, supergroup and channel ids are negative")
            title = self._chats[cid].title if cid in self._chats else "Test Group"
            forum = chat_type == "supergroup" and message_thread_id is not None
            self.add_chat(cid, chat_type, title=title, is_forum=forum)
        else:
            raise ValueError(f"unknown chat_type {chat_type!r}")
        return self._chats[cid]

    def _user_message(
        self,
        *,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        username: str | None,
        first_name: str,
        message_thread_id: int | None,
        reply_to: dict[str, Any] | int | None,
        language_code: str | None,
        content: dict[str, Any],
    ) -> dict[str, Any]:
        user = self._make_user(user_id, first_name, username, language_code)
        chat = self._make_chat(chat_type, chat_id, user, message_thread_id)
        message: dict[str, Any] = {
            "message_id": self._alloc_message_id(chat.id),
            "from": user,
            "chat": chat.as_dict(),
            "date": int(time.time()),
        }
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            if chat.type == "supergroup":
                message["is_topic_message"] = True
        if reply_to is not None:
            if isinstance(reply_to, int):
                target = self.message(chat.id, reply_to)
                if target is None:
                    raise ValueError(f"no message {reply_to} in chat {chat.id}")
                reply_to = target.message
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        message.update(content)
        self._messages.setdefault(chat.id, {})[message["message_id"]] = SentMessage(
            chat_id=chat.id,
            message_id=message["message_id"],
            method="user",
            from_bot=False,
            message=message,
            raw_text=content.get("text", content.get("caption")),
            history=[content.get("text", content.get("caption")) or ""],
        )
        return message

    def message_update(
        self,
        text: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = "alice",
        first_name: str = "Alice",
        message_thread_id: int | None = None,
        reply_to: dict[str, Any] | int | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """An Update with a text message from a user. A leading ``/command`` or
        ``/command@bot`` gets a bot_command entity. Group/supergroup chats default to a negative
        id and a title. ``reply_to`` is a Message dict or a message id in that chat. The message
        is registered (so the bot can reply to it) and ``update_id`` is assigned, but it is not
        queued: call ``push_update`` (or use ``push_message``)."""
        if chat_type not in ("private", "group", "supergroup"):
            raise ValueError(f"message_update: chat_type must be private, group or supergroup, not {chat_type!r}")
        content: dict[str, Any] = {"text": text}
        token = text.split(maxsplit=1)[0] if text.strip() else ""
        if text.startswith("/") and _COMMAND_TOKEN_RE.fullmatch(token):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(token)}]
        message = self._user_message(
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            message_thread_id=message_thread_id,
            reply_to=reply_to,
            language_code=language_code,
            content=content,
        )
        return {"update_id": self._new_update_id(), "message": message}

    def photo_update(
        self,
        image: bytes | None = None,
        *,
        caption: str | None = None,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = "alice",
        first_name: str = "Alice",
        message_thread_id: int | None = None,
        reply_to: dict[str, Any] | int | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """An Update with a photo from a user; the photo is registered so getFile + download work."""
        data = image if image is not None else make_png(64, 48)
        content: dict[str, Any] = {"photo": self.register_photo(data)}
        if caption is not None:
            content["caption"] = caption
        message = self._user_message(
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            message_thread_id=message_thread_id,
            reply_to=reply_to,
            language_code=language_code,
            content=content,
        )
        return {"update_id": self._new_update_id(), "message": message}

    def callback_update(
        self,
        data: str,
        *,
        message: dict[str, Any] | int | None = None,
        user_id: int = 1001,
        chat_id: int | None = None,
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """An Update with a callback_query pressing a button with ``data``. ``message`` is the
        Message dict (e.g. ``call.result``) or a message id in ``chat_id`` (default: the user's
        private chat); None = the last message the bot sent there. The query id is registered
        for answerCallbackQuery."""
        user = self._make_user(user_id, first_name, username, language_code)
        if not isinstance(message, dict):
            cid = chat_id if chat_id is not None else user_id
            if message is None:
                sent = [m for m in self.messages(cid) if not m.deleted]
                if not sent:
                    raise ValueError(f"the bot has sent nothing to chat {cid}")
                message = sent[-1].message
            else:
                found = self.message(cid, message)
                if found is None:
                    raise ValueError(f"no message {message} in chat {cid}")
                message = found.message
        query_id = str(4_000_000_000_000_000 + next(self._counter))
        self._open_callback_queries.add(query_id)
        chat_instance = str(abs(hash((message["chat"]["id"], self.bot_id))) % 10**18)
        query = {"id": query_id, "from": user, "chat_instance": chat_instance, "message": message, "data": data}
        return {"update_id": self._new_update_id(), "callback_query": query}

    def inline_query_update(
        self,
        query: str = "",
        *,
        offset: str = "",
        user_id: int = 1001,
        chat_type: str | None = "sender",
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """An Update with an inline_query (``@bot query`` typed in a chat of ``chat_type``);
        its id is registered for answerInlineQuery (answered once, like Telegram)."""
        user = self._make_user(user_id, first_name, username, language_code)
        query_id = str(6_000_000_000_000_000 + next(self._counter))
        self._open_inline_queries.add(query_id)
        inline: dict[str, Any] = {"id": query_id, "from": user, "query": query, "offset": offset}
        if chat_type is not None:
            inline["chat_type"] = chat_type
        return {"update_id": self._new_update_id(), "inline_query": inline}

    def pre_checkout_update(
        self,
        payload: str,
        total_amount: int,
        *,
        currency: str = "XTR",
        user_id: int = 1001,
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """An Update with a pre_checkout_query (id registered for answerPreCheckoutQuery)."""
        user = self._make_user(user_id, first_name, username, language_code)
        query_id = str(5_000_000_000_000_000 + next(self._counter))
        self._open_pre_checkout_queries.add(query_id)
        query = {
            "id": query_id,
            "from": user,
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": payload,
        }
        return {"update_id": self._new_update_id(), "pre_checkout_query": query}

    def successful_payment_update(
        self,
        payload: str,
        total_amount: int,
        *,
        currency: str = "XTR",
        charge_id: str | None = None,
        user_id: int = 1001,
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """An Update with a service message carrying successful_payment; the charge id is
        registered so refundStarPayment accepts it (once)."""
        charge = charge_id or f"stxfake{secrets.token_hex(12)}"
        self.charges[charge] = {"user_id": user_id, "total_amount": total_amount, "currency": currency}
        content = {
            "successful_payment": {
                "currency": currency,
                "total_amount": total_amount,
                "invoice_payload": payload,
                "telegram_payment_charge_id": charge,
                "provider_payment_charge_id": "" if currency == "XTR" else f"prov_{charge}",
            }
        }
        message = self._user_message(
            user_id=user_id,
            chat_id=None,
            chat_type="private",
            username=username,
            first_name=first_name,
            message_thread_id=None,
            reply_to=None,
            language_code=language_code,
            content=content,
        )
        return {"update_id": self._new_update_id(), "message": message}

    def _learn(self, update: dict[str, Any]) -> None:
        """Register chats, users, messages and query ids from a pushed (possibly hand-made) update."""
        for key in ("message", "edited_message", "channel_post", "business_message"):
            msg = update.get(key)
            if isinstance(msg, dict):
                self._learn_message(msg)
        query = update.get("callback_query")
        if isinstance(query, dict):
            if "id" in query:
                self._open_callback_queries.add(str(query["id"]))
            if isinstance(query.get("message"), dict):
                self._learn_message(query["message"])
        pre = update.get("pre_checkout_query")
        if isinstance(pre, dict) and "id" in pre:
            self._open_pre_checkout_queries.add(str(pre["id"]))

    def _learn_message(self, msg: dict[str, Any]) -> None:
        chat = msg.get("chat") or {}
        if "id" not in chat:
            return
        cid = int(chat["id"])
        if cid not in self._chats:
            self._chats[cid] = _Chat(
                cid,
                chat.get("type", "private"),
                chat.get("title"),
                chat.get("username"),
                chat.get("first_name"),
                chat.get("last_name"),
                bool(chat.get("is_forum")),
            )
        sender = msg.get("from")
        if isinstance(sender, dict) and "id" in sender and sender["id"] != self.bot_id:
            self._users.setdefault(int(sender["id"]), sender)
        payment = msg.get("successful_payment")
        if isinstance(payment, dict) and payment.get("telegram_payment_charge_id"):
            self.charges.setdefault(
                payment["telegram_payment_charge_id"],
                {"user_id": (sender or {}).get("id"), "total_amount": payment.get("total_amount")},
            )
        mid = msg.get("message_id")
        if isinstance(mid, int):
            store = self._messages.setdefault(cid, {})
            if mid not in store:
                store[mid] = SentMessage(cid, mid, "user", False, msg, msg.get("text", msg.get("caption")))
            self._next_message_id[cid] = max(self._next_message_id.get(cid, 1), mid + 1)

    # -- files -------------------------------------------------------------------------------

    def _new_file(self, kind: str, data: bytes, size: int | None, **info: Any) -> StoredFile:
        n = next(self._counter)
        file_id = f"{_FILE_ID_PREFIX.get(kind, 'BQACAgIAAxkBAAI')}{n:06d}{secrets.token_urlsafe(24)}"
        unique = f"AQAD{n:06d}{secrets.token_urlsafe(6)}"
        stored = StoredFile(file_id=file_id, file_unique_id=unique, kind=kind, size=size, data=data, **info)
        self.files[file_id] = stored
        return stored

    def register_photo(
        self, data: bytes, *, width: int | None = None, height: int | None = None
    ) -> list[dict[str, Any]]:
        """Store an image as a Telegram photo; returns its PhotoSize list (smallest first)."""
        info = image_info(data)
        w = width or (info[1] if info and info[1] else 512)
        h = height or (info[2] if info and info[2] else 512)
        return self._photo_sizes(data, len(data), w, h)

    def register_file(
        self,
        data: bytes,
        *,
        kind: str = "document",
        filename: str | None = None,
        mime_type: str | None = None,
    ) -> dict[str, Any]:
        """Store a file of ``kind`` (document, video, audio, ...); returns its media object."""
        if kind == "photo":
            raise ValueError("use register_photo")
        stored = self._new_file(kind, data, len(data), filename=filename, mime_type=mime_type)
        return self._media_object(stored)

    def _photo_sizes(self, data: bytes, size: int | None, width: int, height: int) -> list[dict[str, Any]]:
        longest = max(width, height, 1)
        targets = [t for t in (90, 320, 800, 1280) if t < longest]
        targets.append(min(longest, 2560))
        sizes = []
        for target in targets:
            scale = target / longest
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            est = None if size is None else max(1, round(size * (w * h) / max(width * height, 1)))
            stored = self._new_file("photo", data, est, width=w, height=h, mime_type="image/jpeg")
            sizes.append(self._media_object(stored))
        if size is not None:
            sizes[-1]["file_size"] = size
            self.files[sizes[-1]["file_id"]].size = size
        return sizes

    def _media_object(self, stored: StoredFile) -> dict[str, Any]:
        obj: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        kind = stored.kind
        if kind in ("photo", "video", "animation", "sticker"):
            obj["width"] = stored.width if stored.width is not None else 640
            obj["height"] = stored.height if stored.height is not None else 360
        if kind in ("video", "animation", "audio", "voice", "video_note"):
            obj["duration"] = stored.duration or 0
        if kind == "video_note":
            obj["length"] = stored.width or 240
        if kind == "sticker":
            obj.update({"type": "regular", "is_animated": False, "is_video": False})
        if kind in ("video", "animation", "audio", "document") and stored.filename:
            obj["file_name"] = stored.filename
        if kind != "photo" and kind != "sticker" and stored.mime_type:
            obj["mime_type"] = stored.mime_type
        if stored.size is not None:
            obj["file_size"] = stored.size
        return obj

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _json_response(TelegramError(401, "Unauthorized").payload(), 401)
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")
        return _json_response(TelegramError(404, "Not Found").payload(), 404)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _json_response(TelegramError(401, "Unauthorized").payload(), 401)
        raw: dict[str, Any] = {}
        parts: dict[str, UploadedFile] = {}
        body_error: TelegramError | None = None
        try:
            await self._read_params(request, raw, parts)
        except TelegramError as exc:
            body_error = exc
        sent_name = request.match_info["method"]
        name = self.schema.canonical(sent_name)
        waiting = self._held_requests.get(name or "")
        if waiting:
            held = waiting.pop(0)
            held.arrived.set()
            await held.release.wait()
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the bot is gone: nobody sent this call
        call = Call(method=name or sent_name, params=dict(raw), raw=raw, parts=parts, http_method=request.method)
        self.calls.append(call)
        try:
            if body_error is not None:
                raise body_error
            if name is None:
                raise TelegramError(404, "Not Found: method not found")
            faults = self._faults.get(name)
            if faults:
                fault = faults.pop(0)
                raise TelegramError(fault["error_code"], fault["description"], fault["parameters"])
            self._validate(call)
            chat_faults = self._chat_faults.get((name, call.params.get("chat_id")))
            if chat_faults:
                fault = chat_faults.pop(0)
                raise TelegramError(fault["error_code"], fault["description"], fault["parameters"])
            override = self._results.get(name)
            if override is not None:
                result = override(call) if callable(override) else override
            else:
                result = await self._dispatch(call)
            status, body = 200, {"ok": True, "result": result}
        except TelegramError as exc:
            status, body = exc.error_code, exc.payload()
        except Exception as exc:  # a bug in the fake: make it loud
            self.internal_errors.append(exc)
            status = 500
            body = {"ok": False, "error_code": 500, "description": f"Internal Server Error: fake Telegram: {exc!r}"}
        call.status, call.response = status, body
        event, self._call_event = self._call_event, asyncio.Event()
        event.set()
        answers = self._held_answers.get(call.method)
        if answers:
            await answers.pop(0).wait()
        return _json_response(body, status)

    async def _read_params(self, request: web.Request, raw: dict[str, Any], parts: dict[str, UploadedFile]) -> None:
        """Fill ``raw`` (query string, then body fields) and ``parts`` (uploaded files)."""
        raw.update(request.query)
        if request.method not in ("POST", "PUT") or not request.can_read_body:
            return
        ctype = request.content_type
        if ctype == "multipart/form-data":
            reader = await request.multipart()
            too_large = False
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    await part.release()  # nested multipart: not used by the Bot API
                    continue
                name = part.name or ""
                part_type = part.headers.get("Content-Type", "text/plain")
                if part.filename is None and part_type.startswith("text/"):
                    body = bytearray()
                    while chunk := await part.read_chunk(65536):
                        body.extend(chunk)
                        if len(body) > MAX_TEXT_FIELD_BYTES:
                            raise TelegramError(413, "Request Entity Too Large")
                    raw[name] = body.decode(part.get_charset("utf-8"), errors="replace")
                    continue
                digest = hashlib.sha256()
                kept = bytearray()
                size = 0
                while chunk := await part.read_chunk(256 * 1024):
                    size += len(chunk)
                    digest.update(chunk)
                    room = self.max_stored_bytes - len(kept)
                    if room > 0:
                        kept.extend(chunk[:room])
                if size > MAX_UPLOAD_BYTES:
                    too_large = True
                parts[name] = UploadedFile(
                    name=name,
                    filename=part.filename,
                    content_type=part.headers.get("Content-Type"),
                    size=size,
                    data=bytes(kept),
                    sha256=digest.hexdigest(),
                )
            if too_large:
                raise TelegramError(413, "Request Entity Too Large")
        elif ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON encoded request") from None
            if not isinstance(body, dict):
                raise _bad("JSON request must be an object")
            for key, value in body.items():
                if value is None:
                    continue
                if isinstance(value, bool):
                    raw[key] = "true" if value else "false"
                elif isinstance(value, (int, float)):
                    raw[key] = str(value)
                else:
                    raw[key] = value  # str, or an already decoded object / array
        else:
            try:
                form = await request.post()
            except web.HTTPRequestEntityTooLarge:
                raise TelegramError(413, "Request Entity Too Large") from None
            for key, value in form.items():
                raw[key] = value if isinstance(value, str) else str(value)

    # -- validation --------------------------------------------------------------------------

    def _validate(self, call: Call) -> None:
        fields = self.schema.fields(call.method)
        params = call.params
        if call.method == "setWebhook" and params.get("url") is None:
            params["url"] = ""  # Telegram treats a missing url as "remove the webhook"
        # a file part sent under the parameter's own name (no attach://)
        for part_name in call.parts:
            accepts_file = part_name in fields and "InputFile" in fields[part_name]["types"]
            if accepts_file and part_name not in params:
                params[part_name] = f"attach://{part_name}"
                call.raw[part_name] = params[part_name]
        for key in list(params):
            if key not in fields and key not in LEGACY_PARAMS and self.reject_unknown_params:
                raise _bad(
                    f'unknown parameter "{key}" for method {call.method} (not in Bot API 10.1; '
                    "real Telegram would silently ignore it)"
                )
        for name, spec in fields.items():
            if spec["required"] and (name not in params or (params[name] == "" and name != "url")):
                if name == "chat_id":
                    raise _bad("chat_id is empty")
                if name == "text" and call.method in ("sendMessage",):
                    raise _bad("message text is empty")
                raise _bad(f'parameter "{name}" is required')
        ctx = _Ctx(parts=call.parts)
        for key, value in list(params.items()):
            types = fields[key]["types"] if key in fields else LEGACY_PARAMS.get(key)
            if types is None:
                continue
            ctx.file_param = "InputFile" in types
            try:
                params[key] = self.schema.coerce(value, types, key, ctx, top=True)
            except _Invalid as exc:
                raise _bad(exc.message) from None
            if isinstance(params[key], str) and params[key].startswith("attach://") and "InputFile" in types:
                part = params[key][len("attach://") :]
                call.files[key] = call.parts[part]
        for part in ctx.nested_refs:
            call.files.setdefault(part, call.parts[part])
        if "reply_markup" in params:
            _check_reply_markup(params["reply_markup"])
        if "parse_mode" in params:
            _parse_mode_name(params["parse_mode"])

    # -- dispatch ----------------------------------------------------------------------------

    async def _dispatch(self, call: Call) -> Any:
        handler = getattr(self, f"_m_{call.method}", None)
        if handler is not None:
            return await handler(call) if asyncio.iscoroutinefunction(handler) else handler(call)
        if call.method in MEDIA_METHODS:
            return self._send_media(call)
        returns = self.schema.returns(call.method)
        if returns == ["Boolean"]:
            if "chat_id" in call.params:
                self._resolve_chat(call.params["chat_id"], sending=False)
            return True
        if call.method.startswith("send") and returns == ["Message"]:
            chat = self._resolve_chat(call.params["chat_id"], sending=True)
            return self._store(call, chat, {}, raw_text=None, parse_mode=None)
        raise TelegramError(
            500,
            f"Internal Server Error: fake Telegram does not implement {call.method}; use fake.set_result()",
        )

    # chat helpers

    def _resolve_chat(self, chat_id: int | str, *, sending: bool) -> _Chat:
        chat: _Chat | None
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for chat in self._chats.values():
                    if chat.type != "private" and chat.username and chat.username.lower() == chat_id[1:].lower():
                        return self._check_reachable(chat, sending)
            raise _bad("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict_chats or chat_id == 0:
                raise _bad("chat not found")
            self.add_chat(chat_id, "private" if chat_id > 0 else "supergroup")
            chat = self._chats[chat_id]
        return self._check_reachable(chat, sending)

    def _check_reachable(self, chat: _Chat, sending: bool) -> _Chat:
        if sending:
            if chat.id in self.blocked_users:
                raise TelegramError(403, "Forbidden: bot was blocked by the user")
            if chat.id == self.bot_id:
                raise TelegramError(403, "Forbidden: bots can't send messages to bots")
            if chat.id in self.left_chats:
                kind = {"group": "group chat", "channel": "channel chat"}.get(chat.type, "supergroup chat")
                raise TelegramError(403, f"Forbidden: bot is not a member of the {kind}")
        return chat

    def _parse_text(self, text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
        mode = _parse_mode_name(parse_mode)
        try:
            if mode == "html":
                return parse_html(text, strict_ampersand=self.strict_html_ampersand)
            if mode == "markdownv2":
                return parse_markdown_v2(text)
            if mode == "markdown":
                return parse_markdown(text)
        except MarkupError as exc:
            raise _bad(f"can't parse entities: {exc}") from None
        return _trim(text, [])

    def _text_content(self, params: dict[str, Any], *, key: str, entities_key: str) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get(key)
        if raw is None:
            return "", []
        plain, entities = self._parse_text(raw, params.get("parse_mode"))
        if params.get(entities_key) and not params.get("parse_mode"):
            entities = params[entities_key]
        return plain, entities

    def _message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        plain, entities = self._text_content(params, key="text", entities_key="entities")
        if not plain:
            raise _bad("message text is empty")
        if len(plain) > TEXT_LIMIT:
            raise _bad("message is too long")
        out: dict[str, Any] = {"text": plain}
        if entities:
            out["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict):
            out["link_preview_options"] = params["link_preview_options"]
        return out

    def _caption(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("caption") is None:
            return {}
        plain, entities = self._text_content(params, key="caption", entities_key="caption_entities")
        if len(plain) > CAPTION_LIMIT:
            raise _bad("message caption is too long")
        out: dict[str, Any] = {}
        if plain:
            out["caption"] = plain
        if entities and plain:
            out["caption_entities"] = entities
        if params.get("show_caption_above_media"):
            out["show_caption_above_media"] = True
        return out

    def _reply_target(self, params: dict[str, Any], chat: _Chat) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if reply is None and "reply_to_message_id" in params:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if reply is None:
            return None
        target_chat = chat.id
        if "chat_id" in reply:
            target_chat = self._resolve_chat(reply["chat_id"], sending=False).id
        target = self.message(target_chat, reply["message_id"])
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise _bad("message to be replied not found")
        return {k: v for k, v in target.message.items() if k != "reply_to_message"}

    def _store(
        self,
        call: Call,
        chat: _Chat,
        content: dict[str, Any],
        *,
        raw_text: str | None,
        parse_mode: str | None,
    ) -> dict[str, Any]:
        """Build the Message for a send call, store it and return it (validation already done)."""
        params = call.params
        reply_to = self._reply_target(params, chat)
        message: dict[str, Any] = {
            "message_id": self._alloc_message_id(chat.id),
            "from": self.bot_user,
            "chat": chat.as_dict(),
            "date": int(time.time()),
        }
        thread = params.get("message_thread_id")
        if thread is not None:
            message["message_thread_id"] = thread
            if chat.type == "supergroup":
                message["is_topic_message"] = True
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if params.get("has_spoiler"):
            message["has_media_spoiler"] = True
        if params.get("protect_content"):
            message["has_protected_content"] = True
        if params.get("message_effect_id"):
            message["effect_id"] = params["message_effect_id"]
        self._messages.setdefault(chat.id, {})[message["message_id"]] = SentMessage(
            chat_id=chat.id,
            message_id=message["message_id"],
            method=call.method,
            from_bot=True,
            message=message,
            raw_text=raw_text,
            parse_mode=parse_mode,
            reply_markup=markup if isinstance(markup, dict) else None,
            history=[message.get("text", message.get("caption")) or ""],
        )
        return message

    # -- method implementations --------------------------------------------------------------

    def _m_getMe(self, call: Call) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_logOut(self, call: Call) -> bool:
        return True

    def _m_close(self, call: Call) -> bool:
        return True

    async def _m_getUpdates(self, call: Call) -> list[dict[str, Any]]:
        if self.webhook and self.webhook.get("url"):
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        params = call.params
        self._poll_generation += 1
        generation = self._poll_generation
        offset = params.get("offset")
        limit = min(max(params.get("limit", 100), 1), 100)
        timeout = max(params.get("timeout", 0), 0)
        if "allowed_updates" in params:
            self._allowed_updates = list(params["allowed_updates"])
        if offset is not None:
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._drop_disallowed()
            batch = self._updates[:limit]
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            event = self._update_event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
            if generation != self._poll_generation:
                raise TelegramError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )

    def _drop_disallowed(self) -> None:
        allowed = self._allowed_updates
        kept = []
        for update in self._updates:
            kinds = [k for k in update if k != "update_id"]
            kind = kinds[0] if kinds else ""
            ok = kind in allowed if allowed else kind not in DEFAULT_UPDATE_TYPES_EXCLUDED
            if ok:
                kept.append(update)
        self._updates = kept

    def _m_setWebhook(self, call: Call) -> bool:
        params = call.params
        url = params["url"]
        if url == "":
            self.webhook = None
            return True
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        try:
            port = parts.port or 443
        except ValueError:
            raise _bad("bad webhook: Failed to resolve host: invalid port") from None
        if port not in (80, 88, 443, 8443):
            raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        token = params.get("secret_token")
        if token is not None and not _SECRET_TOKEN_RE.fullmatch(token):
            raise _bad("secret token contains unallowed characters (allowed: 1-256 of A-Z, a-z, 0-9, _ and -)")
        max_connections = params.get("max_connections")
        if max_connections is not None and not 1 <= max_connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if "allowed_updates" in params:
            self._allowed_updates = list(params["allowed_updates"])
        self.webhook = dict(params)
        return True

    def _m_deleteWebhook(self, call: Call) -> bool:
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = None
        return True

    def _m_getWebhookInfo(self, call: Call) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook.get("max_connections", 40)
            if self.webhook.get("ip_address"):
                info["ip_address"] = self.webhook["ip_address"]
            if self._allowed_updates is not None:
                info["allowed_updates"] = self._allowed_updates
        return info

    def _m_setMyCommands(self, call: Call) -> bool:
        commands = call.params["commands"]
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _BOT_COMMAND_RE.fullmatch(command["command"]):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        language = call.params.get("language_code", "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("LANG_CODE_INVALID")
        key = (_scope_key(call.params.get("scope")), language)
        if commands:
            self._commands[key] = [dict(c) for c in commands]
        else:
            self._commands.pop(key, None)
        return True

    def _m_deleteMyCommands(self, call: Call) -> bool:
        self._commands.pop((_scope_key(call.params.get("scope")), call.params.get("language_code", "")), None)
        return True

    def _m_getMyCommands(self, call: Call) -> list[dict[str, Any]]:
        return self.my_commands(call.params.get("scope"), call.params.get("language_code", "")) or []

    def _m_sendMessage(self, call: Call) -> dict[str, Any]:
        chat = self._resolve_chat(call.params["chat_id"], sending=True)
        content = self._message_text(call.params)
        return self._store(call, chat, content, raw_text=call.params["text"], parse_mode=call.params.get("parse_mode"))

    def _edit_target(self, call: Call) -> SentMessage | None:
        params = call.params
        if params.get("inline_message_id"):
            if "chat_id" in params or "message_id" in params:
                raise _bad("chat_id and message_id must be empty when inline_message_id is specified")
            return None
        if "chat_id" not in params:
            raise _bad("chat_id is empty")
        if "message_id" not in params:
            raise _bad("message identifier is not specified")
        chat = self._resolve_chat(params["chat_id"], sending=True)
        target = self.message(chat.id, params["message_id"])
        if target is None or target.deleted:
            raise _bad("message to edit not found")
        if not target.from_bot:
            raise _bad("message can't be edited")
        return target

    def _finish_edit(
        self, target: SentMessage, content: dict[str, Any], markup: Any, raw_text: str | None, call: Call
    ) -> dict[str, Any]:
        new_markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
        old = {k: target.message.get(k) for k in content}
        if old == content and new_markup == target.message.get("reply_markup"):
            raise _bad(
                "message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message"
            )
        message = dict(target.message)
        for key, value in content.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        if new_markup is not None:
            message["reply_markup"] = new_markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        target.message = message
        target.edited = True
        target.reply_markup = new_markup
        if raw_text is not None:
            target.raw_text = raw_text
            target.parse_mode = call.params.get("parse_mode")
        target.history.append(message.get("text", message.get("caption")) or "")
        return message

    def _m_editMessageText(self, call: Call) -> dict[str, Any] | bool:
        if "text" not in call.params:
            raise _bad("text is empty")
        content = self._message_text(call.params)
        target = self._edit_target(call)
        if target is None:
            return True
        if "text" not in target.message:
            raise _bad("there is no text in the message to edit")
        content.setdefault("entities", None)
        return self._finish_edit(target, content, call.params.get("reply_markup"), call.params["text"], call)

    def _m_editMessageCaption(self, call: Call) -> dict[str, Any] | bool:
        content = self._caption(call.params)
        target = self._edit_target(call)
        if target is None:
            return True
        if "text" in target.message:
            raise _bad("there is no caption in the message to edit")
        content = {"caption": content.get("caption"), "caption_entities": content.get("caption_entities")}
        return self._finish_edit(target, content, call.params.get("reply_markup"), call.params.get("caption"), call)

    def _m_editMessageReplyMarkup(self, call: Call) -> dict[str, Any] | bool:
        target = self._edit_target(call)
        if target is None:
            return True
        return self._finish_edit(target, {}, call.params.get("reply_markup"), None, call)

    def _m_editMessageMedia(self, call: Call) -> dict[str, Any] | bool:
        item = call.params["media"]
        kind = item["type"]
        if kind not in ("photo", "video", "audio", "document", "animation"):
            raise _bad(f"media type {kind!r} is not supported by the fake in editMessageMedia")
        sub = Call(call.method, dict(item), parts=call.parts)
        if item["media"].startswith("attach://"):
            sub.files["media"] = call.parts[item["media"][len("attach://") :]]
        content = self._media_content(sub, kind, "media")
        content.update(self._caption(item))
        target = self._edit_target(call)
        if target is None:
            return True
        if "text" in target.message or "invoice" in target.message:
            raise _bad("there is no media in the message to edit")
        for key in _MEDIA_KEYS + ("caption", "caption_entities", "show_caption_above_media"):
            content.setdefault(key, None)
        return self._finish_edit(target, content, call.params.get("reply_markup"), item.get("caption"), call)

    def _m_deleteMessage(self, call: Call) -> bool:
        chat = self._resolve_chat(call.params["chat_id"], sending=False)
        target = self.message(chat.id, call.params["message_id"])
        if target is None or target.deleted:
            raise _bad("message to delete not found")
        target.deleted = True
        return True

    def _m_deleteMessages(self, call: Call) -> bool:
        chat = self._resolve_chat(call.params["chat_id"], sending=False)
        ids = call.params["message_ids"]
        if not 1 <= len(ids) <= 100:
            raise _bad("message_ids must contain 1-100 identifiers")
        for mid in ids:
            target = self.message(chat.id, mid)
            if target is not None:
                target.deleted = True
        return True

    def _m_sendChatAction(self, call: Call) -> bool:
        self._resolve_chat(call.params["chat_id"], sending=True)
        if call.params["action"] not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _m_answerCallbackQuery(self, call: Call) -> bool:
        query_id = call.params["callback_query_id"]
        if query_id not in self._open_callback_queries:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = call.params.get("text")
        if text is not None and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self._open_callback_queries.discard(query_id)
        self.callback_answers[query_id] = {k: v for k, v in call.params.items() if k != "callback_query_id"}
        return True

    def _m_answerInlineQuery(self, call: Call) -> bool:
        params = call.params
        query_id = params["inline_query_id"]
        if query_id not in self._open_inline_queries:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        results = params["results"]
        if len(results) > 50:
            raise _bad("RESULTS_TOO_MUCH")
        ids = [r["id"] for r in results]
        if len(set(ids)) != len(ids):
            raise _bad("RESULT_ID_DUPLICATE")
        if any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise _bad("RESULT_ID_INVALID")
        cached = {"photo": "photo_file_id", "video": "video_file_id", "audio": "audio_file_id",
                  "document": "document_file_id", "gif": "gif_file_id", "voice": "voice_file_id",
                  "sticker": "sticker_file_id", "mpeg4_gif": "mpeg4_file_id"}  # fmt: skip
        for result in results:
            key = cached.get(result["type"])
            if key is not None and key in result:
                stored = self.files.get(result[key])
                if stored is None:
                    raise _bad("wrong file identifier/HTTP URL specified")
                kind = {"gif": "animation", "mpeg4_gif": "animation"}.get(result["type"], result["type"])
                if stored.kind != kind and not (kind == "document" and stored.kind in ("audio", "video", "animation")):
                    raise _bad(f"can't use file of type {_kind_title(stored.kind)} as {_kind_title(kind)}")
            self._caption(result)  # its length and markup, parsed as a message's
        button = params.get("button")
        start = (button or {}).get("start_parameter")
        if start is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", start):
            raise _bad("START_PARAM_INVALID")
        if len(str(params.get("next_offset", "")).encode()) > 64:
            raise _bad("NEXT_OFFSET_INVALID")
        self._open_inline_queries.discard(query_id)
        self.inline_answers[query_id] = {k: v for k, v in params.items() if k != "inline_query_id"}
        return True

    def _m_leaveChat(self, call: Call) -> bool:
        chat = self._resolve_chat(call.params["chat_id"], sending=False)
        if chat.type == "private":
            raise _bad("chat member status can't be changed in private chats")
        self.left_chats.add(chat.id)
        return True

    def _m_getChat(self, call: Call) -> dict[str, Any]:
        chat = self._resolve_chat(call.params["chat_id"], sending=False)
        info = chat.as_dict()
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": True,
                    "limited_gifts": True,
                    "unique_gifts": True,
                    "premium_subscription": True,
                    "gifts_from_channels": True,
                },
            }
        )
        return info

    def _m_getChatMember(self, call: Call) -> dict[str, Any]:
        chat = self._resolve_chat(call.params["chat_id"], sending=False)
        user_id = call.params["user_id"]
        user = self._user(user_id)
        status = self._members.get((chat.id, user_id))
        if status is None:
            status = ("member" if user_id in (chat.id, self.bot_id) else "left") if chat.type == "private" else "member"
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            member = {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False}
            for flag in (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_send_welcome_messages",
            ):
                member[flag] = flag == "can_manage_chat"
            return member
        if status == "restricted":
            member = {"status": "restricted", "user": user, "is_member": True, "until_date": 0}
            for flag in (
                "can_send_messages",
                "can_send_audios",
                "can_send_documents",
                "can_send_photos",
                "can_send_videos",
                "can_send_video_notes",
                "can_send_voice_notes",
                "can_send_polls",
                "can_send_other_messages",
                "can_add_web_page_previews",
                "can_react_to_messages",
                "can_edit_tag",
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
                "can_manage_topics",
            ):
                member[flag] = False
            return member
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        return {"status": status, "user": user}

    def _m_getChatMemberCount(self, call: Call) -> int:
        self._resolve_chat(call.params["chat_id"], sending=False)
        return 2

    def _check_invoice(self, params: dict[str, Any]) -> None:
        if not 1 <= len(params["title"]) <= 32:
            raise _bad("invoice title must be 1-32 characters")
        if not 1 <= len(params["description"]) <= 255:
            raise _bad("invoice description must be 1-255 characters")
        if not 1 <= len(params["payload"].encode("utf-8")) <= 128:
            raise _bad("invoice payload must be 1-128 bytes")
        currency = params["currency"]
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise _bad("CURRENCY_INVALID")
        prices = params["prices"]
        if not prices:
            raise _bad("prices must be non-empty")
        if currency == "XTR":
            if params.get("provider_token"):
                raise _bad("PAYMENT_PROVIDER_INVALID: provider_token must be empty for payments in Telegram Stars")
            if len(prices) != 1:
                raise _bad("STARS_INVOICE_INVALID: prices must contain exactly one item for payments in Telegram Stars")
            for key in ("max_tip_amount", "suggested_tip_amounts", "need_shipping_address", "is_flexible"):
                if params.get(key):
                    raise _bad(f"STARS_INVOICE_INVALID: {key} is not supported for payments in Telegram Stars")
        elif not params.get("provider_token"):
            raise _bad("PAYMENT_PROVIDER_INVALID")
        total = sum(p["amount"] for p in prices)
        if total <= 0:
            raise _bad("CURRENCY_TOTAL_AMOUNT_INVALID")
        if params.get("subscription_period") is not None:
            if currency != "XTR" or params["subscription_period"] != 2592000:
                raise _bad("SUBSCRIPTION_PERIOD_INVALID")
            if total > 10000:
                raise _bad("CURRENCY_TOTAL_AMOUNT_INVALID")

    def _m_sendInvoice(self, call: Call) -> dict[str, Any]:
        params = call.params
        chat = self._resolve_chat(params["chat_id"], sending=True)
        self._check_invoice(params)
        self._invoice_payloads.append(params["payload"])
        invoice = {
            "title": params["title"],
            "description": params["description"],
            "start_parameter": params.get("start_parameter", ""),
            "currency": params["currency"],
            "total_amount": sum(p["amount"] for p in params["prices"]),
        }
        return self._store(call, chat, {"invoice": invoice}, raw_text=None, parse_mode=None)

    def _m_createInvoiceLink(self, call: Call) -> str:
        self._check_invoice(call.params)
        self._invoice_payloads.append(call.params["payload"])
        return f"https://t.me/$fake{secrets.token_urlsafe(12)}"

    def _m_answerPreCheckoutQuery(self, call: Call) -> bool:
        query_id = call.params["pre_checkout_query_id"]
        if query_id not in self._open_pre_checkout_queries:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        if not call.params["ok"] and not call.params.get("error_message"):
            raise _bad("error_message must be non-empty when ok is False")
        self._open_pre_checkout_queries.discard(query_id)
        self.pre_checkout_answers[query_id] = {
            "ok": call.params["ok"],
            "error_message": call.params.get("error_message"),
        }
        return True

    def _m_refundStarPayment(self, call: Call) -> bool:
        charge_id = call.params["telegram_payment_charge_id"]
        charge = self.charges.get(charge_id)
        if charge is None or (charge.get("user_id") is not None and charge["user_id"] != call.params["user_id"]):
            raise _bad("CHARGE_NOT_FOUND")
        if charge_id in self.refunded_charges:
            raise _bad("CHARGE_ALREADY_REFUNDED")
        self.refunded_charges.add(charge_id)
        return True

    def _m_getFile(self, call: Call) -> dict[str, Any]:
        stored = self.files.get(call.params["file_id"])
        if stored is None:
            raise _bad("wrong file_id or the file is temporarily unavailable")
        if stored.size is not None and stored.size > MAX_DOWNLOAD_BYTES:
            raise _bad("file is too big")
        if stored.file_path is None:
            ext = mimetypes.guess_extension(stored.mime_type or "") or (".jpg" if stored.kind == "photo" else "")
            folders = {"photo": "photos", "video": "videos", "audio": "music", "voice": "voice"}
            folder = folders.get(stored.kind, "documents")
            stored.file_path = f"{folder}/file_{next(self._counter)}{ext}"
        out: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_path": stored.file_path,
        }
        if stored.size is not None:
            out["file_size"] = stored.size
        return out

    def _m_getMyDescription(self, call: Call) -> dict[str, Any]:
        return {"description": self._bot_settings.get("description", {}).get("description", "")}

    def _m_setMyDescription(self, call: Call) -> bool:
        self._bot_settings["description"] = dict(call.params)
        return True

    def _m_getMyShortDescription(self, call: Call) -> dict[str, Any]:
        return {"short_description": self._bot_settings.get("short_description", {}).get("short_description", "")}

    def _m_setMyShortDescription(self, call: Call) -> bool:
        self._bot_settings["short_description"] = dict(call.params)
        return True

    def _m_getMyName(self, call: Call) -> dict[str, Any]:
        return {"name": self._bot_settings.get("name", {}).get("name", self.bot_first_name)}

    def _m_setMyName(self, call: Call) -> bool:
        self._bot_settings["name"] = dict(call.params)
        return True

    def _m_getChatMenuButton(self, call: Call) -> dict[str, Any]:
        return self._bot_settings.get("menu_button", {}).get("menu_button", {"type": "commands"})

    def _m_setChatMenuButton(self, call: Call) -> bool:
        self._bot_settings["menu_button"] = dict(call.params)
        return True

    def _m_getMyStarBalance(self, call: Call) -> dict[str, Any]:
        return {"amount": 0}

    def _m_getStarTransactions(self, call: Call) -> dict[str, Any]:
        return {"transactions": []}

    def _m_copyMessage(self, call: Call) -> dict[str, Any]:
        source = self._resolve_chat(call.params["from_chat_id"], sending=False)
        original = self.message(source.id, call.params["message_id"])
        if original is None or original.deleted:
            raise _bad("message to copy not found")
        chat = self._resolve_chat(call.params["chat_id"], sending=True)
        content = {k: v for k, v in original.message.items() if k not in _NOT_COPIED}
        content.pop("reply_markup", None)
        if "caption" in call.params:
            content.update(self._caption(call.params))
        message = self._store(call, chat, content, raw_text=None, parse_mode=None)
        return {"message_id": message["message_id"]}

    def _m_forwardMessage(self, call: Call) -> dict[str, Any]:
        source = self._resolve_chat(call.params["from_chat_id"], sending=False)
        original = self.message(source.id, call.params["message_id"])
        if original is None or original.deleted:
            raise _bad("message to forward not found")
        chat = self._resolve_chat(call.params["chat_id"], sending=True)
        content = {k: v for k, v in original.message.items() if k not in _NOT_COPIED}
        date = original.message["date"]
        if source.type == "private":
            sender = original.message.get("from", self._user(source.id))
            content["forward_origin"] = {"type": "user", "date": date, "sender_user": sender}
        else:
            content["forward_origin"] = {"type": "chat", "date": date, "sender_chat": source.as_dict()}
        return self._store(call, chat, content, raw_text=None, parse_mode=None)

    # media

    def _input_file(self, call: Call, param: str, kind: str) -> StoredFile:
        """Resolve an InputFile-or-String parameter to a StoredFile (validating it)."""
        value = call.params[param]
        if param in call.files:
            upload = call.files[param]
            if upload.size == 0:
                raise _bad("file must be non-empty")
            if kind == "photo":
                if upload.size > MAX_PHOTO_UPLOAD_BYTES:
                    raise _bad("PHOTO_SAVE_FILE_INVALID")
                info = image_info(upload.data)
                if info is None and self.check_image_content:
                    raise _bad("IMAGE_PROCESS_FAILED")
                width, height = (info[1], info[2]) if info and info[1] else (512, 512)
                if (
                    self.check_image_content
                    and height
                    and (width + height > 10000 or max(width, height) / max(min(width, height), 1) > 20)
                ):
                    raise _bad("PHOTO_INVALID_DIMENSIONS")
                return StoredFile(
                    "", "", "photo", upload.size, upload.data, upload.filename, "image/jpeg", width, height
                )
            filename = upload.filename if upload.filename and upload.filename != upload.name else None
            mime = None
            if filename:
                mime = mimetypes.guess_type(filename)[0]
            if not mime and upload.content_type not in (None, "application/octet-stream"):
                mime = upload.content_type
            mime = mime or _DEFAULT_MIME.get(kind, "application/octet-stream")
            if kind == "document" and not filename:
                filename = upload.name
            return self._new_file(
                kind,
                upload.data,
                upload.size,
                filename=filename,
                mime_type=mime,
                width=call.params.get("width"),
                height=call.params.get("height"),
                duration=call.params.get("duration"),
            )
        if not isinstance(value, str) or not value:
            raise _bad("wrong file identifier/HTTP URL specified")
        if value.startswith("attach://"):
            raise _bad("wrong file identifier/HTTP URL specified")
        if value.startswith(("http://", "https://")):
            parts = urlsplit(value)
            if not parts.hostname:
                raise _bad("wrong file identifier/HTTP URL specified")
            name = Path(parts.path).name or None
            if kind == "photo":
                return StoredFile("", "", "photo", None, b"", name, "image/jpeg", 800, 600, url=value)
            mime = (mimetypes.guess_type(name)[0] if name else None) or "application/octet-stream"
            if kind == "document" and mime not in ("application/pdf", "application/zip", "image/gif"):
                raise _bad("wrong type of the web page content")
            return self._new_file(
                kind,
                b"",
                None,
                filename=name,
                mime_type=mime,
                url=value,
                width=call.params.get("width"),
                height=call.params.get("height"),
                duration=call.params.get("duration"),
            )
        stored = self.files.get(value)
        if stored is not None:
            as_document = kind == "document" and stored.kind in ("audio", "video", "animation")
            if stored.kind != kind and not as_document:
                raise _bad(f"can't use file of type {_kind_title(stored.kind)} as {_kind_title(kind)}")
            return stored
        if not _FILE_ID_RE.fullmatch(value):
            raise _bad("wrong file identifier/HTTP URL specified")
        # a well-formed file_id the fake did not issue: accept it as-is
        stored = StoredFile(value, f"AQAD{secrets.token_urlsafe(6)}", kind, None, b"", width=640, height=360)
        self.files[value] = stored
        return stored

    def _media_content(self, call: Call, kind: str, param: str) -> dict[str, Any]:
        stored = self._input_file(call, param, kind)
        if kind == "photo":
            if stored.file_id:  # resent by file_id: one size
                return {"photo": [self._media_object(stored)]}
            return {"photo": self._photo_sizes(stored.data, stored.size, stored.width or 512, stored.height or 512)}
        obj = self._media_object(stored)
        if kind == "audio":
            for key in ("performer", "title"):
                if call.params.get(key):
                    obj[key] = call.params[key]
        return {kind: obj}

    def _send_media(self, call: Call) -> dict[str, Any]:
        kind, param = MEDIA_METHODS[call.method]
        chat = self._resolve_chat(call.params["chat_id"], sending=True)
        caption_fields = self._caption(call.params)
        content = self._media_content(call, kind, param)
        content.update(caption_fields)
        caption, mode = call.params.get("caption"), call.params.get("parse_mode")
        return self._store(call, chat, content, raw_text=caption, parse_mode=mode)

    def _m_sendMediaGroup(self, call: Call) -> list[dict[str, Any]]:
        chat = self._resolve_chat(call.params["chat_id"], sending=True)
        media = call.params["media"]
        if not 2 <= len(media) <= 10:
            raise _bad("wrong number of media in the group: must include 2-10 items")
        kinds = {m["type"] for m in media}
        if len(kinds) > 1 and not kinds <= {"photo", "video"}:
            raise _bad("documents and audio files can't be mixed with other media types in a media group")
        contents = []
        for index, item in enumerate(media):
            kind = item["type"]
            sub = Call(call.method, dict(item), parts=call.parts)
            value = item["media"]
            if value.startswith("attach://"):
                sub.files["media"] = call.parts[value[len("attach://") :]]
            try:
                content = self._media_content(sub, kind, "media")
                content.update(self._caption(item))
            except TelegramError as exc:
                raise TelegramError(exc.error_code, f"{exc.description} (media #{index + 1})") from None
            contents.append(content)
        group_id = str(13_000_000_000_000_000 + next(self._counter))
        messages = []
        for content in contents:
            content["media_group_id"] = group_id
            messages.append(self._store(call, chat, content, raw_text=content.get("caption"), parse_mode=None))
        return messages


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _json_response(body: dict[str, Any], status: int) -> web.Response:
    return web.Response(text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


def _parse_mode_name(parse_mode: Any) -> str | None:
    if parse_mode is None or parse_mode == "":
        return None
    mode = str(parse_mode).lower()
    if mode not in ("html", "markdownv2", "markdown"):
        raise _bad("unsupported parse_mode")
    return mode


def _scope_key(scope: dict[str, Any] | None) -> str:
    if not scope or scope.get("type") == "default":
        return "default"
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))


def _kind_title(kind: str) -> str:
    return {"video_note": "VideoNote"}.get(kind, kind.capitalize())


def _check_reply_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        return
    rows: Iterable[Any] = markup.get("inline_keyboard", [])
    for row in rows:
        for button in row:
            actions = [k for k in INLINE_BUTTON_ACTIONS if k in button]
            if not actions:
                raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            if len(actions) > 1:
                raise _bad(
                    "can't parse inline keyboard button: exactly one of the optional fields must be used, got "
                    + ", ".join(actions)
                )
            if "callback_data" in button:
                size = len(button["callback_data"].encode("utf-8"))
                if not 1 <= size <= 64:
                    raise _bad("BUTTON_DATA_INVALID")
            if "url" in button and not button["url"].strip():
                raise _bad("BUTTON_URL_INVALID")
            if not button["text"]:
                raise _bad("text buttons must have non-empty text")
    for row in markup.get("keyboard", []):
        for button in row:
            if isinstance(button, dict) and not button.get("text"):
                raise _bad("keyboard button text must be non-empty")
