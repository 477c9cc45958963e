"""Start-up: Telegram away means waiting for it (one line per attempt); a token it rejects
is a configuration error naming BOT_TOKEN; /healthz tells "starting" from "ready"."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.app import Application, Tuning
from bot.config import ConfigError
from bot.runner import call_until_answered, register_webhook_route, run_polling, run_webhook
from tests.conftest import free_port, make_settings

FAST = BackoffConfig(min_delay=0.01, max_delay=0.05, factor=2.0, jitter=0.0)


async def test_telegram_5xx_at_start_is_waited_out_with_one_line_per_attempt(make_app, fake_telegram, caplog):
    app = await make_app()
    fake_telegram.fail_next("getMe", 502, "Bad Gateway", times=2)
    caplog.set_level(logging.INFO)
    me = await call_until_answered(app, asyncio.Event(), app.bot.get_me, Backoff(FAST))
    assert me is not None and me.username == fake_telegram.bot_username
    lines = [r for r in caplog.records if "not reachable" in r.getMessage()]
    assert len(lines) == 2 and all(r.exc_info is None for r in lines)
    assert "attempt 1" in lines[0].getMessage() and "attempt 2" in lines[1].getMessage()


async def test_nobody_listening_is_retried_until_stopped(tmp_path, fake_telegram, fake_kie, caplog):
    settings = make_settings(tmp_path, fake_telegram, fake_kie, telegram_api_url=f"http://127.0.0.1:{free_port()}")
    app = Application(settings, tuning=Tuning(shutdown_timeout=1.0))
    stop = asyncio.Event()
    caplog.set_level(logging.INFO)

    async def three_attempts() -> None:
        while len([r for r in caplog.records if "not reachable" in r.getMessage()]) < 3:
            await asyncio.sleep(0.01)
        stop.set()

    watcher = asyncio.create_task(three_attempts())
    try:
        assert await call_until_answered(app, stop, app.bot.get_me, Backoff(FAST)) is None
    finally:
        await watcher
        await app.bot.session.close()
    assert all(r.exc_info is None for r in caplog.records)


@pytest.mark.parametrize(("status", "description"), [(401, "Unauthorized"), (404, "Not Found")])
async def test_a_token_telegram_rejects_is_a_configuration_error(make_app, fake_telegram, status, description):
    app = await make_app()
    fake_telegram.fail_next("getMe", status, description)
    with pytest.raises(ConfigError, match=r"^BOT_TOKEN: Telegram rejected the token"):
        await call_until_answered(app, asyncio.Event(), app.bot.get_me, Backoff(FAST))


async def test_healthz_says_starting_until_telegram_answers(tmp_path, fake_telegram, fake_kie):
    port = free_port()
    settings = make_settings(tmp_path, fake_telegram, fake_kie, web_port=port)
    app = Application(settings, tuning=Tuning(shutdown_timeout=1.0))
    await app.start()
    held = fake_telegram.hold_request("getMe")
    stop = asyncio.Event()
    runner = asyncio.create_task(run_polling(app, stop))
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        async with httpx.AsyncClient(trust_env=False) as client:
            await asyncio.wait_for(held.arrived.wait(), 5)
            starting = await client.get(url)
            held.release.set()
            await fake_telegram.wait_for("deleteWebhook")
            async with asyncio.timeout(5):
                while (ready := await client.get(url)).status_code != 200:
                    await asyncio.sleep(0.01)
        assert (starting.status_code, starting.json()) == (503, {"status": "starting"})
        assert ready.json() == {"status": "ready"}
    finally:
        stop.set()
        await asyncio.wait_for(runner, 10)
        await app.stop()


async def test_a_webhook_url_telegram_refuses_is_a_configuration_error_naming_public_url(
    tmp_path, fake_telegram, fake_kie
):
    settings = make_settings(
        tmp_path, fake_telegram, fake_kie, public_url="http://bot.example.com", telegram_mode="webhook"
    )
    app = Application(settings, tuning=Tuning(shutdown_timeout=1.0))
    register_webhook_route(app, "secret")
    await app.start()
    fake_telegram.fail_next("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
    try:
        with pytest.raises(ConfigError, match=r"^PUBLIC_URL: Telegram refused the webhook"):
            await run_webhook(app, "secret", asyncio.Event())
    finally:
        await app.stop()
