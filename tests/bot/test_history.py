"""/history: the user's own generations, newest first, five a page, pages turned in place,
and each delivered file sent again by its Telegram file_id, with no Kie call and no charge.
Real application, fake Bot API, fake Kie."""

from __future__ import annotations

from typing import Any

from aiogram.types import Update

from bot.domain import DeliveryMethod
from bot.services.generation.request_text import RequestText
from bot.services.generation.requests import ChatRef
from bot.storage import DeliveryRecord, TaskState
from bot.telegram.handlers.history import HistoryPageButton, ResendButton
from tests.conftest import send, send_and_deliver


async def feed(app, raw: dict[str, Any]) -> None:
    await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))


async def press(app, fake_telegram, data: str, message: dict[str, Any], user_id: int = 1001, **kw: Any) -> str | None:
    raw = fake_telegram.callback_update(data, message=message, user_id=user_id, **kw)
    await feed(app, raw)
    return fake_telegram.callback_answers[raw["callback_query"]["id"]].get("text")


async def generate(app, fake_telegram, fake_kie, text: str, **kw: Any) -> str:
    return await send_and_deliver(app, fake_telegram, fake_kie, text, **kw)


async def deliveries(app, user_id: int = 1001) -> list[DeliveryRecord]:
    async with app.db.read() as repo:
        found = []
        for task in reversed(await repo.tasks.for_user(user_id, limit=100)):
            found += await repo.deliveries.for_task(task.id)
        return found


def last_reply(fake_telegram) -> Any:
    return fake_telegram.calls_of("sendMessage", ok=True)[-1]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def test_history_pages_newest_first_and_turns_in_place(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=100)
    for n in range(6):
        await generate(app, fake_telegram, fake_kie, f"/image fox number {n} <b>&")
    fake_kie.fail_next_create(422, "flagged", times=1)
    await send(app, fake_telegram, "/image a refused one")

    await send(app, fake_telegram, "/history")
    reply = last_reply(fake_telegram)
    text = reply.params["text"]
    assert text.startswith("🗂 <b>Your generations</b> (7 in all, page 1 of 2)")
    # Newest first: the refused request, then foxes 5..2; prompts escaped.
    assert text.index("a refused one") < text.index("fox number 5") < text.index("fox number 2")
    assert "fox number 1" not in text and "fox number 5 &lt;b&gt;&amp;" in text
    assert "↩️ failed, credits returned" in text and "✅ delivered" in text
    assert "Nano Banana · 2 credits" in text
    message = reply.result
    labels = [b["text"] for b in buttons(message)]
    assert labels == ["📤 Send #2", "📤 Send #3", "📤 Send #4", "📤 Send #5", "Older ▶️"]  # no file for #1

    older = buttons(message)[-1]["callback_data"]
    assert await press(app, fake_telegram, older, message) is None
    edited = fake_telegram.message(message["chat"]["id"], message["message_id"])
    assert "page 2 of 2" in edited.text and "fox number 1" in edited.text and "fox number 0" in edited.text
    assert [b["text"] for b in buttons(edited.message)] == ["📤 Send #6", "📤 Send #7", "◀️ Newer"]
    newer = buttons(edited.message)[-1]["callback_data"]
    await press(app, fake_telegram, newer, edited.message)
    assert "page 1 of 2" in fake_telegram.message(message["chat"]["id"], message["message_id"]).text


async def test_resend_uses_the_file_id_without_kie_or_charge(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=100)
    await generate(app, fake_telegram, fake_kie, "/image a red fox")
    await generate(app, fake_telegram, fake_kie, "/video waves at sunset")
    await generate(app, fake_telegram, fake_kie, "/song a song about coffee")
    files = await deliveries(app)
    sent_as = [d.sent_as for d in files]
    assert sent_as == [DeliveryMethod.PHOTO, DeliveryMethod.VIDEO, DeliveryMethod.AUDIO, DeliveryMethod.AUDIO]
    assert all(d.file_id for d in files)  # every delivery path keeps Telegram's file_id

    await send(app, fake_telegram, "/history")
    message = last_reply(fake_telegram).result
    kie_calls = len(fake_kie.requests)
    ledger = await app.credits.balance(1001)
    async with app.db.read() as repo:
        entries = len(await repo.ledger.entries(1001))

    by_label = {b["text"]: b["callback_data"] for b in buttons(message)}
    # The song (newest, #1) has two tracks: two buttons; the video is #2, the picture #3.
    assert list(by_label) == ["📤 Send #1.1", "📤 Send #1.2", "📤 Send #2", "📤 Send #3"]
    for label, method, param, delivery in (
        ("📤 Send #3", "sendPhoto", "photo", files[0]),
        ("📤 Send #2", "sendVideo", "video", files[1]),
        ("📤 Send #1.2", "sendAudio", "audio", files[3]),
    ):
        before = len(fake_telegram.calls_of(method, ok=True))
        assert await press(app, fake_telegram, by_label[label], message) is None
        calls = fake_telegram.calls_of(method, ok=True)
        assert len(calls) == before + 1
        assert calls[-1].params[param] == delivery.file_id  # the file_id string: nothing uploaded
        assert calls[-1].files == {}
    assert "a red fox" in fake_telegram.calls_of("sendPhoto", ok=True)[-1].params["caption"]
    assert len(fake_kie.requests) == kie_calls  # Kie was not asked
    assert await app.credits.balance(1001) == ledger
    async with app.db.read() as repo:
        assert len(await repo.ledger.entries(1001)) == entries  # nothing charged


