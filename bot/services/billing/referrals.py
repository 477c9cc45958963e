"""Referrals: each user has a personal invite link (``/start ref_<code>``); a newcomer who
arrives through one is linked to its owner once, and the owner earns ``REFERRAL_BONUS``
credits when that person pays for the first time.

**Why only newcomers, and only the first payment.** Linking on the first contact only means
an existing user cannot be "re-invited" by whoever sends them a link, and nobody can link
themselves (also refused in SQL). The bonus is paid in the same transaction as the invited
user's first top-up (:meth:`ReferralService.reward`, called by the payment service), under
the ledger key ``referral:<invited user>``, so a repeated payment update, a restart, or any
later payment can never pay it again. Joining alone earns nothing: a link spread to fake
accounts is worth nothing until those accounts pay real Stars.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain import LedgerKind
from bot.storage import Database, Repositories, ledger_key
from bot.storage.growth import ReferralCounts

log = logging.getLogger(__name__)

DEEP_LINK_PREFIX = "ref_"
# Lower case letters and digits without look-alikes (0/o, 1/l): readable when typed off a
# screen, and well inside Telegram's deep-link alphabet [A-Za-z0-9_-] and 64 characters.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_CODE_LENGTH = 8  # 32^8 ≈ 10^12 codes: guessing someone's is hopeless
_CODE = re.compile(rf"[{_ALPHABET}]{{{_CODE_LENGTH}}}")


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    counts: ReferralCounts

    @property
    def start_parameter(self) -> str:
        return f"{DEEP_LINK_PREFIX}{self.code}"


@dataclass(frozen=True, slots=True)
class ReferralReward:
    """An inviter was just paid their bonus for ``invited_id``'s first payment."""

    inviter_id: int
    invited_id: int
    bonus: int
    balance: int  # the inviter's, after the bonus
    language: str


def code_from_start(argument: str | None) -> str | None:
    """The invite code in a ``/start`` argument, or None when it is none."""
    if not argument or not argument.startswith(DEEP_LINK_PREFIX):
        return None
    code = argument[len(DEEP_LINK_PREFIX) :]
    return code if _CODE.fullmatch(code) else None


class ReferralService:
    def __init__(self, db: Database, *, bonus: int, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._bonus = bonus
        self._clock = clock

    @property
    def bonus(self) -> int:
        return self._bonus

    async def invite(self, user_id: int) -> Invite:
        """The user's invite code (made on first use) and how many came through it."""
        async with self._db.read() as repo:
            code = await repo.referrals.code_of(user_id)
            counts = await repo.referrals.counts(user_id)
        while code is None:
            candidate = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
            async with self._db.transaction() as repo:
                # A draw that collides with someone's code, or a code made meanwhile by a
                # second /invite: read what the user has now and use that.
                await repo.referrals.set_code(user_id, candidate)
                code = await repo.referrals.code_of(user_id)
        return Invite(code, counts)

    async def join(self, user_id: int, code: str, *, is_new: bool) -> int | None:
        """Link a newcomer to the owner of ``code``; the inviter's id when linked now, None
        when nothing changed (not new, own code, unknown code, linked before)."""
        if not is_new:
            return None
        async with self._db.transaction() as repo:
            inviter = await repo.referrals.owner_of(code)
            if inviter is None or inviter == user_id or not await repo.referrals.link(user_id, inviter):
                return None
        log.info("user %s joined through the invite of user %s", user_id, inviter)
        return inviter

    async def reward(self, repo: Repositories, *, payer_id: int, now: float) -> ReferralReward | None:
        """Inside the transaction that records a new payment of ``payer_id``: pay the inviter's
        bonus if this is the payer's first payment ever. Never commits on its own."""
        if self._bonus <= 0:
            return None
        inviter = await repo.referrals.inviter_of(payer_id)
        # Counted after the new payment's row is written: 1 means this one is the first.
        if inviter is None or await repo.referrals.payments_of(payer_id) != 1:
            return None
        target = await repo.users.get(inviter)
        if target is None:
            return None
        outcome = await repo.ledger.apply(
            user_id=inviter,
            delta=self._bonus,
            kind=LedgerKind.REFERRAL,
            op_key=ledger_key(LedgerKind.REFERRAL, payer_id),
            now=now,
            note=f"first payment of user {payer_id}",
        )
        if not outcome.applied:
            return None
        log.info("user %s earned %d credits: user %s paid for the first time", inviter, self._bonus, payer_id)
        return ReferralReward(inviter, payer_id, self._bonus, outcome.balance, target.language)
