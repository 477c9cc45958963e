"""Operator commands through the real dispatcher and services, against loopback fakes.

Every "nothing changes" is checked on the database and on the fakes' recorded calls."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.types import Update

from bot.app import Tuning
from bot.storage import TaskState
from tests.conftest import send

ADMIN = 42
OTHER_ADMIN = 43
ALICE = 1001
BOB = 1002
CAROL = 1003
NAMES = {ADMIN: "boss", OTHER_ADMIN: "deputy", ALICE: "alice", BOB: "bob", CAROL: "carol"}
CREATE_PATH = "/api/v1/jobs/createTask"


async def admin_app(make_app, **overrides):
    # Pacing is tested on its own; here replies need not wait.
    tuning = Tuning(submit_backoff=0.01, shutdown_timeout=2.0)
    return await make_app(
        admin_ids=frozenset({ADMIN, OTHER_ADMIN}), telegram_rate_limit=1000, tuning=tuning, **overrides
    )


async def say(app, fake_telegram, text: str, *, user_id: int = ADMIN, **kwargs):
    """A message from ``user_id`` (private chat unless told), with a username of its own."""
    kwargs.setdefault("username", NAMES.get(user_id, f"user{user_id}"))
    kwargs.setdefault("first_name", kwargs["username"].title())
    return await send(app, fake_telegram, text, user_id=user_id, **kwargs)


def texts_in(fake_telegram, chat_id: int) -> list[str]:
    """Plain text of what the bot sent to ``chat_id`` (current version, after edits)."""
    return [m.text or "" for m in fake_telegram.messages(chat_id)]


def last_text(fake_telegram, chat_id: int) -> str:
    return texts_in(fake_telegram, chat_id)[-1]


async def balance(app, user_id: int) -> int:
    return await app.credits.balance(user_id)


async def ledger(app, user_id: int):
    async with app.db.read() as repo:
        return await repo.ledger.entries(user_id)


async def tasks_of(app, user_id: int):
    async with app.db.read() as repo:
        return await repo.tasks.for_user(user_id)


async def user_row(app, user_id: int):
    async with app.db.read() as repo:
        return await repo.users.get(user_id)


def creates(fake_kie) -> list:
    return [r for r in fake_kie.requests if r.method == "POST" and r.path == CREATE_PATH]


async def finish(app, fake_kie, kie_task_id: str) -> None:
    assert await fake_kie.send_callback(kie_task_id) == 200
    await app.monitor.idle()


# -- who may use them ------------------------------------------------------------------------

ADMIN_COMMANDS = [
    f"/grant {ALICE} 500",
    "/grant @alice -5",
    f"/ban {BOB}",
    f"/unban {BOB}",
    "/stats",
    f"/user {ALICE}",
    "/refund 1",
    "/broadcast Free credits for everyone!",
]


async def test_non_admins_get_the_unknown_command_answer_and_change_nothing(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    await say(app, fake_telegram, "/image a fox", user_id=BOB)
    [task] = await tasks_of(app, BOB)
    bob_sees = texts_in(fake_telegram, BOB)
    await say(app, fake_telegram, "/nonsense", user_id=ALICE)
    unknown = last_text(fake_telegram, ALICE)
    assert "/image" in unknown  # the private-chat usage hint
    entries_before = await ledger(app, ALICE)

    for command in ADMIN_COMMANDS:
        await say(app, fake_telegram, command, user_id=ALICE)
        assert last_text(fake_telegram, ALICE) == unknown, command
    # In a group the bot says nothing, as for any unknown command.
    group_sends = len(fake_telegram.messages(-100777))
    for command in ADMIN_COMMANDS:
        await say(app, fake_telegram, command, user_id=ALICE, chat_type="supergroup", chat_id=-100777)
    assert len(fake_telegram.messages(-100777)) == group_sends == 0

    assert len(texts_in(fake_telegram, ALICE)) == 1 + len(ADMIN_COMMANDS)
    assert await ledger(app, ALICE) == entries_before
    assert await balance(app, ALICE) == 10
    assert not (await user_row(app, BOB)).is_banned
    assert (await tasks_of(app, BOB))[0].state is task.state is TaskState.RUNNING  # not refunded
    await asyncio.sleep(0.05)
    assert texts_in(fake_telegram, BOB) == bob_sees  # no broadcast, no refund notice
    assert not app.broadcasts.running
    assert credit_checks(fake_kie) == []


# -- /grant ----------------------------------------------------------------------------------


async def test_grant_adds_exactly_that_amount_and_records_the_admin(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    await say(app, fake_telegram, "/start", user_id=ALICE)
    command = await say(app, fake_telegram, f"/grant {ALICE} 25")

    assert await balance(app, ALICE) == 10 + 25
    grant = (await ledger(app, ALICE))[-1]
    assert (grant.kind, grant.delta, grant.actor_id, grant.balance_after) == ("grant", 25, ADMIN, 35)
    assert grant.op_key == f"grant:{ADMIN}:{command['message_id']}"
    reply = last_text(fake_telegram, ADMIN)
    assert "Added 25 credits to Alice (@alice, 1001)" in reply and "35" in reply


async def test_negative_grant_takes_credits_but_never_below_zero(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    await say(app, fake_telegram, "/start", user_id=ALICE)
    await say(app, fake_telegram, f"/grant {ALICE} -4")
    assert await balance(app, ALICE) == 6
    assert "Took 4 credits" in last_text(fake_telegram, ADMIN)

    await say(app, fake_telegram, "/grant @ALICE -50")  # usernames are case-insensitive
    assert await balance(app, ALICE) == 0
    reply = last_text(fake_telegram, ADMIN)
    assert "Took 6 credits" in reply and "all they had" in reply and "asked for 50" in reply

    await say(app, fake_telegram, f"/grant {ALICE} -1")
    assert "has no credits: nothing was taken" in last_text(fake_telegram, ADMIN)
    assert [(e.kind, e.delta, e.actor_id) for e in await ledger(app, ALICE)] == [
        ("welcome", 10, None),
        ("grant", -4, ADMIN),
        ("grant", -6, ADMIN),
    ]


async def test_a_redelivered_grant_update_applies_once(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    await say(app, fake_telegram, "/start", user_id=ALICE)
    raw = fake_telegram.message_update(f"/grant {ALICE} 25", user_id=ADMIN, username="boss")
    for _ in range(2):  # Telegram sends it again when the first answer was lost
        await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))

    assert await balance(app, ALICE) == 35
    assert [e.kind for e in await ledger(app, ALICE)] == ["welcome", "grant"]
    assert "already applied (+25 for Alice" in last_text(fake_telegram, ADMIN)


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("/grant 999 5", "don't know the user 999"),
        ("/grant @nobody 5", "don't know the user @nobody"),
        ("/grant alice 5", "“alice” is not a user"),
        (f"/grant {ALICE} abc", "“abc” is not a whole number"),
        (f"/grant {ALICE} 1.5", "“1.5” is not a whole number"),
        (f"/grant {ALICE} 0", "An amount of 0 changes nothing"),
        (f"/grant {ALICE} 1000001", "At most 1,000,000 credits"),
        (f"/grant {ALICE} -99999999999999999999999", "At most 1,000,000 credits"),
        (f"/grant {ALICE}", "Usage: /grant <user> <amount>"),
        ("/grant", "Usage: /grant"),
        (f"/grant {ALICE} 5 6", "Usage: /grant"),
    ],
)
async def test_bad_grants_are_explained_and_change_nothing(make_app, fake_telegram, fake_kie, command, says):
    app = await admin_app(make_app)
    await say(app, fake_telegram, "/start", user_id=ALICE)
    await say(app, fake_telegram, command)
    assert says in last_text(fake_telegram, ADMIN)
    assert [e.kind for e in await ledger(app, ALICE)] == ["welcome"]
    assert await balance(app, ALICE) == 10


async def test_a_user_is_named_by_replying_to_their_message_in_a_group(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    group = -100555
    theirs = await say(app, fake_telegram, "/balance", user_id=ALICE, chat_type="supergroup", chat_id=group)
    await say(app, fake_telegram, "/grant 7", chat_type="supergroup", chat_id=group, reply_to=theirs)
    assert await balance(app, ALICE) == 17
    assert "Added 7 credits to Alice" in last_text(fake_telegram, group)
    await say(app, fake_telegram, "/user", chat_type="supergroup", chat_id=group, reply_to=theirs)
    assert "Balance: 17 credits" in last_text(fake_telegram, group)


async def test_a_topic_message_is_not_taken_for_a_reply_to_the_topic_starter(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    group = -100556
    theirs = await say(app, fake_telegram, "/balance", user_id=ALICE, chat_type="supergroup", chat_id=group)
    # Telegram puts the topic's first (service) message in reply_to_message of every topic message.
    topic_start = {**theirs, "message_id": 77, "forum_topic_created": {"name": "Art", "icon_color": 7322096}}
    topic_start.pop("text"), topic_start.pop("entities")
    await say(
        app, fake_telegram, "/ban", chat_type="supergroup", chat_id=group, message_thread_id=77, reply_to=topic_start
    )
    assert "Usage: /ban <user>" in last_text(fake_telegram, group)
    assert not (await user_row(app, ALICE)).is_banned


# -- /ban, /unban ----------------------------------------------------------------------------


async def test_a_banned_user_is_told_once_and_their_commands_cost_nothing(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    await say(app, fake_telegram, "/start", user_id=ALICE)
    await say(app, fake_telegram, f"/ban {ALICE}")
    assert "Alice (@alice, 1001) is banned" in last_text(fake_telegram, ADMIN)
    assert (await user_row(app, ALICE)).is_banned
    before = len(texts_in(fake_telegram, ALICE))

    for text in ("/image a fox", "/video waves", "/balance", "hello", "/image another fox"):
        await say(app, fake_telegram, text, user_id=ALICE)
    assert texts_in(fake_telegram, ALICE)[before:] == ["You can no longer use this bot."]
    assert creates(fake_kie) == []
    assert await tasks_of(app, ALICE) == []
    assert await balance(app, ALICE) == 10
    assert [e.kind for e in await ledger(app, ALICE)] == ["welcome"]

    await say(app, fake_telegram, f"/ban {ALICE}")
    assert "already banned" in last_text(fake_telegram, ADMIN)
    await say(app, fake_telegram, "/unban @alice")
    assert "no longer banned" in last_text(fake_telegram, ADMIN)
    await say(app, fake_telegram, "/image a fox", user_id=ALICE)
    assert len(creates(fake_kie)) == 1
    assert await balance(app, ALICE) == 10 - (await tasks_of(app, ALICE))[0].price

    # A new ban owes a new notice, once.
    await say(app, fake_telegram, f"/ban {ALICE}")
    before = len(texts_in(fake_telegram, ALICE))
    await say(app, fake_telegram, "/image a fox", user_id=ALICE)
    await say(app, fake_telegram, "/image a fox", user_id=ALICE)
    assert texts_in(fake_telegram, ALICE)[before:] == ["You can no longer use this bot."]
    assert len(creates(fake_kie)) == 1
    await say(app, fake_telegram, f"/unban {BOB}")
    assert "don't know the user 1002" in last_text(fake_telegram, ADMIN)


async def test_admins_cannot_be_banned(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    await say(app, fake_telegram, "/start", user_id=OTHER_ADMIN)
    await say(app, fake_telegram, f"/ban {OTHER_ADMIN}")
    assert "is an admin and cannot be banned" in last_text(fake_telegram, ADMIN)
    await say(app, fake_telegram, f"/ban {ADMIN}")
    assert "Boss (@boss, 42) is an admin" in last_text(fake_telegram, ADMIN)
    assert not (await user_row(app, OTHER_ADMIN)).is_banned
    assert not (await user_row(app, ADMIN)).is_banned


# -- /refund ---------------------------------------------------------------------------------


async def test_refund_of_a_running_task_cancels_it_once_and_tells_the_user(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    await say(app, fake_telegram, "/image a fox", user_id=ALICE)
    [task] = await tasks_of(app, ALICE)
    assert task.state is TaskState.RUNNING

    await say(app, fake_telegram, f"/refund {task.id}")
    assert f"Task #{task.id} was still running" in last_text(fake_telegram, ADMIN)
    [task] = await tasks_of(app, ALICE)
    assert task.state is TaskState.FAILED
    assert await balance(app, ALICE) == 10
    refund = (await ledger(app, ALICE))[-1]
    assert (refund.kind, refund.op_key, refund.actor_id) == ("refund", f"refund:task:{task.id}", ADMIN)
    status = last_text(fake_telegram, ALICE)  # the progress message, edited in place
    assert "The operator stopped this request" in status and "credits were returned" in status

    await say(app, fake_telegram, f"/refund #{task.id}")
    assert f"Task #{task.id} was already refunded" in last_text(fake_telegram, ADMIN)
    assert [e.kind for e in await ledger(app, ALICE)] == ["welcome", "debit", "refund"]
    # Kie finishing it later delivers nothing and pays nothing twice.
    fake_kie.complete(task.kie_task_id)
    await finish(app, fake_kie, task.kie_task_id)
    assert await balance(app, ALICE) == 10
    assert fake_telegram.calls_of("sendPhoto") == []


async def test_refund_while_kie_is_still_being_asked_leaves_the_refund_notice_last(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    fake_kie.delay_next(0.5, target="create")
    request = asyncio.create_task(say(app, fake_telegram, "/image a fox", user_id=ALICE))
    for _ in range(200):
        if creates(fake_kie):
            break
        await asyncio.sleep(0.01)
    [task] = await tasks_of(app, ALICE)
    assert task.state is TaskState.PENDING
    await say(app, fake_telegram, f"/refund {task.id}")
    await request  # Kie accepts it after all
    [task] = await tasks_of(app, ALICE)
    assert task.state is TaskState.FAILED and task.kie_task_id is None
    assert await balance(app, ALICE) == 10
    status = last_text(fake_telegram, ALICE)  # not overwritten by "working on it"
    assert "The operator stopped this request" in status, status


async def test_refund_of_a_delivered_task_pays_once_with_the_automatic_key(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    await say(app, fake_telegram, "/image a fox", user_id=ALICE)
    [task] = await tasks_of(app, ALICE)
    fake_kie.complete(task.kie_task_id)
    await finish(app, fake_kie, task.kie_task_id)
    assert (await tasks_of(app, ALICE))[0].state is TaskState.DONE
    assert await balance(app, ALICE) == 10 - task.price

    await say(app, fake_telegram, f"/refund {task.id}")
    assert f"Task #{task.id} was delivered" in last_text(fake_telegram, ADMIN)
    assert await balance(app, ALICE) == 10
    refund = (await ledger(app, ALICE))[-1]
    assert (refund.kind, refund.delta, refund.op_key, refund.actor_id) == (
        "refund",
        task.price,
        f"refund:task:{task.id}",
        ADMIN,
    )
    told = last_text(fake_telegram, ALICE)
    assert f"The operator returned the {task.price} credits for your picture" in told
    assert (await tasks_of(app, ALICE))[0].state is TaskState.DONE

    await say(app, fake_telegram, f"/refund {task.id}")
    assert "already refunded" in last_text(fake_telegram, ADMIN)
    await say(app, fake_telegram, "/refund 999")
    assert "There is no task #999" in last_text(fake_telegram, ADMIN)
    await say(app, fake_telegram, "/refund x1")
    assert "“x1” is not a task id" in last_text(fake_telegram, ADMIN)
    assert await balance(app, ALICE) == 10
    assert [e.kind for e in await ledger(app, ALICE)] == ["welcome", "debit", "refund"]


# -- /stats, /user ---------------------------------------------------------------------------


async def test_stats_count_a_known_scenario(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app, starting_credits=50)
    await say(app, fake_telegram, "/image a fox", user_id=ALICE)  # delivered
    [done] = await tasks_of(app, ALICE)
    fake_kie.complete(done.kie_task_id)
    await finish(app, fake_kie, done.kie_task_id)
    await say(app, fake_telegram, "/image a cat", user_id=BOB)  # failed, refunded
    [failed] = await tasks_of(app, BOB)
    fake_kie.fail(failed.kie_task_id, code=400, msg="flagged")
    await finish(app, fake_kie, failed.kie_task_id)
    await say(app, fake_telegram, "/video waves", user_id=CAROL)  # still running
    [running] = await tasks_of(app, CAROL)
    # Yesterday: a user seen only then, with a delivered picture.
    now = app.tuning.clock()
    yesterday = now - now % 86_400 - 3_600
    async with app.db.transaction() as repo:
        await repo.users.upsert(7, username="old", first_name="Old", language="en", now=yesterday)
        old = await repo.tasks.create(
            user_id=7, chat_id=7, thread_id=None, request_message_id=None, kind="image", model_key="m",
            family="market", prompt="p", options={}, price=3, callback_token="t-old", language="en", now=yesterday,
        )  # fmt: skip
        await repo.ledger.apply(user_id=7, delta=5, kind="grant", op_key="g-old", now=yesterday)
        await repo.ledger.apply(user_id=7, delta=-3, kind="debit", op_key="d-old", task_id=old.id, now=yesterday)
        await repo.tasks.finish(old.id, TaskState.DONE, error=None, now=yesterday)

    fake_kie.credits = 812.5  # what Kie says is left after charging for the scenario
    await say(app, fake_telegram, "/stats")
    stats = last_text(fake_telegram, ADMIN)
    spent_today = done.price + running.price  # Bob's was refunded
    assert "Users: 5 in total, 4 active today, 0 banned, 0 blocked the bot" in stats
    today, total = stats.split("Generations today:")[1].split("Generations in total:")
    assert "• Pictures: 2 (1 done, 1 failed, 0 in flight)" in today
    assert "• Videos: 1 (0 done, 0 failed, 1 in flight)" in today
    assert "• Pictures: 3 (2 done, 1 failed, 0 in flight)" in total
    assert f"Credits spent (charged minus refunded): {spent_today} today, {spent_today + 3} in total" in stats
    assert f"Credits refunded: {failed.price} today, {failed.price} in total" in stats
    assert "In flight now: 1" in stats
    assert "Kie balance: 812.5" in stats

    fake_kie.fail_next("credit", 500, "down")
    await say(app, fake_telegram, "/stats")
    assert "Kie balance: unavailable" in last_text(fake_telegram, ADMIN)


async def test_user_card_shows_balance_ban_block_and_last_tasks(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app, starting_credits=100, rate_limit=1000)  # Kie's pace is not under test
    await say(app, fake_telegram, "/image a fox", user_id=ALICE, first_name="<b>Al</b> & co")
    [task] = await tasks_of(app, ALICE)
    fake_kie.complete(task.kie_task_id)
    await finish(app, fake_kie, task.kie_task_id)
    await say(app, fake_telegram, f"/refund {task.id}")
    for n in range(11):
        await say(app, fake_telegram, f"/image fox {n}", user_id=ALICE, first_name="<b>Al</b> & co")
    await say(app, fake_telegram, f"/ban {ALICE}")
    async with app.db.transaction() as repo:
        await repo.users.mark_blocked(ALICE, app.tuning.clock())

    await say(app, fake_telegram, "/user @alice")
    card = last_text(fake_telegram, ADMIN)
    # The name is shown literally: user text never becomes markup.
    assert card.startswith("👤 <b>Al</b> & co (@alice, 1001)")
    assert f"Balance: {await balance(app, ALICE)} credits" in card
    assert "Banned: yes, for 0s (by 42)" in card
    assert "Blocked the bot: yes, for 0s" in card
    lines = [line for line in card.splitlines() if line.startswith("#")]
    assert len(lines) == 10  # the last ten, newest first
    newest = (await tasks_of(app, ALICE))[0]
    assert lines[0].startswith(f"#{newest.id} · picture · {newest.model_key} · running · {newest.price} cr · ")
    assert f"#{task.id} ·" not in card  # the eleventh-newest is left out

    await say(app, fake_telegram, "/unban 1001")
    await say(app, fake_telegram, f"/user {ALICE}")
    assert "Banned: no" in last_text(fake_telegram, ADMIN)


async def test_user_card_marks_a_delivered_task_refunded_by_hand(make_app, fake_telegram, fake_kie):
    app = await admin_app(make_app)
    await say(app, fake_telegram, "/image a fox", user_id=ALICE)
    [task] = await tasks_of(app, ALICE)
    fake_kie.complete(task.kie_task_id)
    await finish(app, fake_kie, task.kie_task_id)
    await say(app, fake_telegram, f"/refund {task.id}")
    await say(app, fake_telegram, f"/user {ALICE}")
    assert f"#{task.id} · picture · {task.model_key} · done, refunded · {task.price} cr" in last_text(
        fake_telegram, ADMIN
    )
    await say(app, fake_telegram, "/user 5555")
    assert "don't know the user 5555" in last_text(fake_telegram, ADMIN)


# -- low Kie balance -------------------------------------------------------------------------


def credit_checks(fake_kie) -> list:
    return [r for r in fake_kie.requests if r.path == "/api/v1/chat/credit"]


def alerts(fake_telegram, admin_id: int) -> list[str]:
    return [t for t in texts_in(fake_telegram, admin_id) if "Kie account is running low" in t]


async def test_admins_are_told_once_when_kie_runs_low_and_again_after_a_recovery(make_app, fake_telegram, fake_kie):
    fake_kie.credits = 50
    app = await admin_app(make_app, low_balance=100)
    for admin_id in (ADMIN, OTHER_ADMIN):  # the check right after start
        await fake_telegram.wait_for("sendMessage", lambda c, a=admin_id: c.params["chat_id"] == a)
    assert await app.kie_balance.check() == 50
    await app.kie_balance.check()
    assert alerts(fake_telegram, ADMIN) == alerts(fake_telegram, OTHER_ADMIN)
    [alert] = alerts(fake_telegram, ADMIN)
    assert "50 credits left (alert threshold 100)" in alert

    fake_kie.credits = 150
    await app.kie_balance.check()
    assert len(alerts(fake_telegram, ADMIN)) == 1
    fake_kie.credits = 40.25
    await app.kie_balance.check()
    await app.kie_balance.check()
    assert len(alerts(fake_telegram, ADMIN)) == len(alerts(fake_telegram, OTHER_ADMIN)) == 2
    assert "40.25 credits left" in alerts(fake_telegram, ADMIN)[-1]

    # Kept in SQLite: a restart while the balance stays low does not repeat it.
    await app.stop()
    again = await admin_app(make_app, low_balance=100)
    await again.kie_balance.check()
    assert len(alerts(fake_telegram, ADMIN)) == 2


async def test_low_balance_watch_survives_kie_errors_and_is_off_at_zero(make_app, fake_telegram, fake_kie):
    fake_kie.credits = 5
    fake_kie.fail_next("credit", 500, "down", times=2)
    app = await admin_app(make_app, low_balance=100)
    # The check at start and these share a lock: the first two to run meet the failures.
    results = [await app.kie_balance.check() for _ in range(3)]
    assert None in results and results[-1] == 5
    assert len(alerts(fake_telegram, ADMIN)) == len(alerts(fake_telegram, OTHER_ADMIN)) == 1
    await app.stop()

    credit_calls = len(credit_checks(fake_kie))
    await admin_app(make_app)  # KIE_LOW_BALANCE=0: off
    await asyncio.sleep(0.05)
    assert len(credit_checks(fake_kie)) == credit_calls
