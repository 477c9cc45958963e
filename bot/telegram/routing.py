"""Feature routers the dispatcher passes by at once when an event cannot be for them.

aiogram offers every event to each router in turn, and at each one wraps the middlewares
and calls every handler's filters with a fresh copy of the update's data: 30 to 50 µs a
router on the benchmark's machine (``bench/``), so a command whose router came twelfth
paid for eleven that could never take it. A ``FeatureRouter`` reads, from its handlers' own
filters, which commands and which button prefixes it can take at all, and answers
``UNHANDLED`` straight away for anything else. Whatever it cannot rule out goes through
aiogram unchanged, so the filters stay the only judges of what matches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Message, TelegramObject


@dataclass(frozen=True, slots=True)
class CommandGate:
    """The commands an observer's handlers can take: each handler needs one of them."""

    prefixes: str
    names: frozenset[str]  # compared as sent
    folded: frozenset[str]  # compared casefolded (``ignore_case``)

    def may_take(self, message: Message) -> bool:
        # Read the way aiogram's Command filter reads it (``Command.extract_command``).
        text = message.text or message.caption
        words = text.split(maxsplit=1) if text else ()
        if not words or words[0][0] not in self.prefixes:
            return False
        name = words[0][1:].partition("@")[0]
        return name in self.names or name.casefold() in self.folded


@dataclass(frozen=True, slots=True)
class ButtonGate:
    """The ``CallbackData`` prefixes an observer's handlers can take (with their separators)."""

    prefixes: frozenset[tuple[str, str]]

    def may_take(self, query: CallbackQuery) -> bool:
        # As ``CallbackData.unpack`` reads it: the prefix is what comes before the first separator.
        data = query.data
        if not data:
            return False
        return any(data.split(separator, 1)[0] == prefix for separator, prefix in self.prefixes)


def command_gate(handlers: Sequence[HandlerObject]) -> CommandGate | None:
    """None when some handler could take a message without a command (or by a pattern)."""
    prefixes: set[str] = set()
    names: set[str] = set()
    folded: set[str] = set()
    for handler in handlers:
        commands = [f.callback for f in handler.filters or () if isinstance(f.callback, Command)]
        if not commands:
            return None
        command = commands[0]  # every filter of a handler must pass: one is enough to rule it out
        if any(isinstance(name, re.Pattern) for name in command.commands):
            return None
        prefixes.update(command.prefix)
        (folded if command.ignore_case else names).update(str(name) for name in command.commands)
    return CommandGate("".join(sorted(prefixes)), frozenset(names), frozenset(folded))


def button_gate(handlers: Sequence[HandlerObject]) -> ButtonGate | None:
    """None when some handler could take a button press without a ``CallbackData`` filter."""
    prefixes: set[tuple[str, str]] = set()
    for handler in handlers:
        found = [f.callback for f in handler.filters or () if isinstance(f.callback, CallbackQueryFilter)]
        if not found:
            return None
        data = found[0].callback_data
        prefixes.add((data.__separator__, data.__prefix__))
    return ButtonGate(frozenset(prefixes))


_Gate = CommandGate | ButtonGate | None


class FeatureRouter(Router):
    """A router for one feature's handlers (no sub-routers, no router-level middlewares of
    its own: with either it is never passed by, and behaves as a plain ``Router``)."""

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        # Per event type: (handlers when it was read, gate); re-read if a handler is added later.
        self._gates: dict[str, tuple[int, _Gate]] = {}

    def _gate(self, update_type: str, handlers: Sequence[HandlerObject]) -> _Gate:
        known = self._gates.get(update_type)
        if known is None or known[0] != len(handlers):
            gate: _Gate = None
            if update_type == "message":
                gate = command_gate(handlers)
            elif update_type == "callback_query":
                gate = button_gate(handlers)
            known = self._gates[update_type] = (len(handlers), gate)
        return known[1]

    def cannot_take(self, update_type: str, event: TelegramObject) -> bool:
        observer = self.observers.get(update_type)
        if observer is None or self.sub_routers or len(observer.outer_middleware):
            return False
        if not observer.handlers:
            return True
        gate = self._gate(update_type, observer.handlers)
        if isinstance(gate, CommandGate) and isinstance(event, Message):
            return not gate.may_take(event)
        if isinstance(gate, ButtonGate) and isinstance(event, CallbackQuery):
            return not gate.may_take(event)
        return False

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        if self.cannot_take(update_type, event):
            return UNHANDLED
        return await super().propagate_event(update_type, event, **kwargs)
