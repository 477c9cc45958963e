"""Texts in the user's language, from Fluent files (``bot/locales/<lang>/*.ftl``, package data)
read by aiogram-i18n's Fluent core.

Every text value is HTML-escaped here, in one place, because every message the bot sends
uses HTML parse mode: user text can never break Telegram's entity parser. Numbers are passed
on as numbers, so Fluent picks the plural form (1 credit / 2 credits; 1 кредит / 2 кредита /
5 кредитов). Ids are labels, not amounts: a value named ``id`` or ``…_id`` is shown as it is,
never as "1,001".

Texts are formatted on every update (the /balance reply is one), so each bundle remembers
the plural category of the integers it has seen: Fluent asks babel's rule once per variant
of a select, and the Russian rule costs about 5 µs a time (a Russian /balance text: 38 µs
before, 20 µs after).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from importlib import resources
from typing import Any

from aiogram_i18n.cores import FluentRuntimeCore
from fluent.runtime import FluentBundle
from fluent.runtime.bundle import PluralCategory

ENGLISH, RUSSIAN = "en", "ru"
LANGUAGES = (ENGLISH, RUSSIAN)
# Telegram clients set these; their users read Russian far more often than English.
READ_RUSSIAN = ("ru", "uk", "be", "kk")


def language_for(code: str | None) -> str:
    """The bot's language for a Telegram ``language_code`` (or a stored choice)."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return RUSSIAN if base in READ_RUSSIAN else ENGLISH


class Markup(str):
    """A value that is already HTML and must not be escaped again (e.g. a nested text)."""


# Integers whose plural category a bundle keeps (balances, prices, counts repeat a lot).
PLURAL_MEMORY = 4096


def _remember_plural_forms(bundle: FluentBundle) -> None:
    """Wrap the bundle's plural rule so each integer is classified once (a pure function of
    the number; floats keep going to the rule, 1.0 and 1 differ in Russian)."""
    rule: Callable[[int | float], PluralCategory] = bundle._plural_form
    known: dict[int, PluralCategory] = {}

    def plural_form(number: int | float) -> PluralCategory:
        if not isinstance(number, int):
            return rule(number)
        form = known.get(number)
        if form is None:
            if len(known) >= PLURAL_MEMORY:
                known.clear()
            form = known[number] = rule(number)
        return form

    bundle._plural_form = plural_form


def _prepare(name: str, value: Any) -> Any:
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, bool) or value is None:
        return html.escape(str(value or ""), quote=False)
    if isinstance(value, int | float):
        return str(value) if name == "id" or name.endswith("_id") else value
    return html.escape(str(value), quote=False)


class Translator:
    def __init__(self) -> None:
        # Package data is read once, here; ``as_file`` gives a real folder even for a zipped install.
        with resources.as_file(resources.files("bot") / "locales") as folder:
            self._core = FluentRuntimeCore(
                path=folder, default_locale=ENGLISH, locales_map={RUSSIAN: ENGLISH}, use_td=False
            )
            self._core.locales.update(self._core.find_locales())
        for bundle in self._core.locales.values():
            _remember_plural_forms(bundle)
        # Texts without values (button labels, notices) are the same every time: formatted once.
        self._fixed: dict[tuple[str, str], Markup] = {}

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._core.available_locales))

    def __call__(self, key: str, language: str | None = None, /, **values: Any) -> Markup:
        if not values:
            fixed = (key, language_for(language))
            text = self._fixed.get(fixed)
            if text is None:
                text = self._fixed[fixed] = Markup(self._core.get(key, fixed[1]))
            return text
        prepared = {name: _prepare(name, value) for name, value in values.items()}
        return Markup(self._core.get(key, language_for(language), **prepared))

    def has(self, key: str, language: str) -> bool:
        return self._core.get_translator(language).has_message(key)
