"""Users and their credits. Every balance change goes through ``LedgerRepo.apply``.

**Free daily credits** (``FREE_DAILY_CREDITS``) are topped up where every update already
writes: registration, which refreshes the user's row for each message or button the bot
takes. The first one of a UTC day (the stored ``last_seen_at`` is from an earlier day, or the
user is new) brings the balance up to the daily amount, never beyond it (nothing piles up
over days of absence), under the ledger key ``daily:<user>:<yyyy-mm-dd>``, so at most one row
per user and day. One extra read in a transaction that runs anyway; no table, no timer.

**Registration costs one read** for someone who wrote a moment ago with the same name: their
row is read and, when nothing it would write differs (same username and first name, not
marked blocked, ``last_seen_at`` under ``SEEN_REFRESH`` old and of the same UTC day), nothing
is written. So ``last_seen_at`` is exact to ``SEEN_REFRESH`` (what /user and "active today"
show are coarser), and daily credits, which look at the day only, are not affected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.domain import LedgerKind
from bot.storage import Database, Repositories, UserRecord, ledger_key

DAY = 86_400.0
SEEN_REFRESH = 60.0  # seconds: a user's row is rewritten at most this often when nothing else changed


class CreditService:
    def __init__(
        self,
        db: Database,
        *,
        starting_credits: int,
        daily_credits: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._starting_credits = starting_credits
        self._daily_credits = daily_credits
        self._clock = clock

    async def register(
        self, user_id: int, *, username: str | None, first_name: str, language: str
    ) -> tuple[UserRecord, bool]:
        """Create or refresh a user; a new one gets the starting credits, once ever; the
        first update of a UTC day tops the free daily credits up (when they are on)."""
        now = self._clock()
        async with self._db.read() as repo:
            known = await repo.users.get(user_id)
        if (
            known is not None
            and known.username == username
            and known.first_name == first_name
            and known.blocked_at is None
            and now - SEEN_REFRESH < known.last_seen_at <= now
            and known.last_seen_at >= now - now % DAY
        ):
            return known, False
        async with self._db.transaction() as repo:
            seen = await repo.users.last_seen(user_id) if self._daily_credits > 0 else None
            is_new = await repo.users.upsert(
                user_id, username=username, first_name=first_name, language=language, now=now
            )
            if is_new and self._starting_credits > 0:
                await repo.ledger.apply(
                    user_id=user_id,
                    delta=self._starting_credits,
                    kind=LedgerKind.WELCOME,
                    op_key=ledger_key(LedgerKind.WELCOME, user_id),
                    now=now,
                )
            if self._daily_credits > 0 and (is_new or (seen is not None and seen < now - now % DAY)):
                await self._top_up_daily(repo, user_id, now)
            user = await repo.users.get(user_id)
        assert user is not None
        return user, is_new

    async def _top_up_daily(self, repo: Repositories, user_id: int, now: float) -> None:
        user = await repo.users.get(user_id)
        # A banned user gets nothing; they cannot use it anyway.
        if user is None or user.is_banned or user.balance >= self._daily_credits:
            return
        day = datetime.fromtimestamp(now, UTC).date().isoformat()
        await repo.ledger.apply(
            user_id=user_id,
            delta=self._daily_credits - user.balance,
            kind=LedgerKind.DAILY,
            op_key=ledger_key(LedgerKind.DAILY, user_id, day),
            now=now,
        )

    async def balance(self, user_id: int) -> int:
        async with self._db.read() as repo:
            return await repo.ledger.balance(user_id)

    async def mark_blocked(self, user_id: int) -> None:
        """Telegram said this user blocked the bot; writing to the bot again clears it."""
        async with self._db.transaction() as repo:
            await repo.users.mark_blocked(user_id, self._clock())

    async def set_language(self, user_id: int, language: str) -> None:
        async with self._db.transaction() as repo:
            await repo.users.set_language(user_id, language)

    async def language_of(self, user_id: int) -> str | None:
        """The language the user chose or was given, None for someone never seen."""
        async with self._db.read() as repo:
            user = await repo.users.get(user_id)
        return user.language if user else None
