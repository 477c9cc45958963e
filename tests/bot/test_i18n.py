"""Both languages complete: every text exists in English and Russian, renders with its
placeholders, picks the right plural form, and Russian never falls back to English."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from babel import Locale
from fluent.syntax import ast, parse
from fluent.syntax.visitor import Visitor as FluentVisitor

from bot.catalog import load_catalog
from bot.telegram import i18n
from bot.telegram.i18n import LANGUAGES, Markup, Translator, language_for

NUMBERS = (0, 1, 2, 5, 11, 21, 22, 25)
# Words that stay as they are in Russian text: names of things, not sentences.
NAMES = {"English", "Kie", "Telegram", "BotFather", "ADMIN_IDS", "Docker", "sqlite", "README", "Python"} | {
    word for model in load_catalog(None).models.values() for word in re.findall(r"[A-Za-z]+", model.name)
}


def messages(language: str) -> dict[str, ast.Message]:
    text = (resources.files("bot") / "locales" / language / "bot.ftl").read_text("utf-8")
    resource = parse(text)
    junk = [entry.content for entry in resource.body if isinstance(entry, ast.Junk)]
    assert not junk, f"{language}: unparsable: {str(junk[0])[:200]}"
    return {entry.id.name: entry for entry in resource.body if isinstance(entry, ast.Message)}


def variables(message: ast.Message) -> set[str]:
    found: set[str] = set()

    class Visitor(FluentVisitor):
        def visit_VariableReference(self, node: ast.VariableReference) -> None:  # noqa: N802 - Fluent's API
            found.add(node.id.name)

    Visitor().visit(message)
    return found


def sample(name: str, number: int) -> object:
    """A plausible value for a placeholder, by its name."""
    if name == "kind":
        return ("image", "video", "song")[number % 3]
    if name == "key":
        return "aspect_ratio"
    if name == "unit":
        return "h"
    if name == "state":
        return ("pending", "running", "delivering", "done", "failed")[number % 5]
    if name in {"name", "user", "model", "prompt", "title", "detail", "label", "command", "option", "options"}:
        return "x"
    if name in {"reason", "usage", "list", "tasks", "today", "total_list", "banned", "blocked", "kie", "extras"}:
        return Markup("x")
    if name in {"url", "example", "icon", "commands", "choices", "ids", "value", "delta", "bot", "age", "by"}:
        return "x"
    return number


def english_words(text: str) -> list[str]:
    """Latin words of four letters or more in ``text`` that are not code, commands or names."""
    text = re.sub(r"<code>.*?</code>|<[^>]+>|&\w+;", " ", text)
    text = re.sub(r"(?<![\w@])[/@-]{1,2}[\w]+", " ", text)  # /commands, @names, --options
    return [w for w in re.findall(r"[A-Za-z]{4,}", text) if w not in NAMES]


EN, RU = messages("en"), messages("ru")


def test_every_text_exists_in_both_languages():
    assert set(EN) == set(RU)
    assert set(Translator().languages) == set(LANGUAGES)


@pytest.mark.parametrize("key", sorted(EN))
def test_every_text_renders_in_both_languages_with_its_placeholders(key):
    t = Translator()
    assert variables(RU[key]) <= variables(EN[key]), "Russian uses a value English does not give"
    for number in NUMBERS:
        values = {name: sample(name, number) for name in variables(EN[key])}
        for language in LANGUAGES:
            text = t(key, language, **values)
            assert text.strip() and "{" not in text and "$" not in text, (language, text)
        if key in {"admin_task_refunded", "admin_user_task"}:  # their state arrives worded
            values["state"] = t("admin_task_state", "ru", state=values["state"])
        russian = t(key, "ru", **values)
        assert not english_words(russian), f"English in the Russian text: {english_words(russian)}: {russian}"


@pytest.mark.parametrize(
    ("number", "english", "russian"),
    [
        (0, "0 credits left.", "0 кредитов"),
        (1, "1 credit left.", "1 кредит."),
        (2, "2 credits left.", "2 кредита"),
        (5, "5 credits left.", "5 кредитов"),
        (11, "11 credits left.", "11 кредитов"),
        (21, "21 credits left.", "21 кредит."),
        (22, "22 credits left.", "22 кредита"),
        (25, "25 credits left.", "25 кредитов"),
    ],
)
def test_plural_forms(number, english, russian):
    t = Translator()
    assert t("balance", "en", balance=number) == english
    assert russian in t("balance", "ru", balance=number)
    failed = t("status_failed", "ru", reason=Markup("x"), price=number, balance=0)
    form = {0: "кредитов", 1: "кредит", 2: "кредита", 5: "кредитов", 11: "кредитов", 21: "кредит", 22: "кредита"}
    assert f"{number} {form.get(number, 'кредитов')} " in failed


@pytest.mark.parametrize(
    ("code", "language"),
    [("ru", "ru"), ("uk", "ru"), ("be", "ru"), ("kk", "ru"), ("ru-RU", "ru"), ("en", "en"), ("de", "en"),
     ("pt-br", "en"), (None, "en"), ("", "en")],
)  # fmt: skip
def test_language_from_telegram_language_code(code, language):
    assert language_for(code) == language


def test_values_are_escaped_for_html():
    t = Translator()
    text = t("caption", "en", icon="🖼", prompt="<b>x</b> & [y](z) *_")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; [y](z) *_" in text
    assert text.startswith("🖼 <i>")


def test_markup_values_are_not_escaped_twice():
    t = Translator()
    inner = t("reason_detail", "ru", detail="a < b")
    outer = t("status_failed", "ru", reason=inner, price=2, balance=5)
    assert "a &lt; b" in outer and "&amp;lt;" not in outer
    assert isinstance(outer, Markup)


def test_ids_are_labels_not_amounts():
    t = Translator()
    assert "#1234 ·" in t("admin_user_task", "en", id=1234, kind="image", model="m", state="x", price=2, age="1h")
    assert "1,234" in t("balance", "en", balance=1234)  # amounts are grouped the language's way


def test_unknown_language_falls_back_to_english():
    t = Translator()
    assert t("balance", "xx-YY", balance=3) == t("balance", "en", balance=3) == "3 credits left."


def test_remembered_plural_forms_are_the_rules_own(monkeypatch):
    """Each bundle remembers the plural category of integers it has seen (and forgets all at
    ``PLURAL_MEMORY``): asked again, and after forgetting, the words are still babel's."""
    monkeypatch.setattr(i18n, "PLURAL_MEMORY", 16)
    word = {"one": "кредит.", "few": "кредита.", "many": "кредитов."}
    rule = Locale.parse("ru").plural_form
    t = Translator()
    for _ in range(2):
        for number in [*range(0, 130), 1001, 1011, 1021, 10**9 + 2]:
            assert t("balance", "ru", balance=number).endswith(" " + word[rule(number)]), number
            expected = "credit left." if number == 1 else "credits left."
            assert t("balance", "en", balance=number).endswith(expected), number
