"""The fake Bot API server, driven by a real aiogram Bot over loopback HTTP."""

from __future__ import annotations

import asyncio
import html
import json

import httpx
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    InputMediaVideo,
    LabeledPrice,
    MediaUnion,
    Message,
    ReplyParameters,
)

from tests.fakes.telegram import (
    SCHEMA_PATH,
    FakeTelegram,
    make_png,
    parse_html,
    parse_markdown_v2,
)

USER = 1001


@pytest.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()
    assert server.internal_errors == []


@pytest.fixture
async def bot(fake: FakeTelegram):
    client = fake.make_bot()
    yield client
    await client.session.close()


@pytest.fixture
async def http(fake: FakeTelegram):
    async with httpx.AsyncClient(base_url=f"{fake.base_url}/bot{fake.token}/") as client:
        yield client


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data=data)]])


# --- schema file -------------------------------------------------------------------------------


def test_schema_file_carries_attribution():
    data = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert data["source"] == (
        "Generated from telegram-bot-api-spec (MIT, Copyright (c) 2020 Paul Larsen), Bot API 10.1"
    )
    assert {"name": "chat_id", "types": ["Integer", "String"], "required": True} in data["methods"]["sendMessage"][
        "fields"
    ]
    assert "InlineKeyboardButton" in data["types"]


# --- sending ---------------------------------------------------------------------------------


async def test_get_me(bot: Bot, fake: FakeTelegram):
    me = await bot.get_me()
    assert me.is_bot and me.username == "kie_test_bot" and me.id == fake.bot_id
    assert me.can_read_all_group_messages is False and me.supports_inline_queries is False


async def test_send_message_reaches_calls_with_decoded_params(bot: Bot, fake: FakeTelegram):
    msg = await bot.send_message(USER, "<b>Hello</b> &amp; bye", parse_mode="HTML", reply_markup=keyboard("go:1"))
    call = fake.calls_of("sendMessage")[-1]
    assert call.ok
    assert call.params["chat_id"] == USER
    assert call.params["text"] == "<b>Hello</b> &amp; bye"
    assert call.params["reply_markup"] == {"inline_keyboard": [[{"text": "Go", "callback_data": "go:1"}]]}
    assert call.raw["chat_id"] == str(USER)
    assert msg.text == "Hello & bye"
    assert msg.entities and msg.entities[0].type == "bold" and msg.entities[0].length == 5
    assert msg.from_user is not None and msg.reply_markup is not None
    assert msg.chat.type == "private" and msg.from_user.id == fake.bot_id
    assert msg.reply_markup.inline_keyboard[0][0].callback_data == "go:1"
    second = await bot.send_message(USER, "again")
    assert second.message_id == msg.message_id + 1
    assert [m.text for m in fake.messages(USER)] == ["Hello & bye", "again"]


async def test_send_photo_from_path_and_bytes(bot: Bot, fake: FakeTelegram, tmp_path):
    png = make_png(320, 200)
    path = tmp_path / "pic.png"
    path.write_bytes(png)
    first = await bot.send_photo(USER, FSInputFile(path), caption="from <i>disk</i>", parse_mode="HTML")
    second = await bot.send_photo(USER, BufferedInputFile(png, filename="mem.png"))

    calls = fake.calls_of("sendPhoto")
    assert [c.ok for c in calls] == [True, True]
    assert calls[0].params["photo"].startswith("attach://")
    upload = calls[0].files["photo"]
    assert upload.data == png and upload.size == len(png) and upload.filename == "pic.png"
    assert calls[1].files["photo"].filename == "mem.png" and calls[1].files["photo"].data == png

    assert first.caption_entities and first.photo and second.photo
    assert first.caption == "from disk" and first.caption_entities[0].type == "italic"
    assert (first.photo[-1].width, first.photo[-1].height) == (320, 200)
    assert first.photo[-1].file_size == len(png)
    assert first.photo[0].width == 90  # thumbnails first, like Telegram
    ids = {p.file_id for p in first.photo + second.photo}
    assert len(ids) == len(first.photo) + len(second.photo)

    again = await bot.send_photo(USER, first.photo[-1].file_id)  # by file_id
    assert again.photo and again.photo[-1].file_id == first.photo[-1].file_id


