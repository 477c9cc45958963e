"""The real program, ``python -m bot``, as an operator runs it: long polling plus the web
server, in its own process and working directory, against loopback fakes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.fakes.kie import tiny_png

pytestmark = pytest.mark.e2e


async def wait_healthy(url: str, process: asyncio.subprocess.Process, timeout: float = 30.0) -> None:
    async with httpx.AsyncClient(trust_env=False) as client:
        for _ in range(int(timeout / 0.1)):
            if process.returncode is not None:
                raise AssertionError(f"bot exited early with {process.returncode}")
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("bot never became healthy")


@pytest.fixture
async def bot_process(tmp_path: Path, fake_telegram, fake_kie):
    port = free_port()
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "KIE_", "TELEGRAM_", "WEB_"))},
        "BOT_TOKEN": fake_telegram.token,
        "KIE_API_KEY": fake_kie.api_key,
        "TELEGRAM_API_URL": fake_telegram.base_url,
        "KIE_API_URL": fake_kie.base_url,
        "KIE_UPLOAD_URL": fake_kie.base_url,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "DATABASE_PATH": str(tmp_path / "db" / "bot.sqlite3"),
        "STARTING_CREDITS": "5",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=workdir, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        await wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_image_request_reaches_the_chat_and_sigterm_stops_cleanly(bot_process, fake_telegram, fake_kie):
    fake_kie.auto_complete = True  # Kie finishes at once and calls back (maybe before create returns)
    fake_kie.auto_callback = True
    update = fake_telegram.message_update("/image a red fox in the snow")
    fake_telegram.push_update(update)

    photo = await fake_telegram.wait_for("sendPhoto", timeout=30)
    assert photo.ok
    assert photo.params["reply_parameters"]["message_id"] == update["message"]["message_id"]
    assert next(iter(photo.files.values())).data == tiny_png()
    [create] = [r for r in fake_kie.requests if r.path == "/api/v1/jobs/createTask"]
    assert create.json["callBackUrl"].startswith("http://127.0.0.1:")
    assert fake_kie.callbacks_sent and all(c.status == 200 for c in fake_kie.callbacks_sent)

    fake_telegram.push_update(fake_telegram.message_update("/balance"))
    balance = await fake_telegram.wait_for(
        "sendMessage", lambda call: "credits left" in str(call.params.get("text")), timeout=30
    )
    assert str(balance.params["text"]).split()[0] == "3"  # 5 starting credits - 2 for the image

    bot_process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(bot_process.communicate(), timeout=30)
    assert bot_process.returncode == 0, output.decode()
    log = output.decode()
    assert fake_telegram.token.split(":")[1] not in log
    assert fake_kie.api_key not in log
