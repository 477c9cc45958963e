"""Referrals, promo codes, free daily credits and the payment figures of /stats, through
the fake Bot API: an inviter is rewarded once, on the invited user's first payment only;
a promo code works once per user, not past its uses or its expiry; daily credits top up
once a day and never pile up; a Russian user reads all of it in Russian."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from bot.app import Tuning
from bot.domain import LedgerKind
from bot.errors import PromoError
from tests.bot.test_payments import SMALL, feed, refunded_update
from tests.bot.test_russian_journey import assert_russian
from tests.conftest import send

ALICE, BOB, CAROL, DAVE = 1001, 1002, 1003, 1004
IVAN, OLGA = 2001, 2002
ADMIN = 9001
DAY = 86_400.0
NAMES = {ALICE: "alice", BOB: "bob", CAROL: "carol", DAVE: "dave", IVAN: "ivan", OLGA: "olga", ADMIN: "boss"}


async def say(app: Any, telegram: Any, user_id: int, text: str, language_code: str = "en") -> str:
    """``text`` from ``user_id``; returns the text of the bot's last message to them."""
    await send(app, telegram, text, user_id=user_id, username=NAMES[user_id], language_code=language_code)
    return last_text(telegram, user_id)


def last_text(telegram: Any, chat_id: int) -> str:
    sent = [c for c in telegram.calls_of("sendMessage", ok=True) if c.chat_id == chat_id]
    return str(sent[-1].params["text"]) if sent else ""


async def invite_link(app: Any, telegram: Any, user_id: int, language_code: str = "en") -> tuple[str, str]:
    """/invite: (the link, the start argument in it)."""
    text = await say(app, telegram, user_id, "/invite", language_code)
    match = re.search(r"https://t\.me/kie_test_bot\?start=(ref_[a-z0-9]+)", text)
    assert match, text
    return match.group(0), match.group(1)


async def pay(app: Any, telegram: Any, user_id: int, charge: str) -> None:
    payload = app.payments.invoice_payload(SMALL, user_id)
    await feed(app, telegram.successful_payment_update(payload, 50, charge_id=charge, user_id=user_id))


async def entries(app: Any, user_id: int, kind: LedgerKind) -> list[tuple[int, str]]:
    async with app.db.read() as repo:
        return [(e.delta, e.op_key) for e in await repo.ledger.entries(user_id) if e.kind is kind]


# -- referrals ---------------------------------------------------------------------------


async def test_an_inviter_is_rewarded_once_on_the_first_payment_only(make_app, fake_telegram):
    app = await make_app(starting_credits=10, referral_bonus=7)
    link, start = await invite_link(app, fake_telegram, ALICE)
    assert "Joined through your link: <b>0</b>" in last_text(fake_telegram, ALICE)
    assert "you get <b>7</b> credits" in last_text(fake_telegram, ALICE)
    # The same link every time.
    assert (await invite_link(app, fake_telegram, ALICE))[0] == link

    await say(app, fake_telegram, BOB, f"/start {start}")
    assert "Hi, " in last_text(fake_telegram, BOB)  # greeted as any newcomer
    # Joining alone earns nothing.
    assert await app.credits.balance(ALICE) == 10
    await say(app, fake_telegram, ALICE, "/invite")
    assert "Joined through your link: <b>1</b>; made a purchase: <b>0</b>" in last_text(fake_telegram, ALICE)

    told_before = len([c for c in fake_telegram.calls_of("sendMessage", ok=True) if c.chat_id == ALICE])
    await pay(app, fake_telegram, BOB, "stxBOB1")
    await pay(app, fake_telegram, BOB, "stxBOB1")  # Telegram delivers the same payment again
    await pay(app, fake_telegram, BOB, "stxBOB2")  # a second purchase earns nothing more
    assert await app.credits.balance(BOB) == 10 + 25 + 25
    assert await app.credits.balance(ALICE) == 17
    assert await entries(app, ALICE, LedgerKind.REFERRAL) == [(7, f"referral:{BOB}")]
    told = [c for c in fake_telegram.calls_of("sendMessage", ok=True) if c.chat_id == ALICE][told_before:]
    assert len(told) == 1 and "first purchase" in told[0].params["text"] and "<b>17</b>" in told[0].params["text"]

    await say(app, fake_telegram, ALICE, "/invite")
    assert "made a purchase: <b>1</b>; you earned <b>7</b> credits" in last_text(fake_telegram, ALICE)


