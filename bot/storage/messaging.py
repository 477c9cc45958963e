"""SQL of the inbox (updates recorded before Telegram is told we have them) and the outbox
(notices kept until Telegram took them). See migration 0005 for why both exist."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.base import Repo
from bot.storage.records import InboxEntry, NoticeRecord, NoticeState

# Written for every update, in one round trip each by ``Database.write_each`` (bot/telegram/intake.py).
INBOX_RECORD = "INSERT INTO inbox (update_id, body, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
INBOX_HANDLED = "UPDATE inbox SET handled_at = ? WHERE update_id = ?"


class InboxRepo(Repo):
    async def record(self, update_id: int, body: str, *, now: float) -> bool:
        """Keep the update; False when it was recorded before (Telegram sent it again)."""
        return bool(await self._run(INBOX_RECORD, (update_id, body, now)))

    async def mark_handled(self, update_id: int, *, now: float) -> None:
        await self._run(INBOX_HANDLED, (now, update_id))

    async def unhandled(self) -> list[InboxEntry]:
        rows = await self._all("SELECT update_id, body FROM inbox WHERE handled_at IS NULL ORDER BY update_id")
        return [InboxEntry.from_row(r) for r in rows]

    async def prune(self, *, before: float) -> int:
        """Forget handled updates received before ``before``; Telegram redelivers only recent ones."""
        return await self._run("DELETE FROM inbox WHERE handled_at IS NOT NULL AND received_at < ?", (before,))


class OutboxRepo(Repo):
    async def add(
        self,
        *,
        task_id: int | None,
        chat_id: int,
        thread_id: int | None,
        reply_to: int | None,
        edit_message_id: int | None,
        event: str,
        payload: dict[str, Any],
        language: str,
        now: float,
    ) -> int:
        row = await self._one(
            "INSERT INTO outbox (task_id, chat_id, thread_id, reply_to, edit_message_id, event, payload,"
            " language, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (task_id, chat_id, thread_id, reply_to, edit_message_id, event, json.dumps(payload), language, now, now),
        )
        assert row is not None
        return int(row["id"])

    async def claim(self, notice_id: int, claim: str, *, now: float, lease: float) -> NoticeRecord | None:
        """Take a due notice for one attempt named ``claim``: nobody else (another coroutine
        or replica) takes it while the lease runs, and if this process dies mid-send the
        notice is taken again when the lease runs out. None: not due, or someone has it."""
        row = await self._one(
            "UPDATE outbox SET claim = ?, claimed_until = ? WHERE id = ? AND state = ? AND next_attempt_at <= ?"
            " AND (claim IS NULL OR claimed_until <= ?) RETURNING *",
            (claim, now + lease, notice_id, NoticeState.PENDING, now, now),
        )
        return NoticeRecord.from_row(row) if row else None

    async def release_claims(self) -> int:
        """At start: claims of a process that is gone (this bot's previous run) end now."""
        return await self._run("UPDATE outbox SET claim = NULL, claimed_until = NULL WHERE claim IS NOT NULL")

    async def due(self, now: float, limit: int) -> list[int]:
        rows = await self._all(
            "SELECT id FROM outbox WHERE state = ? AND next_attempt_at <= ? AND (claim IS NULL OR claimed_until <= ?)"
            " ORDER BY next_attempt_at LIMIT ?",
            (NoticeState.PENDING, now, now, limit),
        )
        return [int(r["id"]) for r in rows]

    async def next_due_at(self) -> float | None:
        """When the next notice may be tried (a running attempt's lease counts as not due)."""
        row = await self._one(
            "SELECT MIN(MAX(next_attempt_at, COALESCE(claimed_until, 0))) AS at FROM outbox WHERE state = ?",
            (NoticeState.PENDING,),
        )
        return row["at"] if row else None

    async def finish(self, notice_id: int, claim: str, state: NoticeState, *, error: str | None, now: float) -> bool:
        """End the notice, if ``claim`` still holds it (False: its lease ran out and another took it)."""
        return bool(
            await self._run(
                "UPDATE outbox SET state = ?, error = ?, attempts = attempts + 1, sent_at = ?, claim = NULL,"
                " claimed_until = NULL WHERE id = ? AND claim = ?",
                (state, error, now if state is NoticeState.SENT else None, notice_id, claim),
            )
        )

    async def retry_later(self, notice_id: int, claim: str, *, at: float, error: str, as_new_message: bool) -> bool:
        """Another attempt at ``at``; ``as_new_message``: stop editing, send a new message."""
        return bool(
            await self._run(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, error = ?, claim = NULL,"
                " claimed_until = NULL, edit_message_id = CASE WHEN ? THEN NULL ELSE edit_message_id END"
                " WHERE id = ? AND claim = ?",
                (at, error[:500], as_new_message, notice_id, claim),
            )
        )

    async def for_task(self, task_id: int) -> list[NoticeRecord]:
        rows = await self._all("SELECT * FROM outbox WHERE task_id = ? ORDER BY id", (task_id,))
        return [NoticeRecord.from_row(r) for r in rows]
