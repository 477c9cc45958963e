"""/settings: per kind (picture, video, song) the model /image, /video and /song run and
each of its options, chosen with buttons; the price of the current choice shown. One
message, edited in place. Everything a button needs is in its data and the database, so
buttons keep working after a restart.

Button data is short and checked: models, options and choices travel as 8-hex-digit tags of
their catalog keys (a choice such as ``16:9`` cannot travel as it is), looked up again in the
catalog on each press. A tag the catalog no longer has, an unknown kind, a choice for a model
that is no longer the user's, a forged button: the short "no longer works" answer.
Settings are per user: in a group, a screen's buttons answer only to whom it was opened for.
"""

from __future__ import annotations

import contextlib
import hashlib
import html

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.catalog import Catalog, CatalogModel, CatalogOption
from bot.domain import Kind
from bot.errors import SettingUnavailableError
from bot.services.generation.preferences import Preferences, Setting
from bot.storage import UserRecord
from bot.telegram.i18n import Markup, Translator
from bot.telegram.routing import FeatureRouter

KINDS = tuple(kind.value for kind in Kind)
MODELS = "m"  # the page listing a kind's models
PHOTO = "📷"


def tag(key: str) -> str:
    """A catalog key as it travels in button data: short, free of ":", stable across restarts."""
    return hashlib.blake2s(key.encode(), digest_size=4).hexdigest()


class SettingsOpen(CallbackData, prefix="set"):
    """Show a page: the kinds (``kind`` empty), a kind's screen (``page`` empty), its models
    (``page`` = "m") or an option's choices (``page`` = the option's tag)."""

    user: int
    kind: str = ""
    page: str = ""


class SettingsModel(CallbackData, prefix="setm"):
    user: int
    kind: str
    model: str  # tag of the model chosen


class SettingsChoice(CallbackData, prefix="setc"):
    user: int
    kind: str
    model: str  # tag of the model the screen showed: a choice is for that model only
    option: str
    choice: str


class SettingsReset(CallbackData, prefix="setr"):
    user: int
    kind: str


# -- wording -----------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """A button label is plain text: undo the escaping the translator gives HTML messages."""
    return html.unescape(text)


def _choice(texts: Translator, language: str, choice: str) -> str:
    return texts("settings_choice", language, choice=choice)


def _label(texts: Translator, language: str, option: CatalogOption) -> str:
    return texts("option_label", language, key=option.key, label=option.label)


def kinds_page(texts: Translator, user: UserRecord) -> tuple[Markup, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for kind in KINDS:
        builder.button(
            text=texts("settings_kind_button", user.language, kind=kind),
            callback_data=SettingsOpen(user=user.user_id, kind=kind),
        )
    builder.adjust(1)
    return texts("settings_kinds", user.language), builder.as_markup()


def kind_page(
    texts: Translator, user: UserRecord, catalog: Catalog, setting: Setting
) -> tuple[Markup, InlineKeyboardMarkup]:
    lang, model, kind = user.language, setting.model, setting.kind.value
    lines = [
        texts(
            "settings_option_line",
            lang,
            label=_label(texts, lang, option),
            choice=_choice(texts, lang, setting.choices[key]),
        )
        for key, option in model.options.items()
    ]
    options = Markup("\n".join(lines)) if lines else texts("settings_no_options", lang)
    taking = catalog.for_photo(model)
    photo = texts("settings_photo", lang, model=taking.name) if taking else texts("settings_no_photo", lang)
    text = texts(
        "settings_screen", lang, kind=kind, model=model.name, options=options, photo=photo, price=setting.price
    )

    builder = InlineKeyboardBuilder()
    builder.button(
        text=_plain(texts("settings_model_button", lang, model=model.name)),
        callback_data=SettingsOpen(user=user.user_id, kind=kind, page=MODELS),
    )
    for key, option in model.options.items():
        builder.button(
            text=_plain(
                texts(
                    "settings_option_button",
                    lang,
                    label=_label(texts, lang, option),
                    choice=_choice(texts, lang, setting.choices[key]),
                )
            ),
            callback_data=SettingsOpen(user=user.user_id, kind=kind, page=tag(key)),
        )
    builder.button(text=texts("settings_reset_button", lang), callback_data=SettingsReset(user=user.user_id, kind=kind))
    builder.button(text=texts("settings_back_button", lang), callback_data=SettingsOpen(user=user.user_id))
    builder.adjust(1)
    return text, builder.as_markup()


def models_page(
    texts: Translator, user: UserRecord, catalog: Catalog, preferences: Preferences, setting: Setting
) -> tuple[Markup, InlineKeyboardMarkup]:
    lang, kind = user.language, setting.kind.value
    builder = InlineKeyboardBuilder()
    for model in preferences.models(setting.kind):
        # The price this model would cost with the current choices it shares.
        price = model.price_for(model.carry(setting.choices))
        mark = "✅ " if model.key == setting.model.key else ""
        photo = f" {PHOTO}" if catalog.for_photo(model) is not None else ""
        builder.button(
            text=mark + _plain(texts("settings_model_choice", lang, model=model.name, price=price)) + photo,
            callback_data=SettingsModel(user=user.user_id, kind=kind, model=tag(model.key)),
        )
    builder.button(text=texts("settings_back_button", lang), callback_data=SettingsOpen(user=user.user_id, kind=kind))
    builder.adjust(1)
    return texts("settings_models", lang, kind=kind), builder.as_markup()


def choices_page(
    texts: Translator, user: UserRecord, setting: Setting, option: CatalogOption
) -> tuple[Markup, InlineKeyboardMarkup]:
    lang, kind, model = user.language, setting.kind.value, setting.model
    builder = InlineKeyboardBuilder()
    for choice, extra in option.choices.items():
        mark = "✅ " if setting.choices[option.key] == choice else ""
        word = _choice(texts, lang, choice)
        label = texts("settings_choice_extra", lang, choice=word, extra=extra) if extra else word
        builder.button(
            text=mark + _plain(label),
            callback_data=SettingsChoice(
                user=user.user_id, kind=kind, model=tag(model.key), option=tag(option.key), choice=tag(choice)
            ),
        )
    builder.button(text=texts("settings_back_button", lang), callback_data=SettingsOpen(user=user.user_id, kind=kind))
    builder.adjust(2)
    text = texts("settings_choices", lang, label=_label(texts, lang, option), model=model.name)
    return text, builder.as_markup()


# -- handlers ------------------------------------------------------------------------------------


async def settings(
    message: Message,
    command: CommandObject,
    user: UserRecord,
    texts: Translator,
    catalog: Catalog,
    preferences: Preferences,
) -> None:
    """``/settings``: the three kinds; ``/settings video``: straight to that kind's screen."""
    asked = (command.args or "").strip().casefold()
    if asked in KINDS:
        text, markup = kind_page(texts, user, catalog, await preferences.current(user.user_id, Kind(asked)))
    else:
        text, markup = kinds_page(texts, user)
    await message.reply(text, reply_markup=markup)


async def _show(query: CallbackQuery, page: tuple[Markup, InlineKeyboardMarkup], answer: str | None = None) -> None:
    text, markup = page
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):  # "message is not modified": the same choice again
            await query.message.edit_text(text, reply_markup=markup)
    await query.answer(answer)


