"""What every repository shares: statements on the caller's connection, never a commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite


class Repo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self._conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> Iterable[aiosqlite.Row]:
        async with self._conn.execute(sql, params) as cur:
            return await cur.fetchall()

    async def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._conn.execute(sql, params) as cur:
            return cur.rowcount
