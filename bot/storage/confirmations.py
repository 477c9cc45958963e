"""SQL of requests waiting for a tap on "Confirm" (see migration 0011). The caller takes a
confirmation (``take``) in the same transaction as the debit and the task row: the row
leaves 'pending' at most once, so it starts at most one task."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from bot.errors import DuplicateRequestError
from bot.storage.base import Repo
from bot.storage.records import _Record


class ConfirmationState(StrEnum):
    PENDING = "pending"  # asked, nothing charged
    CONFIRMED = "confirmed"  # charged: ``task_id`` is its task
    CANCELLED = "cancelled"  # the requester said no; nothing charged


@dataclass(frozen=True, slots=True)
class ConfirmationRecord(_Record):
    id: int
    user_id: int
    chat_id: int
    thread_id: int | None
    request_message_id: int | None
    in_group: bool
    model_key: str
    prompt: str
    price: int
    input_file_id: str | None
    input_url: str | None
    language: str
    created_at: float
    expires_at: float
    state: ConfirmationState
    task_id: int | None
    choices: dict[str, str] = field(default_factory=dict)

    _convert = {"state": ConfirmationState, "choices": json.loads, "in_group": bool}


class ConfirmationRepo(Repo):
    async def create(
        self,
        *,
        user_id: int,
        chat_id: int,
        thread_id: int | None,
        request_message_id: int | None,
        in_group: bool,
        model_key: str,
        prompt: str,
        choices: dict[str, str],
        price: int,
        input_file_id: str | None,
        input_url: str | None,
        language: str,
        now: float,
        expires_at: float,
    ) -> ConfirmationRecord:
        """Raises DuplicateRequestError for a command asked about before (a redelivered update)."""
        row = await self._one(
            "INSERT INTO confirmations (user_id, chat_id, thread_id, request_message_id, in_group, model_key,"
            " prompt, choices, price, input_file_id, input_url, language, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id, request_message_id) DO NOTHING RETURNING *",
            (
                user_id, chat_id, thread_id, request_message_id, int(in_group), model_key, prompt,
                json.dumps(choices, sort_keys=True), price, input_file_id, input_url, language, now, expires_at,
            ),
        )  # fmt: skip
        if row is None:
            raise DuplicateRequestError(chat_id, request_message_id)
        return ConfirmationRecord.from_row(row)

    async def get(self, confirmation_id: int) -> ConfirmationRecord | None:
        row = await self._one("SELECT * FROM confirmations WHERE id = ?", (confirmation_id,))
        return ConfirmationRecord.from_row(row) if row else None

    async def close(self, confirmation_id: int, state: ConfirmationState, *, unexpired_at: float | None = None) -> bool:
        """Move a pending confirmation (one not expired at ``unexpired_at``, if given) to
        ``state``; False if it is not pending (any more)."""
        return bool(
            await self._run(
                "UPDATE confirmations SET state = ? WHERE id = ? AND state = ? AND (? IS NULL OR expires_at > ?)",
                (state, confirmation_id, ConfirmationState.PENDING, unexpired_at, unexpired_at),
            )
        )

    async def set_task(self, confirmation_id: int, task_id: int) -> None:
        await self._run("UPDATE confirmations SET task_id = ? WHERE id = ?", (task_id, confirmation_id))

    async def forget_before(self, moment: float) -> int:
        """Drop confirmations that expired before ``moment`` (lazy clean-up)."""
        return await self._run("DELETE FROM confirmations WHERE expires_at < ?", (moment,))
