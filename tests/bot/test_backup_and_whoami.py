"""/backup (a consistent database snapshot sent to the operator) and /whoami, through the
real dispatcher against the fake Bot API."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest

from bot.app import Application, Tuning
from tests.conftest import AppFactory, send
from tests.fakes.telegram import FakeTelegram

ADMIN = 42
ALICE = 1001
BOB = 1002
GROUP = -100777


async def app_with(make_app: AppFactory, **tuning: Any) -> Application:
    return await make_app(
        admin_ids=frozenset({ADMIN}),
        telegram_rate_limit=1000,
        tuning=Tuning(submit_backoff=0.01, shutdown_timeout=2.0, **tuning),
    )


async def say(app: Application, fake_telegram: FakeTelegram, text: str, user_id: int, **kwargs: Any) -> None:
    await send(app, fake_telegram, text, user_id=user_id, username=f"user{user_id}", first_name="U", **kwargs)


def texts_in(fake_telegram: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text or "" for m in fake_telegram.messages(chat_id)]


def users_in(data: bytes, folder: Path) -> list[tuple[int, int]]:
    """(user id, balance) of every user in a database file given as bytes."""
    path = folder / "received.sqlite3"
    path.write_bytes(data)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return conn.execute("SELECT user_id, balance FROM users ORDER BY user_id").fetchall()
    finally:
        conn.close()


# -- /backup ----------------------------------------------------------------------------------


async def test_backup_sends_a_consistent_snapshot_as_a_document(
    make_app: AppFactory, fake_telegram: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    app = await app_with(make_app)
    await say(app, fake_telegram, "/start", ALICE)
    await say(app, fake_telegram, "/balance", BOB)
    await say(app, fake_telegram, f"/grant {ALICE} 5", ADMIN)
    # Not checkpointed yet: the snapshot must take what is in the WAL, not only the main file.
    assert (app.db.path.parent / (app.db.path.name + "-wal")).stat().st_size > 0

    await say(app, fake_telegram, "/backup", ADMIN)

    [call] = fake_telegram.calls_of("sendDocument")
    assert call.ok and call.chat_id == ADMIN
    [upload] = call.parts.values()
    assert upload.filename and upload.filename.startswith("kie-bot-") and upload.filename.endswith(".sqlite3")
    assert not upload.truncated and upload.size == len(upload.data)
    assert users_in(upload.data, tmp_path) == [(ADMIN, 10), (ALICE, 15), (BOB, 10)]
    assert "Database snapshot" in (fake_telegram.messages(ADMIN)[-1].caption or "")
    # The temporary copy is gone, and the bot carries on.
    assert list(temp.iterdir()) == []
    await say(app, fake_telegram, "/balance", ALICE)
    assert texts_in(fake_telegram, ALICE)[-1] == "15 credits left."


async def test_backup_is_an_unknown_command_for_non_admins_and_in_groups(
    make_app: AppFactory, fake_telegram: FakeTelegram
) -> None:
    app = await app_with(make_app)
    await say(app, fake_telegram, "/nonsense", ALICE)
    unknown = texts_in(fake_telegram, ALICE)[-1]
    await say(app, fake_telegram, "/backup", ALICE)
    assert texts_in(fake_telegram, ALICE) == [unknown, unknown]
    # The file holds every user's record: it never goes to a group, not even for an admin.
    await say(app, fake_telegram, "/backup", ADMIN, chat_type="supergroup", chat_id=GROUP)
    await say(app, fake_telegram, "/backup", ALICE, chat_type="supergroup", chat_id=GROUP)
    assert fake_telegram.messages(GROUP) == []
    assert fake_telegram.calls_of("sendDocument") == []


async def test_a_database_over_the_upload_limit_is_refused_with_the_command(
    make_app: AppFactory, fake_telegram: FakeTelegram
) -> None:
    app = await app_with(make_app, backup_upload_limit=4096)
    await say(app, fake_telegram, "/backup", ADMIN)

    assert fake_telegram.calls_of("sendDocument") == []
    refusal = texts_in(fake_telegram, ADMIN)[-1]
    assert "over Telegram's 4 KB upload limit" in refusal
    database = app.db.path.resolve()
    assert f"sqlite3 {database} \".backup '{database.with_name('backup.sqlite3')}'\"" in refusal
    assert "README" in refusal


# -- /whoami ----------------------------------------------------------------------------------


async def test_whoami_tells_the_user_their_id_and_in_a_group_the_group_id(
    make_app: AppFactory, fake_telegram: FakeTelegram
) -> None:
    app = await app_with(make_app)
    await say(app, fake_telegram, "/whoami", ALICE)
    assert texts_in(fake_telegram, ALICE) == [f"Your Telegram id: {ALICE}"]

    await say(app, fake_telegram, "/whoami", BOB, chat_type="supergroup", chat_id=GROUP)
    [answer] = fake_telegram.messages(GROUP)
    assert answer.text is not None
    assert f"Your Telegram id: {BOB}" in answer.text and "This group's id" in answer.text
    assert f": {GROUP}" in answer.text
