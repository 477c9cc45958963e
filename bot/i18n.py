"""Texts per language from ``locales/<lang>.toml`` (package data).

Every placeholder value is HTML-escaped here, in one place, because every message the
bot sends uses HTML parse mode: user text can never break Telegram's entity parser.
"""

from __future__ import annotations

import html
import tomllib
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_LANGUAGE = "en"


class Markup(str):
    """A value that is already HTML and must not be escaped again (e.g. a nested text)."""


@cache
def _catalog(language: str) -> dict[str, str]:
    path = resources.files("bot.locales") / f"{language}.toml"
    return tomllib.loads(path.read_text("utf-8"))


def available_languages() -> list[str]:
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in (resources.files("bot.locales")).iterdir()
        if entry.name.endswith(".toml")
    )


class Translator:
    def __init__(self, default: str = DEFAULT_LANGUAGE) -> None:
        self._languages = set(available_languages())
        self._default = default
        _catalog(default)  # fail at start, not on the first message

    def resolve(self, language: str | None) -> str:
        code = (language or "").split("-")[0].lower()
        return code if code in self._languages else self._default

    def __call__(self, key: str, language: str | None = None, /, **values: Any) -> Markup:
        texts = _catalog(self.resolve(language))
        template = texts.get(key) or _catalog(self._default)[key]
        escaped = {k: v if isinstance(v, Markup) else html.escape(str(v), quote=False) for k, v in values.items()}
        return Markup(template.format(**escaped))
