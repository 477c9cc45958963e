"""SQL of Telegram Stars payments (see migration 0007). The callers write a payment row and
its ledger row in one transaction; these statements never commit."""

from __future__ import annotations

from bot.storage.base import Repo
from bot.storage.records import PaymentRecord, PaymentState


class PaymentRepo(Repo):
    async def record(self, *, charge_id: str, user_id: int, pack: str, stars: int, credits: int, now: float) -> bool:
        """Keep a payment once; False when this charge was recorded before (a repeated update)."""
        return bool(
            await self._run(
                "INSERT INTO payments (charge_id, user_id, pack, stars, credits, state, paid_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(charge_id) DO NOTHING",
                (charge_id, user_id, pack, stars, credits, PaymentState.PAID, now),
            )
        )

    async def get(self, charge_id: str) -> PaymentRecord | None:
        row = await self._one("SELECT * FROM payments WHERE charge_id = ?", (charge_id,))
        return PaymentRecord.from_row(row) if row else None

    async def mark_refunded(self, charge_id: str, *, taken_back: int, by: int | None, now: float) -> bool:
        """Move a paid payment to refunded; False if it was refunded already (once only)."""
        return bool(
            await self._run(
                "UPDATE payments SET state = ?, refunded_at = ?, refunded_by = ?, taken_back = ?"
                " WHERE charge_id = ? AND state = ?",
                (PaymentState.REFUNDED, now, by, taken_back, charge_id, PaymentState.PAID),
            )
        )