async def test_self_referral_relinking_and_old_users_are_ignored(make_app, fake_telegram):
    app = await make_app(starting_credits=10, referral_bonus=5)
    _, alice_start = await invite_link(app, fake_telegram, ALICE)
    _, dave_start = await invite_link(app, fake_telegram, DAVE)
    alice_code = alice_start.removeprefix("ref_")

    # Alice's own link (she is no newcomer anyway, and never her own inviter).
    await say(app, fake_telegram, ALICE, f"/start {alice_start}")
    assert await app.referrals.join(ALICE, alice_code, is_new=True) is None
    # Carol comes through Alice's link, then opens Dave's: she stays Alice's.
    await say(app, fake_telegram, CAROL, f"/start {alice_start}")
    await say(app, fake_telegram, CAROL, f"/start {dave_start}")
    assert await app.referrals.join(CAROL, dave_start.removeprefix("ref_"), is_new=True) is None
    # Bob wrote to the bot before he got a link: an old user is not linked.
    await say(app, fake_telegram, BOB, "/balance")
    await say(app, fake_telegram, BOB, f"/start {dave_start}")
    # A made-up code links nobody and still greets.
    await say(app, fake_telegram, OLGA, "/start ref_zzzzzzzz")
    assert "Hi, " in last_text(fake_telegram, OLGA)

    async with app.db.read() as repo:
        assert await repo.referrals.inviter_of(ALICE) is None
        assert await repo.referrals.inviter_of(CAROL) == ALICE
        assert await repo.referrals.inviter_of(BOB) is None
        assert await repo.referrals.inviter_of(OLGA) is None

    for user, charge in ((ALICE, "stxA"), (BOB, "stxB"), (OLGA, "stxO"), (CAROL, "stxC")):
        await pay(app, fake_telegram, user, charge)
    assert await entries(app, DAVE, LedgerKind.REFERRAL) == []
    assert await entries(app, ALICE, LedgerKind.REFERRAL) == [(5, f"referral:{CAROL}")]
    assert await app.credits.balance(DAVE) == 10


async def test_no_bonus_when_referrals_are_off(make_app, fake_telegram):
    app = await make_app(starting_credits=10, referral_bonus=0)
    _, start = await invite_link(app, fake_telegram, ALICE)
    assert "you get" not in last_text(fake_telegram, ALICE)
    await say(app, fake_telegram, BOB, f"/start {start}")
    await pay(app, fake_telegram, BOB, "stxOFF")
    assert await app.credits.balance(ALICE) == 10
    assert await entries(app, ALICE, LedgerKind.REFERRAL) == []


# -- promo codes -------------------------------------------------------------------------


