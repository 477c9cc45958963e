"""Runs the application in polling or webhook mode until SIGINT/SIGTERM.

Shutdown order: stop taking updates, let in-flight deliveries finish (bounded), close.
Anything unfinished stays in SQLite and is picked up by recovery at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.app import Application

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"


_MENU = ("image", "video", "song", "prices", "balance", "help")


async def publish_commands(app: Application) -> None:
    """The command menu users see next to the text field; admin commands stay unlisted."""
    commands = [BotCommand(command=name, description=app.texts(f"menu_{name}")) for name in _MENU]
    try:
        await app.bot.set_my_commands(commands)
    except TelegramAPIError as exc:  # a menu is a nicety, not a reason to stop
        log.warning("could not set the command menu: %s", exc)


async def run_polling(app: Application) -> None:
    dp = app.dispatcher

    async def on_startup() -> None:
        await publish_commands(app)
        app.mark_ready()

    dp.startup.register(on_startup)
    await app.bot.delete_webhook(drop_pending_updates=False)
    # handle_signals: SIGINT/SIGTERM end polling, then the caller's finally stops the rest.
    await dp.start_polling(app.bot, handle_signals=True, close_bot_session=False)


class _WebhookHandler(SimpleRequestHandler):
    """aiogram's handler (401 without the secret), but 503 once shutdown has begun, so
    Telegram keeps the update and delivers it again after the restart."""

    def __init__(self, app: Application, secret_token: str) -> None:
        super().__init__(dispatcher=app.dispatcher, bot=app.bot, secret_token=secret_token)
        self._updates = app.updates

    async def handle(self, request: web.Request) -> web.Response:
        if not self._updates.accepting:
            return web.Response(status=503, text="shutting down")
        return await super().handle(request)


def register_webhook_route(app: Application, secret_token: str) -> None:
    # Telegram sends the secret in X-Telegram-Bot-Api-Secret-Token.
    _WebhookHandler(app, secret_token).register(app.web, path=WEBHOOK_PATH)


async def run_webhook(app: Application, secret_token: str, stop: asyncio.Event | None = None) -> None:
    """Serve updates on the web server until ``stop`` is set (by SIGINT/SIGTERM if not given)."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    dp = app.dispatcher
    await dp.emit_startup(bot=app.bot)
    await publish_commands(app)
    await app.bot.set_webhook(
        f"{app.settings.web.public_base}{WEBHOOK_PATH}",
        secret_token=secret_token,
        allowed_updates=dp.resolve_used_update_types(),
    )
    app.mark_ready()
    log.info("webhook set; waiting for updates")
    try:
        await stop.wait()
    finally:
        await dp.emit_shutdown(bot=app.bot)
