"""Crash recovery of the real program: ``python -m bot`` is killed with SIGKILL at the worst
moments of a generation and started again on the same database and working directory.

Whatever the moment, the user must end up with exactly one result or exactly one refund,
and the ledger must say the same. Evidence comes from the fakes' recorded calls and from the
SQLite file itself, read after the bot has stopped.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.e2e.conftest import BotRunner
from tests.fakes.kie import FakeKie, tiny_png
from tests.fakes.telegram import Call, FakeTelegram

pytestmark = pytest.mark.e2e

T = TypeVar("T")

DEADLINE = 20.0  # seconds; every wait below is a bounded poll, never a fixed sleep
STARTING_CREDITS = 5  # BotRunner's STARTING_CREDITS
IMAGE_PRICE = 2  # /image in the built-in catalog
CREATE_PATH = "/api/v1/jobs/createTask"
STATUS_PATH = "/api/v1/jobs/recordInfo"
TEXT_METHODS = ("sendMessage", "editMessageText")
MEDIA_METHODS = ("sendPhoto", "sendDocument", "sendVideo", "sendAudio", "sendMediaGroup")


# -- helpers ------------------------------------------------------------------------------


async def wait_until(check: Callable[[], T], what: str, runner: BotRunner, timeout: float = DEADLINE) -> T:
    """Poll ``check`` until it returns something truthy; fail with the bot's log otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{runner.logs()}")
        await asyncio.sleep(0.05)


async def wait_call(
    telegram: FakeTelegram, method: str, runner: BotRunner, predicate: Callable[[Call], bool] | None = None
) -> Call:
    """``FakeTelegram.wait_for`` with the bot's log in the failure message."""
    try:
        return await telegram.wait_for(method, predicate, timeout=DEADLINE)
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\n{runner.logs()}") from None


async def quiet_period(runner: BotRunner, seconds: float = 1.0) -> None:
    """Give a (wrongly) eager monitor a chance to act: two poll intervals of KIE_POLL_INTERVAL=0.5.
    Only used where the correct behaviour is that nothing happens."""
    await asyncio.sleep(seconds)
    assert all(p.returncode is None for p in runner.processes[-1:]), runner.logs()


def texts(telegram: FakeTelegram, fragment: str) -> list[str]:
    """Texts the bot sent or edited in (accepted calls) that contain ``fragment``."""
    found = []
    for method in TEXT_METHODS:
        for call in telegram.calls_of(method, ok=True):
            text = str(call.params.get("text") or "")
            if fragment in text:
                found.append(text)
    return found


def media_calls(telegram: FakeTelegram) -> list[Call]:
    return [call for method in MEDIA_METHODS for call in telegram.calls_of(method)]


def kie_requests(kie: FakeKie, path: str) -> list[Any]:
    return [r for r in kie.requests if r.path == path]


async def kill(process: asyncio.subprocess.Process) -> None:
    process.kill()
    await asyncio.wait_for(process.wait(), timeout=DEADLINE)
    assert process.returncode == -signal.SIGKILL


async def stop(process: asyncio.subprocess.Process, runner: BotRunner) -> None:
    """SIGTERM and wait for a clean exit, so the database can be read as the bot left it."""
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), timeout=DEADLINE)
    assert process.returncode == 0, runner.logs()


def read_db(path: Path, user_id: int = 1001) -> dict[str, Any]:
    """The user's balance, tasks, ledger and deliveries, straight from the SQLite file."""
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        balance = conn.execute("SELECT balance FROM users WHERE user_id = ?", (user_id,)).fetchone()["balance"]
        ledger_sum = conn.execute("SELECT SUM(delta) FROM ledger WHERE user_id = ?", (user_id,)).fetchone()[0]
        tasks = [dict(r) for r in conn.execute("SELECT * FROM tasks WHERE user_id = ? ORDER BY id", (user_id,))]
        ledger = {
            task["id"]: [
                (r["kind"], r["delta"])
                for r in conn.execute("SELECT kind, delta FROM ledger WHERE task_id = ? ORDER BY id", (task["id"],))
            ]
            for task in tasks
        }
        deliveries = {
            task["id"]: [
                dict(r) for r in conn.execute("SELECT * FROM deliveries WHERE task_id = ? ORDER BY id", (task["id"],))
            ]
            for task in tasks
        }
    return {"balance": balance, "ledger_sum": ledger_sum, "tasks": tasks, "ledger": ledger, "deliveries": deliveries}


