"""Photo input through the real app, the fake Bot API and the fake Kie: a photo with the
command as its caption, or the command as a reply to a photo (or to an image sent as a
file), is fetched from Telegram, uploaded to Kie and sent to a model that takes a picture."""

from __future__ import annotations

from typing import Any

import httpx
from aiogram.types import Update

from bot.storage import TaskState
from tests.conftest import send
from tests.fakes.telegram import make_png

GROUP = -1_001_234_567_890


async def feed(app, raw: dict[str, Any]) -> dict[str, Any]:
    await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))
    return raw["message"]


def creates(fake_kie, path: str = "/api/v1/jobs/createTask") -> list[Any]:
    return [r for r in fake_kie.requests if r.method == "POST" and r.path == path]


def replies(fake_telegram, chat_id: int = 1001) -> list[str]:
    return [c.params["text"] for c in fake_telegram.calls_of("sendMessage", ok=True) if c.params["chat_id"] == chat_id]


async def debits(app, user_id: int = 1001) -> list[Any]:
    """The user's tasks' debits (a request that cannot start leaves no task, hence none)."""
    async with app.db.read() as repo:
        return [e for t in await repo.tasks.for_user(user_id) for e in await repo.ledger.for_task(t.id)]


async def served(url: str) -> bytes:
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200
    return response.content


def document_update(fake_telegram, data: bytes, *, caption: str | None = None) -> dict[str, Any]:
    """An image sent as a file (a document with an image MIME type)."""
    content: dict[str, Any] = {
        "document": fake_telegram.register_file(data, filename="photo.png", mime_type="image/png")
    }
    if caption is not None:
        content["caption"] = caption
    message = fake_telegram._user_message(
        user_id=1001,
        chat_id=None,
        chat_type="private",
        username="alice",
        first_name="Alice",
        message_thread_id=None,
        reply_to=None,
        language_code="en",
        content=content,
    )
    return {"update_id": 900_000 + message["message_id"], "message": message}


async def test_photo_with_caption_is_uploaded_and_edited_by_the_edit_model(make_app, fake_telegram, fake_kie):
    app = await make_app()
    photo = make_png(64, 48, rgb=(10, 200, 30))
    await feed(app, fake_telegram.photo_update(photo, caption="/image make it snowy"))

    [upload] = fake_kie.uploads
    assert upload.data == photo
    [create] = creates(fake_kie)
    assert create.json["model"] == "google/nano-banana-edit"
    assert create.json["input"]["prompt"] == "make it snowy"
    assert create.json["input"]["image_urls"] == [upload.url]
    assert await served(upload.url) == photo
    assert await app.credits.balance(1001) == 10 - 2
    # Kie serves uploads to anyone by name: never Telegram's guessable file_<n>.jpg.
    assert not upload.file_name.startswith("file_") and len(upload.file_name) > 20


async def test_video_as_a_reply_to_a_photo_is_image_to_video(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=50)
    photo = make_png(80, 60, rgb=(1, 2, 3))
    sent = await feed(app, fake_telegram.photo_update(photo))
    await send(app, fake_telegram, "/video make the waves move", reply_to=sent["message_id"])

    [upload] = fake_kie.uploads
    assert upload.data == photo
    [create] = creates(fake_kie, "/api/v1/veo/generate")
    assert create.json["model"] == "veo3_fast"  # Veo takes the picture itself (imageUrls)
    assert create.json["imageUrls"] == [upload.url]
    assert await served(create.json["imageUrls"][0]) == photo
    assert await app.credits.balance(1001) == 50 - 20


async def test_image_sent_as_a_file_is_a_picture_too(make_app, fake_telegram, fake_kie):
    app = await make_app()
    picture = make_png(32, 32, rgb=(9, 9, 9))
    await feed(app, document_update(fake_telegram, picture, caption="/image add a hat"))
    sent = await feed(app, document_update(fake_telegram, picture))
    await send(app, fake_telegram, "/image add a scarf", reply_to=sent["message_id"])

    assert [u.data for u in fake_kie.uploads] == [picture, picture]
    created = creates(fake_kie)
    assert [c.json["model"] for c in created] == ["google/nano-banana-edit"] * 2
    assert [c.json["input"]["image_urls"] for c in created] == [[u.url] for u in fake_kie.uploads]


