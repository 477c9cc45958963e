"""The real program at its edges: killed between fetching a command and answering it,
started with a token Telegram rejects, or while Telegram cannot be reached."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from contextlib import closing

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.conftest import BotRunner
from tests.e2e.test_crash_recovery import DEADLINE, wait_call, wait_until
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.e2e

ALICE = 1001


def confirmed(telegram: FakeTelegram, update_id: int) -> bool:
    """The bot asked for updates past ``update_id``: Telegram has forgotten it."""
    return any((c.params.get("offset") or 0) > update_id for c in telegram.calls_of("getUpdates"))


async def test_a_command_confirmed_to_telegram_then_killed_is_answered_after_the_restart(
    bot_runner: BotRunner, fake_telegram: FakeTelegram
):
    first = await bot_runner.start()
    answer = fake_telegram.hold_request("sendMessage")  # the handler is about to answer...
    update = fake_telegram.push_message("/balance", user_id=ALICE)
    await asyncio.wait_for(answer.arrived.wait(), DEADLINE)
    await wait_until(lambda: confirmed(fake_telegram, update["update_id"]), "the update confirmed", bot_runner)
    first.send_signal(signal.SIGKILL)  # ...when the process dies
    await first.wait()
    answer.release.set()  # too late: nobody is there to have sent it
    assert update not in fake_telegram.pending_updates  # Telegram will not send it again

    await bot_runner.start()
    reply = await wait_call(fake_telegram, "sendMessage", bot_runner, lambda c: c.chat_id == ALICE)
    assert reply.ok and reply.params["text"] == "5 credits left."
    bot_runner.processes[-1].terminate()
    assert await asyncio.wait_for(bot_runner.processes[-1].wait(), DEADLINE) == 0
    assert len(fake_telegram.calls_of("sendMessage")) == 1, bot_runner.logs()
    with closing(sqlite3.connect(bot_runner.db_path)) as db:
        assert db.execute("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL").fetchone() == (0,)


async def run_to_exit(runner: BotRunner, timeout: float = DEADLINE) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=runner.workdir, env=runner.env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode(errors="replace")


async def test_a_token_telegram_rejects_ends_with_one_line_naming_bot_token(bot_runner, fake_telegram):
    bot_runner.env["BOT_TOKEN"] = "123456:NOT-THE-RIGHT-ONE"
    code, out = await run_to_exit(bot_runner)
    assert code == 2, out
    assert "Traceback" not in out
    [line] = [x for x in out.splitlines() if "BOT_TOKEN" in x]
    assert "rejected" in line and "NOT-THE-RIGHT-ONE" not in out


async def test_unreachable_telegram_is_waited_for_and_sigterm_still_stops_cleanly(bot_runner):
    bot_runner.env["TELEGRAM_API_URL"] = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    log_path = bot_runner.workdir / "bot.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=bot_runner.workdir, env=bot_runner.env, stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            await wait_until(lambda: log_path.read_text().count("not reachable") >= 2, "two attempts", bot_runner)
            async with httpx.AsyncClient(trust_env=False) as client:
                health = await client.get(bot_runner.health_url)
            assert (health.status_code, health.json()) == (503, {"status": "starting"})
            process.terminate()
            assert await asyncio.wait_for(process.wait(), DEADLINE) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    text = log_path.read_text()
    assert "Traceback" not in text
    attempts = [x for x in text.splitlines() if "not reachable" in x]
    assert all("retrying in" in x for x in attempts)
