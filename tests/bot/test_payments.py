"""Telegram Stars top-ups through the fake Bot API: /buy → a pack's button → an invoice in
XTR → pre-checkout → successful payment (credited once per charge id, one receipt);
forged and stale invoices refused at pre-checkout; refunds once, by an admin or by
Telegram's refunded_payment; the "not enough credits" answer and /balance offer to buy."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
from aiogram.types import Update

from bot.catalog import CreditPack, parse_catalog
from bot.domain import LedgerKind
from bot.storage import PaymentState
from tests.bot.test_russian_journey import assert_russian
from tests.conftest import send

ALICE = 1001
IVAN = 2001
ADMIN = 9001
SMALL = CreditPack(key="small", stars=50, credits=25)  # as in the built-in catalog


async def feed(app: Any, raw: dict[str, Any]) -> None:
    await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))


def buttons(call: Any) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def buy_small(app: Any, telegram: Any, user_id: int = ALICE, language_code: str = "en") -> dict[str, Any]:
    """/buy, press the first pack's button; returns the sendInvoice call's params."""
    await send(app, telegram, "/buy", user_id=user_id, language_code=language_code)
    shown = telegram.calls_of("sendMessage", ok=True)[-1]
    packs = buttons(shown)
    assert len(packs) == 3 and "⭐ 50" in packs[0]["text"]
    await feed(app, telegram.callback_update(packs[0]["callback_data"], user_id=user_id, language_code=language_code))
    return dict(telegram.calls_of("sendInvoice", ok=True)[-1].params)


def answers(telegram: Any) -> list[dict[str, Any]]:
    return list(telegram.pre_checkout_answers.values())


async def test_buy_pay_and_a_repeated_payment_credits_once(make_app, fake_telegram):
    app = await make_app(starting_credits=10)
    invoice = await buy_small(app, fake_telegram)
    assert invoice["currency"] == "XTR" and len(invoice["prices"]) == 1
    assert invoice["prices"][0]["amount"] == 50
    assert not invoice.get("provider_token")
    assert invoice["title"] == "25 credits"
    payload = invoice["payload"]
    assert "small" in payload and str(ALICE) in payload

    await feed(app, fake_telegram.pre_checkout_update(payload, 50))
    assert answers(fake_telegram) == [{"ok": True, "error_message": None}]

    paid = fake_telegram.successful_payment_update(payload, 50, charge_id="stxCHARGE1")
    again = fake_telegram.successful_payment_update(payload, 50, charge_id="stxCHARGE1")
    before = len(fake_telegram.calls_of("sendMessage", ok=True))
    await feed(app, paid)
    await feed(app, again)
    assert await app.credits.balance(ALICE) == 35
    receipts = fake_telegram.calls_of("sendMessage", ok=True)[before:]
    assert len(receipts) == 1
    assert "25</b> credits were added" in receipts[0].params["text"] and "<b>35</b>" in receipts[0].params["text"]
    async with app.db.read() as repo:
        entries = [e for e in await repo.ledger.entries(ALICE) if e.kind is LedgerKind.TOPUP]
        payment = await repo.payments.get("stxCHARGE1")
    assert [(e.delta, e.op_key) for e in entries] == [(25, "topup:stxCHARGE1")]
    assert payment is not None and (payment.stars, payment.pack, payment.user_id) == (50, "small", ALICE)


async def test_pre_checkout_allowed_updates_include_it(make_app):
    app = await make_app()
    assert "pre_checkout_query" in app.dispatcher.resolve_used_update_types()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p.replace(":50:", ":5:"),  # a cheaper price, signature kept
        lambda p: p.replace(":25:", ":2500:"),  # more credits
        lambda p: p[:-2] + ("AA" if not p.endswith("AA") else "BB"),  # a bad signature
        lambda p: "garbage",
        lambda p: "v1:small:1001:50:25",  # unsigned
    ],
)
async def test_forged_payloads_are_refused_at_pre_checkout(make_app, fake_telegram, tamper):
    app = await make_app()
    invoice = await buy_small(app, fake_telegram)
    forged = tamper(invoice["payload"])
    await feed(app, fake_telegram.pre_checkout_update(forged, 50))
    [answer] = answers(fake_telegram)
    assert answer["ok"] is False and "not valid" in answer["error_message"]
    # And a payment reported with such a payload (cannot happen after a refusal) credits nothing.
    await feed(app, fake_telegram.successful_payment_update(forged, 50, charge_id="stxFORGED"))
    assert await app.credits.balance(ALICE) == 10


async def test_someone_elses_invoice_and_a_banned_user_are_refused(make_app, fake_telegram):
    app = await make_app(admin_ids=frozenset({ADMIN}))
    invoice = await buy_small(app, fake_telegram)
    await feed(app, fake_telegram.pre_checkout_update(invoice["payload"], 50, user_id=IVAN, language_code="ru"))
    await send(app, fake_telegram, f"/ban {ALICE}", user_id=ADMIN)
    await feed(app, fake_telegram.pre_checkout_update(invoice["payload"], 50))
    other, banned = answers(fake_telegram)
    assert other["ok"] is False and "другому" in other["error_message"]
    assert banned["ok"] is False and "not available" in banned["error_message"]


async def test_a_stale_pack_is_refused_at_pre_checkout(make_app, fake_telegram, tmp_path):
    # The operator raised the small pack's price after an invoice went out at the old one.
    text = (resources.files("bot.catalog") / "catalog.toml").read_text("utf-8")
    changed = text.replace("[packs.small]\nstars = 50", "[packs.small]\nstars = 60")
    assert parse_catalog(changed).packs["small"].stars == 60
    path = tmp_path / "catalog.toml"
    path.write_text(changed, "utf-8")
    app = await make_app(catalog_path=path)
    await send(app, fake_telegram, "/start")
    old_invoice = app.payments.invoice_payload(SMALL, ALICE)  # signed by us, at the old terms
    await feed(app, fake_telegram.pre_checkout_update(old_invoice, 50))
    [answer] = answers(fake_telegram)
    assert answer["ok"] is False and "/buy" in answer["error_message"] and "changed" in answer["error_message"]
    # A removed pack likewise.
    gone = app.payments.invoice_payload(CreditPack(key="huge", stars=9000, credits=5000), ALICE)
    await feed(app, fake_telegram.pre_checkout_update(gone, 9000))
    assert answers(fake_telegram)[1]["ok"] is False


async def pay(app: Any, telegram: Any, charge: str, user_id: int = ALICE) -> None:
    payload = app.payments.invoice_payload(SMALL, user_id)
    await feed(app, telegram.successful_payment_update(payload, 50, charge_id=charge, user_id=user_id))


async def test_an_admin_refunds_a_charge_once(make_app, fake_telegram):
    app = await make_app(admin_ids=frozenset({ADMIN}), starting_credits=0)
    await pay(app, fake_telegram, "stxREFUND1")
    assert await app.credits.balance(ALICE) == 25
    # Alice spends 4 of them on two pictures.
    await send(app, fake_telegram, "/image a fox")
    await send(app, fake_telegram, "/image a cat")
    assert await app.credits.balance(ALICE) == 21

    await send(app, fake_telegram, "/refundstars stxREFUND1", user_id=ADMIN)
    reply = fake_telegram.calls_of("sendMessage", ok=True)
    done = [c for c in reply if c.chat_id == ADMIN][-1].params["text"]
    assert "refunded to user 1001" in done and "Took back 21 credits" in done and "already spent 4" in done
    told = [c for c in reply if c.chat_id == ALICE][-1].params["text"]
    assert "were refunded to you" in told
    assert await app.credits.balance(ALICE) == 0

    await send(app, fake_telegram, "/refundstars stxREFUND1", user_id=ADMIN)
    again = [c for c in fake_telegram.calls_of("sendMessage", ok=True) if c.chat_id == ADMIN][-1].params["text"]
    assert "refunded already" in again
    assert len(fake_telegram.calls_of("refundStarPayment")) == 1
    assert fake_telegram.refunded_charges == {"stxREFUND1"}

    # Telegram then reports the refund it made: nothing changes, nothing more is said.
    sent = len(fake_telegram.calls_of("sendMessage"))
    await feed(app, refunded_update(fake_telegram, "stxREFUND1"))
    assert len(fake_telegram.calls_of("sendMessage")) == sent
    async with app.db.read() as repo:
        reversals = [e for e in await repo.ledger.entries(ALICE) if e.kind is LedgerKind.TOPUP_REVERSAL]
        payment = await repo.payments.get("stxREFUND1")
    assert [(e.delta, e.op_key, e.actor_id) for e in reversals] == [(-21, "topup_reversal:stxREFUND1", ADMIN)]
    assert payment is not None and payment.state is PaymentState.REFUNDED and payment.taken_back == 21

    # An unknown charge, and a non-admin: nothing is refunded.
    await send(app, fake_telegram, "/refundstars stxNOPE", user_id=ADMIN)
    assert "No payment" in fake_telegram.calls_of("sendMessage", ok=True)[-1].params["text"]
    await send(app, fake_telegram, "/refundstars stxREFUND1")
    assert len(fake_telegram.calls_of("refundStarPayment")) == 1


def refunded_update(telegram: Any, charge: str, user_id: int = ALICE, language_code: str = "en") -> dict[str, Any]:
    """Bot API 7.10+: a service message with ``refunded_payment`` (the fake has no helper)."""
    update = telegram.message_update("x", user_id=user_id, language_code=language_code)
    message = update["message"]
    del message["text"]
    message["refunded_payment"] = {
        "currency": "XTR",
        "total_amount": 50,
        "invoice_payload": "p",
        "telegram_payment_charge_id": charge,
    }
    return update


async def test_a_refund_reported_by_telegram_takes_the_credits_back_once(make_app, fake_telegram):
    app = await make_app(starting_credits=3)
    await pay(app, fake_telegram, "stxTG1")
    assert await app.credits.balance(ALICE) == 28
    await feed(app, refunded_update(fake_telegram, "stxTG1"))
    await feed(app, refunded_update(fake_telegram, "stxTG1"))
    assert await app.credits.balance(ALICE) == 3
    told = [c for c in fake_telegram.calls_of("sendMessage", ok=True) if "refunded to you" in c.params["text"]]
    assert len(told) == 1
    assert not fake_telegram.calls_of("refundStarPayment")
    # A refund of a charge never recorded here changes nothing.
    await feed(app, refunded_update(fake_telegram, "stxUNKNOWN"))
    assert await app.credits.balance(ALICE) == 3


async def test_not_enough_credits_and_balance_offer_to_buy(make_app, fake_telegram):
    app = await make_app(starting_credits=1)
    await send(app, fake_telegram, "/video the sea")
    refusal = fake_telegram.calls_of("sendMessage", ok=True)[-1]
    assert "Nothing was charged" in refusal.params["text"]
    [button] = buttons(refusal)
    await send(app, fake_telegram, "/balance")
    [balance_button] = buttons(fake_telegram.calls_of("sendMessage", ok=True)[-1])
    assert button == balance_button and "Buy" in button["text"]
    # The button opens the packs.
    await feed(app, fake_telegram.callback_update(button["callback_data"]))
    assert len(buttons(fake_telegram.calls_of("sendMessage", ok=True)[-1])) == 3


async def test_a_russian_user_buys_in_russian(make_app, fake_telegram):
    app = await make_app(starting_credits=10)
    invoice = await buy_small(app, fake_telegram, user_id=IVAN, language_code="ru")
    packs = fake_telegram.calls_of("sendMessage", ok=True)[-1]
    assert_russian(packs.params["text"])
    for button in buttons(packs):
        assert "кредит" in button["text"]
    assert invoice["title"] == "25 кредитов"
    assert_russian(invoice["description"])
    assert invoice["prices"][0]["label"] == "25 кредитов"
    await feed(app, fake_telegram.pre_checkout_update(invoice["payload"], 50, user_id=IVAN, language_code="ru"))
    await feed(
        app,
        fake_telegram.successful_payment_update(
            invoice["payload"], 50, charge_id="stxRU1", user_id=IVAN, language_code="ru"
        ),
    )
    receipt = fake_telegram.calls_of("sendMessage", ok=True)[-1].params["text"]
    assert "Начислено <b>25</b> кредитов" in receipt and "<b>35</b> кредитов" in receipt
    assert_russian(receipt)
    for command in ("/paysupport", "/terms"):
        await send(app, fake_telegram, command, user_id=IVAN, language_code="ru")
        assert_russian(fake_telegram.calls_of("sendMessage", ok=True)[-1].params["text"])
    # A stale invoice is refused in Russian too.
    stale = app.payments.invoice_payload(CreditPack(key="small", stars=40, credits=25), IVAN)
    await feed(app, fake_telegram.pre_checkout_update(stale, 40, user_id=IVAN, language_code="ru"))
    refusal = answers(fake_telegram)[-1]
    assert refusal["ok"] is False
    assert_russian(refusal["error_message"])


async def test_a_payment_by_a_user_banned_after_checkout_is_still_credited(make_app, fake_telegram):
    app = await make_app(admin_ids=frozenset({ADMIN}))
    await send(app, fake_telegram, "/start")
    await send(app, fake_telegram, f"/ban {ALICE}", user_id=ADMIN)
    await pay(app, fake_telegram, "stxBANNED")
    assert await app.credits.balance(ALICE) == 35


async def test_a_crash_between_the_payment_row_and_the_ledger_row_loses_nothing(make_app, fake_telegram, monkeypatch):
    """Both rows are one transaction: a failure after the payment row rolls it back, and
    Telegram's redelivery (the inbox handles it again at the next start) credits once."""
    from bot.storage.repositories import LedgerRepo

    app = await make_app(starting_credits=0)
    await send(app, fake_telegram, "/start")
    real_apply = LedgerRepo.apply

    async def crash(self: LedgerRepo, **kwargs: Any) -> Any:
        raise RuntimeError("power cut")

    monkeypatch.setattr(LedgerRepo, "apply", crash)
    payload = app.payments.invoice_payload(SMALL, ALICE)
    with pytest.raises(RuntimeError):
        await app.payments.record_payment(
            payer_id=ALICE, charge_id="stxCRASH", payload=payload, currency="XTR", total=50
        )
    async with app.db.read() as repo:
        assert await repo.payments.get("stxCRASH") is None
    monkeypatch.setattr(LedgerRepo, "apply", real_apply)
    for _ in range(2):
        await feed(app, fake_telegram.successful_payment_update(payload, 50, charge_id="stxCRASH"))
    assert await app.credits.balance(ALICE) == 25
