"""SQL only. Each repository works inside the transaction its caller holds
(see ``Database.transaction``); none of them commits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from bot.domain import DeliveryMethod, Kind, LedgerKind, MediaKind
from bot.errors import DuplicateRequestError, InsufficientCreditsError, UnknownUserError
from bot.storage.admin_queries import AdminRepo
from bot.storage.base import Repo, Session
from bot.storage.confirmations import ConfirmationRepo
from bot.storage.growth import PaymentStatsRepo, PromoRepo, ReferralRepo
from bot.storage.history import HistoryRepo
from bot.storage.messaging import InboxRepo, OutboxRepo
from bot.storage.payments import PaymentRepo
from bot.storage.preferences import PreferenceRepo
from bot.storage.queue import QueueRepo
from bot.storage.records import (
    OPEN_TASK_STATES,
    DeliveryRecord,
    DeliveryState,
    LedgerEntry,
    TaskRecord,
    TaskState,
    UserRecord,
)


class UserRepo(Repo):
    async def get(self, user_id: int) -> UserRecord | None:
        row = await self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return UserRecord.from_row(row) if row else None

    async def upsert(self, user_id: int, *, username: str | None, first_name: str, language: str, now: float) -> bool:
        """Insert or refresh the profile; returns True when the user is new."""
        created = await self._run(
            "INSERT INTO users (user_id, username, first_name, language, created_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(user_id) DO NOTHING",
            (user_id, username, first_name, language, now, now),
        )
        if not created:
            await self._run(
                "UPDATE users SET username = ?, first_name = ?, last_seen_at = ?, blocked_at = NULL WHERE user_id = ?",
                (username, first_name, now, user_id),
            )
        return bool(created)

    async def set_language(self, user_id: int, language: str) -> None:
        await self._run("UPDATE users SET language = ? WHERE user_id = ?", (language, user_id))

    async def last_seen(self, user_id: int) -> float | None:
        row = await self._one("SELECT last_seen_at FROM users WHERE user_id = ?", (user_id,))
        return float(row["last_seen_at"]) if row else None

    async def mark_blocked(self, user_id: int, now: float) -> None:
        await self._run("UPDATE users SET blocked_at = ? WHERE user_id = ?", (now, user_id))


# Ledger kinds whose key names the task they are about (debit:task:42, refund:task:42).
_TASK_KINDS = frozenset({LedgerKind.DEBIT, LedgerKind.REFUND})


def ledger_key(kind: LedgerKind, *subject: int | str) -> str:
    """The unique key of one balance change; applying a key twice changes nothing.

    ``welcome:<user>``, ``debit:task:<task>``, ``refund:task:<task>``,
    ``grant:<chat>:<message>``, ``topup:<telegram_payment_charge_id>``,
    ``topup_reversal:<telegram_payment_charge_id>`` (Telegram's charge id is unique per
    payment, so a payment credits once and is taken back once), ``referral:<invited user>``
    (an inviter is rewarded once per person invited), ``promo:<CODE>:<user>`` (a code once
    per user), ``daily:<user>:<yyyy-mm-dd>`` (free credits once per user per UTC day).
    The format is stored in every ledger row ever written: changing it would let an old operation apply again.
    """
    parts = [kind.value, *(["task"] if kind in _TASK_KINDS else []), *(str(s) for s in subject)]
    return ":".join(parts)


@dataclass(frozen=True, slots=True)
class LedgerOutcome:
    applied: bool  # False: this op_key was applied before, nothing changed now
    balance: int


class LedgerRepo(Repo):
    async def apply(
        self,
        *,
        user_id: int,
        delta: int,
        kind: LedgerKind,
        op_key: str,
        now: float,
        task_id: int | None = None,
        actor_id: int | None = None,
        note: str | None = None,
    ) -> LedgerOutcome:
        """Change a balance exactly once per ``op_key``; never below zero.

        Must run inside ``Database.transaction`` (BEGIN IMMEDIATE), which makes the
        check-then-write below atomic against every other writer.
        """
        if delta == 0:
            raise ValueError("a ledger entry must change the balance")
        if await self._one("SELECT 1 FROM ledger WHERE op_key = ?", (op_key,)):
            return LedgerOutcome(applied=False, balance=await self.balance(user_id))
        row = await self._one(
            "UPDATE users SET balance = balance + ? WHERE user_id = ? AND balance + ? >= 0 RETURNING balance",
            (delta, user_id, delta),
        )
        if row is None:
            current = await self._one("SELECT balance FROM users WHERE user_id = ?", (user_id,))
            if current is None:
                raise UnknownUserError(user_id)
            raise InsufficientCreditsError(needed=-delta, balance=current["balance"])
        balance = row["balance"]
        await self._run(
            "INSERT INTO ledger (user_id, delta, kind, op_key, task_id, actor_id, note,"
            " balance_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, delta, kind, op_key, task_id, actor_id, note, balance, now),
        )
        return LedgerOutcome(applied=True, balance=balance)

    async def refund_task(
        self, task: TaskRecord, *, now: float, actor_id: int | None = None, note: str | None = None
    ) -> LedgerOutcome:
        """A task's credits back, once ever: automatic and operator refunds share the key."""
        return await self.apply(
            user_id=task.user_id,
            delta=task.price,
            kind=LedgerKind.REFUND,
            op_key=ledger_key(LedgerKind.REFUND, task.id),
            task_id=task.id,
            actor_id=actor_id,
            now=now,
            note=note,
        )

    async def balance(self, user_id: int) -> int:
        row = await self._one("SELECT balance FROM users WHERE user_id = ?", (user_id,))
        if row is None:
            raise UnknownUserError(user_id)
        return int(row["balance"])

    async def entries(self, user_id: int) -> list[LedgerEntry]:
        rows = await self._all("SELECT * FROM ledger WHERE user_id = ? ORDER BY id", (user_id,))
        return [LedgerEntry.from_row(r) for r in rows]

    async def for_task(self, task_id: int) -> list[LedgerEntry]:
        rows = await self._all("SELECT * FROM ledger WHERE task_id = ? ORDER BY id", (task_id,))
        return [LedgerEntry.from_row(r) for r in rows]


