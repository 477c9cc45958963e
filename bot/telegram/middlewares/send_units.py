"""Innermost session middleware: tells ``DeliveryService.drain`` whether a delivery's request
is out to Telegram, as opposed to still waiting before it (pacing, a 429 being waited out).

At shutdown a unit still waiting is cancelled (Telegram has nothing of it), and one whose
request is out is waited for, so its answer is recorded and the file is not sent twice after
the restart. Other callers' requests pass untouched.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.services.generation.delivery import current_send_unit

if TYPE_CHECKING:
    from aiogram import Bot


class SendUnitsMiddleware(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        unit = current_send_unit.get()
        if unit is None:
            return await make_request(bot, method)
        if unit.cut_off:  # drain cancels such units; this guard only makes the rule local
            raise asyncio.CancelledError
        unit.out = True
        try:
            return await make_request(bot, method)  # success: ``out`` stays set until recorded
        except BaseException:
            unit.out = False  # not sent (as far as we can know): cutting the unit off is safe again
            if unit.cut_off:
                # Shutdown waited only for this answer. Cancel ourselves so that a 429 is not
                # waited out and the request repeated (aiogram would reopen the closed session).
                task = asyncio.current_task()
                assert task is not None
                task.cancel()
            raise

    def __repr__(self) -> str:
        return "SendUnitsMiddleware()"
