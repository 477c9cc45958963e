"""A chat that answers 403 is recorded once and never answered again; every button press is
answered, also one the bot no longer knows; an error is apologised for once."""

from __future__ import annotations

import logging

import pytest
from aiogram.types import Update

from bot.storage import UserRecord
from tests.conftest import send

ALICE = 1001
GROUP = -100500


async def user(app, user_id: int = ALICE) -> UserRecord:
    async with app.db.read() as repo:
        found = await repo.users.get(user_id)
    assert found is not None
    return found


@pytest.mark.parametrize("text", ["/start", "/balance", "/help", "/prices", "hello there", "/image"])
async def test_a_user_who_blocked_the_bot_gets_one_try_and_is_marked(make_app, fake_telegram, text, caplog):
    app = await make_app()
    fake_telegram.blocked_users.add(ALICE)
    caplog.set_level(logging.INFO)
    await send(app, fake_telegram, text)

    refused = [c for c in fake_telegram.calls if c.chat_id == ALICE]
    assert [c.status for c in refused] == [403]  # no apology sent after the refusal
    assert (await user(app)).blocked_at is not None
    assert not [r for r in caplog.records if r.exc_info is not None or r.levelno >= logging.ERROR]
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot.")]
    assert len(ours) == 1 and "has blocked the bot" in ours[0], ours


async def test_a_403_in_a_group_does_not_mark_the_requester(make_app, fake_telegram):
    app = await make_app()
    fake_telegram.add_chat(GROUP, "supergroup", title="Friends")
    fake_telegram.left_chats.add(GROUP)
    await send(app, fake_telegram, "/balance", chat_id=GROUP, chat_type="supergroup")
    assert [c.status for c in fake_telegram.calls if c.chat_id == GROUP] == [403]
    assert (await user(app)).blocked_at is None


async def test_writing_again_clears_the_blocked_mark(make_app, fake_telegram):
    app = await make_app()
    fake_telegram.blocked_users.add(ALICE)
    await send(app, fake_telegram, "/balance")
    fake_telegram.blocked_users.discard(ALICE)
    await send(app, fake_telegram, "/balance")
    assert (await user(app)).blocked_at is None


async def test_a_button_the_bot_no_longer_knows_is_answered(make_app, fake_telegram):
    app = await make_app()
    await send(app, fake_telegram, "/balance")  # a message of the bot's to hang an (old) button on
    raw = fake_telegram.callback_update("old:feature:42")
    await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))
    [answer] = fake_telegram.calls_of("answerCallbackQuery", ok=True)
    assert answer.params["callback_query_id"] == raw["callback_query"]["id"]
    assert "no longer works" in answer.params["text"]


async def test_an_unexpected_error_is_apologised_for_once(make_app, fake_telegram, caplog):
    app = await make_app()
    await send(app, fake_telegram, "/balance")  # registered
    fake_telegram.fail_next("sendMessage", 400, "Bad Request: something odd")  # the handler's answer fails
    fake_telegram.fail_next("sendMessage", 400, "Bad Request: something odd")  # and so does the apology
    caplog.set_level(logging.INFO)
    await send(app, fake_telegram, "/balance")
    assert [c.status for c in fake_telegram.calls_of("sendMessage")][-2:] == [400, 400]
    assert len(fake_telegram.calls_of("sendMessage")) == 3  # the first answer, then two tries: no loop
    assert [r for r in caplog.records if "could not say so either" in r.getMessage()]


async def test_the_apology_speaks_the_language_the_user_chose(make_app, fake_telegram):
    app = await make_app()
    await send(app, fake_telegram, "/balance")  # Telegram says English...
    await app.credits.set_language(ALICE, "ru")  # ...but they chose Russian
    fake_telegram.fail_next("sendMessage", 400, "Bad Request: something odd")
    await send(app, fake_telegram, "/balance")
    apology = fake_telegram.calls_of("sendMessage", ok=True)[-1].params["text"]
    assert apology.startswith("⚠️ Что-то пошло не так")
