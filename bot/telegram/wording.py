"""Small wording helpers shared by several messages."""

from __future__ import annotations

from bot.telegram.i18n import Markup, Translator


def file_size(texts: Translator, language: str, size: int) -> Markup:
    """``812 KB``, ``3.4 MB`` (``3,4 МБ``), the language's way."""
    if size < 1024 * 1024:
        return texts("size_kb", language, n=max(1, round(size / 1024)))
    return texts("size_mb", language, n=round(size / (1024 * 1024), 1))