async def test_send_video_audio_document(bot: Bot, fake: FakeTelegram, tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"v" * 1000)
    video = await bot.send_video(USER, FSInputFile(clip), width=1280, height=720, duration=5, caption="clip")
    audio = await bot.send_audio(
        USER, BufferedInputFile(b"ID3" + b"a" * 500, "song.mp3"), title="Song", performer="Kie", duration=61
    )
    doc = await bot.send_document(USER, BufferedInputFile(b"%PDF-1.4 hello", "report.pdf"))

    assert fake.calls_of("sendVideo")[0].files["video"].data == clip.read_bytes()
    assert fake.calls_of("sendAudio")[0].files["audio"].filename == "song.mp3"
    assert fake.calls_of("sendDocument")[0].files["document"].data == b"%PDF-1.4 hello"

    assert video.video and audio.audio and doc.document
    assert (video.video.width, video.video.height, video.video.duration) == (1280, 720, 5)
    assert video.video.file_name == "clip.mp4" and video.video.mime_type == "video/mp4" and video.caption == "clip"
    assert audio.audio.title == "Song" and audio.audio.performer == "Kie" and audio.audio.duration == 61
    assert audio.audio.mime_type == "audio/mpeg"
    assert doc.document.file_name == "report.pdf" and doc.document.file_size == 14
    assert len({video.video.file_id, audio.audio.file_id, doc.document.file_id}) == 3

    resent = await bot.send_document(USER, doc.document.file_id)
    assert resent.document and resent.document.file_id == doc.document.file_id
    with pytest.raises(TelegramBadRequest, match="can't use file of type Audio as Video"):
        await bot.send_video(USER, audio.audio.file_id)
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(USER, "not a file id")


async def test_send_media_group(bot: Bot, fake: FakeTelegram):
    album: list[MediaUnion] = [
        InputMediaPhoto(media=BufferedInputFile(make_png(10, 10), "a.png"), caption="one"),
        InputMediaPhoto(media=BufferedInputFile(make_png(20, 10), "b.png")),
    ]
    messages = await bot.send_media_group(USER, album)
    assert len(messages) == 2 and messages[0].media_group_id == messages[1].media_group_id
    assert messages[0].caption == "one" and messages[1].photo and messages[1].photo[-1].width == 20
    assert len(fake.calls_of("sendMediaGroup")[0].files) == 2
    with pytest.raises(TelegramBadRequest, match="2-10"):
        await bot.send_media_group(USER, album[:1])


# --- formatting and limits -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["<b>x", "a & b", "x < y", "<br>", "<b>x</i>", '<span class="x">a</span>', "</b>"])
async def test_unescaped_html_is_rejected(bot: Bot, fake: FakeTelegram, text: str):
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, text, parse_mode="HTML")
    msg = await bot.send_message(USER, html.escape(text), parse_mode="HTML")
    assert msg.text == text
    assert not fake.calls_of("sendMessage")[0].ok and fake.calls_of("sendMessage")[1].ok


def test_html_parser_supports_telegram_tags():
    text, entities = parse_html(
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>"
        '<a href="https://x.org/?a=1&amp;b=2">l</a><code>c</code><pre><code class="language-python">p</code></pre>'
        '<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler><blockquote expandable>q</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&quot;&#65;&#x42;'
    )
    assert text == 'bsieunskdlcpxyq👍 <>"AB'
    kinds = [e["type"] for e in entities]
    assert kinds.count("bold") == 2 and kinds.count("strikethrough") == 3 and kinds.count("spoiler") == 2
    assert {"type": "pre", "offset": 11, "length": 1, "language": "python"} in entities
    assert {"type": "text_link", "offset": 9, "length": 1, "url": "https://x.org/?a=1&b=2"} in entities
    assert "expandable_blockquote" in kinds and "custom_emoji" in kinds
    assert entities[-1]["length"] == 2  # 👍 is two UTF-16 code units


