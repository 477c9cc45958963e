"""Small wording helpers shared by the Telegram layer's messages."""

from __future__ import annotations


def format_credits(value: float) -> str:
    """``812.5``, ``1,000``: Kie's credits without float noise."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")
