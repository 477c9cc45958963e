"""Promo codes: an admin makes a code worth some credits for a number of uses, optionally
until a date; a user redeems it once with ``/promo CODE``.

**Money rules.** Redeeming is one transaction: the code is read, the user's earlier use is
looked for (ledger key ``promo:<CODE>:<user>``), one use is taken only while some are left
(``uses < max_uses`` in the UPDATE itself), and the ledger row is written. So two users
racing for the last use cannot both get it, a user cannot redeem twice (also not by a
repeated update), and a failure anywhere leaves the use count untouched. Codes are case
insensitive (stored upper case) and never redefined: a code's ledger keys must keep
meaning the same code.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain import LedgerKind
from bot.errors import PromoError
from bot.storage import Database, PromoRecord, ledger_key

log = logging.getLogger(__name__)

DAY = 86_400.0
MAX_CREDITS = 100_000  # per use; more is surely a typo
MAX_USES = 1_000_000
MAX_DAYS = 3_650
LISTED = 20  # /promos shows the newest codes
_CODE = re.compile(r"[A-Z0-9_-]{3,32}")
_NUMBER = re.compile(r"\d{1,9}")


def normalise(code: str) -> str:
    return code.strip().upper()


@dataclass(frozen=True, slots=True)
class Redemption:
    code: str
    credits: int
    balance: int


@dataclass(frozen=True, slots=True)
class PromoList:
    codes: list[PromoRecord]
    now: float


class PromoService:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    # -- admins -------------------------------------------------------------------------

    async def create(self, *, admin_id: int, args: list[str]) -> PromoRecord:
        """``CODE CREDITS USES [DAYS]`` as typed after /promo_new."""
        if len(args) not in (3, 4):
            raise PromoError("admin_promo_usage")
        code = normalise(args[0])
        if not _CODE.fullmatch(code):
            raise PromoError("admin_promo_bad_code", value=args[0])
        credits = _number(args[1], MAX_CREDITS)
        uses = _number(args[2], MAX_USES)
        days = _number(args[3], MAX_DAYS) if len(args) == 4 else None
        now = self._clock()
        expires_at = now + days * DAY if days is not None else None
        async with self._db.transaction() as repo:
            if not await repo.promos.create(
                code=code, credits=credits, max_uses=uses, expires_at=expires_at, by=admin_id, now=now
            ):
                raise PromoError("admin_promo_exists", code=code)
            promo = await repo.promos.get(code)
        assert promo is not None
        log.info("admin %d made promo code %s: %d credits, %d uses, %s days", admin_id, code, credits, uses, days)
        return promo

    async def list(self) -> PromoList:
        async with self._db.read() as repo:
            codes = await repo.promos.recent(LISTED)
        return PromoList(codes, self._clock())

    # -- users --------------------------------------------------------------------------

    async def redeem(self, *, user_id: int, code: str) -> Redemption:
        typed = code
        code = normalise(code)
        if not _CODE.fullmatch(code):
            raise PromoError("promo_unknown", code=typed)
        now = self._clock()
        op_key = ledger_key(LedgerKind.PROMO, code, user_id)
        async with self._db.transaction() as repo:
            promo = await repo.promos.get(code)
            if promo is None:
                raise PromoError("promo_unknown", code=typed)
            if await repo.admin.ledger_entry(op_key) is not None:
                raise PromoError("promo_already", code=code)
            if promo.expires_at is not None and now >= promo.expires_at:
                raise PromoError("promo_expired", code=code)
            if not await repo.promos.take_use(code):
                raise PromoError("promo_used_up", code=code)
            # An error from here on rolls the use back with everything else.
            outcome = await repo.ledger.apply(
                user_id=user_id, delta=promo.credits, kind=LedgerKind.PROMO, op_key=op_key, now=now
            )
        log.info("user %d redeemed promo code %s (%d credits)", user_id, code, promo.credits)
        return Redemption(code, promo.credits, outcome.balance)


def _number(text: str, limit: int) -> int:
    if not _NUMBER.fullmatch(text) or not 0 < int(text) <= limit:
        raise PromoError("admin_promo_bad_number", value=text, limit=limit)
    return int(text)
