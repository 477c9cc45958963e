"""Never silent: a task's outcome reaches the user through Telegram's 5xx, timeouts and
restarts (the outbox), and a chat that refuses us is not pestered."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import pytest

from bot.app import Application, Tuning
from bot.services.messaging.outbox import Outbox, OutboxPolicy
from bot.services.ports import NoticeKind, SendOutcome, SendResult
from bot.storage import Database, NoticeState, TaskState
from tests.conftest import send

ALICE = 1001
ADMIN = 42
RETURNED = "credits were returned"


def tuning(**overrides: Any) -> Tuning:
    policy = OutboxPolicy(backoff_initial=0.02, backoff_max=0.1, idle_check=0.05)
    return Tuning(submit_backoff=0.01, shutdown_timeout=2.0, outbox=policy, **overrides)


async def failing_task(app: Application, telegram: Any, kie: Any, *, user_id: int = ALICE) -> str:
    """A user's /image that Kie fails; returns Kie's task id (not yet reported back)."""
    await send(app, telegram, "/image a castle", user_id=user_id)
    kie_id = list(kie.tasks)[-1]
    kie.fail(kie_id, code=400, msg="flagged by the content policy")
    return kie_id


async def report(app: Application, kie: Any, kie_id: str) -> None:
    assert await kie.send_callback(kie_id) == 200
    await app.monitor.idle()
    await app.outbox.idle()


def shown(telegram: Any, chat_id: int, fragment: str) -> list[str]:
    """Messages in the chat whose current text has ``fragment`` (edits applied)."""
    return [m.text for m in telegram.messages(chat_id) if m.text and fragment in m.text]


async def notices(app: Application) -> list[Any]:
    async with app.db.read() as repo:
        return await repo.outbox.for_task(1)


async def test_failure_notice_is_retried_through_telegram_5xx_on_the_edit(make_app, fake_telegram, fake_kie):
    app = await make_app(tuning=tuning())
    kie_id = await failing_task(app, fake_telegram, fake_kie)
    fake_telegram.fail_next("editMessageText", 502, "Bad Gateway")
    fake_telegram.fail_next("editMessageText", 500, "Internal Server Error")
    await report(app, fake_kie, kie_id)

    edits = fake_telegram.calls_of("editMessageText")
    assert [c.status for c in edits][-3:] == [502, 500, 200]
    [status] = shown(fake_telegram, ALICE, RETURNED)  # the progress message, edited in place
    assert "flagged by the content policy" in status
    [notice] = await notices(app)
    assert (notice.state, notice.attempts) == (NoticeState.SENT, 3)


async def test_an_edit_that_keeps_failing_becomes_a_new_message(make_app, fake_telegram, fake_kie):
    app = await make_app(tuning=tuning())
    kie_id = await failing_task(app, fake_telegram, fake_kie)
    fake_telegram.fail_next("editMessageText", 502, "Bad Gateway", times=3)
    await report(app, fake_kie, kie_id)

    sent = [c for c in fake_telegram.calls_of("sendMessage", ok=True) if RETURNED in c.params["text"]]
    assert len(sent) == 1
    assert sent[0].params["reply_parameters"]["message_id"]  # still replies to the request


async def test_an_edit_of_a_deleted_progress_message_becomes_a_new_message_at_once(make_app, fake_telegram, fake_kie):
    app = await make_app(tuning=tuning())
    kie_id = await failing_task(app, fake_telegram, fake_kie)
    fake_telegram.fail_next("editMessageText", 400, "Bad Request: message to edit not found")
    await report(app, fake_kie, kie_id)
    assert len([c for c in fake_telegram.calls_of("sendMessage", ok=True) if RETURNED in c.params["text"]]) == 1


async def test_a_pending_notice_survives_a_restart(make_app, fake_telegram, fake_kie):
    slow = OutboxPolicy(backoff_initial=3600.0, backoff_max=3600.0, idle_check=0.05)
    app = await make_app(tuning=Tuning(submit_backoff=0.01, shutdown_timeout=2.0, outbox=slow))
    kie_id = await failing_task(app, fake_telegram, fake_kie)
    fake_telegram.fail_next("editMessageText", 503, "Service Unavailable")
    assert await fake_kie.send_callback(kie_id) == 200
    await app.monitor.idle()
    assert shown(fake_telegram, ALICE, RETURNED) == []  # Telegram was down; the retry is an hour away
    await app.stop()

    later = tuning(clock=lambda: time.time() + 3601)  # the next start, after the retry's time
    second = await make_app(tuning=later, web_port=app.settings.web.web_port)
    await second.outbox.idle()
    assert len(shown(fake_telegram, ALICE, RETURNED)) == 1
    async with second.db.read() as repo:
        assert (await repo.tasks.get(1)).state is TaskState.FAILED
        assert await repo.ledger.balance(ALICE) == 10


async def test_a_user_who_blocked_the_bot_is_not_retried(make_app, fake_telegram, fake_kie):
    app = await make_app(tuning=tuning())
    kie_id = await failing_task(app, fake_telegram, fake_kie)
    fake_telegram.blocked_users.add(ALICE)
    await report(app, fake_kie, kie_id)
    assert [c.status for c in fake_telegram.calls_of("editMessageText")] == [200, 403]  # "working", then refused
    assert fake_telegram.calls_of("sendMessage", ok=False) == []  # and no other try
    [notice] = await notices(app)
    assert notice.state is NoticeState.DROPPED
    async with app.db.read() as repo:
        assert (await repo.users.get(ALICE)).blocked_at is not None
        assert await repo.ledger.balance(ALICE) == 10  # the refund stands


async def test_operator_refund_reaches_the_user_through_telegram_errors(make_app, fake_telegram, fake_kie):
    app = await make_app(tuning=tuning(), admin_ids=frozenset({ADMIN}))
    await send(app, fake_telegram, "/image a fox", user_id=ALICE)
    fake_telegram.fail_next_in_chat("editMessageText", ALICE, 502, "Bad Gateway", times=2)
    await send(app, fake_telegram, "/refund 1", user_id=ADMIN)
    await app.outbox.idle()
    [status] = shown(fake_telegram, ALICE, RETURNED)
    assert "operator stopped this request" in status
    assert "They were told" in [m.text for m in fake_telegram.messages(ADMIN)][-1]


@pytest.mark.parametrize("seed", [3, 17, 29])
async def test_soak_every_failed_task_s_user_gets_the_notice_through_5xx_and_a_restart(
    seed, make_app, fake_telegram, fake_kie
):
    """Ten users, each a generation Kie fails; Telegram answers a random number of each chat's
    edits (and some fallback sends) with 5xx; the bot restarts halfway through the reports."""
    rng = random.Random(seed)
    users = [2001 + i for i in range(10)]
    app = await make_app(tuning=tuning())
    kie_ids = {user: await failing_task(app, fake_telegram, fake_kie, user_id=user) for user in users}
    for user in users:
        fails = rng.randint(0, 5)  # 3 or more: the notice becomes a new message
        for code in rng.choices([500, 502, 503, 504], k=fails):
            fake_telegram.fail_next_in_chat("editMessageText", user, code, "Server Error")
        if fails >= 3:
            for code in rng.choices([500, 502], k=rng.randint(0, 2)):
                fake_telegram.fail_next_in_chat("sendMessage", user, code, "Server Error")
    half = len(users) // 2
    for user in users[:half]:
        assert await fake_kie.send_callback(kie_ids[user]) == 200
    await app.monitor.idle()
    await app.stop()  # some notices are still waiting for their retry

    app = await make_app(tuning=tuning(), web_port=app.settings.web.web_port)
    for user in users[half:]:
        assert await fake_kie.send_callback(kie_ids[user]) == 200
    await app.monitor.idle()
    await app.outbox.idle()

    for user in users:
        told = shown(fake_telegram, user, RETURNED)
        assert len(told) == 1, (seed, user, [m.text for m in fake_telegram.messages(user)])
    async with app.db.read() as repo:
        for user in users:
            assert await repo.ledger.balance(user) == 10


class SlowSender:
    """Takes longer than the claim's lease (a 429 waited out, a long pacing queue)."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def deliver(self, notice: Any) -> SendResult:
        self.entered.set()
        await self.release.wait()
        self.sent.append(notice.id)
        return SendResult(SendOutcome.SENT)


