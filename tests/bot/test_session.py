"""The bot's session sends each Bot API request so that Telegram reads exactly what it reads
from aiogram's own form: same fields, same values, same files, for every kind of method the
bot sends (a JSON body unless there is a file to upload)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerInlineQuery,
    AnswerPreCheckoutQuery,
    CopyMessage,
    CreateChatInviteLink,
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    GetUpdates,
    RefundStarPayment,
    SendAudio,
    SendChatAction,
    SendDocument,
    SendInvoice,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    SendVideo,
    SetMyCommands,
    TelegramMethod,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultPhoto,
    InputMediaPhoto,
    InputMediaVideo,
    InputTextMessageContent,
    LabeledPrice,
    LinkPreviewOptions,
    ReplyParameters,
)
from aiohttp import FormData
from aiohttp.payload import BytesPayload

from bot.telegram.session import BotApiSession
from tests.conftest import send

APP_DEFAULTS = DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview=LinkPreviewOptions(is_disabled=True))
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="💳 Buy <credits> & more", callback_data="buy")],
        [
            InlineKeyboardButton(text="Open", url="https://example.org/?a=1&b=2"),
            InlineKeyboardButton(text="x", pay=True),
        ],
    ]
)


def picture(name: str = "result.png") -> BufferedInputFile:
    return BufferedInputFile(b"\x89PNG\r\n" + name.encode(), filename=name)


METHODS: list[TelegramMethod[Any]] = [
    SendMessage(chat_id=5, text="100,000 credits left.", reply_markup=KEYBOARD),
    SendMessage(chat_id=-100, text="<b>x</b>", parse_mode=None, link_preview_options=None, disable_notification=False),
    SendMessage(
        chat_id=-100,
        text="reply",
        message_thread_id=0,
        reply_parameters=ReplyParameters(message_id=7, allow_sending_without_reply=True),
        link_preview_options=LinkPreviewOptions(url="https://example.org", prefer_small_media=True),
    ),
    SendPhoto(chat_id=5, photo=picture(), caption="🖼 <i>a cat</i>", reply_markup=KEYBOARD, has_spoiler=False),
    SendPhoto(chat_id=5, photo="AgACAgIAAxkBAAIB", caption=""),
    SendVideo(chat_id=5, video=picture("v.mp4"), thumbnail=picture("t.jpg"), supports_streaming=True, width=0),
    SendAudio(chat_id=5, audio=picture("a.mp3"), title="Song", performer=None, duration=61),
    SendDocument(chat_id=5, document=picture("r.zip"), disable_content_type_detection=True),
    SendMediaGroup(
        chat_id=5,
        media=[
            InputMediaPhoto(media=picture("1.png"), caption="first"),
            InputMediaPhoto(media="https://example.org/2.png"),
            InputMediaVideo(media=picture("3.mp4"), thumbnail=picture("3.jpg")),
        ],
    ),
    EditMessageText(chat_id=5, message_id=9, text="⏳ 40%", reply_markup=KEYBOARD),
    EditMessageCaption(chat_id=5, message_id=9, caption="done"),
    EditMessageReplyMarkup(chat_id=5, message_id=9, reply_markup=None),
    EditMessageMedia(chat_id=5, message_id=9, media=InputMediaPhoto(media=picture(), caption="c")),
    AnswerCallbackQuery(callback_query_id="q", text=None, show_alert=False),
    AnswerCallbackQuery(callback_query_id="q", text="Sure?", show_alert=True, cache_time=0),
    AnswerInlineQuery(
        inline_query_id="i",
        results=[
            InlineQueryResultPhoto(id="1", photo_url="https://e.org/1.png", thumbnail_url="https://e.org/t.png"),
            InlineQueryResultArticle(
                id="2", title="t", input_message_content=InputTextMessageContent(message_text="m")
            ),
        ],
        cache_time=0,
        is_personal=True,
    ),
    SendInvoice(
        chat_id=5,
        title="100 credits",
        description="d",
        payload="pack:small",
        currency="XTR",
        prices=[LabeledPrice(label="100 credits", amount=50)],
        provider_token="",
    ),
    AnswerPreCheckoutQuery(pre_checkout_query_id="p", ok=False, error_message="gone"),
    RefundStarPayment(user_id=5, telegram_payment_charge_id="c"),
    CopyMessage(chat_id=5, from_chat_id=6, message_id=1, caption=None),
    SendChatAction(chat_id=5, action="upload_photo"),
    SetMyCommands(commands=[BotCommand(command="image", description="Make")], scope=BotCommandScopeAllPrivateChats()),
    GetUpdates(offset=0, timeout=30, allowed_updates=["message", "callback_query"]),
    GetUpdates(offset=7, allowed_updates=[]),
    CreateChatInviteLink(chat_id=-100, expire_date=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), member_limit=0),
    SendPhoto(
        chat_id=5,
        photo=picture(),
        reply_markup=KEYBOARD,
        show_caption_above_media=False,
        reply_parameters=ReplyParameters(message_id=3),
    ),
]


def fields(session: AiohttpSession, bot: Bot, method: TelegramMethod[Any]) -> list[tuple[str, Any, str | None]]:
    """What Telegram reads from the request body, in a form's terms: each field's text (a JSON
    body's numbers, booleans, objects and arrays as the JSON a form would carry), and aiogram's
    random attachment names replaced by their order."""
    body = session.build_form_data(bot, method)
    if isinstance(body, BytesPayload):
        assert body.content_type == "application/json"
        assert isinstance(body._value, bytes)
        sent = json.loads(body._value)
        assert isinstance(sent, dict)
        return [(name, value if isinstance(value, str) else json.dumps(value), None) for name, value in sent.items()]
    raw = body._fields
    names: dict[str, str] = {}
    for options, _headers, _value in raw:
        if "filename" in options:
            names.setdefault(options["name"], f"file{len(names)}")

    def plain(text: Any) -> Any:
        if not isinstance(text, str):
            return text
        return re.sub(r"attach://([\w-]+)", lambda m: "attach://" + names.get(m.group(1), m.group(1)), text)

    out = []
    for options, _headers, value in raw:
        name = names.get(options["name"], options["name"])
        filename = options.get("filename")
        shown = value if "filename" not in options else "<the file's content>"  # the same InputFile's
        out.append((name, plain(shown), names.get(filename, filename)))
    return out


@pytest.mark.parametrize("defaults", [APP_DEFAULTS, None], ids=["app defaults", "no defaults"])
@pytest.mark.parametrize("method", METHODS, ids=lambda m: type(m).__name__)
def test_form_is_aiogram_own(method: TelegramMethod[Any], defaults: DefaultBotProperties | None) -> None:
    ours, theirs = BotApiSession(), AiohttpSession()
    our_bot = Bot("1:A", session=ours, default=defaults)
    their_bot = Bot("1:A", session=theirs, default=defaults)
    expected = fields(theirs, their_bot, method)
    assert fields(ours, our_bot, method) == expected


@pytest.mark.parametrize("method", METHODS, ids=lambda m: type(m).__name__)
def test_a_body_is_json_unless_it_uploads_a_file(method: TelegramMethod[Any]) -> None:
    ours, theirs = BotApiSession(), AiohttpSession()
    our_body = ours.build_form_data(Bot("1:A", session=ours, default=APP_DEFAULTS), method)
    their_form = theirs.build_form_data(Bot("1:A", session=theirs, default=APP_DEFAULTS), method)
    uploads = their_form._is_multipart
    assert isinstance(our_body, FormData if uploads else BytesPayload)


@pytest.mark.parametrize("defaults", [APP_DEFAULTS, None], ids=["app defaults", "no defaults"])
def test_one_session_builds_every_form_as_aiogram_does(defaults: DefaultBotProperties | None) -> None:
    """Defaults resolved for one request (at the top of a form or nested in it, where they
    are not JSON yet) are reused by the next ones, and must still be what aiogram sends."""
    ours, theirs = BotApiSession(), AiohttpSession()
    our_bot = Bot("1:A", session=ours, default=defaults)
    their_bot = Bot("1:A", session=theirs, default=defaults)
    for method in [*METHODS, *reversed(METHODS)]:
        assert fields(ours, our_bot, method) == fields(theirs, their_bot, method), type(method).__name__


def test_defaults_follow_the_bot_they_belong_to() -> None:
    """One session, two bots with different defaults: each request carries its own bot's."""
    session = BotApiSession()
    html = Bot("1:A", session=session, default=APP_DEFAULTS)
    plain = Bot("1:A", session=session)
    message = SendMessage(chat_id=5, text="t")
    assert ("parse_mode", "HTML", None) in fields(session, html, message)
    assert not any(name == "parse_mode" for name, _, _ in fields(session, plain, message))
    assert ("parse_mode", "HTML", None) in fields(session, html, message)


async def test_the_bots_messages_are_html_with_link_previews_off(make_app, fake_telegram) -> None:
    """The bot's defaults reach Telegram: HTML, and no link preview under any text (said once,
    in ``link_preview_options``, not also in the deprecated ``disable_web_page_preview``)."""
    app = await make_app()
    await send(app, fake_telegram, "/help")
    reply = fake_telegram.calls_of("sendMessage", ok=True)[-1]
    assert reply.params["parse_mode"] == "HTML"
    assert reply.params["link_preview_options"] == {"is_disabled": True}
    assert "disable_web_page_preview" not in reply.params
