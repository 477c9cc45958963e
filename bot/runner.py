"""Runs the application in polling or webhook mode until SIGINT/SIGTERM.

Start-up: Telegram is asked who we are (getMe) until it answers; a token it rejects is a
configuration error. Then updates a crash cut off are handled, the command menu is
published, and updates are taken in through the intake (see ``bot.telegram.intake``).
Shutdown order: stop taking updates, let in-flight work finish (bounded), close.
Anything unfinished stays in SQLite and is picked up at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramNotFound, TelegramUnauthorizedError
from aiogram.types import BotCommand
from aiogram.utils.backoff import Backoff, BackoffConfig
from aiohttp import web

from bot.app import Application
from bot.config import ConfigError
from bot.telegram.i18n import READ_RUSSIAN, language_for
from bot.telegram.intake import update_id_of

log = logging.getLogger(__name__)
T = TypeVar("T")

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
STARTUP_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=60.0, factor=1.6, jitter=0.1)

_MENU = (
    "image", "video", "song", "settings", "prices", "balance", "history", "cancel", "buy", "invite", "promo",
    "language", "help",
)  # fmt: skip


def stop_on_signals(stop: asyncio.Event | None) -> asyncio.Event:
    """``stop``, or a new event that SIGINT and SIGTERM set."""
    if stop is not None:
        return stop
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def call_until_answered(
    app: Application, stop: asyncio.Event, call: Callable[[], Awaitable[T]], backoff: Backoff | None = None
) -> T | None:
    """``call()`` until Telegram answers it (None if stopped meanwhile). Unreachable: one log
    line per attempt and a growing pause; a rejected token: ConfigError naming BOT_TOKEN."""
    backoff = backoff or Backoff(STARTUP_BACKOFF)
    while not stop.is_set():
        try:
            return await call()
        except (TelegramUnauthorizedError, TelegramNotFound) as exc:
            raise ConfigError(
                f"BOT_TOKEN: Telegram rejected the token ({exc.message}); copy it again from @BotFather"
            ) from None
        except TelegramBadRequest:
            raise  # a "no" about what we asked: the caller knows which setting it was
        except Exception as exc:  # the network, DNS, a wrong TELEGRAM_API_URL, Telegram's 5xx
            delay = next(backoff)
            log.warning(
                "Telegram is not reachable at %s (attempt %d: %s: %s); retrying in %.1f s",
                app.settings.telegram.api_base, backoff.counter, type(exc).__name__, exc, delay,
            )  # fmt: skip
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
    return None


async def publish_commands(app: Application) -> None:
    """The command menu users see next to the text field, in each language (Telegram shows
    a client the list for its language, else the default, English); admin commands stay
    unlisted."""
    # Every client language the bot answers in Russian gets the Russian menu too.
    for code in (None, *READ_RUSSIAN):
        language = language_for(code)
        commands = [BotCommand(command=name, description=app.texts(f"menu_{name}", language)) for name in _MENU]
        try:
            await app.bot.set_my_commands(commands, language_code=code)
        except TelegramAPIError as exc:  # a menu is a nicety, not a reason to stop
            log.warning("could not set the command menu (%s): %s", code or "default", exc)


async def _prepare(app: Application, stop: asyncio.Event) -> bool:
    """What both modes do before taking updates; False if stopped while Telegram was away."""
    me = await call_until_answered(app, stop, app.bot.get_me)
    if me is None:
        return False
    log.info("connected to Telegram as @%s", me.username)
    await app.dispatcher.emit_startup(bot=app.bot)
    await publish_commands(app)
    await app.intake.replay()
    return True


async def run_polling(app: Application, stop: asyncio.Event | None = None) -> None:
    stop = stop_on_signals(stop)
    if not await _prepare(app, stop):
        return
    try:
        if not await call_until_answered(app, stop, lambda: app.bot.delete_webhook(drop_pending_updates=False)):
            return
        app.mark_ready()
        log.info("polling for updates")
        await app.intake.poll(stop, allowed_updates=app.dispatcher.resolve_used_update_types())
    except TelegramUnauthorizedError as exc:
        raise ConfigError(f"BOT_TOKEN: Telegram no longer accepts the token ({exc.message})") from None
    finally:
        await app.dispatcher.emit_shutdown(bot=app.bot)


class WebhookView:
    """Telegram's webhook calls. Answers 200 only once the update is recorded (so a crash
    right after cannot lose it), 400 with one log line for a body that is no update, 401
    without the secret, and 503 while shutting down (Telegram delivers it again later)."""

    def __init__(self, app: Application, secret_token: str) -> None:
        self._app = app
        self._secret = secret_token.encode()

    def _authorised(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self._secret)

    async def handle(self, request: web.Request) -> web.Response:
        if not self._app.updates.accepting:
            return web.Response(status=503, text="shutting down")
        if not self._authorised(request):
            return web.Response(status=401, text="unauthorized")
        try:
            raw = json.loads(await request.read())
        except web.HTTPRequestEntityTooLarge:
            log.warning("webhook: body too large; answered 413")
            return web.Response(status=413, text="too large")
        except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, empty, trailing bytes
            log.warning("webhook: body is not JSON (%s); answered 400", type(exc).__name__)
            return web.Response(status=400, text="not an update")
        if update_id_of(raw) is None:
            log.warning("webhook: JSON without an update_id; answered 400")
            return web.Response(status=400, text="not an update")
        try:
            await self._app.intake.accept([raw])
        except Exception:  # our database, not Telegram's update: let Telegram send it again
            log.exception("webhook: could not record update %s", update_id_of(raw))
            return web.Response(status=503, text="try again")
        return web.Response(status=200)


def register_webhook_route(app: Application, secret_token: str) -> None:
    # Telegram sends the secret in X-Telegram-Bot-Api-Secret-Token.
    app.web.router.add_post(WEBHOOK_PATH, WebhookView(app, secret_token).handle)


async def run_webhook(app: Application, secret_token: str, stop: asyncio.Event | None = None) -> None:
    """Serve updates on the web server until ``stop`` is set (by SIGINT/SIGTERM if not given)."""
    stop = stop_on_signals(stop)
    if not await _prepare(app, stop):
        return
    try:
        url = f"{app.settings.web.public_base}{WEBHOOK_PATH}"
        try:
            registered = await call_until_answered(
                app,
                stop,
                lambda: app.bot.set_webhook(
                    url, secret_token=secret_token, allowed_updates=app.dispatcher.resolve_used_update_types()
                ),
            )
        except TelegramBadRequest as exc:  # not https, a port Telegram refuses, a bad certificate...
            raise ConfigError(f"PUBLIC_URL: Telegram refused the webhook {url} ({exc.message})") from None
        if not registered:
            return
        app.mark_ready()
        log.info("webhook set; waiting for updates")
        await stop.wait()
    finally:
        await app.dispatcher.emit_shutdown(bot=app.bot)
