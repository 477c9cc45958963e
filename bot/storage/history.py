"""A user's own generations, for /history and inline sharing: their tasks newest first, and
the result files Telegram took (each kept with its ``file_id``, so it can be sent again
without Kie and without a charge)."""

from __future__ import annotations

from bot.storage.base import Repo
from bot.storage.records import DeliveryRecord, DeliveryState, TaskRecord


class HistoryRepo(Repo):
    async def tasks(self, user_id: int, *, chat_id: int | None, limit: int, offset: int) -> list[TaskRecord]:
        """The user's tasks, newest first; only those made in ``chat_id`` unless it is None."""
        where, params = self._scope(user_id, chat_id)
        rows = await self._all(
            f"SELECT * FROM tasks WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?", (*params, limit, offset)
        )
        return [TaskRecord.from_row(r) for r in rows]

    async def count(self, user_id: int, *, chat_id: int | None) -> int:
        where, params = self._scope(user_id, chat_id)
        row = await self._one(f"SELECT COUNT(*) AS n FROM tasks WHERE {where}", params)
        return int(row["n"]) if row else 0

    async def resendable(self, task_ids: list[int]) -> list[DeliveryRecord]:
        """Files of these tasks that reached their chat with a Telegram ``file_id``."""
        if not task_ids:
            return []
        marks = ", ".join("?" for _ in task_ids)
        rows = await self._all(
            f"SELECT * FROM deliveries WHERE task_id IN ({marks}) AND state = ? AND file_id IS NOT NULL ORDER BY id",
            (*task_ids, DeliveryState.SENT),
        )
        return [DeliveryRecord.from_row(r) for r in rows]

    async def delivery(self, delivery_id: int) -> DeliveryRecord | None:
        row = await self._one("SELECT * FROM deliveries WHERE id = ?", (delivery_id,))
        return DeliveryRecord.from_row(row) if row else None

    async def shareable(self, user_id: int, *, limit: int) -> list[tuple[DeliveryRecord, TaskRecord]]:
        """The user's most recent files with a ``file_id``, newest first, with their tasks."""
        rows = await self._all(
            "SELECT d.* FROM deliveries d JOIN tasks t ON t.id = d.task_id"
            " WHERE t.user_id = ? AND d.state = ? AND d.file_id IS NOT NULL ORDER BY d.id DESC LIMIT ?",
            (user_id, DeliveryState.SENT, limit),
        )
        files = [DeliveryRecord.from_row(r) for r in rows]
        if not files:
            return []
        ids = sorted({f.task_id for f in files})
        marks = ", ".join("?" for _ in ids)
        tasks = {
            t.id: t
            for t in (
                TaskRecord.from_row(r) for r in await self._all(f"SELECT * FROM tasks WHERE id IN ({marks})", ids)
            )
        }
        return [(f, tasks[f.task_id]) for f in files]

    @staticmethod
    def _scope(user_id: int, chat_id: int | None) -> tuple[str, tuple[int, ...]]:
        if chat_id is None:
            return "user_id = ?", (user_id,)
        return "user_id = ? AND chat_id = ?", (user_id, chat_id)
