"""Filters shared by routers."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject, User


class IsAdmin(Filter):
    """Passes only updates from a user listed in ADMIN_IDS (``admin_ids`` in the
    dispatcher's data). Anyone else falls through to the next routers, exactly as if the
    command did not exist; without ``admin_ids`` nobody is an admin."""

    async def __call__(
        self,
        event: TelegramObject,
        event_from_user: User | None = None,
        admin_ids: frozenset[int] = frozenset(),
    ) -> bool:
        return event_from_user is not None and event_from_user.id in admin_ids