async def test_markdown_v2_reserved_characters(bot: Bot):
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(USER, "Done. Thanks!", parse_mode="MarkdownV2")
    with pytest.raises(TelegramBadRequest, match="Can't find end of Bold entity"):
        await bot.send_message(USER, "*bold", parse_mode="MarkdownV2")
    msg = await bot.send_message(USER, r"*Done*\. [site](https://x\.org) Thanks\!", parse_mode="MarkdownV2")
    assert msg.text == "Done. site Thanks!"
    assert [e.type for e in msg.entities or []] == ["bold", "text_link"]
    assert parse_markdown_v2("```python\nprint(1)\n```")[1] == [
        {"type": "pre", "offset": 0, "length": 8, "language": "python"}  # trailing newline trimmed
    ]


async def test_unknown_parse_mode_rejected(bot: Bot):
    with pytest.raises(TelegramBadRequest, match="unsupported parse_mode"):
        await bot.send_message(USER, "hi", parse_mode="BBCode")


async def test_text_and_caption_limits(bot: Bot):
    await bot.send_message(USER, "a" * 4096)
    await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")  # counted after parsing
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "a" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER, "   ")
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(USER, BufferedInputFile(make_png(), "p.png"), caption="c" * 1025)


async def test_callback_data_limit(bot: Bot):
    await bot.send_message(USER, "ok", reply_markup=keyboard("x" * 64))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "too long", reply_markup=keyboard("x" * 65))
    no_action = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="dead")]])
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(USER, "x", reply_markup=no_action)


# --- raw HTTP: wire formats, schema checks ---------------------------------------------------


