"""Operator actions: credits by hand, bans, refunds, a user's record, statistics.

Every rule lives here (who can be banned, how a negative grant is clamped, what makes a
command apply once); the Telegram layer only splits arguments and renders results.
A refusal is an :class:`AdminError` naming a locale key and the values to show.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain import LedgerKind
from bot.errors import BotError
from bot.services.generation.reasons import OPERATOR_REFUND
from bot.services.generation.settlement import Settlement
from bot.services.messaging.notifier import Notifier
from bot.services.ports import NoticeKind
from bot.storage import Database, TaskRecord, UserRecord, ledger_key
from bot.storage.admin_queries import CreditTotals, KindCounts, TaskLine, UserCounts, UserStatus
from bot.storage.growth import StarTotals
from kie import KieClient, KieError

log = logging.getLogger(__name__)

MAX_GRANT = 1_000_000  # credits per /grant, either way; more is surely a typo
RECENT_TASKS = 10
DAY = 86_400.0

_INTEGER = re.compile(r"[+-]?\d+")
_USER_ID = re.compile(r"\d{1,15}")  # Telegram ids fit in 52 bits
_USERNAME = re.compile(r"@([A-Za-z0-9_]{1,32})")
_TASK_ID = re.compile(r"#?(\d{1,15})")


class AdminError(BotError):
    """An operator command that cannot be done; ``key`` is the locale text explaining why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        # An argument is quoted back to the admin: keep the reply far below Telegram's 4096.
        self.values = {k: v[:64] + "…" if isinstance(v, str) and len(v) > 64 else v for k, v in values.items()}


# -- arguments ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserRef:
    """How the operator named a user: a numeric id or an ``@username``."""

    user_id: int | None = None
    username: str | None = None

    def __str__(self) -> str:
        return str(self.user_id) if self.user_id is not None else f"@{self.username}"


def parse_user_ref(text: str) -> UserRef:
    if _USER_ID.fullmatch(text):
        return UserRef(user_id=int(text))
    match = _USERNAME.fullmatch(text)
    if match:
        return UserRef(username=match.group(1))
    raise AdminError("admin_bad_user", value=text)


def split_target(args: list[str], *, rest: int, reply_user_id: int | None, usage: str) -> tuple[UserRef, list[str]]:
    """The user is the first argument, or whoever wrote the replied-to message when only
    the ``rest`` other arguments were given. Returns the user and those other arguments."""
    if reply_user_id is not None and len(args) == rest:
        return UserRef(user_id=reply_user_id), args
    if len(args) != rest + 1:
        raise AdminError(usage)
    return parse_user_ref(args[0]), args[1:]


