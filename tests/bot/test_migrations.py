from __future__ import annotations

import aiosqlite

from bot.storage import Database
from bot.storage.database import _migrations


async def schema(path) -> dict[str, str]:
    async with aiosqlite.connect(path) as conn:
        rows = await conn.execute_fetchall("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
    return {name: sql for name, sql in rows}


async def test_fresh_database_gets_every_migration(tmp_path):
    db = Database(tmp_path / "a.sqlite3")
    await db.open()
    async with db.connection.execute("PRAGMA user_version") as cur:
        (version,) = await cur.fetchone()
    await db.close()
    assert version == _migrations()[-1][0]
    assert {"users", "ledger", "tasks", "deliveries"} <= set(await schema(tmp_path / "a.sqlite3"))


async def test_reopening_is_a_no_op_and_keeps_data(tmp_path):
    path = tmp_path / "a.sqlite3"
    db = Database(path)
    await db.open()
    async with db.transaction() as repo:
        await repo.users.upsert(7, username="x", first_name="X", language="en", now=1.0)
    await db.close()
    before = await schema(path)
    db = Database(path)
    await db.open()
    async with db.read() as repo:
        assert (await repo.users.get(7)) is not None
    await db.close()
    assert await schema(path) == before


def test_migrations_are_numbered_without_gaps():
    versions = [v for v, _ in _migrations()]
    assert versions == list(range(1, len(versions) + 1))
