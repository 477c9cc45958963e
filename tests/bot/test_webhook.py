"""TELEGRAM_MODE=webhook: updates arrive on our web server, only with the secret token."""

from __future__ import annotations

import asyncio

import httpx

from bot.app import Application, Tuning
from bot.runner import WEBHOOK_PATH, register_webhook_route, run_webhook
from tests.conftest import free_port, make_settings


async def test_webhook_mode_registers_and_rejects_updates_without_the_secret(tmp_path, fake_telegram, fake_kie):
    port = free_port()
    # Telegram only calls HTTPS webhooks; the public side would be a TLS proxy in front of us.
    settings = make_settings(
        tmp_path, fake_telegram, fake_kie, web_port=port, public_url="https://bot.example.com", telegram_mode="webhook"
    )
    app = Application(settings, tuning=Tuning(shutdown_timeout=1.0))
    secret = "s3cret-token_for-tests"
    register_webhook_route(app, secret)
    await app.start()
    stop = asyncio.Event()
    runner = asyncio.create_task(run_webhook(app, secret, stop))
    try:
        await fake_telegram.wait_for("setWebhook", timeout=5)
        assert fake_telegram.webhook["url"] == "https://bot.example.com/telegram/webhook"
        assert fake_telegram.webhook["secret_token"] == secret
        menu = [c["command"] for c in fake_telegram.my_commands() or []]
        assert menu == [
            "image", "video", "song", "settings", "prices", "balance", "history", "cancel", "buy", "invite",
            "promo", "language", "help",
        ]  # fmt: skip
        # Inline queries (for sharing results) are asked for, as in polling.
        [registered] = fake_telegram.calls_of("setWebhook", ok=True)
        assert "inline_query" in registered.params["allowed_updates"]
        local = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        update = fake_telegram.message_update("/balance")
        fake_telegram.push_update(update)  # lets the fake know the chat and the message
        async with httpx.AsyncClient(trust_env=False) as client:
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
            missing = await client.post(local, json=update)
            wrong = await client.post(local, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
            right = await client.post(local, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        assert health.status_code == 200
        assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
        reply = await fake_telegram.wait_for("sendMessage", timeout=5)
        assert reply.ok and reply.params["text"] == "10 credits left."
        assert len(fake_telegram.calls_of("sendMessage")) == 1
    finally:
        stop.set()
        await runner
        await app.stop()
