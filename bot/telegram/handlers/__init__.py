"""All feature routers, in the order the dispatcher tries them (catch-alls last)."""

from aiogram import Router

from bot.catalog import Catalog
from bot.telegram.handlers import (
    admin,
    backup,
    balance,
    cancel,
    confirm,
    errors,
    fallback,
    generate,
    groups,
    growth,
    history,
    inline,
    language,
    payments,
    prices,
    results,
    settings,
    start,
    whoami,
)


def routers(catalog: Catalog) -> list[Router]:
    """Fresh routers each call: a router can belong to one dispatcher only."""
    return [
        errors.setup(),
        groups.setup(),
        start.setup(),
        whoami.setup(),
        balance.setup(),
        payments.setup(),
        growth.setup(),
        prices.setup(),
        language.setup(),
        settings.setup(),
        confirm.setup(),
        generate.setup(catalog),
        results.setup(),
        cancel.setup(),
        history.setup(),
        inline.setup(),
        admin.setup(),  # for non-admins these commands fall through to the fallback
        payments.setup_admin(),  # likewise
        growth.setup_admin(),  # likewise
        backup.setup(),  # likewise, and in groups for admins too
        fallback.setup(),
    ]
