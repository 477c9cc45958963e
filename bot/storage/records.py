"""Plain records read from the database (no behaviour, no SQL)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import aiosqlite


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


@dataclass(frozen=True, slots=True)
class UserRecord:
    user_id: int
    username: str | None
    first_name: str
    language: str
    balance: int
    is_banned: bool
    blocked_at: float | None
    created_at: float

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> UserRecord:
        return cls(
            user_id=row["user_id"],
            username=row["username"],
            first_name=row["first_name"],
            language=row["language"],
            balance=row["balance"],
            is_banned=bool(row["is_banned"]),
            blocked_at=row["blocked_at"],
            created_at=row["created_at"],
        )


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    user_id: int
    delta: int
    kind: str
    op_key: str
    task_id: int | None
    actor_id: int | None
    balance_after: int
    created_at: float

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> LedgerEntry:
        return cls(
            id=row["id"],
            user_id=row["user_id"],
            delta=row["delta"],
            kind=row["kind"],
            op_key=row["op_key"],
            task_id=row["task_id"],
            actor_id=row["actor_id"],
            balance_after=row["balance_after"],
            created_at=row["created_at"],
        )


@dataclass(frozen=True, slots=True)
class TaskRecord:
    id: int
    user_id: int
    chat_id: int
    thread_id: int | None
    request_message_id: int | None
    status_message_id: int | None
    kind: str
    model_key: str
    family: str
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

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> TaskRecord:
        return cls(
            id=row["id"],
            user_id=row["user_id"],
            chat_id=row["chat_id"],
            thread_id=row["thread_id"],
            request_message_id=row["request_message_id"],
            status_message_id=row["status_message_id"],
            kind=row["kind"],
            model_key=row["model_key"],
            family=row["family"],
            prompt=row["prompt"],
            price=row["price"],
            state=TaskState(row["state"]),
            kie_task_id=row["kie_task_id"],
            callback_token=row["callback_token"],
            error=row["error"],
            checks=row["checks"],
            next_check_at=row["next_check_at"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
            options=json.loads(row["options"]),
        )


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: int
    task_id: int
    file_key: str
    url: str
    media: str
    title: str | None
    duration: float | None
    state: DeliveryState
    sent_as: str | None
    file_id: str | None
    attempts: int

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> DeliveryRecord:
        return cls(
            id=row["id"],
            task_id=row["task_id"],
            file_key=row["file_key"],
            url=row["url"],
            media=row["media"],
            title=row["title"],
            duration=row["duration"],
            state=DeliveryState(row["state"]),
            sent_as=row["sent_as"],
            file_id=row["file_id"],
            attempts=row["attempts"],
        )
