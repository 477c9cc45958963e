"""SQL of /settings (see migration 0010): one row per user and kind, the model and its
option choices. Like every repository it runs inside the caller's unit of work."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.domain import Kind
from bot.storage.base import Repo
from bot.storage.records import _Record


@dataclass(frozen=True, slots=True)
class PreferenceRecord(_Record):
    user_id: int
    kind: Kind
    model_key: str
    choices: dict[str, str] = field(default_factory=dict)  # option key → choice, as saved

    _convert = {"kind": Kind, "choices": json.loads}


class PreferenceRepo(Repo):
    async def get(self, user_id: int, kind: Kind) -> PreferenceRecord | None:
        row = await self._one("SELECT * FROM preferences WHERE user_id = ? AND kind = ?", (user_id, kind))
        return PreferenceRecord.from_row(row) if row else None

    async def save(self, user_id: int, kind: Kind, model_key: str, choices: dict[str, str], *, now: float) -> None:
        await self._run(
            "INSERT INTO preferences (user_id, kind, model_key, choices, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id, kind) DO UPDATE SET model_key = excluded.model_key,"
            " choices = excluded.choices, updated_at = excluded.updated_at",
            (user_id, kind, model_key, json.dumps(choices, sort_keys=True), now),
        )

    async def clear(self, user_id: int, kind: Kind) -> None:
        await self._run("DELETE FROM preferences WHERE user_id = ? AND kind = ?", (user_id, kind))
