"""What every repository shares: statements on the caller's unit of work, never a commit.

Every statement is one round trip to aiosqlite's thread (the statement and its rows or its
row count come back together), and a transaction's ``BEGIN IMMEDIATE`` travels with its first
statement: each hop costs a thread switch and a wake-up of the event loop, about as much CPU
as a simple statement itself, so a unit of work makes as few as it can.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")


class Session:
    """One unit of work on a connection: a transaction (``begin=True``: ``BEGIN IMMEDIATE``
    is sent with the first statement, so one that makes none costs nothing) or plain reads.

    It uses aiosqlite's own worker-thread call (``Connection._execute``), the one every public
    method of aiosqlite is made of, to run a statement and collect its outcome in one hop."""

    __slots__ = ("_conn", "_begin", "begun")

    def __init__(self, conn: aiosqlite.Connection, *, begin: bool) -> None:
        self._conn = conn
        self._begin = begin
        self.begun = False

    def _cursor(self, sql: str, params: Sequence[Any]) -> sqlite3.Cursor:  # on aiosqlite's thread
        raw: sqlite3.Connection = self._conn._conn
        if self._begin:
            raw.execute("BEGIN IMMEDIATE")
            self._begin, self.begun = False, True
        return raw.execute(sql, params)

    async def call(self, fn: Callable[[], T]) -> T:
        result: T = await self._conn._execute(fn)
        return result

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return await self.call(lambda: self._cursor(sql, params).fetchall())

    async def count(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; the number of rows it changed."""
        return await self.call(lambda: self._cursor(sql, params).rowcount)


class Repo:
    def __init__(self, session: Session) -> None:
        self._session = session

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        rows = await self._session.rows(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> Iterable[aiosqlite.Row]:
        return await self._session.rows(sql, params)

    async def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self._session.count(sql, params)
