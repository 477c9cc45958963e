"""Users and their credits. Every balance change goes through ``LedgerRepo.apply``."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.domain import LedgerKind
from bot.storage import Database, UserRecord, ledger_key


class CreditService:
    def __init__(self, db: Database, *, starting_credits: int, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._starting_credits = starting_credits
        self._clock = clock

    async def register(
        self, user_id: int, *, username: str | None, first_name: str, language: str
    ) -> tuple[UserRecord, bool]:
        """Create or refresh a user; a new one gets the starting credits, once ever."""
        now = self._clock()
        async with self._db.transaction() as repo:
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
            user = await repo.users.get(user_id)
        assert user is not None
        return user, is_new

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
