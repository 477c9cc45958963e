"""``python -m bot`` (or the ``kie-bot`` script): start the bot from the environment."""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys

from bot.catalog import CatalogError


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; keep logs about the bot, not the plumbing.
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def _serve() -> None:
    from bot.app import Application
    from bot.config import load_settings
    from bot.runner import register_webhook_route, run_polling, run_webhook

    settings = load_settings()
    app = Application(settings)
    secret = secrets.token_urlsafe(32)
    if settings.telegram.telegram_mode == "webhook":
        register_webhook_route(app, secret)
    await app.start()
    try:
        if settings.telegram.telegram_mode == "webhook":
            await run_webhook(app, secret)
        else:
            await run_polling(app)
    finally:
        await app.stop()


def main() -> None:
    from bot.config import ConfigError

    _configure_logging()
    try:
        asyncio.run(_serve())
    except (ConfigError, CatalogError) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
