"""Inline mode: ``@bot text`` lists the user's own delivered results as cached files (by
Telegram file_id: nothing uploaded, nothing charged, Kie not asked), filtered by prompt,
personal, in pages of 50. Real application, fake Bot API (which checks each result's
file_id and type), fake Kie."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.types import Update

from bot.domain import DeliveryMethod, Kind, MediaKind
from bot.runner import run_polling
from bot.storage import DeliveryRecord
from tests.conftest import send, send_and_deliver


async def generate(app, fake_telegram, fake_kie, text: str, **kw: Any) -> str:
    return await send_and_deliver(app, fake_telegram, fake_kie, text, **kw)


async def ask(app, fake_telegram, query: str = "", **kw: Any) -> dict[str, Any]:
    """Type ``@bot query``; returns the answer's parameters."""
    raw = fake_telegram.inline_query_update(query, **kw)
    await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))
    return fake_telegram.inline_answers[raw["inline_query"]["id"]]


async def files_of(app, user_id: int) -> list[DeliveryRecord]:
    async with app.db.read() as repo:
        found = []
        for task in await repo.tasks.for_user(user_id, limit=100):
            found += reversed(await repo.deliveries.for_task(task.id))
        return found


async def test_inline_lists_only_the_users_own_results_as_cached_files(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=100)
    await generate(app, fake_telegram, fake_kie, "/image a red FOX in the snow")
    await generate(app, fake_telegram, fake_kie, "/song a cheerful song about coffee")
    await generate(app, fake_telegram, fake_kie, "/image bob's fox", user_id=2002, username="bob", first_name="Bob")
    alice, bob = await files_of(app, 1001), await files_of(app, 2002)
    kie_calls, balance = len(fake_kie.requests), await app.credits.balance(1001)

    answer = await ask(app, fake_telegram)

    assert answer["is_personal"] is True and answer["cache_time"] <= 60
    results = answer["results"]
    assert [r["type"] for r in results] == ["audio", "audio", "photo"]  # newest first
    assert [r.get("audio_file_id") or r.get("photo_file_id") for r in results] == [d.file_id for d in alice]
    assert not {d.file_id for d in bob} & {r.get("photo_file_id") for r in results}
    photo = results[-1]
    assert photo["title"] == "a red FOX in the snow" and "a red FOX in the snow" in photo["caption"]
    assert photo["parse_mode"] == "HTML"
    assert len(fake_kie.requests) == kie_calls and await app.credits.balance(1001) == balance

    fox = await ask(app, fake_telegram, "  fox ")  # any case, spaces around ignored
    assert [r["photo_file_id"] for r in fox["results"]] == [alice[-1].file_id]
    nothing = await ask(app, fake_telegram, "unicorn")
    assert nothing["results"] == []
    assert nothing["button"] == {"text": "Nothing matches: open the bot", "start_parameter": "inline"}


async def test_a_user_with_nothing_gets_a_button_to_open_the_bot(make_app, fake_telegram, fake_kie):
    app = await make_app()
    answer = await ask(app, fake_telegram, language_code="ru", user_id=3003)
    assert answer["results"] == []
    assert answer["button"] == {
        "text": "Пока нечем поделиться: откройте бота и создайте что-нибудь",
        "start_parameter": "inline",
    }
    # The deep link it opens is an ordinary /start.
    await send(app, fake_telegram, "/start inline", user_id=3003, language_code="ru")
    assert fake_telegram.calls_of("sendMessage", ok=True)[-1].params["text"]


async def test_a_banned_user_gets_an_empty_answer(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await generate(app, fake_telegram, fake_kie, "/image a red fox")
    async with app.db.transaction() as repo:
        await repo.admin.ban(1001, by=9, now=0.0)
    answer = await ask(app, fake_telegram)
    assert answer["results"] == [] and "button" not in answer


async def test_more_than_fifty_results_come_in_pages(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/balance")  # registers the user
    now = 1_700_000_000.0
    async with app.db.transaction() as repo:
        for n in range(55):
            task = await repo.tasks.create(
                user_id=1001, chat_id=1001, thread_id=None, request_message_id=5000 + n, kind=Kind.IMAGE,
                model_key="nano-banana", family="market", prompt=f"picture {n}", options={}, price=2,
                callback_token=f"token-{n}", language="en", now=now,
            )  # fmt: skip
            await repo.deliveries.add(
                task.id, file_key="0", url="https://x.invalid/a.png", media=MediaKind.IMAGE, title=None,
                duration=None, now=now,
            )  # fmt: skip
            [delivery] = await repo.deliveries.for_task(task.id)
            file_id = fake_telegram.register_photo(fake_telegram_png())[-1]["file_id"]
            await repo.deliveries.mark_sent(
                delivery.id, sent_as=DeliveryMethod.PHOTO, file_id=file_id, message_id=None, now=now
            )

    first = await ask(app, fake_telegram, "picture")
    assert len(first["results"]) == 50 and first["next_offset"] == "50"
    assert first["results"][0]["title"] == "picture 54"
    second = await ask(app, fake_telegram, "picture", offset="50")
    assert [r["title"] for r in second["results"]] == [f"picture {n}" for n in range(4, -1, -1)]
    assert second.get("next_offset", "") == ""


def fake_telegram_png() -> bytes:
    from tests.fakes.telegram import make_png

    return make_png(16, 16)


async def test_polling_asks_telegram_for_inline_queries_and_answers_them(make_app, fake_telegram, fake_kie):
    app = await make_app()
    # The webhook is registered with the same list (resolve_used_update_types).
    assert "inline_query" in app.dispatcher.resolve_used_update_types()
    stop = asyncio.Event()
    runner = asyncio.create_task(run_polling(app, stop))
    try:
        pushed = fake_telegram.push_update(fake_telegram.inline_query_update("fox", user_id=4004))
        call = await fake_telegram.wait_for("answerInlineQuery")
        assert call.ok and call.params["inline_query_id"] == pushed["inline_query"]["id"]
        polls = fake_telegram.calls_of("getUpdates", ok=True)
        assert "inline_query" in polls[0].params["allowed_updates"]
    finally:
        stop.set()
        await asyncio.wait_for(runner, 10)