class TaskRepo(Repo):
    async def create(
        self,
        *,
        user_id: int,
        chat_id: int,
        thread_id: int | None,
        request_message_id: int | None,
        kind: Kind,
        model_key: str,
        family: str,
        prompt: str,
        options: dict[str, Any],
        price: int,
        callback_token: str,
        language: str,
        now: float,
        input_file_id: str | None = None,
        input_url: str | None = None,
        request_key: str | None = None,
    ) -> TaskRecord:
        """A new pending task; ``DuplicateRequestError`` when its command message (or, for a
        button's request, its ``request_key``) already made one."""
        row = await self._one(
            "INSERT INTO tasks (user_id, chat_id, thread_id, request_message_id, kind, model_key,"
            " family, prompt, options, price, state, callback_token, language, created_at, updated_at,"
            " input_file_id, input_url, request_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING *",
            (
                user_id, chat_id, thread_id, request_message_id, kind, model_key, family, prompt,
                json.dumps(options), price, TaskState.PENDING, callback_token, language, now, now,
                input_file_id, input_url, request_key,
            ),
        )  # fmt: skip
        if row is None:
            raise DuplicateRequestError(chat_id, request_message_id)
        return TaskRecord.from_row(row)

    async def get(self, task_id: int) -> TaskRecord | None:
        row = await self._one("SELECT * FROM tasks WHERE id = ?", (task_id,))
        return TaskRecord.from_row(row) if row else None

    async def by_callback_token(self, token: str) -> TaskRecord | None:
        row = await self._one("SELECT * FROM tasks WHERE callback_token = ?", (token,))
        return TaskRecord.from_row(row) if row else None

    async def set_status_message(self, task_id: int, message_id: int) -> None:
        await self._run("UPDATE tasks SET status_message_id = ? WHERE id = ?", (message_id, task_id))

    async def set_kie_task_id(self, task_id: int, kie_task_id: str, *, now: float) -> bool:
        """Recorded first, so a crash before ``mark_running`` can still be recovered.
        False when the task is no longer pending (an operator refunded it meanwhile)."""
        return bool(
            await self._run(
                "UPDATE tasks SET kie_task_id = ?, updated_at = ? WHERE id = ? AND state = ?",
                (kie_task_id, now, task_id, TaskState.PENDING),
            )
        )

    async def mark_running(self, task_id: int, *, check_at: float, now: float) -> bool:
        # A callback may already have asked for an immediate check; keep the earlier time.
        return bool(
            await self._run(
                "UPDATE tasks SET state = ?, updated_at = ?,"
                " next_check_at = MIN(COALESCE(next_check_at, ?), ?)"
                " WHERE id = ? AND state = ? AND kie_task_id IS NOT NULL",
                (TaskState.RUNNING, now, check_at, check_at, task_id, TaskState.PENDING),
            )
        )

    async def request_check(self, task_id: int, at: float) -> None:
        await self._run(
            "UPDATE tasks SET next_check_at = MIN(COALESCE(next_check_at, ?), ?) WHERE id = ?",
            (at, at, task_id),
        )

    async def schedule_check(self, task_id: int, at: float, *, now: float) -> None:
        await self._run(
            "UPDATE tasks SET next_check_at = ?, checks = checks + 1, updated_at = ? WHERE id = ?",
            (at, now, task_id),
        )

    async def mark_delivering(self, task_id: int, *, now: float) -> bool:
        return bool(
            await self._run(
                "UPDATE tasks SET state = ?, next_check_at = ?, updated_at = ? WHERE id = ? AND state IN (?, ?)",
                (TaskState.DELIVERING, now, now, task_id, TaskState.RUNNING, TaskState.DELIVERING),
            )
        )

    async def finish(self, task_id: int, state: TaskState, *, error: str | None, now: float) -> bool:
        """Move an open task to a final state; False if it was already final (settled once)."""
        assert state.is_final
        placeholders = ", ".join("?" for _ in OPEN_TASK_STATES)
        return bool(
            await self._run(
                f"UPDATE tasks SET state = ?, error = ?, finished_at = ?, updated_at = ?,"
                f" next_check_at = NULL WHERE id = ? AND state IN ({placeholders})",
                (state, error, now, now, task_id, *OPEN_TASK_STATES),
            )
        )

    async def due(self, now: float, limit: int) -> list[int]:
        """Ids only, from the index: the monitor reads this at every wake, and in a burst most
        of what is due is already in its hands (each is read afresh when processed)."""
        rows = await self._all(
            "SELECT id FROM tasks WHERE state IN (?, ?) AND next_check_at <= ? ORDER BY next_check_at LIMIT ?",
            (TaskState.RUNNING, TaskState.DELIVERING, now, limit),
        )
        return [row[0] for row in rows]

    async def next_due_at(self) -> float | None:
        row = await self._one(
            "SELECT MIN(next_check_at) AS at FROM tasks WHERE state IN (?, ?)",
            (TaskState.RUNNING, TaskState.DELIVERING),
        )
        return row["at"] if row else None

    async def in_state(self, state: TaskState) -> list[TaskRecord]:
        rows = await self._all("SELECT * FROM tasks WHERE state = ? ORDER BY id", (state,))
        return [TaskRecord.from_row(r) for r in rows]

    async def spent_in_chat(self, chat_id: int, *, since: float) -> int:
        """Credits taken for requests made in ``chat_id`` since then, refunds left out."""
        row = await self._one(
            "SELECT COALESCE(SUM(price), 0) AS spent FROM tasks t WHERE chat_id = ? AND created_at >= ?"
            " AND state != ? AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.task_id = t.id AND l.kind = ?)",
            (chat_id, since, TaskState.FAILED, LedgerKind.REFUND),
        )
        return int(row["spent"]) if row else 0

    async def for_user(self, user_id: int, limit: int = 10) -> list[TaskRecord]:
        rows = await self._all("SELECT * FROM tasks WHERE user_id = ? ORDER BY id DESC LIMIT ?", (user_id, limit))
        return [TaskRecord.from_row(r) for r in rows]


