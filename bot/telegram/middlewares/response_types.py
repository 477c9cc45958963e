"""Keeps aiogram's answer type of each Bot API method alive.

aiogram reads every answer as ``Response[<the method's result type>]``, a generic pydantic
model. pydantic caches such a class only weakly, and it sits in reference cycles, so each
garbage collection frees it and the next call builds it again (schema, validator: a few ms,
the largest single cost of a Bot API call in a profile). Held here, each is built once."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod

_KEPT: dict[type[Any], Any] = {}


async def keep_response_types(
    make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
) -> Any:
    kind = type(method)
    if kind not in _KEPT:
        _KEPT[kind] = Response[method.__returning__]  # type: ignore[name-defined]
    return await make_request(bot, method)
