"""/settings through the fake Bot API: a model and its options chosen with buttons (one
message edited in place), then used by /image, /video, /song, with typed options still
winning; stale and forged buttons answered; settings kept across a restart."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
from aiogram.types import Update

from bot.domain import Kind
from tests.bot.test_russian_journey import assert_russian
from tests.conftest import send

ALICE = 1001
BOB = 1002
IVAN = 2001
GROUP = -100500
CREATE = "/api/v1/jobs/createTask"


async def feed(app: Any, raw: dict[str, Any]) -> None:
    await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))


def shown(telegram: Any, chat_id: int) -> Any:
    """The last settings screen the bot sent or edited into the chat (a call with buttons)."""
    calls = [
        c
        for c in telegram.calls
        if c.ok and c.chat_id == chat_id and c.method in ("sendMessage", "editMessageText")
        and c.params.get("reply_markup") and _is_settings(c.params["reply_markup"])
    ]  # fmt: skip
    return calls[-1]


def _is_settings(markup: dict[str, Any]) -> bool:
    """A settings screen, not a progress message's Cancel button or a result's buttons."""
    return any(b.get("callback_data", "").startswith("set") for row in markup["inline_keyboard"] for b in row)


def buttons(call: Any) -> list[dict[str, Any]]:
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


def button(telegram: Any, chat_id: int, label: str) -> dict[str, Any]:
    found = [b for b in buttons(shown(telegram, chat_id)) if label in b["text"]]
    assert len(found) == 1, (label, [b["text"] for b in buttons(shown(telegram, chat_id))])
    return found[0]


async def press(app: Any, telegram: Any, label: str, *, user_id: int = ALICE, chat_id: int | None = None) -> str:
    """Press the button whose text contains ``label`` on the last screen; returns the answer."""
    chat = chat_id if chat_id is not None else user_id
    data = button(telegram, chat, label)["callback_data"]
    assert len(data.encode()) <= 64
    message = shown(telegram, chat).result["message_id"] if shown(telegram, chat).method == "sendMessage" else None
    message = message or shown(telegram, chat).params["message_id"]
    await feed(app, telegram.callback_update(data, user_id=user_id, chat_id=chat, message=message))
    return telegram.calls_of("answerCallbackQuery", ok=True)[-1].params.get("text") or ""


def creates(fake_kie: Any) -> list[Any]:
    return [r for r in fake_kie.requests if r.method == "POST" and r.path == CREATE]


def shown_price(telegram: Any, chat_id: int) -> int:
    match = re.search(r"Price: <b>(\d+)</b>", shown(telegram, chat_id).params["text"])
    assert match, shown(telegram, chat_id).params["text"]
    return int(match.group(1))


async def choose_flux(app: Any, telegram: Any, user_id: int = ALICE, chat_id: int | None = None) -> None:
    """/settings → Pictures → Model → Flux 2 Pro → Resolution 2K → Aspect ratio 16:9."""
    chat = chat_id if chat_id is not None else user_id
    kwargs: dict[str, Any] = {"chat_id": chat, "chat_type": "supergroup"} if chat != user_id else {}
    await send(app, telegram, "/settings", user_id=user_id, **kwargs)
    await press(app, telegram, "Pictures", user_id=user_id, chat_id=chat)
    await press(app, telegram, "Model: Nano Banana", user_id=user_id, chat_id=chat)
    await press(app, telegram, "Flux 2 Pro", user_id=user_id, chat_id=chat)
    await press(app, telegram, "Resolution: 1K", user_id=user_id, chat_id=chat)
    await press(app, telegram, "2K (+1)", user_id=user_id, chat_id=chat)
    await press(app, telegram, "Aspect ratio: 1:1", user_id=user_id, chat_id=chat)
    await press(app, telegram, "16:9", user_id=user_id, chat_id=chat)


async def test_chosen_model_and_options_are_used_by_image_and_charged_as_shown(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=20)
    await choose_flux(app, fake_telegram)
    screen = shown(fake_telegram, ALICE)
    assert screen.method == "editMessageText"  # one message, edited in place
    assert len(fake_telegram.calls_of("sendMessage", ok=True)) == 1
    assert "Flux 2 Pro" in screen.params["text"] and "16:9" in screen.params["text"]
    assert "With a photo: Flux 2 Pro Edit" in screen.params["text"]
    price = shown_price(fake_telegram, ALICE)
    assert price == 3  # 2 + 1 for 2K

    await send(app, fake_telegram, "/image a cat")
    [create] = creates(fake_kie)
    assert create.json["model"] == "flux-2/pro-text-to-image"
    assert create.json["input"]["aspect_ratio"] == "16:9" and create.json["input"]["resolution"] == "2K"
    assert await app.credits.balance(ALICE) == 20 - price

    # A typed option wins for that request only.
    await send(app, fake_telegram, "/image a dog --ar 3:2")
    assert creates(fake_kie)[-1].json["input"] == {**create.json["input"], "prompt": "a dog", "aspect_ratio": "3:2"}
    # The model's own command: the saved choices, since it is the saved model...
    await send(app, fake_telegram, "/flux a bird")
    assert creates(fake_kie)[-1].json["input"]["resolution"] == "2K"
    # ...another model's command: its own defaults.
    await send(app, fake_telegram, "/nanobanana a fish")
    last = creates(fake_kie)[-1].json
    assert last["model"] == "google/nano-banana" and last["input"]["aspect_ratio"] == "1:1"
    # Other kinds are untouched.
    await send(app, fake_telegram, "/song a tune")
    assert [r for r in fake_kie.requests if r.path == "/api/v1/generate"][-1].json["model"] == "V4_5"
    assert await app.credits.balance(ALICE) == 20 - 3 - 3 - 3 - 2 - 4


async def test_video_settings_price_matches_the_charge(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=100)
    await send(app, fake_telegram, "/settings video")  # straight to the kind's screen
    await press(app, fake_telegram, "Model: Veo")
    models = [b["text"] for b in buttons(shown(fake_telegram, ALICE))]
    assert any(t.startswith("✅ Veo 3.1 Fast") for t in models)
    assert not any("Image to Video" in t for t in models)  # reached with a photo, not chosen
    assert "Kling 2.6 — 19 credits 📷" in models and "Hailuo 02 — 10 credits 📷" in models
    await press(app, fake_telegram, "Kling 2.6")
    await press(app, fake_telegram, "Duration, s: 5")
    await press(app, fake_telegram, "10 (+18)")
    price = shown_price(fake_telegram, ALICE)
    assert price == 37
    await send(app, fake_telegram, "/video waves")
    [create] = creates(fake_kie)
    assert create.json["model"] == "kling-2.6/text-to-video" and create.json["input"]["duration"] == "10"
    assert await app.credits.balance(ALICE) == 100 - price

    answer = await press(app, fake_telegram, "Reset")
    assert "defaults" in answer
    assert "Veo 3.1 Fast" in shown(fake_telegram, ALICE).params["text"]
    await send(app, fake_telegram, "/video waves again")
    assert [r for r in fake_kie.requests if r.path == "/api/v1/veo/generate"]


async def test_a_photo_carries_the_saved_choices_to_the_picture_model(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=20)
    await choose_flux(app, fake_telegram)
    await feed(app, fake_telegram.photo_update(caption="/image make it blue"))
    [create] = creates(fake_kie)
    assert create.json["model"] == "flux-2/pro-image-to-image"
    assert create.json["input"]["aspect_ratio"] == "16:9" and create.json["input"]["resolution"] == "2K"
    assert create.json["input"]["input_urls"]


FORGED = {
    "unknown-kind": "set:{u}:movie:",
    "unknown-page": "set:{u}:image:deadbeef",
    "unknown-model": "setm:{u}:image:deadbeef",
    "picture-only-model": "setm:{u}:image:{edit}",
    "model-of-another-kind": "setm:{u}:video:{flux}",
    "choice-for-another-model": "setc:{u}:image:{nano}:{ar}:{wide}",
    "unknown-option": "setc:{u}:image:{flux}:deadbeef:{wide}",
    "choice-not-offered": "setc:{u}:image:{flux}:{ar}:{tag21}",
    "bad-user": "set:alice:image:",
    "too-few-fields": "setm:{u}:image",
    "reset-unknown-kind": "setr:{u}:movie",
}


async def test_stale_and_forged_settings_buttons_are_answered_and_change_nothing(make_app, fake_telegram, fake_kie):
    from bot.telegram.handlers.settings import tag

    app = await make_app()
    await choose_flux(app, fake_telegram)
    before = await app.preferences.current(ALICE, Kind.IMAGE)
    values = {
        "u": ALICE,
        "edit": tag("flux-2-pro-edit"),
        "flux": tag("flux-2-pro"),
        "nano": tag("nano-banana"),
        "ar": tag("aspect_ratio"),
        "wide": tag("3:2"),
        "tag21": tag("21:9"),  # Nano Banana has it, Flux does not
    }
    for name, template in FORGED.items():
        answers = len(fake_telegram.calls_of("answerCallbackQuery", ok=True))
        await feed(app, fake_telegram.callback_update(template.format(**values), user_id=ALICE))
        replies = fake_telegram.calls_of("answerCallbackQuery", ok=True)
        assert len(replies) == answers + 1, name
        assert "no longer works" in replies[-1].params["text"], name
    assert await app.preferences.current(ALICE, before.kind) == before


async def test_someone_elses_screen_in_a_group_changes_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app()
    fake_telegram.add_chat(GROUP, "supergroup", title="Friends")
    await send(app, fake_telegram, "/settings", chat_id=GROUP, chat_type="supergroup")
    await press(app, fake_telegram, "Pictures", chat_id=GROUP)
    screen = shown(fake_telegram, GROUP)
    answer = await press(app, fake_telegram, "Model:", user_id=BOB, chat_id=GROUP)
    assert "someone else's" in answer
    assert shown(fake_telegram, GROUP) is screen  # not edited
    # Settings are the person's, not the group's: Alice's choice follows her to private chat.
    await choose_flux(app, fake_telegram, chat_id=GROUP)
    await send(app, fake_telegram, "/image a cat")
    await send(app, fake_telegram, "/image a cat", user_id=BOB, chat_id=GROUP, chat_type="supergroup")
    assert [c.json["model"] for c in creates(fake_kie)] == ["flux-2/pro-text-to-image", "google/nano-banana"]


async def test_settings_survive_a_restart_and_a_removed_model_falls_back(tmp_path, make_app, fake_telegram, fake_kie):
    first = await make_app()
    await choose_flux(first, fake_telegram)
    await first.stop()

    second = await make_app(web_port=first.settings.web.web_port)
    await press(second, fake_telegram, "Model: Flux 2 Pro")  # an old screen's button still works
    assert "✅ Flux 2 Pro" in [b["text"][: len("✅ Flux 2 Pro")] for b in buttons(shown(fake_telegram, ALICE))]
    await send(second, fake_telegram, "/image a cat")
    assert creates(fake_kie)[-1].json["model"] == "flux-2/pro-text-to-image"
    await second.stop()

    # The operator drops Flux from the catalog: /image runs the default, silently.
    text = (resources.files("bot.catalog") / "catalog.toml").read_text()
    start, end = text.index("[models.flux-2-pro]"), text.index("# Picture edits")
    edited = text[:start] + text[end:]
    start, end = edited.index("[models.flux-2-pro-edit]"), edited.index("# --- videos")
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(edited[:start] + edited[end:])
    third = await make_app(web_port=first.settings.web.web_port, catalog_path=catalog)
    await send(third, fake_telegram, "/image a dog")
    assert creates(fake_kie)[-1].json["model"] == "google/nano-banana"
    assert creates(fake_kie)[-1].json["input"]["aspect_ratio"] == "1:1"  # its defaults
    # The old screen's Flux button: a short answer, nothing saved.
    assert "no longer works" in await press(third, fake_telegram, "Flux 2 Pro")
    assert (await third.preferences.current(ALICE, Kind.IMAGE)).model.key == "nano-banana"


async def test_a_russian_speaker_sees_settings_in_russian(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/settings", user_id=IVAN, language_code="ru")
    for label in ("Картинки", "Модель:", "GPT Image 1.5", "Качество:", "высокое"):
        await press(app, fake_telegram, label, user_id=IVAN)
        screen = shown(fake_telegram, IVAN)
        assert_russian(screen.params["text"])
        for b in buttons(screen):
            assert "credit" not in b["text"] and "Back" not in b["text"], b["text"]
    assert "Цена: <b>8</b> кредитов" in shown(fake_telegram, IVAN).params["text"]


@pytest.mark.parametrize("kind", ["image", "video", "song"])
def test_every_settings_button_fits_telegrams_64_bytes(kind):
    from bot.catalog import load_catalog
    from bot.telegram.handlers.settings import SettingsChoice, SettingsModel, tag

    catalog = load_catalog(None)
    user = -(10**13)  # longer than any Telegram user id
    for model in catalog.of_kind(Kind(kind)):
        assert len(SettingsModel(user=user, kind=kind, model=tag(model.key)).pack()) <= 64
        for option in model.options.values():
            for choice in option.choices:
                data = SettingsChoice(
                    user=user, kind=kind, model=tag(model.key), option=tag(option.key), choice=tag(choice)
                )
                assert len(data.pack().encode()) <= 64


async def test_a_saved_choice_no_longer_offered_falls_back_to_the_default(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/start")
    async with app.db.transaction() as repo:  # as if the catalog had dropped 5:4 since it was saved
        await repo.preferences.save(
            ALICE, Kind.IMAGE, "flux-2-pro", {"aspect_ratio": "5:4", "resolution": "2K", "gone": "x"}, now=0.0
        )
    await send(app, fake_telegram, "/image a cat")
    [create] = creates(fake_kie)
    assert create.json["model"] == "flux-2/pro-text-to-image"
    assert create.json["input"]["aspect_ratio"] == "1:1" and create.json["input"]["resolution"] == "2K"
    assert "gone" not in create.json["input"]
    assert await app.credits.balance(ALICE) == 10 - 3