class DeliveryRepo(Repo):
    async def add(
        self,
        task_id: int,
        *,
        file_key: str,
        url: str,
        media: MediaKind,
        title: str | None,
        duration: float | None,
        now: float,
    ) -> bool:
        """Record a result file once; a repeated poll or callback adds nothing."""
        return bool(
            await self._run(
                "INSERT INTO deliveries (task_id, file_key, url, media, title, duration,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(task_id, file_key) DO NOTHING",
                (task_id, file_key, url, media, title, duration, now, now),
            )
        )

    async def get(self, delivery_id: int) -> DeliveryRecord | None:
        row = await self._one("SELECT * FROM deliveries WHERE id = ?", (delivery_id,))
        return DeliveryRecord.from_row(row) if row else None

    async def for_task(self, task_id: int) -> list[DeliveryRecord]:
        rows = await self._all("SELECT * FROM deliveries WHERE task_id = ? ORDER BY id", (task_id,))
        return [DeliveryRecord.from_row(r) for r in rows]

    async def mark_sent(
        self, delivery_id: int, *, sent_as: DeliveryMethod, file_id: str | None, message_id: int | None, now: float
    ) -> None:
        await self._run(
            "UPDATE deliveries SET state = ?, sent_as = ?, file_id = ?, message_id = ?,"
            " attempts = attempts + 1, error = NULL, updated_at = ? WHERE id = ?",
            (DeliveryState.SENT, sent_as, file_id, message_id, now, delivery_id),
        )

    async def mark_attempt(self, delivery_id: int, *, error: str, failed: bool, now: float) -> None:
        state = DeliveryState.FAILED if failed else DeliveryState.PENDING
        await self._run(
            "UPDATE deliveries SET state = ?, attempts = attempts + 1, error = ?, updated_at = ?"
            " WHERE id = ? AND state = ?",
            (state, error[:500], now, delivery_id, DeliveryState.PENDING),
        )

    async def fail_pending(self, task_id: int, *, error: str, now: float) -> None:
        await self._run(
            "UPDATE deliveries SET state = ?, error = ?, updated_at = ? WHERE task_id = ? AND state = ?",
            (DeliveryState.FAILED, error, now, task_id, DeliveryState.PENDING),
        )