async def test_a_promo_code_works_once_per_user_and_not_past_its_uses(make_app, fake_telegram):
    app = await make_app(starting_credits=0, admin_ids=frozenset({ADMIN}))
    # Not an admin: the command does not exist for them.
    await say(app, fake_telegram, ALICE, "/promo_new FREE 100 100")
    async with app.db.read() as repo:
        assert await repo.promos.get("FREE") is None

    done = await say(app, fake_telegram, ADMIN, "/promo_new Spring 5 2")
    assert "<code>SPRING</code>" in done and "2 uses" in done and "no expiry" in done
    assert "exists already" in await say(app, fake_telegram, ADMIN, "/promo_new spring 9 9")
    assert "Usage" in await say(app, fake_telegram, ADMIN, "/promo_new SPRING 5")
    assert "whole number" in await say(app, fake_telegram, ADMIN, "/promo_new OTHER 0 5")
    assert "cannot be a code" in await say(app, fake_telegram, ADMIN, "/promo_new a! 1 1")

    assert "<b>5</b> credits added" in await say(app, fake_telegram, ALICE, "/promo spring")
    assert "already redeemed" in await say(app, fake_telegram, ALICE, "/promo SPRING")
    assert "<b>5</b> credits added" in await say(app, fake_telegram, BOB, "/promo SPRING")
    assert "used up" in await say(app, fake_telegram, CAROL, "/promo SPRING")
    assert "no promo code" in await say(app, fake_telegram, CAROL, "/promo WINTER")
    assert "Send the code" in await say(app, fake_telegram, CAROL, "/promo")

    assert [await app.credits.balance(u) for u in (ALICE, BOB, CAROL)] == [5, 5, 0]
    assert await entries(app, ALICE, LedgerKind.PROMO) == [(5, f"promo:SPRING:{ALICE}")]
    listed = await say(app, fake_telegram, ADMIN, "/promos")
    assert "<code>SPRING</code> · 5 cr · 2/2 · no expiry" in listed


async def test_two_users_racing_for_the_last_use_cannot_both_get_it(make_app, fake_telegram):
    app = await make_app(starting_credits=0, admin_ids=frozenset({ADMIN}))
    await say(app, fake_telegram, ADMIN, "/promo_new LAST 3 1")
    for user in (ALICE, BOB, CAROL):
        await say(app, fake_telegram, user, "/balance")
    results = await asyncio.gather(
        *(app.promos.redeem(user_id=u, code="last") for u in (ALICE, BOB, CAROL)), return_exceptions=True
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, PromoError)]
    assert len(won) == 1 and len(lost) == 2 and {e.key for e in lost} == {"promo_used_up"}
    assert sorted([await app.credits.balance(u) for u in (ALICE, BOB, CAROL)]) == [0, 0, 3]
    async with app.db.read() as repo:
        promo = await repo.promos.get("LAST")
    assert promo is not None and promo.uses == 1


async def test_a_promo_code_expires(make_app, fake_telegram):
    now = [1_800_000_000.0]
    tuning = Tuning(submit_backoff=0.01, shutdown_timeout=2.0, clock=lambda: now[0])
    app = await make_app(tuning=tuning, starting_credits=0, admin_ids=frozenset({ADMIN}))
    assert "until " in await say(app, fake_telegram, ADMIN, "/promo_new WEEK 4 10 7")
    now[0] += 7 * DAY - 1
    assert "<b>4</b> credits added" in await say(app, fake_telegram, ALICE, "/promo week")
    now[0] += 2
    assert "has expired" in await say(app, fake_telegram, BOB, "/promo week")
    assert await app.credits.balance(BOB) == 0
    assert "expired " in await say(app, fake_telegram, ADMIN, "/promos")


# -- free daily credits ------------------------------------------------------------------


async def test_daily_credits_top_up_once_a_day_and_never_pile_up(make_app, fake_telegram):
    now = [1_800_000_000.0 - 1_800_000_000.0 % DAY + 3600]  # 01:00 UTC
    tuning = Tuning(submit_backoff=0.01, shutdown_timeout=2.0, clock=lambda: now[0])
    app = await make_app(tuning=tuning, starting_credits=0, free_daily_credits=5, admin_ids=frozenset({ADMIN}))

    await say(app, fake_telegram, ALICE, "/start")
    assert await app.credits.balance(ALICE) == 5
    await say(app, fake_telegram, ALICE, "/image a fox")  # 2 credits
    await say(app, fake_telegram, ALICE, "/balance")
    assert await app.credits.balance(ALICE) == 3  # no second top-up the same day

    now[0] += DAY  # the next day: back up to 5, not 3 + 5
    await say(app, fake_telegram, ALICE, "/balance")
    await say(app, fake_telegram, ALICE, "/balance")
    assert await app.credits.balance(ALICE) == 5

    now[0] += 5 * DAY  # days away pile nothing up
    await say(app, fake_telegram, ALICE, "/balance")
    assert await app.credits.balance(ALICE) == 5

    now[0] += DAY  # a balance above the amount is left alone
    await say(app, fake_telegram, ADMIN, f"/grant {ALICE} 20")
    await say(app, fake_telegram, ALICE, "/balance")
    assert await app.credits.balance(ALICE) == 25

    # 1_800_000_000 is 2027-01-15 08:00 UTC.
    assert await entries(app, ALICE, LedgerKind.DAILY) == [
        (5, f"daily:{ALICE}:2027-01-15"),
        (2, f"daily:{ALICE}:2027-01-16"),
    ]