async def test_group_photo_caption_addressed_to_the_bot(make_app, fake_telegram, fake_kie):
    app = await make_app()
    fake_telegram.add_chat(GROUP, "supergroup", title="Friends")
    bot_name = fake_telegram.bot_user["username"]
    photo = make_png(40, 40)
    # Privacy mode: the bot sees a caption command addressed to it.
    await feed(
        app,
        fake_telegram.photo_update(
            photo, caption=f"/image@{bot_name} make it snowy", chat_id=GROUP, chat_type="supergroup"
        ),
    )
    [create] = creates(fake_kie)
    assert create.json["model"] == "google/nano-banana-edit"
    assert [u.data for u in fake_kie.uploads] == [photo]
    # Addressed to another bot: not ours.
    await feed(
        app,
        fake_telegram.photo_update(
            photo, caption="/image@other_bot make it snowy", chat_id=GROUP, chat_type="supergroup"
        ),
    )
    assert len(creates(fake_kie)) == 1


async def test_model_without_picture_input_is_never_sent_one(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image a red fox")
    [create] = creates(fake_kie)
    assert create.json["model"] == "google/nano-banana"
    assert not [key for key in create.json["input"] if "url" in key or key.startswith("image_input")]
    assert fake_kie.uploads == []


async def test_picture_past_the_limit_is_refused_before_any_charge(make_app, fake_telegram, fake_kie):
    app = await make_app(picture_max_mb=1)
    raw = fake_telegram.photo_update(make_png(16, 16), caption="/image make it snowy")
    raw["message"]["photo"][-1]["file_size"] = 3 * 1024 * 1024  # as Telegram declares it
    await feed(app, raw)

    [text] = replies(fake_telegram)
    assert "3 MB" in text and "1 MB" in text and "Nothing was charged" in text
    assert creates(fake_kie) == [] and fake_kie.uploads == []
    assert await debits(app) == [] and await app.credits.balance(1001) == 10


async def test_song_cannot_start_from_a_picture(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await feed(app, fake_telegram.photo_update(make_png(), caption="/song a tune about this"))
    [text] = replies(fake_telegram)
    assert "cannot start from a picture" in text and "Nothing was charged" in text
    assert fake_kie.requests == [] and await debits(app) == []


async def test_picture_only_model_needs_a_picture(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/nanobananaedit make it snowy")
    [text] = replies(fake_telegram)
    assert "works from a picture" in text and "Nothing was charged" in text
    assert fake_kie.requests == [] and await debits(app) == []


async def test_picture_gone_at_submit_is_refunded_with_the_reason(make_app, fake_telegram, fake_kie):
    app = await make_app()
    fake_telegram.fail_next("getFile", 400, "Bad Request: wrong file_id or the file is temporarily unavailable")
    await feed(app, fake_telegram.photo_update(make_png(), caption="/image make it snowy"))

    assert creates(fake_kie) == [] and fake_kie.uploads == []
    async with app.db.read() as repo:
        [task] = await repo.tasks.for_user(1001)
        kinds = [e.kind for e in await repo.ledger.for_task(task.id)]
    assert task.state is TaskState.FAILED and kinds == ["debit", "refund"]
    assert await app.credits.balance(1001) == 10
    last = [c.params["text"] for c in fake_telegram.calls_of("editMessageText", ok=True)][-1]
    assert "could not be fetched from Telegram" in last


async def test_kie_upload_failure_is_refunded_with_a_plain_reason(make_app, fake_telegram, fake_kie):
    app = await make_app()
    fake_kie.fail_next("upload", 500, "internal upload error xyz")
    await feed(app, fake_telegram.photo_update(make_png(), caption="/image make it snowy"))

    assert creates(fake_kie) == []
    async with app.db.read() as repo:
        [task] = await repo.tasks.for_user(1001)
    assert task.state is TaskState.FAILED
    assert await app.credits.balance(1001) == 10
    last = [c.params["text"] for c in fake_telegram.calls_of("editMessageText", ok=True)][-1]
    assert "xyz" not in last and "returned" in last


async def test_prices_mark_the_models_that_take_a_photo(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/prices")
    await send(app, fake_telegram, "/prices", user_id=2002, language_code="ru")
    english = replies(fake_telegram)[-1]
    assert "Nano Banana Edit 📷" in english and "Veo 3.1 Fast 📷" in english
    assert "With a photo, /image runs Nano Banana Edit" in english
    assert "📷 takes a photo" in english
    assert "Nano Banana:" in english  # the text-only model has no mark
    russian = replies(fake_telegram, 2002)[-1]
    assert "С фото /image запускает Nano Banana Edit" in russian and "работает с фото" in russian


async def test_help_mentions_photos_in_both_languages(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/help")
    await send(app, fake_telegram, "/help", user_id=2002, language_code="ru")
    assert "A photo with" in replies(fake_telegram)[-1]
    assert "Фото с подписью" in replies(fake_telegram, 2002)[-1]
