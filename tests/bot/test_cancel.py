"""/cancel and the Cancel button: a request still in the bot's queue is stopped and refunded
at once, exactly once, and Kie never hears of it; a request Kie has cannot be stopped and
the user is told so plainly. Real application, fake Bot API, fake Kie."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiogram.types import Update

from bot.app import Tuning
from bot.domain import LedgerKind
from bot.services.generation.cancel import CancelOutcome
from bot.services.generation.request_text import RequestText
from bot.services.generation.requests import ChatRef
from bot.storage import TaskRecord, TaskState
from bot.telegram.progress import CancelRequest
from tests.conftest import send

CREATE = "/api/v1/jobs/createTask"


def creates(fake_kie) -> list[Any]:
    return [r for r in fake_kie.requests if r.method == "POST" and r.path == CREATE]


def creates_of(fake_kie, task: TaskRecord) -> list[Any]:
    return [r for r in creates(fake_kie) if task.callback_token in r.json["callBackUrl"]]


async def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition never became true"
        await asyncio.sleep(0.01)


async def feed(app, raw: dict[str, Any]) -> None:
    await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))


async def press(app, fake_telegram, data: str, message: dict[str, Any], user_id: int = 1001, **kw: Any) -> str | None:
    """Press a button; returns the short answer's text."""
    raw = fake_telegram.callback_update(data, message=message, user_id=user_id, **kw)
    await feed(app, raw)
    return fake_telegram.callback_answers[raw["callback_query"]["id"]].get("text")


async def tasks_of(app, user_id: int = 1001) -> list[TaskRecord]:
    async with app.db.read() as repo:
        return list(reversed(await repo.tasks.for_user(user_id)))


async def ledger_kinds(app, task: TaskRecord) -> list[str]:
    async with app.db.read() as repo:
        return [e.kind for e in await repo.ledger.for_task(task.id)]


async def queued_second(app, fake_telegram, fake_kie, **kw: Any) -> tuple[asyncio.Task[Any], TaskRecord, Any]:
    """One request takes the only place in the pace; a second waits in the bot's queue.
    Returns the second's handler, its task and its progress message (with the Cancel button)."""
    await send(app, fake_telegram, "/image the first one", **kw)
    assert len(creates(fake_kie)) == 1
    handler = asyncio.create_task(send(app, fake_telegram, "/image the second one", **kw))
    # "Waiting in the queue", with the Cancel button (the first's "working" edit has none).
    waiting = await fake_telegram.wait_for("editMessageText", lambda c: "reply_markup" in c.params)
    *_, task = await tasks_of(app, kw.get("user_id", 1001))
    assert task.state is TaskState.PENDING and task.kie_task_id is None
    return handler, task, waiting


async def test_cancel_button_refunds_a_waiting_request_once_and_kie_never_gets_it(make_app, fake_telegram, fake_kie):
    app = await make_app(rate_limit=1, rate_period=3600)
    handler, task, waiting = await queued_second(app, fake_telegram, fake_kie)
    message = waiting.result
    [[button]] = message["reply_markup"]["inline_keyboard"]
    assert button["text"] == "✖️ Cancel"
    assert button["callback_data"] == CancelRequest(task_id=task.id).pack()
    assert await app.credits.balance(1001) == 10 - 2 - 2

    answer = await press(app, fake_telegram, button["callback_data"], message)

    assert answer == "Cancelled: 2 credits returned."
    await asyncio.wait_for(handler, 5)  # the waiting submission left at once
    assert len(creates(fake_kie)) == 1 and creates_of(fake_kie, task) == []
    assert await ledger_kinds(app, task) == [LedgerKind.DEBIT, LedgerKind.REFUND]
    assert await app.credits.balance(1001) == 10 - 2
    [_, cancelled] = await tasks_of(app)
    assert cancelled.state is TaskState.FAILED and cancelled.error == "cancelled"
    # The progress message says so, durably (an outbox notice), and lost its button.
    status = fake_telegram.message(message["chat"]["id"], message["message_id"])
    assert status.text.startswith("🚫 Cancelled: your picture request was not sent.")
    assert "2 credits were returned (balance: 8)" in status.text
    assert status.reply_markup is None

    # Pressed again (an old screen): nothing more happens.
    again = await press(app, fake_telegram, button["callback_data"], message)
    assert again == "This button no longer works. Please send the command again."
    assert await ledger_kinds(app, task) == [LedgerKind.DEBIT, LedgerKind.REFUND]


async def test_the_button_goes_once_kie_has_the_request_and_then_says_it_cannot_be_stopped(
    make_app, fake_telegram, fake_kie
):
    app = await make_app()
    await send(app, fake_telegram, "/image a fox")
    [task] = await tasks_of(app)
    assert task.state is TaskState.RUNNING
    first = fake_telegram.calls_of("sendMessage", ok=True)[0].result
    assert first["reply_markup"]["inline_keyboard"][0][0]["text"] == "✖️ Cancel"  # while queued
    status = fake_telegram.message(first["chat"]["id"], first["message_id"])
    assert "is working on your picture" in status.text and status.reply_markup is None

    answer = await press(app, fake_telegram, CancelRequest(task_id=task.id).pack(), first)
    assert answer == "Already sent to the generation service: it cannot be stopped, and the result will still arrive."
    assert await ledger_kinds(app, task) == [LedgerKind.DEBIT]


