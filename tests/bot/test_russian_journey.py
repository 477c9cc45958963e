"""A Russian speaker's whole journey, end to end through the fake Bot API: every text they
see is Russian (no English sentence anywhere), and /language switches it."""

from __future__ import annotations

import re
from typing import Any

from aiogram.types import Update

from bot.runner import publish_commands
from tests.bot.test_i18n import english_words
from tests.conftest import send

IVAN = 2001
ALICE = 1001
GROUP = -100777


def texts_to(telegram: Any, chat_id: int) -> list[str]:
    """Everything the bot showed in the chat, as it reads now (edits applied), captions too."""
    shown = []
    for message in telegram.messages(chat_id):
        shown.append(message.text or message.caption or "")
    return [text for text in shown if text]


def sent_html(telegram: Any, chat_id: int) -> list[str]:
    """Every text and caption the bot sent or edited into the chat, as HTML, in order."""
    out = []
    for call in telegram.calls:
        if call.ok and call.chat_id == chat_id:
            text = call.params.get("text") or call.params.get("caption")
            if text:
                out.append(str(text))
    return out


def assert_russian(text: str) -> None:
    assert re.search("[а-яё]", text, re.IGNORECASE), text
    assert not english_words(text), f"English words {english_words(text)} in: {text}"


async def ivan(app: Any, telegram: Any, text: str, **kwargs: Any) -> None:
    await send(app, telegram, text, user_id=IVAN, username="ivan", first_name="Иван", language_code="ru", **kwargs)


async def test_a_russian_speaker_meets_no_english(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=10)

    await ivan(app, fake_telegram, "/start")
    await ivan(app, fake_telegram, "/help")
    await ivan(app, fake_telegram, "/prices")
    await ivan(app, fake_telegram, "/balance")
    await ivan(app, fake_telegram, "привет")  # not a command: the usage hint
    shown = texts_to(fake_telegram, IVAN)
    assert (
        shown[0].startswith("👋 Привет, Иван!")
        and "<b>10</b> кредитов" in fake_telegram.calls_of("sendMessage")[0].params["text"]
    )
    assert "У вас 10 кредитов." in shown

    # A generation: queued, the picture with its prompt, done.
    await ivan(app, fake_telegram, "/image рыжая лиса в снегу")
    kie_id = list(fake_kie.tasks)[-1]
    fake_kie.complete(kie_id)
    assert await fake_kie.send_callback(kie_id) == 200
    await app.monitor.idle()
    await app.outbox.idle()
    [photo] = fake_telegram.calls_of("sendPhoto", ok=True)
    assert "рыжая лиса в снегу" in photo.params["caption"]
    assert any(text.startswith("✅ Готово") for text in texts_to(fake_telegram, IVAN))

    # Refusals: no prompt, too few credits, an unknown option. Nothing charged.
    await ivan(app, fake_telegram, "/video")
    await ivan(app, fake_telegram, "/video море на закате")
    await ivan(app, fake_telegram, "/kling волны --dur 7")
    assert await app.credits.balance(IVAN) == 8

    # A failure, refunded.
    await ivan(app, fake_telegram, "/image замок")
    kie_id = list(fake_kie.tasks)[-1]
    fake_kie.fail(kie_id, code=400, msg="flagged")
    assert await fake_kie.send_callback(kie_id) == 200
    await app.monitor.idle()
    await app.outbox.idle()
    assert any("возвращены" in text for text in texts_to(fake_telegram, IVAN))
    assert await app.credits.balance(IVAN) == 8

    said = sent_html(fake_telegram, IVAN)
    assert len(said) >= 14  # start, help, prices, balance, hint, 3 progress lines, done, 3 refusals, failure...
    for text in said:
        if text.startswith("🖼 <i>рыжая лиса"):
            continue  # the caption: his own prompt
        assert_russian(text.replace("<i>flagged</i>", ""))  # Kie's own words are quoted as they came


async def test_the_language_follows_telegram_and_language_switches_it(make_app, fake_telegram):
    app = await make_app()
    await ivan(app, fake_telegram, "/language")
    [menu] = [c for c in fake_telegram.calls_of("sendMessage", ok=True) if c.chat_id == IVAN]
    assert_russian(menu.params["text"])
    buttons = [b["text"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["✅ 🇷🇺 Русский", "🇬🇧 English"]
    english = menu.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"]

    press = fake_telegram.callback_update(english, user_id=IVAN, first_name="Иван", language_code="ru")
    await app.dispatcher.feed_update(app.bot, Update.model_validate(press, context={"bot": app.bot}))
    assert fake_telegram.calls_of("answerCallbackQuery", ok=True)
    assert texts_to(fake_telegram, IVAN)[-1] == "Done: I'll speak English from now on."
    await ivan(app, fake_telegram, "/balance")
    assert texts_to(fake_telegram, IVAN)[-1] == "10 credits left."

    forged = fake_telegram.callback_update("lang:xx", user_id=IVAN, language_code="ru")
    await app.dispatcher.feed_update(app.bot, Update.model_validate(forged, context={"bot": app.bot}))
    assert "no longer works" in fake_telegram.calls_of("answerCallbackQuery", ok=True)[-1].params["text"]
    async with app.db.read() as repo:
        assert (await repo.users.get(IVAN)).language == "en"


async def test_other_languages_that_read_russian_get_russian(make_app, fake_telegram):
    app = await make_app()
    await send(app, fake_telegram, "/balance", user_id=2002, language_code="uk")
    await send(app, fake_telegram, "/balance", user_id=2003, language_code="de")
    assert texts_to(fake_telegram, 2002) == ["У вас 10 кредитов."]
    assert texts_to(fake_telegram, 2003) == ["10 credits left."]


async def test_in_a_group_each_reply_uses_the_requester_s_language(make_app, fake_telegram, fake_kie):
    app = await make_app()
    fake_telegram.add_chat(GROUP, "supergroup", title="Друзья")
    common = {"chat_id": GROUP, "chat_type": "supergroup"}
    await send(app, fake_telegram, "/balance", user_id=IVAN, language_code="ru", **common)
    await send(app, fake_telegram, "/balance", user_id=ALICE, language_code="en", **common)
    await send(app, fake_telegram, "/image", user_id=IVAN, language_code="ru", **common)
    assert texts_to(fake_telegram, GROUP)[:2] == ["У вас 10 кредитов.", "10 credits left."]
    assert_russian(texts_to(fake_telegram, GROUP)[2])


async def test_the_command_menu_is_published_in_each_language(make_app, fake_telegram):
    app = await make_app()
    await publish_commands(app)
    russian = fake_telegram.my_commands(language_code="ru")
    default = fake_telegram.my_commands()
    assert russian and default
    assert [c["command"] for c in russian] == [c["command"] for c in default]
    assert "language" in [c["command"] for c in default]
    for command in russian:
        assert re.search("[а-яё]", command["description"], re.IGNORECASE), command
    assert default[0]["description"] == "A picture from a prompt"
