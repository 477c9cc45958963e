"""Requests above CONFIRM_ABOVE: nothing charged until Confirm; Confirm starts the request
once however often or however concurrently it is pressed; only the requester can press it;
an expired or cancelled question charges nothing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiogram.types import Update

from bot.app import Tuning
from bot.domain import LedgerKind
from tests.bot.test_russian_journey import assert_russian
from tests.conftest import send

ALICE = 1001
BOB = 1002
IVAN = 2001
GROUP = -100500
VEO = "/api/v1/veo/generate"


def clock() -> tuple[list[float], Tuning]:
    now = [time.time()]
    return now, Tuning(submit_backoff=0.01, shutdown_timeout=2.0, clock=lambda: now[0])


async def feed(app: Any, raw: dict[str, Any]) -> None:
    await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))


def veo_creates(fake_kie: Any) -> list[Any]:
    return [r for r in fake_kie.requests if r.method == "POST" and r.path == VEO]


def question(telegram: Any, chat_id: int) -> Any:
    """The last message the bot sent to the chat with Confirm/Cancel buttons."""
    asked = [
        c for c in telegram.calls_of("sendMessage", ok=True)
        if c.chat_id == chat_id and "cfm:" in str(c.params.get("reply_markup"))
    ]  # fmt: skip
    return asked[-1]


def press_update(telegram: Any, asked: Any, which: int, *, user_id: int = ALICE) -> dict[str, Any]:
    """The update of pressing button ``which`` (0 Confirm, 1 Cancel) of the question."""
    markup = asked.params["reply_markup"]["inline_keyboard"]
    data = [b for row in markup for b in row][which]["callback_data"]
    return telegram.callback_update(data, user_id=user_id, chat_id=asked.chat_id, message=asked.result["message_id"])


def last_answer(telegram: Any) -> str:
    return telegram.calls_of("answerCallbackQuery", ok=True)[-1].params.get("text") or ""


async def debits(app: Any, user_id: int = ALICE) -> list[int]:
    async with app.db.read() as repo:
        return [e.delta for e in await repo.ledger.entries(user_id) if e.kind is LedgerKind.DEBIT]


async def tasks_of(app: Any, user_id: int = ALICE) -> list[Any]:
    async with app.db.read() as repo:
        return await repo.tasks.for_user(user_id)


async def test_nothing_is_charged_until_confirm_and_confirm_starts_it_once(make_app, fake_telegram, fake_kie):
    app = await make_app(confirm_above=10, starting_credits=50)
    command = await send(app, fake_telegram, "/video waves at sunset --res 1080p")
    asked = question(fake_telegram, ALICE)
    assert asked.params["reply_parameters"]["message_id"] == command["message_id"]
    assert "costs <b>22</b> credits" in asked.params["text"] and "Veo 3.1 Fast" in asked.params["text"]
    labels = [b["text"] for row in asked.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["✅ Confirm — 22 credits", "✖️ Cancel"]
    assert veo_creates(fake_kie) == [] and await tasks_of(app) == [] and await app.credits.balance(ALICE) == 50

    # A cheap request is not asked about.
    await send(app, fake_telegram, "/image a cat")
    assert await app.credits.balance(ALICE) == 48

    await feed(app, press_update(fake_telegram, asked, 0))
    [create] = veo_creates(fake_kie)
    assert create.json["prompt"] == "waves at sunset" and create.json["resolution"] == "1080p"
    assert await app.credits.balance(ALICE) == 48 - 22
    # The question became the progress message, edited in place, without its buttons.
    edits = [
        c
        for c in fake_telegram.calls_of("editMessageText", ok=True)
        if c.params["message_id"] == asked.result["message_id"]
    ]
    assert edits and "Veo 3.1 Fast" in edits[-1].params["text"] and not edits[-1].params.get("reply_markup")
    [task] = [t for t in await tasks_of(app) if t.kind == "video"]
    assert task.request_message_id == command["message_id"] and task.price == 22

    # Pressed again, and the same update redelivered: nothing more.
    again = press_update(fake_telegram, asked, 0)
    await feed(app, again)
    assert "already confirmed" in last_answer(fake_telegram)
    await feed(app, again)
    assert len(veo_creates(fake_kie)) == 1 and await debits(app) == [-2, -22]


async def test_concurrent_taps_and_a_redelivered_command_start_one_task(make_app, fake_telegram, fake_kie):
    app = await make_app(confirm_above=10, starting_credits=100)
    raw = fake_telegram.message_update("/video a storm")
    for _ in range(2):  # Telegram delivers the command twice: one question
        await feed(app, raw)
    asked = [c for c in fake_telegram.calls_of("sendMessage", ok=True) if "cfm:" in str(c.params.get("reply_markup"))]
    assert len(asked) == 1
    presses = [press_update(fake_telegram, asked[0], 0) for _ in range(5)]
    await asyncio.gather(*(feed(app, p) for p in presses))
    assert len(veo_creates(fake_kie)) == 1
    assert await debits(app) == [-20] and len(await tasks_of(app)) == 1
    assert await app.credits.balance(ALICE) == 80


async def test_only_the_requester_can_confirm_or_cancel(make_app, fake_telegram, fake_kie):
    app = await make_app(confirm_above=10, starting_credits=50)
    fake_telegram.add_chat(GROUP, "supergroup", title="Friends")
    await send(app, fake_telegram, "/video a storm", chat_id=GROUP, chat_type="supergroup")
    asked = question(fake_telegram, GROUP)
    for which in (0, 1):
        await feed(app, press_update(fake_telegram, asked, which, user_id=BOB))
        assert "Only the person who sent this request" in last_answer(fake_telegram)
    assert veo_creates(fake_kie) == [] and await tasks_of(app, BOB) == [] and await tasks_of(app) == []
    assert await app.credits.balance(BOB) == 50 and await app.credits.balance(ALICE) == 50
    await feed(app, press_update(fake_telegram, asked, 0))  # Alice's own tap still works
    assert len(veo_creates(fake_kie)) == 1 and await app.credits.balance(ALICE) == 30


async def test_an_expired_question_charges_nothing(make_app, fake_telegram, fake_kie):
    now, tuning = clock()
    app = await make_app(confirm_above=10, starting_credits=50, tuning=tuning)
    await send(app, fake_telegram, "/video a storm")
    asked = question(fake_telegram, ALICE)
    assert "10 minutes" in asked.params["text"]
    now[0] += 10 * 60 + 1
    await feed(app, press_update(fake_telegram, asked, 0))
    assert "expired" in last_answer(fake_telegram)
    assert veo_creates(fake_kie) == [] and await tasks_of(app) == [] and await app.credits.balance(ALICE) == 50
    last = fake_telegram.calls_of("editMessageText", ok=True)[-1]
    assert last.params["message_id"] == asked.result["message_id"] and "expired" in last.params["text"]


async def test_cancel_charges_nothing_and_confirm_after_it_does_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app(confirm_above=10, starting_credits=50)
    await send(app, fake_telegram, "/video a storm")
    asked = question(fake_telegram, ALICE)
    await feed(app, press_update(fake_telegram, asked, 1))
    last = fake_telegram.calls_of("editMessageText", ok=True)[-1]
    assert "Cancelled. Nothing was charged." in last.params["text"] and not last.params.get("reply_markup")
    await feed(app, press_update(fake_telegram, asked, 0))
    assert "was cancelled" in last_answer(fake_telegram)
    assert veo_creates(fake_kie) == [] and await tasks_of(app) == [] and await app.credits.balance(ALICE) == 50


async def test_too_few_credits_when_asked_or_at_confirm_charges_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app(confirm_above=10, starting_credits=30)
    await send(app, fake_telegram, "/video one")
    await send(app, fake_telegram, "/video two")
    first, second = [
        c for c in fake_telegram.calls_of("sendMessage", ok=True) if "cfm:" in str(c.params.get("reply_markup"))
    ]
    await feed(app, press_update(fake_telegram, first, 0))
    assert await app.credits.balance(ALICE) == 10
    await feed(app, press_update(fake_telegram, second, 0))
    refusal = fake_telegram.calls_of("sendMessage", ok=True)[-1]
    assert "This costs 20 credits and you have 10" in refusal.params["text"]
    assert "Buy credits" in str(refusal.params["reply_markup"])
    assert len(veo_creates(fake_kie)) == 1 and await debits(app) == [-20]
    # Asked with too few credits: the usual refusal, no question.
    await send(app, fake_telegram, "/video three")
    assert "This costs 20 credits and you have 10" in fake_telegram.calls_of("sendMessage", ok=True)[-1].params["text"]
    assert (
        len([c for c in fake_telegram.calls_of("sendMessage", ok=True) if "cfm:" in str(c.params.get("reply_markup"))])
        == 2
    )


async def test_a_russian_speaker_is_asked_in_russian(make_app, fake_telegram, fake_kie):
    app = await make_app(confirm_above=10, starting_credits=50)
    await send(app, fake_telegram, "/video шторм", user_id=IVAN, language_code="ru")
    asked = question(fake_telegram, IVAN)
    assert_russian(asked.params["text"])
    labels = [b["text"] for row in asked.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["✅ Подтвердить — 20 кредитов", "✖️ Отменить"]
    await feed(app, press_update(fake_telegram, asked, 1, user_id=IVAN))
    assert_russian(fake_telegram.calls_of("editMessageText", ok=True)[-1].params["text"])


async def test_a_question_survives_a_restart(make_app, fake_telegram, fake_kie):
    first = await make_app(confirm_above=10, starting_credits=50)
    await send(first, fake_telegram, "/video a storm")
    asked = question(fake_telegram, ALICE)
    await first.stop()
    second = await make_app(confirm_above=10, web_port=first.settings.web.web_port)
    await feed(second, press_update(fake_telegram, asked, 0))
    assert len(veo_creates(fake_kie)) == 1 and await second.credits.balance(ALICE) == 30


async def test_a_failed_answer_to_confirm_still_sends_the_charged_request(make_app, fake_telegram, fake_kie):
    app = await make_app(confirm_above=10, starting_credits=50)
    await send(app, fake_telegram, "/video waves at sunset --res 1080p")
    asked = question(fake_telegram, ALICE)
    fake_telegram.fail_next("answerCallbackQuery", 400, "Bad Request: query is too old and response timeout expired")
    await feed(app, press_update(fake_telegram, asked, 0))

    [create] = veo_creates(fake_kie)
    assert create.json["prompt"] == "waves at sunset"
    [task] = await tasks_of(app)
    assert task.kie_task_id is not None and await app.credits.balance(ALICE) == 50 - 22