async def test_daily_credits_are_off_by_default(make_app, fake_telegram):
    now = [1_800_000_000.0]
    tuning = Tuning(submit_backoff=0.01, shutdown_timeout=2.0, clock=lambda: now[0])
    app = await make_app(tuning=tuning, starting_credits=0)
    await say(app, fake_telegram, ALICE, "/balance")
    now[0] += DAY
    await say(app, fake_telegram, ALICE, "/balance")
    assert await app.credits.balance(ALICE) == 0


# -- /stats ------------------------------------------------------------------------------


async def test_stats_show_the_payment_figures(make_app, fake_telegram):
    app = await make_app(starting_credits=0, admin_ids=frozenset({ADMIN}))
    await pay(app, fake_telegram, ALICE, "stxS1")
    await pay(app, fake_telegram, ALICE, "stxS2")
    await pay(app, fake_telegram, BOB, "stxS3")
    await feed(app, refunded_update(fake_telegram, "stxS2"))
    text = await say(app, fake_telegram, ADMIN, "/stats")
    assert "Stars received:</b> ⭐ 150 today, ⭐ 150 in total" in text
    assert "Stars refunded:</b> ⭐ 50 today, ⭐ 50 in total" in text
    assert "Top-ups:</b> 3 today, 3 in total, by 2 paying users" in text


# -- Russian -----------------------------------------------------------------------------


async def test_a_russian_user_invites_and_redeems_in_russian(make_app, fake_telegram):
    app = await make_app(starting_credits=10, referral_bonus=3, admin_ids=frozenset({ADMIN}))
    link, start = await invite_link(app, fake_telegram, IVAN, "ru")
    assert_russian(last_text(fake_telegram, IVAN).replace(link, ""))
    await say(app, fake_telegram, OLGA, f"/start {start}", "ru")
    await pay(app, fake_telegram, OLGA, "stxRU")
    rewarded = last_text(fake_telegram, IVAN)
    assert "<b>3</b> кредита" in rewarded
    assert_russian(rewarded)
    await say(app, fake_telegram, IVAN, "/invite", "ru")
    invite = last_text(fake_telegram, IVAN)
    assert "Пришли по вашей ссылке: <b>1</b>" in invite
    assert_russian(invite.replace(link, ""))

    await say(app, fake_telegram, ADMIN, "/promo_new VESNA 21 1 3")
    redeemed = await say(app, fake_telegram, IVAN, "/promo vesna", "ru")
    assert "начислен <b>21</b> кредит." in redeemed
    for text in (
        redeemed,
        await say(app, fake_telegram, IVAN, "/promo vesna", "ru"),
        await say(app, fake_telegram, OLGA, "/promo vesna", "ru"),
        await say(app, fake_telegram, OLGA, "/promo nope", "ru"),
        await say(app, fake_telegram, OLGA, "/promo", "ru"),
    ):
        assert_russian(text)


@pytest.mark.parametrize("argument", [None, "", "ref_", "ref_ABCDEFGH", "ref_abc", "other", "ref_abcdefgh1"])
def test_only_well_formed_invite_codes_are_read(argument):
    from bot.services.billing.referrals import code_from_start

    assert code_from_start(argument) is None
    assert code_from_start("ref_abcdefgh") == "abcdefgh"
