"""A feature router passes an event by only when none of its handlers' own filters would
take it (checked against aiogram's filters on every router of the bot), and it does pass by
the commands and buttons of other features."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Chat, Message, User

from bot.catalog import load_catalog
from bot.telegram.handlers import routers
from bot.telegram.middlewares import ServicesMiddleware
from bot.telegram.routing import FeatureRouter, command_gate

BOT_NAME = "kie_test_bot"
SENDER = User(id=7, is_bot=False, first_name="Ann")
CHAT = Chat(id=7, type="private")


@pytest.fixture(scope="module")
def feature_routers() -> list[FeatureRouter]:
    found = routers(load_catalog())
    assert all(isinstance(router, FeatureRouter) for router in found)
    return [router for router in found if isinstance(router, FeatureRouter)]


@pytest.fixture
def bot() -> Bot:
    bot = Bot("123:ABC")
    bot._me = User(id=1, is_bot=True, first_name="Bot", username=BOT_NAME)  # no getMe call
    return bot


def every_command(feature_routers: list[FeatureRouter]) -> list[str]:
    names: set[str] = set()
    for router in feature_routers:
        for handler in router.message.handlers:
            for item in handler.filters or ():
                if isinstance(item.callback, Command):
                    names.update(str(name) for name in item.callback.commands)
    return sorted(names)


def texts_for(command: str) -> list[str]:
    return [
        f"/{command}",
        f"/{command} a red fox",
        f"/{command.upper()}",
        f"/{command}@{BOT_NAME} with words",
        f"/{command}@someone_else",
        f" /{command}",
        f"/{command}x",
        f"!{command}",
    ]


OTHER_TEXTS = ["hello", "", "   ", "/", "/@", "/unknown_command", "🦊 /balance", "/start ref_abc", "/start@x y"]


def message(text: str, *, as_caption: bool) -> Message:
    body: dict[str, Any] = {"caption": text} if as_caption else {"text": text}
    return Message(message_id=1, date=datetime.now(UTC), chat=CHAT, from_user=SENDER, **body)


async def takes(handlers: list[Any], event: Any, bot: Bot) -> bool:
    for handler in handlers:
        passed, _ = await handler.check(event, bot=bot, event_from_user=SENDER, event_chat=CHAT)
        if passed:
            return True
    return False


async def test_a_router_passes_a_message_by_only_when_none_of_its_filters_would_take_it(feature_routers, bot):
    samples = list(itertools.chain.from_iterable(texts_for(c) for c in every_command(feature_routers)))
    samples += OTHER_TEXTS
    passed_by = 0
    for router, text, as_caption in itertools.product(feature_routers, samples, (False, True)):
        event = message(text, as_caption=as_caption)
        if router.cannot_take("message", event):
            passed_by += 1
            assert not await takes(router.message.handlers, event, bot), (router.name, text, as_caption)
    assert passed_by > len(samples)  # and it does pass by: most routers, for most texts


async def test_a_command_is_tried_only_by_its_own_router_and_those_taking_any_message(feature_routers):
    # Payments (Telegram's payment reports) and the fallback take messages without a command.
    any_message = [r.name for r in feature_routers if r.message.handlers and command_gate(r.message.handlers) is None]
    assert any_message == ["bot.telegram.handlers.payments", "bot.telegram.handlers.fallback"]
    for text, as_caption, own in [("/balance", False, "balance"), ("/image a fox", True, "generate")]:
        event = message(text, as_caption=as_caption)
        tried = [r.name for r in feature_routers if not r.cannot_take("message", event)]
        assert sorted(tried) == sorted([f"bot.telegram.handlers.{own}", *any_message])


def button_prefixes(feature_routers: list[FeatureRouter]) -> list[str]:
    prefixes: set[str] = set()
    for router in feature_routers:
        for handler in router.callback_query.handlers:
            for item in handler.filters or ():
                if isinstance(item.callback, CallbackQueryFilter):
                    prefixes.add(item.callback.callback_data.__prefix__)
    return sorted(prefixes)


async def test_a_router_passes_a_button_by_only_when_none_of_its_filters_would_take_it(feature_routers, bot):
    prefixes = button_prefixes(feature_routers)
    assert {"again", "cfm", "set", "setm", "cancel"} <= set(prefixes)
    samples = [f"{p}:1" for p in prefixes] + [f"{p}:1:2:x" for p in prefixes] + list(prefixes)
    samples += ["", "x", "settings:1", ":again", "again_1", "again:", "set:m"]
    passed_by = 0
    for router, data in itertools.product(feature_routers, samples):
        event = CallbackQuery(id="1", from_user=SENDER, chat_instance="c", data=data or None)
        if router.cannot_take("callback_query", event):
            passed_by += 1
            assert not await takes(router.callback_query.handlers, event, bot), (router.name, data)
    assert passed_by > len(samples)


def test_a_handler_without_a_command_keeps_its_router_in_for_every_message(feature_routers):
    fallback = next(r for r in feature_routers if r.name.endswith(".fallback"))
    assert command_gate(fallback.message.handlers) is None
    assert not fallback.cannot_take("message", message("hello", as_caption=False))


def test_a_router_with_its_own_outer_middleware_is_never_passed_by():
    router = FeatureRouter(name="with-middleware")
    router.message.register(lambda m: None, Command("balance"))

    async def outer(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        return await handler(event, data)

    assert router.cannot_take("message", message("hello", as_caption=False))
    router.message.outer_middleware(outer)
    assert not router.cannot_take("message", message("hello", as_caption=False))


async def test_no_filter_asks_for_a_service_it_would_never_be_given(make_app):
    """Services join an update's data only once a handler is chosen (ServicesMiddleware):
    a filter naming one would silently get its default, as IsAdmin would without admin_ids."""
    app = await make_app()
    dp = app.dispatcher
    found = [m for m in dp.message.middleware if isinstance(m, ServicesMiddleware)]
    assert len(found) == 1
    services = found[0].names
    assert {"credits", "generation", "payments"} <= services
    assert not services & set(dp.workflow_data)  # each is given once, in one place
    checked = 0
    for router in (dp, *dp.chain_tail):
        for observer in router.observers.values():
            filters = list(observer._handler.filters or ())  # router-level: router.message.filter(...)
            for handler in observer.handlers:
                filters.extend(handler.filters or ())
            for item in filters:
                checked += 1
                assert not item.params & services, f"{router.name}: {item.callback!r} asks for {item.params & services}"
    assert checked > 50
    # and the filter that reads the dispatcher's data gets what it needs from there
    assert "admin_ids" in dp.workflow_data