async def open_kinds(query: CallbackQuery, user: UserRecord, texts: Translator) -> None:
    await _show(query, kinds_page(texts, user))


async def open_page(
    query: CallbackQuery,
    callback_data: SettingsOpen,
    user: UserRecord,
    texts: Translator,
    catalog: Catalog,
    preferences: Preferences,
) -> None:
    setting = await preferences.current(user.user_id, Kind(callback_data.kind))
    if callback_data.page == "":
        await _show(query, kind_page(texts, user, catalog, setting))
    elif callback_data.page == MODELS:
        await _show(query, models_page(texts, user, catalog, preferences, setting))
    else:
        option = _option(setting.model, callback_data.page, callback_data.kind)
        await _show(query, choices_page(texts, user, setting, option))


async def pick_model(
    query: CallbackQuery,
    callback_data: SettingsModel,
    user: UserRecord,
    texts: Translator,
    catalog: Catalog,
    preferences: Preferences,
) -> None:
    kind = Kind(callback_data.kind)
    model = next((m for m in preferences.models(kind) if tag(m.key) == callback_data.model), None)
    if model is None:
        raise SettingUnavailableError(kind=kind.value, what=f"model {callback_data.model}")
    setting = await preferences.choose_model(user.user_id, kind, model.key)
    await _show(query, kind_page(texts, user, catalog, setting))


async def pick_choice(
    query: CallbackQuery,
    callback_data: SettingsChoice,
    user: UserRecord,
    texts: Translator,
    catalog: Catalog,
    preferences: Preferences,
) -> None:
    kind = Kind(callback_data.kind)
    current = await preferences.current(user.user_id, kind)
    if tag(current.model.key) != callback_data.model:
        raise SettingUnavailableError(kind=kind.value, what=f"model {callback_data.model}")
    option = _option(current.model, callback_data.option, kind.value)
    choice = next((c for c in option.choices if tag(c) == callback_data.choice), None)
    if choice is None:
        raise SettingUnavailableError(kind=kind.value, what=f"choice {callback_data.choice}")
    setting = await preferences.choose(user.user_id, kind, current.model.key, option.key, choice)
    await _show(query, kind_page(texts, user, catalog, setting))


async def reset(
    query: CallbackQuery,
    callback_data: SettingsReset,
    user: UserRecord,
    texts: Translator,
    catalog: Catalog,
    preferences: Preferences,
) -> None:
    setting = await preferences.reset(user.user_id, Kind(callback_data.kind))
    await _show(query, kind_page(texts, user, catalog, setting), texts("settings_reset_done", user.language))


async def not_yours(query: CallbackQuery, user: UserRecord, texts: Translator) -> None:
    await query.answer(texts("settings_not_yours", user.language))


def _option(model: CatalogModel, option_tag: str, kind: str) -> CatalogOption:
    option = next((o for o in model.options.values() if tag(o.key) == option_tag), None)
    if option is None:
        raise SettingUnavailableError(kind=kind, what=f"option {option_tag}")
    return option


async def _foreign(query: CallbackQuery, callback_data: CallbackData) -> bool:
    """A press on a screen opened by someone else (a group): it must not change their settings
    nor show this presser's on their message."""
    return getattr(callback_data, "user", None) != query.from_user.id


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.register(settings, Command("settings", ignore_case=True))
    for factory in (SettingsOpen, SettingsModel, SettingsChoice, SettingsReset):
        router.callback_query.register(not_yours, factory.filter(), _foreign)
    # An unknown kind matches nothing here: the fallback's stale-button answer.
    router.callback_query.register(open_kinds, SettingsOpen.filter(F.kind == ""))
    router.callback_query.register(open_page, SettingsOpen.filter(F.kind.in_(KINDS)))
    router.callback_query.register(pick_model, SettingsModel.filter(F.kind.in_(KINDS)))
    router.callback_query.register(pick_choice, SettingsChoice.filter(F.kind.in_(KINDS)))
    router.callback_query.register(reset, SettingsReset.filter(F.kind.in_(KINDS)))
    return router