async def test_an_attempt_outliving_its_lease_is_not_sent_twice(tmp_path):
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    sender = SlowSender()
    clock = {"now": 0.0}
    outbox = Outbox(db, sender, policy=OutboxPolicy(lease=10.0), clock=lambda: clock["now"])
    try:
        async with db.transaction() as repo:
            notice = await repo.outbox.add(
                task_id=None, chat_id=7, thread_id=None, reply_to=None, edit_message_id=None,
                event=NoticeKind.KIE_BALANCE_LOW, payload={"balance": 1, "threshold": 2}, language="ru", now=0.0,
            )  # fmt: skip
        first = asyncio.create_task(outbox.send_now(notice))
        await asyncio.wait_for(sender.entered.wait(), 5)
        clock["now"] = 60.0  # the lease ran out while the first attempt still waits on Telegram
        await asyncio.wait_for(outbox.send_now(notice), 5)  # what the retry loop would do: nothing
        sender.release.set()
        await first
        assert sender.sent == [notice]
    finally:
        await outbox.stop(timeout=1)
        await db.close()


async def test_a_notice_for_a_closed_topic_or_a_migrated_group_still_arrives(make_app, fake_telegram, fake_kie):
    app = await make_app(tuning=tuning())
    group, topic = -100900, 77
    fake_telegram.add_chat(group, "supergroup", title="Forum", is_forum=True)
    await send(app, fake_telegram, "/image a fox", chat_id=group, chat_type="supergroup", message_thread_id=topic)
    kie_id = list(fake_kie.tasks)[-1]
    fake_kie.fail(kie_id, code=400, msg="flagged")
    async with app.db.transaction() as repo:  # the progress message is gone: the notice is a new message
        await repo.tasks.set_status_message(1, 999_999)
    fake_telegram.fail_next("editMessageText", 400, "Bad Request: message to edit not found")
    fake_telegram.fail_next("sendMessage", 400, "Bad Request: message thread not found")
    await report(app, fake_kie, kie_id)
    told = [c for c in fake_telegram.calls_of("sendMessage", ok=True) if RETURNED in c.params["text"]]
    assert len(told) == 1 and told[0].chat_id == group and "message_thread_id" not in told[0].params
    assert "The provider says: <i>flagged</i>" in told[0].params["text"]
