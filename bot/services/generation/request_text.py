"""Reading a request: the prompt, and ``--option value`` pairs after it.

``/video waves at sunset --ar 9:16 --dur 10``. Only names that are options somewhere in
the catalog are taken out, so a prompt may still contain ``--`` (a sign saying "--stop").
Phones turn ``--`` into an em dash; that is accepted too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot.catalog import OptionError

_OPTION = re.compile(r"(?:(?<=\s)|^)(?:--|—)([A-Za-z][A-Za-z0-9_]*)(?:[ \t=]+(?!--|—)(\S+))?")


@dataclass(frozen=True, slots=True)
class RequestText:
    prompt: str
    options: dict[str, str] = field(default_factory=dict)  # as typed: name → choice


def normalize_prompt(text: str | None) -> str:
    # Control characters other than newlines/tabs only make trouble downstream; format
    # characters (emoji joiners) and non-breaking spaces are part of the text.
    cleaned = "".join(ch for ch in (text or "") if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return cleaned.strip()


def parse_request(text: str | None, option_names: frozenset[str]) -> RequestText:
    """Split ``text`` into the prompt and the options named in it.

    Raises OptionError for an option given twice or without a value."""
    options: dict[str, str] = {}

    def take(match: re.Match[str]) -> str:
        name, value = match.group(1).lower(), match.group(2)
        if name not in option_names:
            return match.group(0)
        if value is None:
            raise OptionError(f"--{name} needs a value", option=name)
        if name in options:
            raise OptionError(f"--{name} is given twice", option=name)
        options[name] = value
        return ""

    prompt = _OPTION.sub(take, normalize_prompt(text))
    return RequestText(prompt=normalize_prompt(re.sub(r"[ \t]{2,}", " ", prompt)), options=options)
