"""Tells the admins when the Kie account runs low, once per drop.

Every ``interval`` seconds (and right after start) Kie's balance is read. Below
``threshold`` every admin gets one message; nobody is told again until the balance has
recovered to the threshold or above and then dropped again.

"Already told" is kept in SQLite (``bot_state``), not in memory: a restart, a deploy or a
crash loop while the balance stays low must not repeat the alert every time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot.i18n import Translator
from bot.storage import Database
from kie import KieClient, KieError

log = logging.getLogger(__name__)

ALERTED = "kie_low_balance_alerted"


def format_credits(value: float) -> str:
    """``812.5``, ``1,000``: Kie's credits without float noise."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


class KieBalanceWatch:
    def __init__(
        self,
        db: Database,
        kie: KieClient,
        bot: Bot,
        texts: Translator,
        *,
        admin_ids: frozenset[int],
        threshold: float,
        interval: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._kie = kie
        self._bot = bot
        self._texts = texts
        self._admin_ids = sorted(admin_ids)
        self._threshold = threshold
        self._interval = interval
        self._clock = clock
        self._lock = asyncio.Lock()  # the start-up check and a manual one must not both alert
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        """KIE_LOW_BALANCE=0 turns it off; without admins there is nobody to tell."""
        return self._threshold > 0 and bool(self._admin_ids)

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="kie-balance-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # the watch must outlive a bad moment (database busy, a bug)
                log.exception("Kie balance check failed")
            await asyncio.sleep(self._interval)

    async def check(self) -> float | None:
        """Read the balance, alert or re-arm; the balance, or None if Kie did not answer."""
        async with self._lock:
            try:
                balance = await self._kie.get_credits()
            except KieError as exc:
                log.warning("Kie balance unavailable: %r", exc)
                return None
            async with self._db.read() as repo:
                alerted = await repo.admin.get_state(ALERTED) is not None
            if balance < self._threshold and not alerted:
                if await self._tell_admins(balance):
                    async with self._db.transaction() as repo:
                        await repo.admin.set_state(ALERTED, repr(balance), now=self._clock())
            elif balance >= self._threshold and alerted:
                log.info("Kie balance recovered to %s", balance)
                async with self._db.transaction() as repo:
                    await repo.admin.clear_state(ALERTED)
            return balance

    async def _tell_admins(self, balance: float) -> bool:
        """True if at least one admin got it (otherwise the next check tries again)."""
        log.warning("Kie balance %s is below %s; telling the admins", balance, self._threshold)
        told = False
        for admin_id in self._admin_ids:
            language = await self._language_of(admin_id)
            text = self._texts(
                "admin_kie_low_balance",
                language,
                balance=format_credits(balance),
                threshold=format_credits(self._threshold),
            )
            try:
                await self._bot.send_message(chat_id=admin_id, text=text)
                told = True
            except TelegramAPIError as exc:  # an admin who never started the bot, or blocked it
                log.warning("could not tell admin %d about the Kie balance: %r", admin_id, exc)
        return told

    async def _language_of(self, user_id: int) -> str:
        async with self._db.read() as repo:
            user = await repo.users.get(user_id)
        return user.language if user else "en"
