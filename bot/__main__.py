"""``python -m bot`` (or the ``kie-bot`` script): start the bot from the environment."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import secrets
import sys
from collections.abc import Sequence

DISTRIBUTION = "kie-telegram-bot"
# The cyclic collector's thresholds once running (Python's are 700, 10, 10). See ``_serve``.
COLLECTOR_THRESHOLDS = (50_000, 20, 100)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    from bot.config import required_variables

    required = "\n".join(f"  {name:<12} {meaning}" for name, meaning in required_variables().items())
    parser = argparse.ArgumentParser(
        prog="kie-bot",
        description="Telegram bot that turns a one-line request into an AI image, video or song via Kie.ai.",
        epilog=(
            "Configured by environment variables (also read from .env in the working directory).\n"
            f"Required:\n{required}\n"
            "Every other variable has a default; see the Configuration section of README.md.\n"
            "A missing or invalid variable stops the bot at start with exit code 2."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return parser


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; keep logs about the bot, not the plumbing.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # aiogram logs every update handled ("Update id=... is handled. Duration ..."): a line per
    # update on the hottest path, saying nothing the bot's own lines do not. Errors still show.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)


def _error_text(exc: Exception) -> str:
    """One problem: one line. Several: a header and one indented line each."""
    lines = str(exc).splitlines() or [""]
    if len(lines) == 1:
        return f"configuration error: {lines[0]}"
    return "configuration error:\n" + "\n".join(f"  {line}" for line in lines)


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
    # What start-up built (aiogram's types, pydantic's validators, the catalog, the texts) lives
    # as long as the process: frozen out of the cyclic collector's sight, a full collection
    # scans what updates create, not about a million start-up objects (150-250 ms of CPU each
    # time on the benchmark's machine, at random moments under load). Process-wide, so here.
    gc.freeze()
    # Updates come in bursts and their objects live until each is answered, so at Python's
    # 700 allocations the collector scanned the same in-flight objects over and over and
    # found no garbage (this code's objects die by reference counting): about 0.1 ms of CPU
    # per /balance with 1,000 in flight. A larger first threshold scans them a few times a burst.
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    try:
        if settings.telegram.telegram_mode == "webhook":
            await run_webhook(app, secret)
        else:
            await run_polling(app)
    finally:
        await app.stop()


def main(argv: Sequence[str] | None = None) -> None:
    # --help, --version and usage errors exit here, before any logging, settings or I/O.
    _parser().parse_args(argv)

    from bot.catalog import CatalogError
    from bot.config import ConfigError

    _configure_logging()
    try:
        asyncio.run(_serve())
    except (ConfigError, CatalogError) as exc:
        print(_error_text(exc), file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
