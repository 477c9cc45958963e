"""Graceful shutdown (running handlers finish, the rest is recovered) and outgoing pace."""

from __future__ import annotations

import asyncio
import time

import httpx

from bot.app import Application, Tuning
from bot.runner import WEBHOOK_PATH, register_webhook_route
from bot.storage import TaskState
from bot.telegram.middlewares.pacing import Pacer
from tests.conftest import make_settings, send


async def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition never became true"
        await asyncio.sleep(0.01)


def creates(fake_kie) -> list:
    return [r for r in fake_kie.requests if r.method == "POST" and r.path == "/api/v1/jobs/createTask"]


async def tasks_of(app, user_id: int = 1001):
    async with app.db.read() as repo:
        return await repo.tasks.for_user(user_id)


async def test_shutdown_lets_a_request_being_submitted_finish(make_app, fake_telegram, fake_kie):
    app = await make_app(tuning=Tuning(submit_backoff=0.01, shutdown_timeout=5.0))
    fake_kie.delay_next(0.5, target="create")  # Kie is slow to accept
    request = asyncio.create_task(send(app, fake_telegram, "/image a lighthouse"))
    await wait_until(lambda: creates(fake_kie))
    await app.stop()  # SIGTERM arrives while the handler waits for Kie
    assert request.done() and request.exception() is None
    (task,) = await tasks_of(app := await make_app(web_port=app.settings.web.web_port))
    # The submission completed before shutdown: Kie's task is known, nothing was refunded.
    assert task.kie_task_id is not None and task.state is TaskState.RUNNING
    fake_kie.complete(task.kie_task_id)
    await app.monitor.nudge(task.id)
    await app.monitor.idle()
    assert len(fake_telegram.calls_of("sendPhoto", ok=True)) == 1
    assert await app.credits.balance(1001) == 10 - 2


async def test_request_cut_off_at_shutdown_is_refunded_at_next_start(make_app, fake_telegram, fake_kie):
    app = await make_app(tuning=Tuning(submit_backoff=0.01, shutdown_timeout=0.2))
    fake_kie.delay_next(3.0, target="create")
    request = asyncio.create_task(send(app, fake_telegram, "/image a lighthouse"))
    await wait_until(lambda: creates(fake_kie))
    await app.stop()
    assert request.done()  # cut off, not left running against a closed database

    again = await make_app(web_port=app.settings.web.web_port)
    (task,) = await tasks_of(again)
    assert task.state is TaskState.FAILED
    assert await again.credits.balance(1001) == 10
    status = fake_telegram.calls_of("editMessageText", ok=True)[-1].params["text"]
    assert "restarted before your request could be sent" in status


async def test_webhook_refuses_updates_once_shutdown_began(tmp_path, fake_telegram, fake_kie):
    settings = make_settings(tmp_path, fake_telegram, fake_kie, telegram_mode="webhook")
    app = Application(settings, tuning=Tuning(shutdown_timeout=1.0))
    register_webhook_route(app, "secret")
    await app.start()
    try:
        update = fake_telegram.message_update("/balance")
        fake_telegram.push_update(update)
        await app.updates.drain(timeout=1.0)
        async with httpx.AsyncClient(trust_env=False) as client:
            reply = await client.post(
                f"http://127.0.0.1:{app.web_port}{WEBHOOK_PATH}",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "secret"},
            )
        # 503: Telegram keeps the update and sends it again after the restart.
        assert reply.status_code == 503
        await asyncio.sleep(0.1)
        assert fake_telegram.calls_of("sendMessage") == []
    finally:
        await app.stop()


async def test_messages_to_one_group_are_paced(make_app, fake_telegram, fake_kie):
    # 3 messages per 0.6 s per group: a burst of 3, then one every 0.2 s.
    app = await make_app(tuning=Tuning(group_messages=3, group_period=0.6))
    started = time.monotonic()
    for _ in range(7):
        await app.bot.send_message(chat_id=-100123, text="hello group")
    group_elapsed = time.monotonic() - started
    started = time.monotonic()
    for _ in range(7):
        await app.bot.send_message(chat_id=1001, text="hello you")
    private_elapsed = time.monotonic() - started
    assert len(fake_telegram.calls_of("sendMessage", ok=True)) == 14
    assert group_elapsed >= 0.7  # 4 messages past the burst, 0.2 s apart
    assert private_elapsed < group_elapsed  # private chats are not held to the group pace


async def test_pacing_applies_to_every_group_separately(make_app, fake_telegram, fake_kie):
    app = await make_app(tuning=Tuning(group_messages=1, group_period=5.0))
    started = time.monotonic()
    await asyncio.gather(*(app.bot.send_message(chat_id=-100 - n, text="hi") for n in range(5)))
    assert time.monotonic() - started < 2.0  # five groups, one message each: no waiting
    assert len(fake_telegram.calls_of("sendMessage", ok=True)) == 5


async def test_the_bot_wide_pace_is_the_operators_setting(make_app, fake_telegram, fake_kie):
    # TELEGRAM_RATE_LIMIT=50: groups of ten per 0.2 s, so the 21st send waits two windows.
    app = await make_app(telegram_rate_limit=50.0)
    started = time.monotonic()
    await asyncio.gather(*(app.bot.send_message(chat_id=1001 + n, text="hi") for n in range(21)))
    assert time.monotonic() - started >= 0.39
    assert len(fake_telegram.calls_of("sendMessage", ok=True)) == 21


async def test_the_bot_wide_pacer_lets_sends_through_in_groups_at_its_pace():
    # Ten times Telegram's pace, so the test takes a fraction of a second: windows of 0.04 s.
    pacer, per_second, burst = Pacer(250.0, burst=10), 250.0, 10
    window = burst / per_second
    loop = asyncio.get_running_loop()
    passed: list[float] = []

    async def send() -> None:
        async with pacer:
            passed.append(loop.time())

    await asyncio.gather(*(send() for _ in range(100)))
    assert len(passed) == 100
    # The first group goes at once; the other nine each wait for a window of their own.
    assert passed[-1] - passed[0] >= (100 // burst - 1) * window * 0.999
    # No window holds more than one group: 21 sends always span more than one window.
    assert all(passed[i + 2 * burst] - passed[i] > window * 0.999 for i in range(len(passed) - 2 * burst))
    # A lone send after a quiet moment is not held at all.
    await asyncio.sleep(window * 1.5)
    began = loop.time()
    await send()
    assert passed[-1] - began < window