def parse_amount(text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise AdminError("admin_bad_amount", value=text)
    if len(text) > 12 or abs(int(text)) > MAX_GRANT:
        raise AdminError("admin_amount_too_big", limit=MAX_GRANT)
    amount = int(text)
    if amount == 0:
        raise AdminError("admin_amount_zero")
    return amount


def parse_task_id(text: str) -> int:
    match = _TASK_ID.fullmatch(text)
    if not match:
        raise AdminError("admin_bad_task", value=text)
    return int(match.group(1))


def describe(user: UserRecord) -> str:
    """``Alice (@alice, 1001)``: how a user is named in answers to the operator."""
    handle = f"@{user.username}, " if user.username else ""
    return f"{user.first_name or '?'} ({handle}{user.user_id})"


# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GrantResult:
    user: UserRecord
    requested: int
    delta: int  # what changed: less than asked when a take was clamped; 0 when there was nothing
    balance: int
    repeated: bool = False  # the same command (a redelivered update) was applied before


@dataclass(frozen=True, slots=True)
class RefundResult:
    task: TaskRecord
    was_open: bool  # cancelled and refunded through settlement, rather than refunded after delivery
    balance: int


@dataclass(frozen=True, slots=True)
class Stats:
    day_start: float  # UTC midnight
    users: UserCounts
    today: list[KindCounts]
    total: list[KindCounts]
    credits_today: CreditTotals
    credits_total: CreditTotals
    in_flight: int
    kie_balance: float | None  # None: Kie did not answer
    stars_today: StarTotals
    stars_total: StarTotals
    paying_users: int  # users who ever paid (refunded or not)


@dataclass(frozen=True, slots=True)
class UserCard:
    status: UserStatus
    tasks: list[TaskLine]
    now: float


class AdminService:
    def __init__(
        self,
        db: Database,
        kie: KieClient,
        settlement: Settlement,
        notifier: Notifier,
        *,
        admin_ids: frozenset[int],
        clock: Callable[[], float] = time.time,
        kie_timeout: float = 10.0,
    ) -> None:
        self._db = db
        self._kie = kie
        self._settlement = settlement
        self._notifier = notifier
        self._admin_ids = admin_ids
        self._clock = clock
        self._kie_timeout = kie_timeout

    def is_admin(self, user_id: int) -> bool:
        return user_id in self._admin_ids

    async def find_user(self, ref: UserRef) -> UserRecord:
        async with self._db.read() as repo:
            if ref.user_id is not None:
                user = await repo.users.get(ref.user_id)
                found = [user] if user else []
            else:
                assert ref.username is not None
                found = await repo.admin.by_username(ref.username)
        if not found:
            raise AdminError("admin_unknown_user", user=str(ref))
        if len(found) > 1:
            ids = ", ".join(str(u.user_id) for u in found)
            raise AdminError("admin_ambiguous_user", user=str(ref), ids=ids)
        return found[0]

    # -- credits ------------------------------------------------------------------------

    async def grant(self, *, admin_id: int, ref: UserRef, amount: int, request: tuple[int, int]) -> GrantResult:
        """Add ``amount`` credits, or take up to ``-amount`` (never below zero). ``request``
        (chat id, message id) names the command, so a redelivered update changes nothing
        the second time."""
        op_key = ledger_key(LedgerKind.GRANT, *request)
        user = await self.find_user(ref)
        now = self._clock()
        async with self._db.transaction() as repo:
            done = await repo.admin.ledger_entry(op_key)
            if done is not None:
                balance = await repo.ledger.balance(done.user_id)
                return GrantResult(user, amount, done.delta, balance, repeated=True)
            balance = await repo.ledger.balance(user.user_id)
            delta = amount if amount > 0 else -min(-amount, balance)
            if delta == 0:
                return GrantResult(user, amount, 0, balance)
            note = f"asked {amount:+d}, balance was {balance}" if delta != amount else None
            outcome = await repo.ledger.apply(
                user_id=user.user_id,
                delta=delta,
                kind=LedgerKind.GRANT,
                op_key=op_key,
                actor_id=admin_id,
                note=note,
                now=now,
            )
        log.info("admin %d: grant %+d to user %d (asked %+d)", admin_id, delta, user.user_id, amount)
        return GrantResult(user, amount, delta, outcome.balance)

    # -- bans ---------------------------------------------------------------------------

    async def ban(self, *, admin_id: int, ref: UserRef) -> UserRecord:
        user = await self.find_user(ref)
        if self.is_admin(user.user_id):
            raise AdminError("admin_ban_admin", user=describe(user))
        async with self._db.transaction() as repo:
            changed = await repo.admin.ban(user.user_id, by=admin_id, now=self._clock())
        if not changed:
            raise AdminError("admin_already_banned", user=describe(user))
        log.info("admin %d banned user %d", admin_id, user.user_id)
        return user

    async def unban(self, *, admin_id: int, ref: UserRef) -> UserRecord:
        user = await self.find_user(ref)
        async with self._db.transaction() as repo:
            changed = await repo.admin.unban(user.user_id)
        if not changed:
            raise AdminError("admin_not_banned", user=describe(user))
        log.info("admin %d unbanned user %d", admin_id, user.user_id)
        return user

    async def take_ban_notice(self, user_id: int) -> bool:
        """True once per ban: the banned user is told then, and never again until re-banned."""
        async with self._db.transaction() as repo:
            return await repo.admin.claim_ban_notice(user_id, now=self._clock())

    # -- refunds ------------------------------------------------------------------------

    async def refund(self, *, admin_id: int, task_id: int) -> RefundResult:
        """Give a task's credits back, once ever (the ledger key is the automatic refund's)."""
        async with self._db.read() as repo:
            task = await repo.tasks.get(task_id)
        if task is None:
            raise AdminError("admin_unknown_task", task_id=task_id)
        # An open task is failed and refunded through settlement (which tells the user); one
        # settled meanwhile, like a delivered one, is refunded below (once: same ledger key).
        if not task.state.is_final and await self._settlement.fail(task, OPERATOR_REFUND, actor_id=admin_id):
            log.info("admin %d cancelled and refunded task %d", admin_id, task.id)
            return RefundResult(task, was_open=True, balance=await self._balance(task.user_id))
        now = self._clock()
        async with self._db.transaction() as repo:
            outcome = await repo.ledger.refund_task(task, now=now, actor_id=admin_id, note="refunded by the operator")
            # A new message: the progress message keeps saying what was delivered.
            notice = (
                await self._notifier.record(
                    repo, task, NoticeKind.OPERATOR_REFUND, new_message=True, balance=outcome.balance
                )
                if outcome.applied
                else None
            )
        if notice is None:
            raise AdminError("admin_already_refunded", task_id=task.id)
        log.info("admin %d refunded delivered task %d (%d credits)", admin_id, task.id, task.price)
        await self._notifier.send(notice)
        return RefundResult(task, was_open=False, balance=outcome.balance)

    async def _balance(self, user_id: int) -> int:
        async with self._db.read() as repo:
            return await repo.ledger.balance(user_id)

    # -- looking ------------------------------------------------------------------------

    async def user_card(self, ref: UserRef) -> UserCard:
        user = await self.find_user(ref)
        async with self._db.read() as repo:
            status = await repo.admin.status(user.user_id)
            tasks = await repo.admin.recent_tasks(user.user_id, RECENT_TASKS)
        assert status is not None
        return UserCard(status, tasks, self._clock())

    async def stats(self) -> Stats:
        now = self._clock()
        day_start = now - now % DAY  # Unix time has no leap seconds: this is UTC midnight
        async with self._db.read() as repo:
            users = await repo.admin.user_counts(active_since=day_start)
            today = await repo.admin.generations(since=day_start)
            total = await repo.admin.generations()
            credits_today = await repo.admin.credits(since=day_start)
            credits_total = await repo.admin.credits()
            in_flight = await repo.admin.in_flight()
            stars_today = await repo.payment_stats.stars(since=day_start)
            stars_total = await repo.payment_stats.stars()
            paying = await repo.payment_stats.paying_users()
        return Stats(
            day_start,
            users,
            today,
            total,
            credits_today,
            credits_total,
            in_flight,
            await self.kie_balance(),
            stars_today,
            stars_total,
            paying,
        )

    async def kie_balance(self) -> float | None:
        try:
            return await asyncio.wait_for(self._kie.get_credits(), timeout=self._kie_timeout)
        except (KieError, TimeoutError) as exc:
            log.warning("Kie balance unavailable: %r", exc)
            return None
