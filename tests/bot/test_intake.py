"""Updates in: nothing aiogram cannot read stalls the bot, nothing malformed gets a 500,
and every update is recorded before Telegram is told we have it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.app import Application, Tuning
from bot.runner import WEBHOOK_PATH, register_webhook_route, run_polling, run_webhook
from tests.conftest import free_port, make_settings

ALICE, BOB, CAROL = 1001, 1002, 1003


def unreadable(update: dict[str, Any]) -> dict[str, Any]:
    """The same update with a field aiogram requires taken out (as when Telegram adds or
    changes something faster than the library follows)."""
    broken = {**update, "message": dict(update["message"])}
    del broken["message"]["date"]
    return broken


def with_unknown_origin(update: dict[str, Any]) -> dict[str, Any]:
    """A forwarded message whose origin is of a type aiogram's union of origins does not know."""
    odd = {**update, "message": dict(update["message"])}
    odd["message"]["forward_origin"] = {"type": "wormhole", "date": 1_700_000_000}
    return odd


async def eventually(check: Any, timeout: float = 5.0) -> None:
    """Wait for a condition (polled), never for a fixed time."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


def confirmed(telegram: Any, update_id: int) -> bool:
    """The bot has asked for updates past ``update_id``: Telegram forgets it."""
    return any((c.params.get("offset") or 0) > update_id for c in telegram.calls_of("getUpdates"))


async def replies_to(telegram: Any, chat_id: int) -> list[str]:
    return [c.params["text"] for c in telegram.calls_of("sendMessage", ok=True) if c.chat_id == chat_id]


@pytest.fixture
async def polling(make_app, fake_telegram) -> AsyncIterator[Application]:
    app = await make_app()
    stop = asyncio.Event()
    runner = asyncio.create_task(run_polling(app, stop))
    await fake_telegram.wait_for("deleteWebhook")  # the last step before polling starts
    yield app
    stop.set()
    await asyncio.wait_for(runner, 10)


async def test_polling_skips_an_update_aiogram_rejects_and_handles_the_ones_around_it(polling, fake_telegram, caplog):
    caplog.set_level(logging.INFO)
    first = fake_telegram.push_update(fake_telegram.message_update("/balance", user_id=ALICE))
    bad = fake_telegram.push_update(unreadable(fake_telegram.message_update("/balance", user_id=BOB)))
    third = fake_telegram.push_update(fake_telegram.message_update("/balance", user_id=CAROL))
    assert first["update_id"] < bad["update_id"] < third["update_id"]

    await fake_telegram.wait_for("sendMessage", lambda c: c.chat_id == ALICE)
    await fake_telegram.wait_for("sendMessage", lambda c: c.chat_id == CAROL)
    # The next poll confirms all three: the bad one is not fetched again and again.
    await eventually(lambda: confirmed(fake_telegram, third["update_id"]))
    await polling.intake.idle()

    assert await replies_to(fake_telegram, ALICE) == ["10 credits left."]
    assert await replies_to(fake_telegram, CAROL) == ["10 credits left."]
    assert await replies_to(fake_telegram, BOB) == []
    served = [c for c in fake_telegram.calls_of("getUpdates", ok=True) if bad in c.response["result"]]
    assert len(served) == 1
    skipped = [r for r in caplog.records if f"update {bad['update_id']} skipped" in r.getMessage()]
    assert len(skipped) == 1 and skipped[0].exc_info is None
    assert "date" in skipped[0].getMessage()
    async with polling.db.read() as repo:
        assert await repo.inbox.unhandled() == []


async def test_polling_skips_an_update_with_an_enum_value_newer_than_aiogram(polling, fake_telegram, caplog):
    caplog.set_level(logging.INFO)
    odd = fake_telegram.push_update(with_unknown_origin(fake_telegram.message_update("/balance", user_id=BOB)))
    after = fake_telegram.push_update(fake_telegram.message_update("/balance", user_id=ALICE))
    await fake_telegram.wait_for("sendMessage", lambda c: c.chat_id == ALICE)
    await polling.intake.idle()
    assert [r for r in caplog.records if f"update {odd['update_id']} skipped" in r.getMessage()]
    assert after["update_id"] > odd["update_id"]
    assert await replies_to(fake_telegram, BOB) == []


async def test_polling_keeps_going_through_telegram_errors(polling, fake_telegram, caplog):
    caplog.set_level(logging.WARNING)
    fake_telegram.fail_next("getUpdates", 502, "Bad Gateway")
    fake_telegram.push_update(fake_telegram.message_update("/balance", user_id=ALICE))
    await fake_telegram.wait_for("sendMessage", lambda c: c.chat_id == ALICE, timeout=10)
    failures = [r for r in caplog.records if "could not fetch updates" in r.getMessage()]
    assert failures and all(r.exc_info is None for r in failures)


async def test_an_update_telegram_sends_again_is_handled_once(make_app, fake_telegram):
    app = await make_app()
    update = fake_telegram.message_update("/balance", user_id=ALICE)
    fake_telegram.push_update(update)  # the fake learns the chat
    await app.intake.accept([update])
    await app.intake.accept([update])  # a redelivery: the bot died before confirming it
    await app.intake.idle()
    assert len(await replies_to(fake_telegram, ALICE)) == 1


async def test_recorded_but_unhandled_updates_are_handled_after_a_restart(make_app, fake_telegram):
    app = await make_app()
    update = fake_telegram.message_update("/balance", user_id=ALICE)
    fake_telegram.push_update(update)
    await app.intake.accept([update])  # recorded and being handled when the process "dies"...
    await app.intake.idle()
    await app.db.connection.execute("UPDATE inbox SET handled_at = NULL")  # ...before it was marked handled
    await app.stop()

    second = await make_app(web_port=app.settings.web.web_port)
    assert await second.intake.replay() == 1
    await second.intake.idle()
    assert len(await replies_to(fake_telegram, ALICE)) == 2  # once before the "crash", once after
    assert await second.intake.replay() == 0  # handled now: never again


# -- webhook --------------------------------------------------------------------------------


@pytest.fixture
async def webhook(tmp_path, fake_telegram, fake_kie) -> AsyncIterator[tuple[Application, str]]:
    port = free_port()
    settings = make_settings(
        tmp_path, fake_telegram, fake_kie, web_port=port, public_url="https://bot.example.com", telegram_mode="webhook"
    )
    app = Application(settings, tuning=Tuning(shutdown_timeout=1.0))
    register_webhook_route(app, "secret")
    await app.start()
    stop = asyncio.Event()
    runner = asyncio.create_task(run_webhook(app, "secret", stop))
    await fake_telegram.wait_for("setWebhook")
    yield app, f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    stop.set()
    await asyncio.wait_for(runner, 10)
    await app.stop()


MALFORMED = {
    "empty": b"",
    "not json": b"hello",
    "invalid utf-8": b'{"update_id": 5, "x": "\xff\xfe"}',
    "trailing garbage": b'{"update_id": 5}garbage',
    "a list": b"[1, 2, 3]",
    "no update_id": b'{"message": {}}',
    "update_id not a number": b'{"update_id": "5"}',
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
async def test_webhook_answers_a_malformed_body_400_with_one_log_line(webhook, body, caplog):
    _, url = webhook
    caplog.set_level(logging.INFO)
    caplog.clear()
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.post(url, content=body, headers={"X-Telegram-Bot-Api-Secret-Token": "secret"})
    assert response.status_code == 400
    mine = [r for r in caplog.records if r.name.startswith("bot") or r.name.startswith("aiohttp")]
    assert len(mine) == 1, [r.getMessage() for r in mine]
    assert mine[0].exc_info is None and "400" in mine[0].getMessage()


async def test_webhook_acknowledges_an_unreadable_update_and_handles_the_next(webhook, fake_telegram, caplog):
    app, url = webhook
    caplog.set_level(logging.INFO)
    bad = unreadable(fake_telegram.message_update("/balance", user_id=BOB))
    good = fake_telegram.message_update("/balance", user_id=ALICE)
    fake_telegram.push_update(good)  # the fake learns the chat
    headers = {"X-Telegram-Bot-Api-Secret-Token": "secret"}
    async with httpx.AsyncClient(trust_env=False) as client:
        first = await client.post(url, json=bad, headers=headers)
        second = await client.post(url, json=good, headers=headers)
    assert (first.status_code, second.status_code) == (200, 200)
    await fake_telegram.wait_for("sendMessage", lambda c: c.chat_id == ALICE)
    await app.intake.idle()
    assert await replies_to(fake_telegram, BOB) == []
    skipped = [r for r in caplog.records if f"update {bad['update_id']} skipped" in r.getMessage()]
    assert len(skipped) == 1 and skipped[0].exc_info is None
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


async def test_a_batch_with_things_that_are_no_updates_still_handles_the_updates(make_app, fake_telegram, caplog):
    app = await make_app()
    good = fake_telegram.message_update("/balance", user_id=ALICE)
    fake_telegram.push_update(good)
    lone_surrogate = fake_telegram.message_update("\ud800 odd text", user_id=BOB)
    offset = await app.intake.accept([5, None, {"no": "id"}, lone_surrogate, good])
    await app.intake.idle()
    assert offset == max(good["update_id"], lone_surrogate["update_id"]) + 1
    assert await replies_to(fake_telegram, ALICE) == ["10 credits left."]
    async with app.db.read() as repo:
        assert await repo.inbox.unhandled() == []


async def test_updates_handled_together_are_marked_in_one_write(make_app, fake_telegram):
    """Group commit: the marks of updates handled within ``mark_delay`` of each other share
    one transaction, instead of one each (the delay is long here so that the grouping does
    not depend on how fast this machine handles thirty updates)."""
    app = await make_app(tuning=Tuning(submit_backoff=0.01, shutdown_timeout=5.0, mark_delay=2.0))
    users = range(5000, 5030)
    updates = [fake_telegram.message_update("/balance", user_id=user) for user in users]
    for update in updates:
        fake_telegram.push_update(update)  # the fake learns the chats
    statements: list[str] = []
    await app.db.connection.set_trace_callback(statements.append)

    await app.intake.accept(updates)
    await app.intake.idle()

    for user in users:
        assert len(await replies_to(fake_telegram, user)) == 1
    async with app.db.read() as repo:
        assert await repo.inbox.unhandled() == []
    transactions = " ".join(statements).split("COMMIT")
    marking = [t for t in transactions if "SET handled_at" in t]
    assert len(marking) == 1
    assert marking[0].count("SET handled_at") == len(updates)
