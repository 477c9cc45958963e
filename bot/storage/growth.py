"""SQL of referrals and promo codes (see migration 0008). Like every repository it runs
inside the caller's unit of work and never commits; the callers write these rows and the
ledger rows they cause in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import LedgerKind
from bot.storage.base import Repo
from bot.storage.records import PaymentState, PromoRecord


@dataclass(frozen=True, slots=True)
class ReferralCounts:
    joined: int  # users who came through the inviter's link
    rewarded: int  # of them, those whose first payment earned the inviter a bonus
    earned: int  # credits the inviter got for them


class ReferralRepo(Repo):
    async def code_of(self, user_id: int) -> str | None:
        row = await self._one("SELECT referral_code FROM users WHERE user_id = ?", (user_id,))
        return row["referral_code"] if row else None

    async def set_code(self, user_id: int, code: str) -> bool:
        """Give the user ``code`` unless they have one; False when the code is taken (the
        caller draws another) or the user already has a code."""
        exists = await self._one("SELECT 1 FROM users WHERE referral_code = ?", (code,))
        if exists:
            return False
        return bool(
            await self._run(
                "UPDATE users SET referral_code = ? WHERE user_id = ? AND referral_code IS NULL", (code, user_id)
            )
        )

    async def owner_of(self, code: str) -> int | None:
        row = await self._one("SELECT user_id FROM users WHERE referral_code = ?", (code,))
        return int(row["user_id"]) if row else None

    async def link(self, user_id: int, inviter_id: int) -> bool:
        """Link once: False when the user already has an inviter (or would be their own)."""
        return bool(
            await self._run(
                "UPDATE users SET referred_by = ? WHERE user_id = ? AND referred_by IS NULL AND user_id <> ?",
                (inviter_id, user_id, inviter_id),
            )
        )

    async def inviter_of(self, user_id: int) -> int | None:
        row = await self._one("SELECT referred_by FROM users WHERE user_id = ?", (user_id,))
        return int(row["referred_by"]) if row and row["referred_by"] is not None else None

    async def counts(self, inviter_id: int) -> ReferralCounts:
        row = await self._one(
            "SELECT (SELECT COUNT(*) FROM users WHERE referred_by = ?1) AS joined,"
            " COUNT(*) AS rewarded, COALESCE(SUM(delta), 0) AS earned"
            " FROM ledger WHERE user_id = ?1 AND kind = ?2",
            (inviter_id, LedgerKind.REFERRAL),
        )
        assert row is not None
        return ReferralCounts(row["joined"], row["rewarded"], row["earned"])

    async def payments_of(self, user_id: int) -> int:
        """How many payments the user ever made (refunded ones too: they were made)."""
        row = await self._one("SELECT COUNT(*) AS n FROM payments WHERE user_id = ?", (user_id,))
        assert row is not None
        return int(row["n"])


class PromoRepo(Repo):
    async def create(
        self, *, code: str, credits: int, max_uses: int, expires_at: float | None, by: int, now: float
    ) -> bool:
        """False when a code of that name exists (a code is never redefined: its uses and
        ledger keys would then mean something else)."""
        return bool(
            await self._run(
                "INSERT INTO promo_codes (code, credits, max_uses, expires_at, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(code) DO NOTHING",
                (code, credits, max_uses, expires_at, by, now),
            )
        )

    async def get(self, code: str) -> PromoRecord | None:
        row = await self._one("SELECT * FROM promo_codes WHERE code = ?", (code,))
        return PromoRecord.from_row(row) if row else None

    async def take_use(self, code: str) -> bool:
        """Count one use if any is left; False when all are taken."""
        return bool(
            await self._run("UPDATE promo_codes SET uses = uses + 1 WHERE code = ? AND uses < max_uses", (code,))
        )

    async def recent(self, limit: int) -> list[PromoRecord]:
        rows = await self._all("SELECT * FROM promo_codes ORDER BY created_at DESC, code LIMIT ?", (limit,))
        return [PromoRecord.from_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class StarTotals:
    received: int  # Stars of payments made in the period (refunded ones included)
    refunded: int  # Stars of payments refunded in the period
    topups: int  # payments made in the period


class PaymentStatsRepo(Repo):
    async def stars(self, *, since: float | None = None) -> StarTotals:
        row = await self._one(
            "SELECT"
            " COALESCE(SUM(CASE WHEN ?1 IS NULL OR paid_at >= ?1 THEN stars END), 0) AS received,"
            " COALESCE(SUM(CASE WHEN state = ?2 AND (?1 IS NULL OR refunded_at >= ?1)"
            " THEN stars END), 0) AS refunded,"
            " COALESCE(SUM(?1 IS NULL OR paid_at >= ?1), 0) AS topups"
            " FROM payments",
            (since, PaymentState.REFUNDED),
        )
        assert row is not None
        return StarTotals(row["received"], row["refunded"], row["topups"])

    async def paying_users(self) -> int:
        row = await self._one("SELECT COUNT(DISTINCT user_id) AS n FROM payments")
        assert row is not None
        return int(row["n"])
