"""/broadcast: a paced background job; blocked users are marked once and counted; users
keep being served meanwhile; a shutdown stops it cleanly."""

from __future__ import annotations

import asyncio
import time

from aiogram.types import Update

from bot.app import Tuning
from tests.bot.test_admin import ADMIN, say, tasks_of, texts_in

ALICE = 1001


def tuning(**knobs) -> Tuning:
    return Tuning(submit_backoff=0.01, shutdown_timeout=2.0, **knobs)


async def register(app, user_ids) -> None:
    async with app.db.transaction() as repo:
        for user_id in user_ids:
            await repo.users.upsert(user_id, username=f"u{user_id}", first_name="U", language="en", now=time.time())


def sends_to(fake_telegram, chat_id: int) -> list:
    return [c for c in fake_telegram.calls_of("sendMessage") if c.params.get("chat_id") == chat_id]


def progress_message(fake_telegram):
    """The progress message in the admin's chat (the first thing the bot sent there)."""
    return fake_telegram.messages(ADMIN)[0]


async def test_broadcast_is_paced_and_blocked_users_are_marked_not_retried(make_app, fake_telegram, fake_kie):
    rate = 25
    app = await make_app(
        admin_ids=frozenset({ADMIN}), telegram_rate_limit=rate, tuning=tuning(broadcast_progress_every=4)
    )
    users = list(range(2001, 2011))
    await register(app, users)
    fake_telegram.blocked_users.update({2003, 2007})

    started = time.monotonic()
    await say(app, fake_telegram, "/broadcast Hello <everyone> & welcome!")
    final = await app.broadcasts.join()
    elapsed = time.monotonic() - started

    assert final is not None and (final.total, final.sent, final.blocked, final.failed) == (11, 9, 2, 0)
    # One message a 1/rate s at most (the session's pacing), none waiting on its own.
    assert elapsed >= (final.total - 1) / rate
    for user_id in users:
        [call] = sends_to(fake_telegram, user_id)  # blocked ones too: tried once, never again
        assert call.ok == (user_id not in (2003, 2007))
    assert texts_in(fake_telegram, 2001) == ["Hello <everyone> & welcome!"]  # typed text stays text
    async with app.db.read() as repo:
        blocked = {u for u in users if (await repo.users.get(u)).blocked_at is not None}
    assert blocked == {2003, 2007}
    progress = progress_message(fake_telegram)
    assert progress.text == "📣 Broadcast finished: 9 sent, 2 blocked the bot, 0 failed (of 11)."
    assert "📣 Broadcasting… 4 of 11: 3 sent, 1 blocked the bot, 0 failed." in progress.history

    # Users who blocked the bot are left out of the next one.
    await say(app, fake_telegram, "/broadcast Second")
    final = await app.broadcasts.join()
    assert final is not None and (final.total, final.sent) == (9, 9)
    assert len(sends_to(fake_telegram, 2003)) == len(sends_to(fake_telegram, 2007)) == 1


async def test_users_are_served_during_a_broadcast_and_only_one_runs(make_app, fake_telegram, fake_kie):
    app = await make_app(
        admin_ids=frozenset({ADMIN}),
        telegram_rate_limit=30,
        tuning=tuning(broadcast_progress_every=1000, broadcast_progress_interval=0.2),
    )
    await say(app, fake_telegram, "/start", user_id=ALICE, username="alice")  # gets the welcome credits
    await register(app, range(2001, 2024))
    await say(app, fake_telegram, "/broadcast Maintenance tonight")
    while len(fake_telegram.calls_of("sendMessage")) < 6:
        await asyncio.sleep(0.01)

    started = time.monotonic()
    await say(app, fake_telegram, "/image a fox", user_id=ALICE, username="alice")
    assert time.monotonic() - started < 0.5  # not queued behind the broadcast
    assert app.broadcasts.running
    [task] = await tasks_of(app, ALICE)
    assert task.kie_task_id in fake_kie.tasks
    assert any("Sending your picture request" in h for m in fake_telegram.messages(ALICE) for h in m.history)

    await say(app, fake_telegram, "/broadcast Something else")
    assert texts_in(fake_telegram, ADMIN)[-1] == "A broadcast is already running; wait for its final count."

    final = await app.broadcasts.join()
    assert final is not None and (final.total, final.sent) == (25, 25)
    for user_id in range(2001, 2024):
        assert texts_in(fake_telegram, user_id) == ["Maintenance tonight"]
    assert "Maintenance tonight" in texts_in(fake_telegram, ALICE)
    progress = progress_message(fake_telegram)
    assert len(progress.history) >= 3  # edited every 0.2 s, not only at the end
    assert progress.text.startswith("📣 Broadcast finished: 25 sent")


async def test_broadcast_keeps_telegram_formatting_and_needs_a_text(make_app, fake_telegram, fake_kie):
    app = await make_app(admin_ids=frozenset({ADMIN}), telegram_rate_limit=1000, tuning=tuning())
    await register(app, [2001])
    await say(app, fake_telegram, "/broadcast   ")
    assert "Usage: /broadcast <text>" in texts_in(fake_telegram, ADMIN)[-1]
    assert sends_to(fake_telegram, 2001) == []

    text = "/broadcast <i>Big</i> news & more"
    raw = fake_telegram.message_update(text, user_id=ADMIN, username="boss")
    raw["message"]["entities"].append({"type": "bold", "offset": text.index("news"), "length": 4})
    await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))
    await app.broadcasts.join()
    [received] = fake_telegram.messages(2001)
    assert received.text == "<i>Big</i> news & more"
    assert received.entities == [{"type": "bold", "offset": len("<i>Big</i> "), "length": 4}]


async def test_shutdown_stops_a_broadcast_between_sends_and_reports_it(make_app, fake_telegram, fake_kie):
    app = await make_app(admin_ids=frozenset({ADMIN}), telegram_rate_limit=20, tuning=tuning())
    await register(app, range(2001, 2041))
    await say(app, fake_telegram, "/broadcast Long one")
    await asyncio.sleep(0.3)

    started = time.monotonic()
    await app.stop()
    assert time.monotonic() - started < 1.0
    assert not app.broadcasts.running
    sent = sum(len(sends_to(fake_telegram, u)) for u in range(2001, 2041))
    assert 0 < sent < 40
    progress = progress_message(fake_telegram)
    assert progress.text.startswith("📣 Broadcast stopped early")
    assert "The rest was not sent." in progress.text