R = TypeVar("R", bound=Repo)


class _Built(Generic[R]):
    """A repository built on first use and kept on the unit of work (a non-data descriptor:
    later reads find it in the instance's ``__dict__`` and never come here)."""

    def __init__(self, kind: type[R]) -> None:
        self._kind = kind
        self._name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, unit: None, owner: type[Any]) -> _Built[R]: ...
    @overload
    def __get__(self, unit: Repositories, owner: type[Any]) -> R: ...
    def __get__(self, unit: Repositories | None, owner: type[Any]) -> R | _Built[R]:
        if unit is None:
            return self
        repo = unit.__dict__[self._name] = self._kind(unit.session)
        return repo


class Repositories:
    """The repositories of one unit of work, all on the caller's transaction. Each is built
    when first used: a unit of work touches one or two of them (building all fifteen cost
    5 µs of every unit of work, the read behind each update's user among them)."""

    users = _Built(UserRepo)
    ledger = _Built(LedgerRepo)
    tasks = _Built(TaskRepo)
    deliveries = _Built(DeliveryRepo)
    admin = _Built(AdminRepo)
    inbox = _Built(InboxRepo)
    outbox = _Built(OutboxRepo)
    payments = _Built(PaymentRepo)
    payment_stats = _Built(PaymentStatsRepo)
    referrals = _Built(ReferralRepo)
    promos = _Built(PromoRepo)
    preferences = _Built(PreferenceRepo)
    confirmations = _Built(ConfirmationRepo)
    queue = _Built(QueueRepo)
    history = _Built(HistoryRepo)

    def __init__(self, session: Session) -> None:
        self.session = session