async def test_cancel_command_for_a_request_kie_has_says_it_cannot_be_stopped(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image a fox")
    await send(app, fake_telegram, "/cancel")
    reply = fake_telegram.calls_of("sendMessage", ok=True)[-1].params["text"]
    assert reply == (
        "⏳ One request is already with the generation service and cannot be stopped;"
        " its result will still arrive here."
    )
    [task] = await tasks_of(app)
    assert task.state is TaskState.RUNNING
    assert await ledger_kinds(app, task) == [LedgerKind.DEBIT]
    assert await app.credits.balance(1001) == 8
    # ...and it does arrive.
    fake_kie.complete(task.kie_task_id)
    assert await fake_kie.send_callback(task.kie_task_id) == 200
    await app.monitor.idle()
    assert len(fake_telegram.calls_of("sendPhoto", ok=True)) == 1


async def test_cancel_command_with_nothing_running(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/cancel")
    reply = fake_telegram.calls_of("sendMessage", ok=True)[-1].params["text"]
    assert reply == "You have no requests waiting or running in this chat."


async def test_cancel_command_stops_what_waits_and_names_what_runs_in_russian(make_app, fake_telegram, fake_kie):
    app = await make_app(rate_limit=1, rate_period=3600)
    handler, task, _ = await queued_second(app, fake_telegram, fake_kie, language_code="ru")
    await send(app, fake_telegram, "/cancel", language_code="ru")
    await asyncio.wait_for(handler, 5)
    reply = fake_telegram.calls_of("sendMessage", ok=True)[-1].params["text"]
    assert reply == (
        "🚫 Отменён 1 ещё не отправленный запрос; возвращено 2 кредита (баланс: 8).\n"
        "⏳ 1 запрос уже передан сервису генерации и не может быть остановлен; его результат всё равно придёт сюда."
    )
    assert len(creates(fake_kie)) == 1
    assert await ledger_kinds(app, task) == [LedgerKind.DEBIT, LedgerKind.REFUND]


async def test_another_member_cannot_cancel_someone_elses_request(make_app, fake_telegram, fake_kie):
    app = await make_app(rate_limit=1, rate_period=3600)
    group = dict(chat_type="supergroup", chat_id=-1001)
    handler, task, waiting = await queued_second(app, fake_telegram, fake_kie, **group)
    data = CancelRequest(task_id=task.id).pack()

    answer = await press(app, fake_telegram, data, waiting.result, user_id=2002, username="bob", first_name="Bob")

    assert answer == "Only the person who made this request can cancel it."
    assert not handler.done()
    assert (await tasks_of(app))[-1].state is TaskState.PENDING
    assert await ledger_kinds(app, task) == [LedgerKind.DEBIT]
    assert await app.credits.balance(2002) == 10  # nothing charged to or refunded for Bob
    # A forged button for a task that does not exist: a short answer, no error.
    forged = await press(app, fake_telegram, CancelRequest(task_id=999_999).pack(), waiting.result, user_id=2002)
    assert forged == "This button no longer works. Please send the command again."
    # The requester can.
    assert await press(app, fake_telegram, data, waiting.result) == "Cancelled: 2 credits returned."
    await asyncio.wait_for(handler, 5)
    assert len(creates(fake_kie)) == 1


async def test_a_call_kie_has_started_cannot_be_cancelled_and_is_not_refunded(make_app, fake_telegram, fake_kie):
    app = await make_app()
    held = fake_kie.hold_next("create")
    handler = asyncio.create_task(send(app, fake_telegram, "/image a fox"))
    await asyncio.wait_for(held.arrived.wait(), 5)  # the createTask call is out: claimed
    [task] = await tasks_of(app)
    message = fake_telegram.calls_of("sendMessage", ok=True)[0].result

    answer = await press(app, fake_telegram, CancelRequest(task_id=task.id).pack(), message)

    assert answer.startswith("Already sent to the generation service")
    held.release.set()
    await asyncio.wait_for(handler, 5)
    [task] = await tasks_of(app)
    assert task.state is TaskState.RUNNING and task.kie_task_id is not None
    assert await ledger_kinds(app, task) == [LedgerKind.DEBIT]


async def test_after_a_retryable_refusal_the_waiting_request_can_be_cancelled(make_app, fake_telegram, fake_kie):
    # Kie throttled the call, so it certainly does not have the task: while it waits for its
    # retry it is in the bot's queue again, and a cancel wakes it from the backoff.
    app = await make_app(tuning=Tuning(submit_backoff=600.0, shutdown_timeout=2.0))
    fake_kie.fail_next_create(429, "Rate limit exceeded")
    handler = asyncio.create_task(send(app, fake_telegram, "/image a fox"))
    waiting = await fake_telegram.wait_for("editMessageText", lambda c: "in the queue" in c.params["text"])
    [task] = await tasks_of(app)

    assert await press(app, fake_telegram, CancelRequest(task_id=task.id).pack(), waiting.result) == (
        "Cancelled: 2 credits returned."
    )
    await asyncio.wait_for(handler, 5)
    assert len(creates(fake_kie)) == 1  # the refused call only; no retry
    assert await ledger_kinds(app, task) == [LedgerKind.DEBIT, LedgerKind.REFUND]
    assert await app.credits.balance(1001) == 10


async def test_after_a_server_error_the_request_stays_with_kie_and_is_not_cancelled(make_app, fake_telegram, fake_kie):
    # A 5xx may come from a gateway after Kie took the request: the claim stays, so a cancel
    # during the retry's backoff cannot refund a task Kie may be running.
    app = await make_app(tuning=Tuning(submit_backoff=0.5, shutdown_timeout=2.0))
    fake_kie.fail_next_create(500, "Bad gateway", http_status=502)
    handler = asyncio.create_task(send(app, fake_telegram, "/image a fox"))
    waiting = await fake_telegram.wait_for("editMessageText", lambda c: "in the queue" in c.params["text"])
    [task] = await tasks_of(app)

    answer = await press(app, fake_telegram, CancelRequest(task_id=task.id).pack(), waiting.result)

    assert answer.startswith("Already sent to the generation service")
    await asyncio.wait_for(handler, 5)
    [task] = await tasks_of(app)
    assert task.kie_task_id is not None and await ledger_kinds(app, task) == [LedgerKind.DEBIT]


async def test_cancel_racing_the_submission_ends_one_way_only(make_app, fake_telegram, fake_kie):
    """The submission and the cancel run at the same time, the cancel let go after a varying
    number of event-loop turns: each request ends either cancelled and refunded once with no
    createTask at Kie, or submitted with nothing refunded, never both, never neither."""
    app = await make_app(starting_credits=100)
    await send(app, fake_telegram, "/balance")  # registers the user
    model = app.catalog.by_command("image")
    assert model is not None
    outcomes = []
    for turns in range(24):
        started = await app.generation.start(
            user_id=1001,
            language="en",
            model=model,
            request=RequestText(prompt=f"race {turns}", options={}),
            chat=ChatRef(1001, None, 10_000 + turns),
        )

        async def cancel(task_id: int = started.task.id, turns: int = turns) -> CancelOutcome:
            for _ in range(turns):
                await asyncio.sleep(0)  # a turn of the event loop, not a wait
            return (await app.cancels.cancel_task(task_id, 1001)).outcome

        _, outcome = await asyncio.gather(app.generation.submit(started.task), cancel())
        async with app.db.read() as repo:
            task = await repo.tasks.get(started.task.id)
        assert task is not None
        kinds = await ledger_kinds(app, task)
        if outcome is CancelOutcome.CANCELLED:
            assert task.state is TaskState.FAILED and task.kie_task_id is None
            assert kinds == [LedgerKind.DEBIT, LedgerKind.REFUND]
            assert creates_of(fake_kie, task) == []
        else:
            assert outcome is CancelOutcome.SENT
            assert task.state is TaskState.RUNNING and task.kie_task_id is not None
            assert kinds == [LedgerKind.DEBIT]
            assert len(creates_of(fake_kie, task)) == 1
        outcomes.append(outcome)
    # Both ends happened, so the race was really run.
    assert set(outcomes) == {CancelOutcome.CANCELLED, CancelOutcome.SENT}, outcomes


async def test_a_request_cancelled_before_its_call_began_does_not_wait_for_the_pace(make_app, fake_telegram, fake_kie):
    # The only place in the pace is taken for an hour; the second request (a photo edit) is
    # cancelled while its picture is being uploaded to Kie, before its createTask call began.
    app = await make_app(rate_limit=1, rate_period=3600, starting_credits=50)
    await send(app, fake_telegram, "/image the first one")
    held = fake_kie.hold_next("upload")
    raw = fake_telegram.photo_update(caption="/image make it blue")
    handler = asyncio.create_task(feed(app, raw))
    await asyncio.wait_for(held.arrived.wait(), 5)
    *_, task = await tasks_of(app)

    await send(app, fake_telegram, "/cancel")
    assert fake_telegram.calls_of("sendMessage", ok=True)[-1].params["text"].startswith("🚫 Cancelled 1 request")
    held.release.set()
    await asyncio.wait_for(handler, 5)  # not an hour in the pace
    assert len(creates(fake_kie)) == 1 and creates_of(fake_kie, task) == []
    assert await ledger_kinds(app, task) == [LedgerKind.DEBIT, LedgerKind.REFUND]
