"""The real program, ``python -m bot``, as a subprocess against loopback fakes.

:class:`BotRunner` starts the bot from a foreign working directory with the environment an
operator would set, and can start it again on the same database, port and directory (crash
and restart tests). ``bot_process`` is one started process, for tests that need just that.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from tests.conftest import free_port
from tests.fakes.kie import FakeKie
from tests.fakes.telegram import FakeTelegram


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


def restartable_port() -> int:
    """A free port outside the kernel's ephemeral range. ``free_port()`` hands out an ephemeral
    port, which anything on the machine binding port 0 may take while a killed bot is down;
    a port below the range is never handed out that way, so a restart can bind it again."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(100):
        port = random.randrange(20000, max(low, 20001))
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return free_port()


class BotRunner:
    """Starts ``python -m bot``; every start reuses the same environment, port, working
    directory and database. Edit :attr:`env` before :meth:`start` to tune a test."""

    def __init__(self, tmp_path: Path, telegram: FakeTelegram, kie: FakeKie) -> None:
        self.port = restartable_port()
        self.workdir = tmp_path / "elsewhere"
        self.workdir.mkdir()
        self.db_path = tmp_path / "db" / "bot.sqlite3"
        self.log_paths: list[Path] = []
        self.processes: list[asyncio.subprocess.Process] = []
        self._tmp_path = tmp_path
        self._log_files: list[IO[bytes]] = []
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "KIE_", "TELEGRAM_", "WEB_"))},
            "BOT_TOKEN": telegram.token,
            "KIE_API_KEY": kie.api_key,
            "TELEGRAM_API_URL": telegram.base_url,
            "KIE_API_URL": kie.base_url,
            "KIE_UPLOAD_URL": kie.base_url,
            "PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(self.port),
            "DATABASE_PATH": str(self.db_path),
            "STARTING_CREDITS": "5",
            "NO_PROXY": "127.0.0.1,localhost",
        }

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/healthz"

    async def start(self, *, pipe_output: bool = False) -> asyncio.subprocess.Process:
        """Start the bot and wait until it is healthy. Its output goes to a pipe (read it
        with ``communicate()``) or, by default, to a log file per start (see :meth:`logs`)."""
        stdout: Any = asyncio.subprocess.PIPE
        if not pipe_output:
            path = self._tmp_path / f"bot-{len(self.processes) + 1}.log"
            self.log_paths.append(path)
            stdout = path.open("wb")
            self._log_files.append(stdout)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=self.workdir, env=self.env,
            stdout=stdout, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        self.processes.append(process)
        try:
            await wait_healthy(self.health_url, process)
        except AssertionError as exc:
            if pipe_output:
                raise
            raise AssertionError(f"{exc}\n{self.logs()}") from None
        return process

    def logs(self) -> str:
        """Everything the file-logged starts wrote so far (for failure messages)."""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')}" for p in self.log_paths if p.exists())

    async def close(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        for file in self._log_files:
            file.close()


@pytest.fixture
async def bot_runner(tmp_path: Path, fake_telegram: FakeTelegram, fake_kie: FakeKie) -> AsyncIterator[BotRunner]:
    runner = BotRunner(tmp_path, fake_telegram, fake_kie)
    try:
        yield runner
    finally:
        await runner.close()


@pytest.fixture
async def bot_process(bot_runner: BotRunner) -> asyncio.subprocess.Process:
    """One running bot whose output is piped (``communicate()`` returns it)."""
    return await bot_runner.start(pipe_output=True)