async def test_a_result_sent_as_a_document_is_resent_as_one(make_app, fake_telegram, fake_kie):
    app = await make_app()
    fake_telegram.fail_next("sendPhoto", 400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    await generate(app, fake_telegram, fake_kie, "/image a very wide panorama")
    [delivery] = await deliveries(app)
    assert delivery.sent_as is DeliveryMethod.DOCUMENT and delivery.file_id
    await send(app, fake_telegram, "/history")
    message = last_reply(fake_telegram).result
    [button] = buttons(message)
    await press(app, fake_telegram, button["callback_data"], message)
    assert fake_telegram.calls_of("sendDocument", ok=True)[-1].params["document"] == delivery.file_id


async def test_someone_elses_history_and_files_are_not_theirs_to_use(make_app, fake_telegram, fake_kie):
    app = await make_app()
    group = {"chat_type": "supergroup", "chat_id": -1001}
    await generate(app, fake_telegram, fake_kie, "/image a red fox", **group)
    await send(app, fake_telegram, "/history", **group)
    message = last_reply(fake_telegram).result
    assert "Your generations in this group" in message["text"]
    [resend] = buttons(message)
    photos = len(fake_telegram.calls_of("sendPhoto"))
    bob = {"user_id": 2002, "username": "bob", "first_name": "Bob"}

    answer = await press(app, fake_telegram, resend["callback_data"], message, **bob)
    assert answer == "This is someone else's: send /history for yours."
    page = HistoryPageButton(owner=1001, page=1).pack()
    assert await press(app, fake_telegram, page, message, **bob) == "This is someone else's: send /history for yours."
    assert len(fake_telegram.calls_of("sendPhoto")) == photos
    # A forged or stale file button: a short answer, no error.
    forged = await press(app, fake_telegram, ResendButton(delivery_id=999_999).pack(), message)
    assert forged == "This button no longer works. Please send the command again."
    # Bob's own history in the group is empty; Alice's private one shows the group's request.
    await send(app, fake_telegram, "/history", **group, **bob)
    assert last_reply(fake_telegram).params["text"] == "You have made no generations in this group yet."
    await send(app, fake_telegram, "/history")
    assert "a red fox" in last_reply(fake_telegram).params["text"]


async def test_history_in_russian_and_with_a_running_and_a_cancelled_request(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/history", language_code="ru")
    assert last_reply(fake_telegram).params["text"].startswith("У вас пока нет генераций.")
    await send(app, fake_telegram, "/image рыжая лиса", language_code="ru")
    await send(app, fake_telegram, "/history", language_code="ru")
    text = last_reply(fake_telegram).params["text"]
    assert "рыжая лиса" in text and "⏳ выполняется" in text and "2 кредита" in text and " UTC" in text
    async with app.db.read() as repo:
        [task] = await repo.tasks.for_user(1001)
    assert task.state is TaskState.RUNNING
    assert buttons(last_reply(fake_telegram).result) == []
    # A request cancelled while it waited in the bot's queue.
    model = app.catalog.by_command("image")
    assert model is not None
    started = await app.generation.start(
        user_id=1001, language="ru", model=model, request=RequestText("серый волк"), chat=ChatRef(1001, None, 999)
    )
    assert await app.settlement.cancel(started.task) is not None
    await send(app, fake_telegram, "/history", language_code="ru")
    text = last_reply(fake_telegram).params["text"]
    assert text.index("серый волк") < text.index("🚫 отменено, кредиты возвращены") < text.index("рыжая лиса")
