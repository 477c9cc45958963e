"""The bot's own vocabulary, shared by every layer: what users ask for, how a file reached
them, why a balance changed. Kie's vocabulary (families, media kinds) comes from ``kie``."""

from __future__ import annotations

from enum import StrEnum

from kie import Family, MediaKind

__all__ = ["DeliveryMethod", "Family", "Kind", "LedgerKind", "MediaKind"]


class Kind(StrEnum):
    """What a user asks for; each has its own command for the default model."""

    IMAGE = "image"
    VIDEO = "video"
    SONG = "song"

    @property
    def media(self) -> MediaKind:
        return {Kind.IMAGE: MediaKind.IMAGE, Kind.VIDEO: MediaKind.VIDEO, Kind.SONG: MediaKind.AUDIO}[self]


class DeliveryMethod(StrEnum):
    """How a result file reached the chat: the rungs of the delivery ladder."""

    PHOTO = "photo"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    LINK = "link"


class LedgerKind(StrEnum):
    """Why a balance changed (one ledger row each)."""

    WELCOME = "welcome"  # the starting credits, once per user
    DEBIT = "debit"  # a request charged
    REFUND = "refund"  # a request's credits given back
    GRANT = "grant"  # an operator's /grant, either way
    TOPUP = "topup"  # bought credits (a Telegram Stars payment)
    TOPUP_REVERSAL = "topup_reversal"  # a refunded payment's credits taken back (what is left of them)
    REFERRAL = "referral"  # an inviter's bonus for a person's first payment, once per person
    PROMO = "promo"  # a promo code redeemed, once per code and user
    DAILY = "daily"  # free daily credits (FREE_DAILY_CREDITS), at most once per user per UTC day