def request_image(telegram: FakeTelegram) -> int:
    """Queue ``/image a castle`` for getUpdates; returns the request's message id."""
    update = telegram.push_message("/image a castle")
    return int(update["message"]["message_id"])


def update_confirmed(telegram: FakeTelegram) -> bool:
    # The bot confirms an update with its next getUpdates offset; until then a restarted bot
    # would be handed the same /image again (Telegram redelivers unconfirmed updates).
    return not telegram.pending_updates


# -- tests --------------------------------------------------------------------------------


def assert_delivered_and_charged_once(bot_runner: BotRunner, kie_task_id: str) -> None:
    """The SQLite file after a clean stop: one task, done, one debit, one file sent."""
    db = read_db(bot_runner.db_path)
    [task] = db["tasks"]
    assert (task["state"], task["kie_task_id"]) == ("done", kie_task_id)
    assert db["ledger"][task["id"]] == [("debit", -IMAGE_PRICE)]
    assert [d["state"] for d in db["deliveries"][task["id"]]] == ["sent"]
    assert db["balance"] == db["ledger_sum"] == STARTING_CREDITS - IMAGE_PRICE


async def test_sigkill_between_submit_and_callback_delivers_once_after_restart(
    bot_runner: BotRunner, fake_telegram: FakeTelegram, fake_kie: FakeKie
) -> None:
    bot_runner.env["KIE_POLL_INTERVAL"] = "0.5"
    fake_kie.auto_callback = True  # complete() calls back, as Kie does; the bot will be dead by then
    bot = await bot_runner.start()
    request_id = request_image(fake_telegram)

    await wait_until(
        lambda: fake_kie.tasks and texts(fake_telegram, "is working on your") and update_confirmed(fake_telegram),
        "Kie to have the task and the user to see the 'working' status",
        bot_runner,
    )
    await kill(bot)
    [kie_task_id] = fake_kie.tasks
    assert not media_calls(fake_telegram)

    # While the bot is down, Kie finishes; its callback finds nobody listening.
    fake_kie.complete(kie_task_id)
    [callback] = await wait_until(lambda: fake_kie.callbacks_sent, "Kie's callback attempt", bot_runner)
    assert callback.status == 0, "the callback should have found the bot's port closed"
    polls_before_restart = len(kie_requests(fake_kie, STATUS_PATH))

    bot = await bot_runner.start()
    photo = await wait_call(fake_telegram, "sendPhoto", bot_runner)
    assert photo.ok, photo.description
    assert photo.params["reply_parameters"]["message_id"] == request_id
    assert next(iter(photo.files.values())).data == tiny_png()
    await wait_until(lambda: texts(fake_telegram, "Done: your"), "the 'done' status", bot_runner)
    await stop(bot, bot_runner)

    assert len(kie_requests(fake_kie, STATUS_PATH)) > polls_before_restart, "the result came without asking Kie?"
    assert len(kie_requests(fake_kie, CREATE_PATH)) == 1, "the task was sent to Kie again"
    assert [c.method for c in media_calls(fake_telegram)] == ["sendPhoto"]
    assert not texts(fake_telegram, "credits were returned")
    assert_delivered_and_charged_once(bot_runner, kie_task_id)


