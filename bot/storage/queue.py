"""The bot's own queue of requests not yet sent to Kie: the submitter's claim on a task
right before each createTask call, and a user's cancel, which succeeds only while that claim
is not taken (see migration 0013). Both run inside ``Database.transaction`` (BEGIN
IMMEDIATE), so each check-and-write is atomic against the other."""

from __future__ import annotations

from bot.storage.base import Repo
from bot.storage.records import OPEN_TASK_STATES, TaskRecord, TaskState

# Still in the bot's queue: pending, no Kie task id, no createTask call under way.
_UNSENT = "state = 'pending' AND kie_task_id IS NULL AND submitting = 0"


class QueueRepo(Repo):
    async def claim(self, task_id: int, *, now: float) -> bool:
        """Take the task for one createTask call; False when it is cancelled or settled."""
        return bool(
            await self._run(
                f"UPDATE tasks SET submitting = 1, updated_at = ? WHERE id = ? AND {_UNSENT}", (now, task_id)
            )
        )

    async def give_back(self, task_id: int, *, now: float) -> None:
        """Kie refused the call in a way that proves it did not take the task: it waits again."""
        await self._run(
            "UPDATE tasks SET submitting = 0, updated_at = ? WHERE id = ? AND state = ? AND kie_task_id IS NULL",
            (now, task_id, TaskState.PENDING),
        )

    async def cancel(self, task_id: int, *, error: str, now: float) -> bool:
        """Fail a task still in the bot's queue; False if Kie has it (or may), or it is settled."""
        return bool(
            await self._run(
                "UPDATE tasks SET state = ?, error = ?, finished_at = ?, updated_at = ?, next_check_at = NULL"
                f" WHERE id = ? AND {_UNSENT}",
                (TaskState.FAILED, error, now, now, task_id),
            )
        )

    async def open_in_chat(self, user_id: int, chat_id: int) -> list[TaskRecord]:
        """The user's unsettled requests made in ``chat_id``, oldest first."""
        placeholders = ", ".join("?" for _ in OPEN_TASK_STATES)
        rows = await self._all(
            f"SELECT * FROM tasks WHERE user_id = ? AND chat_id = ? AND state IN ({placeholders}) ORDER BY id",
            (user_id, chat_id, *OPEN_TASK_STATES),
        )
        return [TaskRecord.from_row(r) for r in rows]
