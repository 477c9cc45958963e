"""Telegram Stars top-ups: credit packs sold by invoice, checked at pre-checkout, credited
once per charge, and refunded once.

**Invoice payloads are signed, not stored.** A payload reads
``v1:<pack>:<user>:<stars>:<credits>:<signature>``, the signature being the first 16 bytes
of HMAC-SHA256 over the rest, keyed with a key derived from the bot token
(:func:`payload_key`). So nothing has to be written when an invoice is sent (most are never
paid), a restart forgets nothing, and nobody without the token can make a payload that
names another pack, price, amount or user: Telegram hands the payload back verbatim, and
anything not signed by us is refused at pre-checkout. A new token makes invoices sent
before it invalid (refused at checkout; the buyer presses /buy again), which is the safe way
round. The payload carries the credits too: it is the contract of what was sold, so a pack
edited between the pre-checkout answer and the payment still credits what the buyer saw.

**Money rules.** A payment row (unique Telegram charge id) and its ledger row
(``topup:<charge id>``) are written in one transaction, so a repeated update, a restart or
a crash between steps credits exactly once. A refund moves the row ``paid → refunded`` and
takes back what is left of its credits (``topup_reversal:<charge id>``, never below zero) in
one transaction; a charge already refunded is refused before Telegram is asked again.
The first payment of a user who came through an invite pays the inviter's bonus in that
same transaction (see ``bot.services.billing.referrals``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.catalog import Catalog, CreditPack
from bot.domain import LedgerKind
from bot.errors import AlreadyRefundedError, NoSuchPackError, PaymentNotFoundError
from bot.services.billing.referrals import ReferralReward, ReferralService
from bot.services.ports import ChargeAlreadyRefundedError, StarsRefunder
from bot.storage import Database, PaymentRecord, PaymentState, ledger_key

log = logging.getLogger(__name__)

STARS = "XTR"  # Telegram's currency code for Stars
_VERSION = "v1"
_SIGNATURE_BYTES = 16  # 128 bits: unforgeable, and the payload stays far below Telegram's 128 bytes


def payload_key(bot_token: str) -> bytes:
    """The payload signing key, derived from the bot token (a secret only Telegram and we
    hold), so no other secret has to be configured; domain-separated from any other use."""
    return hmac.new(b"kie-bot/stars-invoice-payload/v1", bot_token.encode(), hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class InvoiceTerms:
    """What one invoice sells, as signed into its payload."""

    pack: str
    user_id: int
    stars: int
    credits: int  # credits + bonus


class CheckoutRefusal(StrEnum):
    INVALID = "invalid"  # malformed or forged payload, wrong currency or amount
    PACK_CHANGED = "pack_changed"  # the pack is gone, or its price or credits changed
    WRONG_PAYER = "wrong_payer"  # the invoice was made for someone else
    BANNED = "banned"
    UNKNOWN_USER = "unknown_user"


@dataclass(frozen=True, slots=True)
class CheckoutVerdict:
    refusal: CheckoutRefusal | None
    language: str | None  # the payer's stored language, when known

    @property
    def ok(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class TopUp:
    credited: bool  # False: this charge was credited before (a repeated update)
    payment: PaymentRecord
    balance: int
    referral: ReferralReward | None = None  # the inviter was paid their bonus with this payment


@dataclass(frozen=True, slots=True)
class Reversal:
    applied: bool  # False: the payment was refunded before; nothing changed now
    payment: PaymentRecord
    taken_back: int  # credits taken back now
    balance: int

    @property
    def spent(self) -> int:
        """Credits of the payment the user had already used (not taken back)."""
        return self.payment.credits - self.taken_back


class PaymentProblemError(Exception):
    """A successful payment whose payload we cannot honour (unsigned, or not matching the
    charge). Telegram only reports payments we approved at pre-checkout, so this means a
    changed bot token or a bug: it is logged for the operator, who can refund it."""


class PaymentService:
    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        refunder: StarsRefunder,
        *,
        key: bytes,
        referrals: ReferralService | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._referrals = referrals
        self._catalog = catalog
        self._refunder = refunder
        self._key = key
        self._clock = clock
        # One refund at a time: a double-pressed /refundstars asks Telegram once.
        self._refund_lock = asyncio.Lock()

    # -- invoices ---------------------------------------------------------------------------

    @property
    def packs(self) -> list[CreditPack]:
        return list(self._catalog.packs.values())

    def pack(self, key: str) -> CreditPack:
        pack = self._catalog.packs.get(key)
        if pack is None:
            raise NoSuchPackError(key)
        return pack

    def invoice_payload(self, pack: CreditPack, user_id: int) -> str:
        body = f"{_VERSION}:{pack.key}:{user_id}:{pack.stars}:{pack.total}"
        return f"{body}:{self._sign(body)}"

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def read_payload(self, payload: str) -> InvoiceTerms | None:
        """The terms of a payload we signed; None for anything else (malformed or forged)."""
        body, _, signature = payload.rpartition(":")
        if not body or not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            return None
        parts = body.split(":")
        if len(parts) != 5 or parts[0] != _VERSION:
            return None
        try:
            return InvoiceTerms(pack=parts[1], user_id=int(parts[2]), stars=int(parts[3]), credits=int(parts[4]))
        except ValueError:
            return None

    # -- pre-checkout -----------------------------------------------------------------------

    async def check_checkout(self, *, payer_id: int, payload: str, currency: str, total: int) -> CheckoutVerdict:
        """Whether Telegram may take the payer's Stars for this invoice now."""
        async with self._db.read() as repo:
            user = await repo.users.get(payer_id)
        language = user.language if user else None

        def refuse(reason: CheckoutRefusal) -> CheckoutVerdict:
            log.info("pre-checkout of user %s refused: %s", payer_id, reason)
            return CheckoutVerdict(reason, language)

        terms = self.read_payload(payload)
        if terms is None or currency != STARS or total != terms.stars:
            return refuse(CheckoutRefusal.INVALID)
        if terms.user_id != payer_id:
            return refuse(CheckoutRefusal.WRONG_PAYER)
        pack = self._catalog.packs.get(terms.pack)
        # A price or amount changed since the invoice was sent: never sell at the old terms.
        if pack is None or pack.stars != terms.stars or pack.total != terms.credits:
            return refuse(CheckoutRefusal.PACK_CHANGED)
        if user is None:
            return refuse(CheckoutRefusal.UNKNOWN_USER)
        if user.is_banned:
            return refuse(CheckoutRefusal.BANNED)
        return CheckoutVerdict(None, language)

    # -- payments ---------------------------------------------------------------------------

    async def record_payment(self, *, payer_id: int, charge_id: str, payload: str, currency: str, total: int) -> TopUp:
        """Credit a successful payment exactly once per Telegram charge id. The payment row
        and the ledger row are one transaction: both are there, or neither."""
        terms = self.read_payload(payload)
        if terms is None or currency != STARS or total != terms.stars or terms.user_id != payer_id:
            raise PaymentProblemError(f"payment {charge_id} of user {payer_id} ({total} {currency}): bad payload")
        now = self._clock()
        referral = None
        async with self._db.transaction() as repo:
            new = await repo.payments.record(
                charge_id=charge_id,
                user_id=payer_id,
                pack=terms.pack,
                stars=terms.stars,
                credits=terms.credits,
                now=now,
            )
            if new:
                outcome = await repo.ledger.apply(
                    user_id=payer_id,
                    delta=terms.credits,
                    kind=LedgerKind.TOPUP,
                    op_key=ledger_key(LedgerKind.TOPUP, charge_id),
                    now=now,
                    note=f"pack:{terms.pack} stars:{terms.stars}",
                )
                balance = outcome.balance
                if self._referrals is not None:
                    referral = await self._referrals.reward(repo, payer_id=payer_id, now=now)
            else:
                balance = await repo.ledger.balance(payer_id)
            payment = await repo.payments.get(charge_id)
        assert payment is not None
        if new:
            log.info("payment %s: user %s bought %s (%d stars)", charge_id, payer_id, terms.pack, terms.stars)
        return TopUp(credited=new, payment=payment, balance=balance, referral=referral)

    async def language_of(self, user_id: int) -> str | None:
        async with self._db.read() as repo:
            user = await repo.users.get(user_id)
        return user.language if user else None

    # -- refunds ----------------------------------------------------------------------------

    async def refund(self, *, admin_id: int, charge_id: str) -> Reversal:
        """An operator's refund: the Stars go back through Telegram, then what is left of the
        credits is taken back. A charge refunded before is refused without asking Telegram."""
        async with self._refund_lock:
            async with self._db.read() as repo:
                payment = await repo.payments.get(charge_id)
            if payment is None:
                raise PaymentNotFoundError(charge_id)
            if payment.state is PaymentState.REFUNDED:
                raise AlreadyRefundedError(charge_id, payment.user_id, payment.stars)
            try:
                await self._refunder.refund_stars(payment.user_id, charge_id)
            except ChargeAlreadyRefundedError:
                # Refunded at Telegram but not here (a crash right after the call, or the
                # refund came from elsewhere): record it now, the ledger key keeps it once.
                log.warning("payment %s was already refunded at Telegram; recording it", charge_id)
            reversal = await self._reverse(charge_id, by=admin_id)
        assert reversal is not None
        return reversal

    async def record_refund(self, *, charge_id: str) -> Reversal | None:
        """Telegram reports a refunded payment (``refunded_payment``): take the credits back
        once; None when we never recorded this charge. No refund call: it is done."""
        reversal = await self._reverse(charge_id, by=None)
        if reversal is None:
            log.warning("Telegram refunded payment %s, which was never recorded here", charge_id)
        return reversal

    async def _reverse(self, charge_id: str, *, by: int | None) -> Reversal | None:
        now = self._clock()
        async with self._db.transaction() as repo:
            payment = await repo.payments.get(charge_id)
            if payment is None:
                return None
            if payment.state is PaymentState.REFUNDED:
                balance = await repo.ledger.balance(payment.user_id)
                return Reversal(applied=False, payment=payment, taken_back=payment.taken_back or 0, balance=balance)
            balance = await repo.ledger.balance(payment.user_id)
            # Credits already spent on generations cannot come back: take what is left.
            taken = min(payment.credits, balance)
            if taken > 0:
                balance = (
                    await repo.ledger.apply(
                        user_id=payment.user_id,
                        delta=-taken,
                        kind=LedgerKind.TOPUP_REVERSAL,
                        op_key=ledger_key(LedgerKind.TOPUP_REVERSAL, charge_id),
                        now=now,
                        actor_id=by,
                        note=f"refund of {payment.stars} stars",
                    )
                ).balance
            await repo.payments.mark_refunded(charge_id, taken_back=taken, by=by, now=now)
            payment = await repo.payments.get(charge_id)
        assert payment is not None
        log.info("payment %s refunded (by %s): %d credits taken back", charge_id, by or "Telegram", taken)
        return Reversal(applied=True, payment=payment, taken_back=taken, balance=balance)
