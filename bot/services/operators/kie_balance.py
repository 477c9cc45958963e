"""Tells the admins when the Kie account runs low, once per drop.

Every ``interval`` seconds (and right after start) Kie's balance is read. Below
``threshold`` every admin gets one message; nobody is told again until the balance has
recovered to the threshold or above and then dropped again.

"Already told" is kept in SQLite (``bot_state``), not in memory: a restart, a deploy or a
crash loop while the balance stays low must not repeat the alert every time. The alerts are
outbox notices written in the same transaction, so an admin unreachable for a moment still
gets theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.services.messaging.notifier import Notifier
from bot.services.ports import NoticeKind
from bot.storage import Database
from kie import KieClient, KieError

log = logging.getLogger(__name__)

ALERTED = "kie_low_balance_alerted"


class KieBalanceWatch:
    def __init__(
        self,
        db: Database,
        kie: KieClient,
        notifier: Notifier,
        *,
        admin_ids: frozenset[int],
        threshold: float,
        interval: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._kie = kie
        self._notifier = notifier
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
                await self._tell_admins(balance)
            elif balance >= self._threshold and alerted:
                log.info("Kie balance recovered to %s", balance)
                async with self._db.transaction() as repo:
                    await repo.admin.clear_state(ALERTED)
            return balance

    async def _tell_admins(self, balance: float) -> None:
        log.warning("Kie balance %s is below %s; telling the admins", balance, self._threshold)
        async with self._db.transaction() as repo:
            notices = []
            for admin_id in self._admin_ids:
                admin = await repo.users.get(admin_id)
                language = admin.language if admin else "en"
                notices.append(
                    await self._notifier.record_direct(
                        repo, admin_id, language, NoticeKind.KIE_BALANCE_LOW, balance=balance, threshold=self._threshold
                    )
                )
            await repo.admin.set_state(ALERTED, repr(balance), now=self._clock())
        for notice in notices:
            await self._notifier.send(notice)
