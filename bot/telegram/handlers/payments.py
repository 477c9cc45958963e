"""Buying credits with Telegram Stars: /buy → a pack's button → an invoice → pre-checkout →
successful payment → receipt. Refunds: /refundstars (admins) and Telegram's
``refunded_payment``. /paysupport and /terms, which Telegram asks every seller to have."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, LabeledPrice, Message, PreCheckoutQuery

from bot.errors import NoSuchPackError
from bot.services.billing.payments import STARS, PaymentProblemError, PaymentService, Reversal
from bot.services.operators.admin import AdminError
from bot.storage import UserRecord
from bot.telegram.filters import IsAdmin
from bot.telegram.i18n import Translator
from bot.telegram.payments import BuyMenu, BuyPack, packs_keyboard
from bot.telegram.routing import FeatureRouter

log = logging.getLogger(__name__)


async def _show_packs(message: Message, user: UserRecord, payments: PaymentService, texts: Translator) -> None:
    if not payments.packs:
        await message.answer(texts("buy_none", user.language))
        return
    await message.answer(
        texts("buy_packs", user.language), reply_markup=packs_keyboard(texts, user.language, payments.packs)
    )


async def buy(message: Message, user: UserRecord, payments: PaymentService, texts: Translator) -> None:
    await _show_packs(message, user, payments, texts)


async def buy_menu(query: CallbackQuery, user: UserRecord, payments: PaymentService, texts: Translator) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _show_packs(query.message, user, payments, texts)


async def buy_pack(
    query: CallbackQuery,
    callback_data: BuyPack,
    user: UserRecord,
    payments: PaymentService,
    texts: Translator,
    bot: Bot,
) -> None:
    try:
        pack = payments.pack(callback_data.key)
    except NoSuchPackError:
        await query.answer(texts("button_stale", user.language))
        return
    await query.answer()
    lang = user.language
    # The invoice goes where the button was; its payload names the presser, so in a group
    # nobody else can pay it (refused at pre-checkout).
    chat_id = query.message.chat.id if query.message is not None else user.user_id
    await bot.send_invoice(
        chat_id=chat_id,
        title=texts("invoice_title", lang, credits=pack.total),
        description=texts("invoice_description", lang, credits=pack.credits, bonus=pack.bonus, total=pack.total),
        payload=payments.invoice_payload(pack, user.user_id),
        currency=STARS,
        prices=[LabeledPrice(label=texts("invoice_label", lang, credits=pack.total), amount=pack.stars)],
        provider_token="",  # payments in Stars take no provider
    )


async def pre_checkout(query: PreCheckoutQuery, payments: PaymentService, texts: Translator) -> None:
    """Telegram waits at most 10 s for this answer; it is always given, also after an error."""
    try:
        verdict = await payments.check_checkout(
            payer_id=query.from_user.id,
            payload=query.invoice_payload,
            currency=query.currency,
            total=query.total_amount,
        )
    except Exception:
        await query.answer(ok=False, error_message=texts("checkout_failed", query.from_user.language_code))
        raise
    if verdict.ok:
        await query.answer(ok=True)
        return
    language = verdict.language or query.from_user.language_code
    await query.answer(ok=False, error_message=texts(f"checkout_{verdict.refusal}", language))


async def paid(message: Message, user: UserRecord, payments: PaymentService, texts: Translator, bot: Bot) -> None:
    payment = message.successful_payment
    assert payment is not None
    try:
        topup = await payments.record_payment(
            payer_id=user.user_id,
            charge_id=payment.telegram_payment_charge_id,
            payload=payment.invoice_payload,
            currency=payment.currency,
            total=payment.total_amount,
        )
    except PaymentProblemError:
        log.exception("successful payment %s not credited", payment.telegram_payment_charge_id)
        await message.answer(texts("payment_problem", user.language, charge_id=payment.telegram_payment_charge_id))
        return
    if not topup.credited:
        return  # Telegram delivered the same payment again: credited and receipted before
    await message.answer(
        texts(
            "payment_receipt",
            user.language,
            stars=topup.payment.stars,
            credits=topup.payment.credits,
            balance=topup.balance,
            charge_id=topup.payment.charge_id,
        )
    )
    reward = topup.referral
    if reward is not None:
        # A courtesy: the bonus is in the inviter's balance whether or not this arrives.
        with contextlib.suppress(TelegramAPIError):
            await bot.send_message(
                reward.inviter_id,
                texts("referral_rewarded", reward.language, bonus=reward.bonus, balance=reward.balance),
            )


async def refunded(message: Message, user: UserRecord, payments: PaymentService, texts: Translator) -> None:
    refund = message.refunded_payment
    assert refund is not None
    reversal = await payments.record_refund(charge_id=refund.telegram_payment_charge_id)
    if reversal is None or not reversal.applied:
        return  # unknown, or refunded before (e.g. by /refundstars, which told the user)
    await message.answer(_user_refund_text(texts, user.language, reversal))


def _user_refund_text(texts: Translator, language: str | None, reversal: Reversal) -> str:
    return texts(
        "payment_refunded",
        language,
        stars=reversal.payment.stars,
        taken=reversal.taken_back,
        spent=reversal.spent,
        balance=reversal.balance,
    )


async def refund_stars(
    message: Message,
    command: CommandObject,
    user: UserRecord,
    payments: PaymentService,
    texts: Translator,
    bot: Bot,
) -> None:
    args = (command.args or "").split()
    if len(args) != 1:
        raise AdminError("admin_usage_refundstars")
    reversal = await payments.refund(admin_id=user.user_id, charge_id=args[0])
    payment = reversal.payment
    await message.reply(
        texts(
            "admin_refundstars_done",
            user.language,
            stars=payment.stars,
            user_id=payment.user_id,
            taken=reversal.taken_back,
            spent=reversal.spent,
            balance=reversal.balance,
        )
    )
    if reversal.applied and payment.user_id != message.chat.id:
        buyer = await payments.language_of(payment.user_id)
        # A courtesy: the money is already back with them, whether or not this arrives.
        with contextlib.suppress(TelegramAPIError):
            await bot.send_message(payment.user_id, _user_refund_text(texts, buyer, reversal))


async def pay_support(message: Message, user: UserRecord, texts: Translator) -> None:
    await message.answer(texts("paysupport", user.language))


async def terms(message: Message, user: UserRecord, texts: Translator) -> None:
    await message.answer(texts("terms", user.language))


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.register(buy, Command("buy", ignore_case=True))
    router.message.register(pay_support, Command("paysupport", ignore_case=True))
    router.message.register(terms, Command("terms", ignore_case=True))
    router.message.register(paid, F.successful_payment)
    router.message.register(refunded, F.refunded_payment)
    router.callback_query.register(buy_menu, BuyMenu.filter())
    router.callback_query.register(buy_pack, BuyPack.filter())
    router.pre_checkout_query.register(pre_checkout)
    return router


def setup_admin() -> Router:
    """/refundstars, for ADMIN_IDS only (anyone else falls through, as for other admin commands)."""
    router = FeatureRouter(name=f"{__name__}.admin")
    router.message.filter(IsAdmin())
    router.message.register(refund_stars, Command("refundstars", ignore_case=True))
    return router
