"""All feature routers, in the order the dispatcher tries them (catch-alls last)."""

from aiogram import Router

from bot.telegram.handlers import balance, errors, fallback, generate, start


def routers() -> list[Router]:
    """Fresh routers each call: a router can belong to one dispatcher only."""
    return [module.setup() for module in (errors, start, balance, generate, fallback)]