async def test_sigkill_after_delivery_sends_nothing_again_after_restart(
    bot_runner: BotRunner, fake_telegram: FakeTelegram, fake_kie: FakeKie
) -> None:
    bot_runner.env["KIE_POLL_INTERVAL"] = "0.5"
    fake_kie.auto_complete = True
    fake_kie.auto_callback = True
    bot = await bot_runner.start()
    request_id = request_image(fake_telegram)

    photo = await wait_call(fake_telegram, "sendPhoto", bot_runner)
    assert photo.ok, photo.description
    assert photo.params["reply_parameters"]["message_id"] == request_id
    await wait_until(
        lambda: texts(fake_telegram, "Done: your") and update_confirmed(fake_telegram),
        "the task to be settled ('done' status)",
        bot_runner,
    )
    await kill(bot)
    [kie_task_id] = fake_kie.tasks

    bot = await bot_runner.start()
    # Kie repeats its callback (as it may); the new process must not act on a settled task.
    assert await fake_kie.send_callback(kie_task_id) == 200
    fake_telegram.push_message("/balance")
    balance = await wait_call(
        fake_telegram, "sendMessage", bot_runner, lambda call: "credits left" in str(call.params.get("text"))
    )
    assert str(balance.params["text"]).split()[0] == str(STARTING_CREDITS - IMAGE_PRICE)
    await quiet_period(bot_runner)
    await stop(bot, bot_runner)

    assert [c.method for c in media_calls(fake_telegram)] == ["sendPhoto"], "the result was sent again"
    assert len(texts(fake_telegram, "Done: your")) == 1
    assert not texts(fake_telegram, "credits were returned")
    assert len(kie_requests(fake_kie, CREATE_PATH)) == 1
    assert_delivered_and_charged_once(bot_runner, kie_task_id)


async def test_sigkill_after_debit_before_kie_answered_refunds_once_after_restart(
    bot_runner: BotRunner, fake_telegram: FakeTelegram, fake_kie: FakeKie
) -> None:
    bot_runner.env["KIE_POLL_INTERVAL"] = "0.5"
    fake_kie.delay_next(3.0, target="create")  # Kie sits on the create: the bot has no task id yet
    bot = await bot_runner.start()
    request_image(fake_telegram)

    await wait_until(
        lambda: (
            kie_requests(fake_kie, CREATE_PATH)
            and texts(fake_telegram, "credits charged")
            and update_confirmed(fake_telegram)
        ),
        "the debit ('queued' status) and the create request reaching Kie",
        bot_runner,
    )
    assert not fake_kie.tasks, "Kie answered before the kill; the scenario needs a slower create"
    await kill(bot)

    bot = await bot_runner.start()
    [notice] = await wait_until(lambda: texts(fake_telegram, "credits were returned"), "the refund notice", bot_runner)
    assert "The bot restarted before your request could be sent. Please send it again." in notice
    assert f"Your {IMAGE_PRICE} credits were returned (balance: {STARTING_CREDITS})." in notice

    # Kie did get the request after all: its task finishes and calls back to the new process,
    # which must neither deliver it nor settle the task a second time.
    [kie_task_id] = await wait_until(lambda: list(fake_kie.tasks), "the late task at Kie", bot_runner)
    fake_kie.auto_callback = True
    fake_kie.complete(kie_task_id)
    [callback] = await wait_until(lambda: fake_kie.callbacks_sent, "Kie's late callback", bot_runner)
    assert callback.status == 200
    await quiet_period(bot_runner)
    await stop(bot, bot_runner)

    assert not media_calls(fake_telegram), "a task refunded as interrupted was delivered"
    assert len(texts(fake_telegram, "credits were returned")) == 1
    assert len(kie_requests(fake_kie, CREATE_PATH)) == 1, "the interrupted request was resent"
    db = read_db(bot_runner.db_path)
    [task] = db["tasks"]
    assert (task["state"], task["kie_task_id"]) == ("failed", None)
    assert db["ledger"][task["id"]] == [("debit", -IMAGE_PRICE), ("refund", IMAGE_PRICE)]
    assert db["deliveries"][task["id"]] == []
    assert db["balance"] == db["ledger_sum"] == STARTING_CREDITS
