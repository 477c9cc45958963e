"""Shared fixtures: loopback fakes of Telegram and Kie, and the real application wired to them."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import Update

from bot.app import Application, Tuning
from bot.config import (
    BillingSettings,
    KieSettings,
    RequestSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
    WebSettings,
)
from tests.fakes.kie import FakeKie
from tests.fakes.telegram import FakeTelegram


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def fake_kie() -> AsyncIterator[FakeKie]:
    fake = FakeKie()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


def make_settings(tmp_path: Path, telegram: FakeTelegram, kie: FakeKie, **overrides: Any) -> Settings:
    """Settings pointing at the fakes; ``overrides`` are field names of any concern."""
    port = overrides.pop("web_port", None) or free_port()
    used: set[str] = set()

    def build(cls: type[Any], **defaults: Any) -> Any:
        mine = {k: v for k, v in overrides.items() if k in cls.model_fields}
        used.update(mine)
        return cls(_env_file=None, **{**defaults, **mine})

    settings = Settings(
        telegram=build(TelegramSettings, bot_token=telegram.token, telegram_api_url=telegram.base_url),
        kie=build(KieSettings, api_key=kie.api_key, api_url=kie.base_url, upload_url=kie.base_url),
        web=build(WebSettings, public_url=f"http://127.0.0.1:{port}", web_host="127.0.0.1", web_port=port),
        billing=build(BillingSettings, starting_credits=10),
        # Confirmation off unless a test asks: most tests charge and submit in one step.
        requests=build(RequestSettings, confirm_above=0),
        storage=build(StorageSettings, database_path=tmp_path / "data" / "bot.sqlite3"),
    )
    assert used == set(overrides), f"unknown settings: {set(overrides) - used}"
    return settings


AppFactory = Callable[..., Awaitable[Application]]


@pytest.fixture
async def make_app(tmp_path, fake_telegram, fake_kie) -> AsyncIterator[AppFactory]:
    """Start the real Application against the fakes; stopped at teardown."""
    started: list[Application] = []

    async def factory(*, tuning: Tuning | None = None, **overrides: Any) -> Application:
        settings = make_settings(tmp_path, fake_telegram, fake_kie, **overrides)
        app = Application(settings, tuning=tuning or Tuning(submit_backoff=0.01, shutdown_timeout=2.0))
        await app.start()
        app.mark_ready()
        started.append(app)
        return app

    yield factory
    for app in started:
        await app.stop()


async def send(app: Application, telegram: FakeTelegram, text: str, **kwargs: Any) -> dict[str, Any]:
    """Feed a user's message through the real dispatcher, as polling would; returns the
    message dict that was sent."""
    raw = telegram.message_update(text, **kwargs)
    update = Update.model_validate(raw, context={"bot": app.bot})
    await app.dispatcher.feed_update(app.bot, update)
    return raw["message"]


async def send_and_deliver(app: Application, telegram: FakeTelegram, kie: FakeKie, text: str, **kwargs: Any) -> str:
    """A request sent, completed by Kie, called back and delivered; returns Kie's task id."""
    known = set(kie.tasks)
    await send(app, telegram, text, **kwargs)
    [task_id] = set(kie.tasks) - known
    kie.complete(task_id)
    assert await kie.send_callback(task_id) == 200
    await app.monitor.idle()
    return task_id
