"""/prices: every model, its command and what it costs, straight from the catalog; 📷 marks
the models that take a photo, and each kind says which model its command runs with one."""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.catalog import Catalog, CatalogModel, Kind
from bot.services.billing.credits import CreditService
from bot.storage import UserRecord
from bot.telegram.files import ICONS
from bot.telegram.i18n import Markup, Translator
from bot.telegram.routing import FeatureRouter

PHOTO_MARK = "📷"  # the model takes a photo (see prices_photo_legend)


def _extras(texts: Translator, language: str, model: CatalogModel) -> Markup:
    """Only the choices that cost more, e.g. "resolution <code>4K</code> +2": a choice is
    what the user types after the option, so it is shown as code."""
    parts = [
        f"{texts('option_label', language, key=option.key, label=option.label).lower()}"
        f" <code>{html.escape(choice, quote=False)}</code> +{extra}"
        for option in model.options.values()
        for choice, extra in option.choices.items()
        if extra > 0
    ]
    return Markup(", ".join(parts))


def price_list(texts: Translator, language: str, catalog: Catalog) -> Markup:
    sections = []
    for kind in Kind:
        default = catalog.default_for(kind)
        lines = [texts("prices_section", language, icon=ICONS[kind.media], kind=kind.value)]
        for model in catalog.of_kind(kind):
            commands = f"/{kind.value}, /{model.command}" if model is default else f"/{model.command}"
            extras = _extras(texts, language, model)
            key = "prices_line_extras" if extras else "prices_line"
            name = f"{model.name} {PHOTO_MARK}" if model.image is not None else model.name
            lines.append(texts(key, language, commands=commands, name=name, price=model.price, extras=extras))
        with_photo = catalog.for_photo(default)
        if with_photo is not None:
            lines.append(texts("prices_photo_switch", language, command=kind.value, name=with_photo.name))
        sections.append("\n".join(lines))
    if any(model.image is not None for model in catalog.models.values()):
        sections.append(texts("prices_photo_legend", language))
    return Markup("\n\n".join(sections))


async def prices(
    message: Message, user: UserRecord, catalog: Catalog, credits: CreditService, texts: Translator
) -> None:
    balance = await credits.balance(user.user_id)
    await message.answer(
        texts("prices", user.language, list=price_list(texts, user.language, catalog), balance=balance)
    )


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.register(prices, Command("prices", ignore_case=True))
    return router
