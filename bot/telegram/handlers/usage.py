"""The usage text, shared by /start, /help and the private-chat fallback."""

from __future__ import annotations

from bot.catalog import Catalog, Kind
from bot.telegram.i18n import Markup, Translator


def usage_text(texts: Translator, language: str, catalog: Catalog) -> Markup:
    return texts(
        "usage",
        language,
        image_price=catalog.default_for(Kind.IMAGE).price,
        video_price=catalog.default_for(Kind.VIDEO).price,
        song_price=catalog.default_for(Kind.SONG).price,
    )
