"""The ledger against a real SQLite file: exactly-once, never negative, atomic under concurrency."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain import LedgerKind
from bot.errors import InsufficientCreditsError, UnknownUserError
from bot.storage import Database

NOW = 1_700_000_000.0


@pytest.fixture
async def db(tmp_path):
    database = Database(tmp_path / "nested" / "bot.sqlite3")
    await database.open()
    yield database
    await database.close()


async def add_user(db: Database, user_id: int, balance: int = 0) -> None:
    async with db.transaction() as repo:
        await repo.users.upsert(user_id, username=None, first_name="U", language="en", now=NOW)
        if balance:
            await repo.ledger.apply(
                user_id=user_id, delta=balance, kind=LedgerKind.GRANT, op_key=f"seed:{user_id}", now=NOW
            )


async def apply(db: Database, user_id: int, delta: int, op_key: str):
    async with db.transaction() as repo:
        return await repo.ledger.apply(user_id=user_id, delta=delta, kind=LedgerKind.GRANT, op_key=op_key, now=NOW)


async def balance_and_sum(db: Database, user_id: int) -> tuple[int, int]:
    async with db.read() as repo:
        entries = await repo.ledger.entries(user_id)
        return await repo.ledger.balance(user_id), sum(e.delta for e in entries)


async def test_same_operation_key_applies_once(db):
    await add_user(db, 1, balance=10)
    first = await apply(db, 1, -3, "debit:task:1")
    again = await apply(db, 1, -3, "debit:task:1")
    assert (first.applied, first.balance) == (True, 7)
    assert (again.applied, again.balance) == (False, 7)
    assert await balance_and_sum(db, 1) == (7, 7)


async def test_debit_beyond_balance_is_refused_and_changes_nothing(db):
    await add_user(db, 1, balance=5)
    with pytest.raises(InsufficientCreditsError) as info:
        await apply(db, 1, -6, "debit:task:1")
    assert (info.value.needed, info.value.balance) == (6, 5)
    assert await balance_and_sum(db, 1) == (5, 5)
    # The refused key was not consumed: the same operation can succeed later.
    await apply(db, 1, 10, "grant:1")
    assert (await apply(db, 1, -6, "debit:task:1")).applied


async def test_balance_after_is_recorded_per_entry(db):
    await add_user(db, 1, balance=4)
    await apply(db, 1, -1, "a")
    await apply(db, 1, 3, "b")
    async with db.read() as repo:
        entries = await repo.ledger.entries(1)
    assert [(e.delta, e.balance_after) for e in entries] == [(4, 4), (-1, 3), (3, 6)]


async def test_unknown_user_is_an_error_not_a_silent_row(db):
    with pytest.raises(UnknownUserError):
        await apply(db, 404, 5, "grant:x")


async def test_failed_transaction_rolls_back_every_statement(db):
    await add_user(db, 1, balance=10)
    with pytest.raises(RuntimeError):
        async with db.transaction() as repo:
            await repo.ledger.apply(user_id=1, delta=-4, kind="debit", op_key="x", now=NOW)
            raise RuntimeError("crash in the middle")
    assert await balance_and_sum(db, 1) == (10, 10)


async def test_concurrent_debits_cannot_overdraw(db):
    await add_user(db, 1, balance=10)

    async def debit(i: int) -> bool:
        try:
            await apply(db, 1, -3, f"debit:task:{i}")
        except InsufficientCreditsError:
            return False
        return True

    results = await asyncio.gather(*(debit(i) for i in range(20)))
    assert results.count(True) == 3
    assert await balance_and_sum(db, 1) == (1, 1)


async def test_concurrent_duplicates_of_one_refund_pay_once(db):
    await add_user(db, 1, balance=0)
    outcomes = await asyncio.gather(*(apply(db, 1, 5, "refund:task:9") for _ in range(10)))
    assert sum(o.applied for o in outcomes) == 1
    assert await balance_and_sum(db, 1) == (5, 5)


async def test_database_enforces_non_negative_balance_itself(db):
    import sqlite3

    await add_user(db, 1, balance=1)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as repo:
            await repo.users._run("UPDATE users SET balance = -1 WHERE user_id = 1")  # noqa: SLF001
