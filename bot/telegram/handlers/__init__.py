"""All feature routers, in the order the dispatcher tries them (catch-alls last)."""

from aiogram import Router

from bot.telegram.handlers import balance, errors, fallback, generate, start


def routers() -> list[Router]:
    return [errors.router, start.router, balance.router, generate.router, fallback.router]