async def test_missing_required_and_unknown_params(http: httpx.AsyncClient, fake: FakeTelegram):
    r = await http.post("sendMessage", data={"text": "hi"})
    assert r.status_code == 400
    assert r.json() == {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"}

    r = await http.post("sendPhoto", data={"chat_id": "1"})
    assert r.status_code == 400 and 'parameter "photo" is required' in r.json()["description"]

    r = await http.post("sendMessage", data={"chat_id": "1", "text": "hi", "txet": "typo"})
    assert r.status_code == 400 and 'unknown parameter "txet"' in r.json()["description"]

    r = await http.post("sendMessage", data={"chat_id": "one", "text": "hi"})
    assert r.status_code == 400 and r.json()["description"] == "Bad Request: chat not found"

    r = await http.post("sendMessage", data={"chat_id": "1", "text": "hi", "disable_notification": "maybe"})
    assert r.status_code == 400 and "disable_notification must be of type Boolean" in r.json()["description"]

    r = await http.post("sendMessage", data={"chat_id": "1", "text": "hi", "reply_markup": "{not json"})
    assert r.status_code == 400 and "can't parse reply_markup" in r.json()["description"]

    buttonless = json.dumps({"inline_keyboard": [[{"callback_data": "x"}]]})
    r = await http.post("sendMessage", data={"chat_id": "1", "text": "hi", "reply_markup": buttonless})
    assert r.status_code == 400 and 'field "text" is required in InlineKeyboardButton' in r.json()["description"]
    assert [c.ok for c in fake.calls] == [False] * 7


async def test_json_body_get_and_direct_file_parts(http: httpx.AsyncClient, fake: FakeTelegram):
    r = await http.post("sendmessage", json={"chat_id": 5, "text": "json", "reply_markup": {"inline_keyboard": []}})
    assert r.status_code == 200 and r.json()["result"]["text"] == "json"
    assert fake.calls[-1].method == "sendMessage" and fake.calls[-1].params["chat_id"] == 5

    r = await http.get("getMe")
    assert r.json()["result"]["username"] == fake.bot_username

    png = make_png(4, 4)
    r = await http.post("sendPhoto", data={"chat_id": "5"}, files={"photo": ("x.png", png, "image/png")})
    assert r.status_code == 200, r.text
    call = fake.calls[-1]
    assert call.params["photo"] == "attach://photo" and call.files["photo"].data == png
    assert call.files["photo"].content_type == "image/png"

    r = await http.post("sendPhoto", data={"chat_id": "5", "photo": "attach://nothing"}, files={"x": ("x", b"1")})
    assert r.status_code == 400


async def test_unknown_method_and_wrong_token(http: httpx.AsyncClient, fake: FakeTelegram):
    r = await http.post("sendTelepathy", data={"chat_id": "1"})
    assert r.status_code == 404
    assert r.json() == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{fake.base_url}/bot1:WRONG/getMe")
    assert r.status_code == 401
    assert r.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


# --- faults ----------------------------------------------------------------------------------


async def test_429_fault_becomes_retry_after(bot: Bot, fake: FakeTelegram):
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(USER, "flood")
    assert info.value.retry_after == 7
    assert fake.calls[-1].status == 429
    assert fake.calls[-1].response is not None
    assert fake.calls[-1].response["parameters"] == {"retry_after": 7}
    msg = await bot.send_message(USER, "after waiting")  # only the next call failed
    assert msg.text == "after waiting"


async def test_fault_times_and_unimplemented_methods(bot: Bot, fake: FakeTelegram):
    fake.fail_next("SendChatAction", 500, "Internal Server Error", times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_chat_action(USER, "typing")
    assert await bot.send_chat_action(USER, "typing") is True
    with pytest.raises(TelegramServerError, match="does not implement getUserProfilePhotos"):
        await bot.get_user_profile_photos(USER)
    fake.set_result("getUserProfilePhotos", {"total_count": 0, "photos": []})
    assert (await bot.get_user_profile_photos(USER)).total_count == 0


async def test_blocked_user_is_forbidden(bot: Bot, fake: FakeTelegram):
    fake.blocked_users.add(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "hello?")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(USER, "typing")
    await bot.send_message(USER + 1, "others still work")


async def test_edits(bot: Bot, fake: FakeTelegram):
    msg = await bot.send_message(USER, "Working…", reply_markup=keyboard("cancel"))
    edited = await bot.edit_message_text("<b>Done</b>", chat_id=USER, message_id=msg.message_id, parse_mode="HTML")
    assert isinstance(edited, Message)
    assert edited.text == "Done" and edited.edit_date and edited.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("<b>Done</b>", chat_id=USER, message_id=msg.message_id, parse_mode="HTML")
    # same text but different formatting is a modification
    await bot.edit_message_text("Done", chat_id=USER, message_id=msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=9999)
    stored = fake.messages(USER)[0]
    assert stored.text == "Done" and stored.history == ["Working…", "Done", "Done"] and stored.edited

    photo = await bot.send_photo(USER, BufferedInputFile(make_png(), "p.png"), caption="v1")
    await bot.edit_message_caption(chat_id=USER, message_id=photo.message_id, caption="v2")
    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await bot.edit_message_text("t", chat_id=USER, message_id=photo.message_id)
    stored_photo = fake.message(USER, photo.message_id)
    assert stored_photo is not None and stored_photo.caption == "v2"
    video = await bot.edit_message_media(
        InputMediaVideo(media=BufferedInputFile(b"mp4", "result.mp4"), caption="done"),
        chat_id=USER,
        message_id=photo.message_id,
    )
    assert isinstance(video, Message)
    assert video.video and not video.photo and video.caption == "done"

    await bot.delete_message(USER, photo.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, photo.message_id)


async def test_reply_parameters(bot: Bot, fake: FakeTelegram):
    update = fake.message_update("make a cat", user_id=USER)
    user_msg = update["message"]
    reply = await bot.send_message(USER, "ok", reply_parameters=ReplyParameters(message_id=user_msg["message_id"]))
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "make a cat"
    assert reply.message_id == user_msg["message_id"] + 1  # one id sequence per chat
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(USER, "x", reply_parameters=ReplyParameters(message_id=777))
    lenient = ReplyParameters(message_id=777, allow_sending_without_reply=True)
    assert (await bot.send_message(USER, "x", reply_parameters=lenient)).reply_to_message is None


async def test_small_methods(bot: Bot, fake: FakeTelegram):
    assert await bot.send_chat_action(USER, "upload_photo") is True
    with pytest.raises(TelegramBadRequest):
        await bot.send_chat_action(USER, "dancing")
    assert await bot.set_my_commands([BotCommand(command="start", description="Start")]) is True
    assert fake.my_commands() == [{"command": "start", "description": "Start"}]
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Command", description="x")])
    assert await bot.delete_my_commands() is True and fake.my_commands() is None

    group = fake.message_update("hi", chat_type="supergroup")["message"]["chat"]["id"]
    chat = await bot.get_chat(group)
    assert chat.type == "supergroup" and chat.title
    fake.set_chat_member(group, USER, "administrator")
    assert (await bot.get_chat_member(group, USER)).status == "administrator"
    fake.set_chat_member(group, USER, "restricted")
    assert (await bot.get_chat_member(group, USER)).status == "restricted"
    assert (await bot.get_chat_member(group, 42)).status == "member"
    assert await bot.leave_chat(group) is True
    with pytest.raises(TelegramForbiddenError, match="not a member"):
        await bot.send_message(group, "still here?")


# --- updates ---------------------------------------------------------------------------------


async def test_message_update_shapes(fake: FakeTelegram):
    private = fake.message_update("/start promo", user_id=7)["message"]
    assert private["chat"] == {"id": 7, "type": "private", "first_name": "Alice", "username": "alice"}
    assert private["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    group = fake.message_update("/img@kie_test_bot cat", chat_type="supergroup", message_thread_id=3)["message"]
    assert group["chat"]["id"] < 0 and group["chat"]["title"]
    assert group["entities"][0]["length"] == len("/img@kie_test_bot")
    assert group["message_thread_id"] == 3 and group["is_topic_message"] is True
    plain = fake.message_update("no command", user_id=7)
    assert "entities" not in plain["message"] and plain["message"]["message_id"] == private["message_id"] + 1
    Message.model_validate(group)  # valid for aiogram


async def test_get_updates_offset_and_long_poll(bot: Bot, fake: FakeTelegram):
    for text in ("one", "two", "three"):
        fake.push_message(text)
    updates = await bot.get_updates(timeout=1)
    assert [u.message and u.message.text for u in updates] == ["one", "two", "three"]
    assert [u.message and u.message.text for u in await bot.get_updates(offset=updates[1].update_id + 1)] == ["three"]
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []  # confirmed updates are gone
    assert fake.pending_updates == []

    waiter = asyncio.create_task(bot.get_updates(offset=updates[-1].update_id + 1, timeout=5))
    await asyncio.sleep(0.05)
    fake.push_message("late")
    got = await asyncio.wait_for(waiter, 2)
    assert [u.message and u.message.text for u in got] == ["late"]
    assert got[0].message is not None

    fake.push_update(fake.callback_update("x", message=got[0].message.message_id))
    only_messages = await bot.get_updates(offset=got[0].update_id + 1, allowed_updates=["message"])
    assert only_messages == []  # callback_query filtered out


async def test_dispatcher_polling_end_to_end(fake: FakeTelegram):
    bot = fake.make_bot()
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        assert message.from_user is not None
        await message.answer(f"Hi, <b>{html.escape(message.from_user.first_name)}</b>!", parse_mode="HTML")

    @dp.callback_query(F.data == "ping")
    async def ping(query) -> None:
        await query.answer("pong")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        fake.push_message("/start")
        sent = await fake.wait_for("sendMessage", timeout=5)
        assert sent.ok and sent.params["chat_id"] == USER and sent.result["text"] == "Hi, Alice!"
        fake.push_update(fake.callback_update("ping"))
        answer = await fake.wait_for("answerCallbackQuery", timeout=5)
        assert answer.ok and answer.params["text"] == "pong"
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)


async def test_wait_for_returns_each_call_once(bot: Bot, fake: FakeTelegram):
    await bot.send_message(USER, "first")
    await bot.send_message(USER, "second")
    assert (await fake.wait_for("sendMessage")).params["text"] == "first"
    assert (await fake.wait_for("SENDMESSAGE")).params["text"] == "second"
    with pytest.raises(TimeoutError):
        await fake.wait_for("sendMessage", timeout=0.1)
    late = asyncio.create_task(fake.wait_for("sendMessage", lambda c: c.params["text"] == "third"))
    await bot.send_message(USER, "third")
    assert (await late).ok


# --- webhook ---------------------------------------------------------------------------------


async def test_webhook(bot: Bot, fake: FakeTelegram):
    with pytest.raises(TelegramBadRequest, match="HTTPS URL must be provided"):
        await bot.set_webhook("http://example.com/hook")
    with pytest.raises(TelegramBadRequest, match="ports 80, 88, 443 or 8443"):
        await bot.set_webhook("https://example.com:9000/hook")
    with pytest.raises(TelegramBadRequest, match="secret token"):
        await bot.set_webhook("https://example.com/hook", secret_token="bad token!")
    await bot.set_webhook("https://example.com/hook", secret_token="s3cr3t_-", allowed_updates=["message"])
    assert fake.webhook is not None
    assert fake.webhook["url"] == "https://example.com/hook" and fake.webhook["secret_token"] == "s3cr3t_-"
    info = await bot.get_webhook_info()
    assert info.url == "https://example.com/hook" and info.allowed_updates == ["message"]
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert fake.webhook is None and (await bot.get_webhook_info()).url == ""


# --- payments --------------------------------------------------------------------------------


async def test_stars_invoice_and_refund(bot: Bot, fake: FakeTelegram):
    msg = await bot.send_invoice(
        USER,
        title="100 credits",
        description="Credits",
        payload="order:1",
        currency="XTR",
        prices=[LabeledPrice(label="100 credits", amount=50)],
    )
    assert msg.invoice is not None and msg.invoice.total_amount == 50 and msg.invoice.currency == "XTR"
    with pytest.raises(TelegramBadRequest, match="STARS_INVOICE_INVALID"):
        await bot.send_invoice(
            USER,
            title="t",
            description="d",
            payload="p",
            currency="XTR",
            prices=[LabeledPrice(label="a", amount=1), LabeledPrice(label="b", amount=1)],
        )
    with pytest.raises(TelegramBadRequest, match="PAYMENT_PROVIDER_INVALID"):
        await bot.send_invoice(
            USER,
            title="t",
            description="d",
            payload="p",
            currency="XTR",
            provider_token="123:TEST",
            prices=[LabeledPrice(label="a", amount=1)],
        )

    query = fake.pre_checkout_update("order:1", 50)["pre_checkout_query"]
    assert await bot.answer_pre_checkout_query(query["id"], ok=True) is True
    assert fake.pre_checkout_answers[query["id"]] == {"ok": True, "error_message": None}
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_pre_checkout_query(query["id"], ok=True)

    paid = fake.successful_payment_update("order:1", 50)["message"]["successful_payment"]
    charge = paid["telegram_payment_charge_id"]
    assert await bot.refund_star_payment(USER, charge) is True
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(USER, charge)
    assert fake.refunded_charges == {charge}


# --- uploads: size limits, downloads ---------------------------------------------------------


async def test_photo_over_10_mb_is_rejected(bot: Bot, fake: FakeTelegram):
    big = make_png(64, 64) + b"\x00" * (11 * 1024 * 1024)
    with pytest.raises(TelegramBadRequest, match="PHOTO_SAVE_FILE_INVALID"):
        await bot.send_photo(USER, BufferedInputFile(big, "big.png"))
    assert fake.calls[-1].files["photo"].size == len(big)
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(USER, BufferedInputFile(b"not an image", "x.png"))
    with pytest.raises(TelegramBadRequest, match="PHOTO_INVALID_DIMENSIONS"):
        await bot.send_photo(USER, BufferedInputFile(make_png(2100, 100), "wide.png"))


async def test_document_over_50_mb_is_too_large(bot: Bot, fake: FakeTelegram, tmp_path):
    path = tmp_path / "huge.bin"
    with path.open("wb") as fh:
        fh.truncate(60 * 1024 * 1024)  # sparse: fast to create
    with pytest.raises(TelegramEntityTooLarge):
        await bot.send_document(USER, FSInputFile(path))
    rejected = fake.calls[-1]
    assert rejected.method == "sendDocument" and rejected.status == 413
    upload = next(iter(rejected.parts.values()))
    assert upload.size == 60 * 1024 * 1024 and upload.truncated  # only a prefix is kept in memory
    msg = await bot.send_message(USER, "server still fine")
    assert msg.text == "server still fine"


async def test_get_file_and_download(bot: Bot, fake: FakeTelegram):
    png = make_png(30, 20)
    update = fake.photo_update(png, caption="edit this")
    file_id = update["message"]["photo"][-1]["file_id"]
    file = await bot.get_file(file_id)
    assert file.file_size == len(png) and file.file_path
    data = await bot.download(file_id)
    assert data is not None and data.read() == png
