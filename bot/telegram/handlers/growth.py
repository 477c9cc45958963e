"""Referrals and promo codes: /invite (the user's link and what it brought), /promo CODE;
for admins /promo_new and /promos. Deep-link joins are taken by /start (handlers/start.py);
an inviter's bonus is told by the payment handler. The rules live in
``bot.services.billing.referrals`` and ``bot.services.billing.promos``."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.errors import PromoError
from bot.services.billing.promos import PromoService
from bot.services.billing.referrals import ReferralService
from bot.storage import PromoRecord, UserRecord
from bot.telegram.filters import IsAdmin
from bot.telegram.i18n import Markup, Translator
from bot.telegram.routing import FeatureRouter


async def invite(message: Message, user: UserRecord, referrals: ReferralService, texts: Translator, bot: Bot) -> None:
    found = await referrals.invite(user.user_id)
    me = await bot.me()  # cached by aiogram after the first call
    link = f"https://t.me/{me.username}?start={found.start_parameter}"
    await message.answer(
        texts(
            "invite",
            user.language,
            url=link,
            bonus=referrals.bonus,
            joined=found.counts.joined,
            paid=found.counts.rewarded,
            earned=found.counts.earned,
        )
    )


async def promo(
    message: Message, command: CommandObject, user: UserRecord, promos: PromoService, texts: Translator
) -> None:
    args = (command.args or "").split()
    if len(args) != 1:
        raise PromoError("promo_usage")
    redeemed = await promos.redeem(user_id=user.user_id, code=args[0])
    await message.answer(
        texts("promo_redeemed", user.language, code=redeemed.code, credits=redeemed.credits, balance=redeemed.balance)
    )


# -- admins ----------------------------------------------------------------------------


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M")


async def promo_new(
    message: Message, command: CommandObject, user: UserRecord, promos: PromoService, texts: Translator
) -> None:
    made = await promos.create(admin_id=user.user_id, args=(command.args or "").split())
    await message.reply(
        texts(
            "admin_promo_created",
            user.language,
            code=made.code,
            credits=made.credits,
            uses=made.max_uses,
            expires=_expiry(texts, user.language, made, now=made.created_at),
        )
    )


def _expiry(texts: Translator, lang: str, promo: PromoRecord, *, now: float) -> Markup:
    if promo.expires_at is None:
        return texts("admin_promo_no_expiry", lang)
    key = "admin_promo_expired_at" if promo.expires_at <= now else "admin_promo_expires_at"
    return texts(key, lang, time=_when(promo.expires_at))


async def promos_list(message: Message, user: UserRecord, promos: PromoService, texts: Translator) -> None:
    found = await promos.list()
    lang = user.language
    if not found.codes:
        await message.reply(texts("admin_promos_none", lang))
        return
    lines = [
        texts(
            "admin_promos_line",
            lang,
            code=p.code,
            credits=p.credits,
            uses=p.uses,
            max=p.max_uses,
            expires=_expiry(texts, lang, p, now=found.now),
        )
        for p in found.codes
    ]
    await message.reply(texts("admin_promos", lang, list=Markup("\n".join(lines))))


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.register(invite, Command("invite", ignore_case=True))
    router.message.register(promo, Command("promo", ignore_case=True))
    return router


def setup_admin() -> Router:
    """/promo_new and /promos, for ADMIN_IDS only (anyone else falls through)."""
    router = FeatureRouter(name=f"{__name__}.admin")
    router.message.filter(IsAdmin())
    router.message.register(promo_new, Command("promo_new", ignore_case=True))
    router.message.register(promos_list, Command("promos", ignore_case=True))
    return router
