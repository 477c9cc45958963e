from __future__ import annotations

from bot.telegram.i18n import Markup, Translator


def test_values_are_escaped_for_html():
    t = Translator()
    text = t("caption", "en", icon="🖼", prompt="<b>x</b> & [y](z) *_")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; [y](z) *_" in text
    assert text.startswith("🖼 <i>")


def test_markup_values_are_not_escaped_twice():
    t = Translator()
    inner = t("reason_rejected", "en", detail="a < b")
    outer = t("status_failed", "en", reason=inner, price=2, balance=5)
    assert "a &lt; b" in outer and "&amp;lt;" not in outer
    assert isinstance(outer, Markup)


def test_unknown_language_falls_back_to_english():
    t = Translator()
    assert t("balance", "xx-YY", balance=3) == t("balance", "en", balance=3) == "3 credits left."
