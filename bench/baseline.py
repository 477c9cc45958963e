"""The baseline: a bare aiogram bot doing the benchmark's work with nothing else.

``/balance`` answers from SQLite (a user row made on first sight); ``/image`` and ``/video``
debit the user, create a Kie task whose ``callBackUrl`` points at this process and say
"queued"; Kie's callback names the result, which is streamed to disk and uploaded to the
chat (or sent as a link past Telegram's 50 MB upload limit). No inbox, outbox, ledger,
retries, pacing, status checks or languages: the floor the real bot is compared with.

Configured by the environment the benchmark sets: BASE_TOKEN, BASE_API, BASE_KIE, BASE_KIE_KEY,
BASE_PORT, BASE_DB, BENCH_SQL_COUNT_FILE (see ``bench/run.py``). Run as ``python -m bench.baseline``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import secrets
import signal
import tempfile
from pathlib import Path
from typing import Any

import aiosqlite
import httpx
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command, CommandObject
from aiogram.types import FSInputFile, Message
from aiohttp import web

UPLOAD_LIMIT = 50 * 1024 * 1024
env = os.environ
dp = Dispatcher()
state: dict[str, Any] = {}


@dp.message(Command("balance"))
async def balance(message: Message, db: aiosqlite.Connection) -> None:
    assert message.from_user is not None
    await db.execute("INSERT OR IGNORE INTO users (id, balance) VALUES (?, 100000)", (message.from_user.id,))
    rows = list(await db.execute_fetchall("SELECT balance FROM users WHERE id = ?", (message.from_user.id,)))
    await message.answer(f"{rows[0][0]} credits left")


@dp.message(Command("image", "video"))
async def generate(message: Message, command: CommandObject, db: aiosqlite.Connection, kie: httpx.AsyncClient) -> None:
    assert message.from_user is not None
    await db.execute("UPDATE users SET balance = balance - 2 WHERE id = ?", (message.from_user.id,))
    token = secrets.token_urlsafe(16)  # the task is known before Kie is asked: its callback may come first
    await db.execute("INSERT INTO tasks (token, chat) VALUES (?, ?)", (token, message.chat.id))
    body = {
        "model": "google/nano-banana",
        "callBackUrl": f"http://127.0.0.1:{env['BASE_PORT']}/callback/{token}",
        "input": {"prompt": command.args or "", "output_format": "png"},
    }
    await kie.post("/api/v1/jobs/createTask", json=body)
    await message.answer("Queued")


async def callback(request: web.Request) -> web.Response:
    data = (await request.json())["data"]
    token = request.match_info["token"]
    rows = list(await state["db"].execute_fetchall("SELECT chat FROM tasks WHERE token = ?", (token,)))
    url = json.loads(data["resultJson"])["resultUrls"][0]
    bot: Bot = state["bot"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "result"
        async with state["kie"].stream("GET", url) as response:
            if int(response.headers.get("content-length", 0)) > UPLOAD_LIMIT:
                await bot.send_message(rows[0][0], f"Too big to upload: {url}")
                return web.Response(text="ok")
            with path.open("wb") as file:
                async for chunk in response.aiter_bytes(1 << 16):
                    file.write(chunk)
        if response.headers.get("content-type", "").startswith("video/"):
            await bot.send_video(rows[0][0], FSInputFile(path))
        else:
            await bot.send_photo(rows[0][0], FSInputFile(path))
    return web.Response(text="ok")


async def main() -> None:
    db = await aiosqlite.connect(env["BASE_DB"], isolation_level=None)
    await db.executescript(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS tasks (token TEXT PRIMARY KEY, chat INTEGER NOT NULL);"
    )
    count_file = env.get("BENCH_SQL_COUNT_FILE")
    if count_file:  # the same statement count the real bot gives the benchmark (bot/storage/database.py)
        count = [0]

        def trace(_: str) -> None:
            count[0] += 1

        await db.set_trace_callback(trace)
        signal.signal(signal.SIGUSR1, lambda *_: Path(count_file).write_text(str(count[0])))
    session = AiohttpSession(api=TelegramAPIServer.from_base(env["BASE_API"]))
    bot = Bot(env["BASE_TOKEN"], session=session)
    kie = httpx.AsyncClient(
        base_url=env["BASE_KIE"], headers={"Authorization": f"Bearer {env['BASE_KIE_KEY']}"}, trust_env=False
    )
    state.update(db=db, bot=bot, kie=kie)
    app = web.Application()
    app.router.add_post("/callback/{token}", callback)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(env["BASE_PORT"])).start()
    # As the bot does (bot/__main__.py): a full collection of aiogram's start-up heap, 150-250 ms
    # at a random moment, would otherwise land in one process's measured window and not the other's.
    gc.freeze()
    try:
        await dp.start_polling(bot, db=db, kie=kie, handle_signals=True, close_bot_session=True)
    finally:
        await runner.cleanup()
        await kie.aclose()
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
