"""The buttons under a delivered result: "Again" for every kind, "Animate" for pictures.
Their data carries ids only (and Animate's price, as shown); everything else is read from
the database at the press, so they work after a restart (see services/generation/actions)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.catalog import Catalog
from bot.domain import MediaKind
from bot.services.generation.actions import again_price, animate_price
from bot.storage import DeliveryRecord, TaskRecord
from bot.telegram.i18n import Translator


class AgainButton(CallbackData, prefix="again"):
    task: int


class AnimateButton(CallbackData, prefix="animate"):
    delivery: int
    price: int  # as shown on the button; a different price now is refused


class ResultButtons:
    def __init__(self, texts: Translator, catalog: Catalog) -> None:
        self._texts = texts
        self._catalog = catalog

    def markup(self, task: TaskRecord, delivery: DeliveryRecord) -> InlineKeyboardMarkup | None:
        """In the requester's language (the result's caption is too)."""
        builder = InlineKeyboardBuilder()
        again = again_price(self._catalog, task)
        if again is not None:
            text = self._texts("button_again", task.language, price=again)
            builder.button(text=str(text), callback_data=AgainButton(task=task.id))
        animate = animate_price(self._catalog)
        if delivery.media is MediaKind.IMAGE and animate is not None:
            text = self._texts("button_animate", task.language, price=animate)
            builder.button(text=str(text), callback_data=AnimateButton(delivery=delivery.id, price=animate))
        return builder.as_markup() if builder.export() else None
