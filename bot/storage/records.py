"""Plain records read from the database (no behaviour, no SQL)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Self

import aiosqlite

from bot.domain import DeliveryMethod, Family, Kind, LedgerKind, MediaKind


class TaskState(StrEnum):
    PENDING = "pending"  # debited, not yet accepted by Kie
    RUNNING = "running"  # Kie has it; waiting for a callback or a poll
    DELIVERING = "delivering"  # result known; files being sent
    DONE = "done"  # at least one file delivered; credits kept
    FAILED = "failed"  # refunded

    @property
    def is_final(self) -> bool:
        return self in (TaskState.DONE, TaskState.FAILED)


OPEN_TASK_STATES = (TaskState.PENDING, TaskState.RUNNING, TaskState.DELIVERING)


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class NoticeState(StrEnum):
    PENDING = "pending"  # not yet taken by Telegram
    SENT = "sent"
    DROPPED = "dropped"  # cannot be delivered (blocked, chat gone) or given up after long retrying


class _Record:
    """Built from a row by field name; ``_convert`` turns stored values into Python ones."""

    _convert: dict[str, Any] = {}

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Self:
        values = {}
        for f in fields(cls):  # type: ignore[arg-type]
            raw = row[f.name]
            convert = cls._convert.get(f.name)
            values[f.name] = convert(raw) if convert is not None and raw is not None else raw
        return cls(**values)


@dataclass(frozen=True, slots=True)
class UserRecord(_Record):
    user_id: int
    username: str | None
    first_name: str
    language: str
    balance: int
    is_banned: bool
    blocked_at: float | None
    created_at: float
    last_seen_at: float

    _convert = {"is_banned": bool}


@dataclass(frozen=True, slots=True)
class LedgerEntry(_Record):
    id: int
    user_id: int
    delta: int
    kind: LedgerKind
    op_key: str
    task_id: int | None
    actor_id: int | None
    balance_after: int
    created_at: float

    _convert = {"kind": LedgerKind}


@dataclass(frozen=True, slots=True)
class TaskRecord(_Record):
    id: int
    user_id: int
    chat_id: int
    thread_id: int | None
    request_message_id: int | None
    status_message_id: int | None
    kind: Kind
    model_key: str
    family: Family
    prompt: str
    price: int
    state: TaskState
    kie_task_id: str | None
    callback_token: str
    error: str | None
    checks: int
    next_check_at: float | None
    created_at: float
    finished_at: float | None
    options: dict[str, Any] = field(default_factory=dict)
    language: str = "en"  # the requester's, fixed at the request
    input_file_id: str | None = None  # a picture to start from, as Telegram knows it
    input_url: str | None = None  # or as a URL Kie can read (tried first)
    request_key: str | None = None  # the button that started it (see migration 0012)

    @property
    def has_picture(self) -> bool:
        return self.input_file_id is not None or self.input_url is not None

    _convert = {"state": TaskState, "options": json.loads, "kind": Kind, "family": Family}


@dataclass(frozen=True, slots=True)
class DeliveryRecord(_Record):
    id: int
    task_id: int
    file_key: str
    url: str
    media: MediaKind
    title: str | None
    duration: float | None
    state: DeliveryState
    sent_as: DeliveryMethod | None
    file_id: str | None
    attempts: int
    message_id: int | None = None  # the chat message that carries it
    created_at: float = 0.0  # when Kie's result was recorded (Kie keeps it 14 days)

    _convert = {"state": DeliveryState, "media": MediaKind, "sent_as": DeliveryMethod}


@dataclass(frozen=True, slots=True)
class NoticeRecord(_Record):
    """A message from the outbox (see migration 0005)."""

    id: int
    task_id: int | None
    chat_id: int
    thread_id: int | None
    reply_to: int | None
    edit_message_id: int | None
    event: str
    payload: dict[str, Any]
    language: str
    state: NoticeState
    attempts: int

    _convert = {"state": NoticeState, "payload": json.loads}


@dataclass(frozen=True, slots=True)
class InboxEntry(_Record):
    """An update recorded before it was confirmed to Telegram (see migration 0005)."""

    update_id: int
    body: str


class PaymentState(StrEnum):
    PAID = "paid"  # credited
    REFUNDED = "refunded"  # the Stars went back; what was left of the credits was taken back


@dataclass(frozen=True, slots=True)
class PaymentRecord(_Record):
    """A Telegram Stars payment (see migration 0007)."""

    id: int
    charge_id: str
    user_id: int
    pack: str
    stars: int
    credits: int
    state: PaymentState
    paid_at: float
    refunded_at: float | None
    refunded_by: int | None
    taken_back: int | None

    _convert = {"state": PaymentState}


@dataclass(frozen=True, slots=True)
class PromoRecord(_Record):
    """An admin's promo code (see migration 0008)."""

    code: str
    credits: int
    max_uses: int
    uses: int
    expires_at: float | None
    created_by: int
    created_at: float
