"""SQL for the operator's features: bans, look-ups, statistics and bot-wide state.

Like every repository it only runs statements inside the caller's unit of work
(``Database.transaction`` / ``Database.read``) and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import LedgerKind
from bot.storage.base import Repo
from bot.storage.records import OPEN_TASK_STATES, LedgerEntry, TaskRecord, TaskState, UserRecord

_OPEN = ", ".join("?" for _ in OPEN_TASK_STATES)


@dataclass(frozen=True, slots=True)
class UserStatus:
    """A user as the operator sees them."""

    user: UserRecord
    last_seen_at: float
    banned_at: float | None
    banned_by: int | None


@dataclass(frozen=True, slots=True)
class TaskLine:
    task: TaskRecord
    refunded: bool  # a refund for it is in the ledger (failed tasks, and done ones refunded by hand)


@dataclass(frozen=True, slots=True)
class UserCounts:
    total: int
    active: int  # seen since the given time
    banned: int
    blocked: int  # blocked the bot (Telegram answered 403)


@dataclass(frozen=True, slots=True)
class KindCounts:
    kind: str
    done: int
    failed: int
    in_flight: int

    @property
    def total(self) -> int:
        return self.done + self.failed + self.in_flight


@dataclass(frozen=True, slots=True)
class CreditTotals:
    debited: int
    refunded: int

    @property
    def spent(self) -> int:
        return self.debited - self.refunded


class AdminRepo(Repo):
    # -- users ---------------------------------------------------------------------------

    async def status(self, user_id: int) -> UserStatus | None:
        row = await self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return UserStatus(UserRecord.from_row(row), row["last_seen_at"], row["banned_at"], row["banned_by"])

    async def by_username(self, username: str) -> list[UserRecord]:
        """Users last seen with this username (case-insensitive); more than one if it changed hands."""
        rows = await self._all(
            "SELECT * FROM users WHERE username = ? COLLATE NOCASE ORDER BY last_seen_at DESC", (username,)
        )
        return [UserRecord.from_row(r) for r in rows]

    async def ban(self, user_id: int, *, by: int, now: float) -> bool:
        """False if the user was banned already. The notice is owed again after every ban."""
        return bool(
            await self._run(
                "UPDATE users SET is_banned = 1, banned_at = ?, banned_by = ?, ban_notified_at = NULL"
                " WHERE user_id = ? AND is_banned = 0",
                (now, by, user_id),
            )
        )

    async def unban(self, user_id: int) -> bool:
        """False if the user was not banned."""
        return bool(
            await self._run(
                "UPDATE users SET is_banned = 0, banned_at = NULL, banned_by = NULL, ban_notified_at = NULL"
                " WHERE user_id = ? AND is_banned = 1",
                (user_id,),
            )
        )

    async def claim_ban_notice(self, user_id: int, *, now: float) -> bool:
        """True exactly once per ban: the caller then tells the user."""
        return bool(
            await self._run(
                "UPDATE users SET ban_notified_at = ? WHERE user_id = ? AND is_banned = 1 AND ban_notified_at IS NULL",
                (now, user_id),
            )
        )

    async def broadcast_recipients(self) -> list[int]:
        """Everyone who has not blocked the bot and is not banned (a private chat's id is
        the user's id); banned users cannot use what a broadcast announces."""
        rows = await self._all(
            "SELECT user_id FROM users WHERE blocked_at IS NULL AND banned_at IS NULL ORDER BY user_id"
        )
        return [int(r["user_id"]) for r in rows]

    async def recent_tasks(self, user_id: int, limit: int = 10) -> list[TaskLine]:
        rows = await self._all(
            "SELECT t.*, EXISTS (SELECT 1 FROM ledger l WHERE l.task_id = t.id AND l.kind = ?) AS refunded"
            " FROM tasks t WHERE t.user_id = ? ORDER BY t.id DESC LIMIT ?",
            (LedgerKind.REFUND, user_id, limit),
        )
        return [TaskLine(TaskRecord.from_row(r), bool(r["refunded"])) for r in rows]

    async def ledger_entry(self, op_key: str) -> LedgerEntry | None:
        row = await self._one("SELECT * FROM ledger WHERE op_key = ?", (op_key,))
        return LedgerEntry.from_row(row) if row else None

    # -- statistics ------------------------------------------------------------------------

    async def user_counts(self, *, active_since: float) -> UserCounts:
        row = await self._one(
            "SELECT COUNT(*) AS total, COALESCE(SUM(last_seen_at >= ?), 0) AS active,"
            " COALESCE(SUM(is_banned), 0) AS banned, COALESCE(SUM(blocked_at IS NOT NULL), 0) AS blocked"
            " FROM users",
            (active_since,),
        )
        assert row is not None
        return UserCounts(row["total"], row["active"], row["banned"], row["blocked"])

    async def generations(self, *, since: float | None = None) -> list[KindCounts]:
        """Tasks created since ``since`` (all when None), per kind and outcome."""
        rows = await self._all(
            "SELECT kind, COALESCE(SUM(state = ?), 0) AS done, COALESCE(SUM(state = ?), 0) AS failed,"
            f" COALESCE(SUM(state IN ({_OPEN})), 0) AS in_flight"
            " FROM tasks WHERE ? IS NULL OR created_at >= ? GROUP BY kind ORDER BY kind",
            (TaskState.DONE, TaskState.FAILED, *OPEN_TASK_STATES, since, since),
        )
        return [KindCounts(r["kind"], r["done"], r["failed"], r["in_flight"]) for r in rows]

    async def credits(self, *, since: float | None = None) -> CreditTotals:
        """Credits taken for generations and given back, by ledger time."""
        row = await self._one(
            "SELECT COALESCE(SUM(CASE WHEN kind = 'debit' THEN -delta END), 0) AS debited,"
            " COALESCE(SUM(CASE WHEN kind = 'refund' THEN delta END), 0) AS refunded"
            " FROM ledger WHERE ? IS NULL OR created_at >= ?",
            (since, since),
        )
        assert row is not None
        return CreditTotals(row["debited"], row["refunded"])

    async def in_flight(self) -> int:
        row = await self._one(f"SELECT COUNT(*) AS n FROM tasks WHERE state IN ({_OPEN})", OPEN_TASK_STATES)
        assert row is not None
        return int(row["n"])

    # -- bot-wide state ----------------------------------------------------------------------

    async def get_state(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM bot_state WHERE key = ?", (key,))
        return str(row["value"]) if row else None

    async def set_state(self, key: str, value: str, *, now: float) -> None:
        await self._run(
            "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, value, now),
        )

    async def clear_state(self, key: str) -> None:
        await self._run("DELETE FROM bot_state WHERE key = ?", (key,))
