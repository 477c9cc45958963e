"""The benchmark: the real bot (``python -m bot``) and a bare aiogram baseline
(``bench/baseline.py``), each its own process against its own loopback fakes of the Bot API
and Kie (``tests/fakes``), in the same run, with the same load.

What is measured comes from ``/proc/<pid>`` of the bot's process only (the fakes and this
driver run in this process): CPU time (the kernel's CPU clock of the process, to the
nanosecond, every thread, also ended ones; /proc's utime + stime, in ticks of 10 ms, where that
clock cannot be read), RSS
(``VmRSS``) and its peak (``VmHWM``, reset before each case through ``clear_refs``, with a
sampler as a fallback). Bot API calls are counted by the fake; SQL statements by SQLite's
trace callback inside the measured process (``BENCH_SQL_COUNT_FILE``, read with SIGUSR1).

Cases (sizes in ``SIZES``):

- start-up: from spawning the process to its first ``getUpdates`` reaching the fake;
- ``/balance``: N users send it at once (after one unmeasured round that registers them), a
  round ends when every reply has reached the fake and the process has gone quiet; the
  figure is the mean of the middle half of the rounds;
- image generation end to end: M users send ``/image`` at once; Kie finishes each task at
  once and calls back; a round ends when every photo has reached the fake and neither fake
  has heard anything for ``QUIET`` seconds (what the bot says after the photo is included);
  the bot's Kie pacing is opened up (``KIE_RATE_LIMIT``) so CPU is measured, not waiting,
  and so is its Telegram pacing in every case (``--telegram-rate``, 1000 a second by default);
- a large video: one ``/video`` whose result is a file of the given size (past Telegram's
  50 MB upload limit both bots send a link, under it they stream it to disk and upload it).

Never a timed assertion: it prints a table (and writes JSON with ``--json``), that is all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import functools
import json
import logging
import os
import platform
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.kie import FakeKie
from tests.fakes.telegram import Call, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
QUIET = 0.5  # seconds without a call to either fake that end a generation round
OPEN_TELEGRAM_RATE = 1000.0  # the bot's TELEGRAM_RATE_LIMIT here: Telegram's ceiling (paid broadcasts)
TICK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Size:
    balance_users: int
    balance_rounds: int
    generation_users: int
    generation_rounds: int
    video_mb: tuple[int, ...]


SIZES = {
    "small": Size(balance_users=20, balance_rounds=1, generation_users=10, generation_rounds=1, video_mb=(60,)),
    "full": Size(balance_users=200, balance_rounds=21, generation_users=100, generation_rounds=2, video_mb=(60, 45)),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def machine() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}


@dataclass
class Result:
    startup_ms: float = 0.0
    startup_cpu_ms: float = 0.0
    idle_rss_mb: float = 0.0
    balance_cpu_ms: float = 0.0
    balance_sql: float = 0.0
    generation_cpu_ms: float = 0.0
    generation_api_calls: float = 0.0
    generation_sql: float = 0.0
    generation_peak_over_idle_mb: float = 0.0
    generation_seconds: float = 0.0
    video_peak_over_idle_mb: dict[str, float] = field(default_factory=dict)


def proc_cpu_seconds(pid: int) -> float:
    """A process's CPU time as /proc counts it: utime + stime, in ticks of 10 ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def process_cpu_clock(pid: int) -> int | None:
    """The kernel's CPU-time clock of another process (``clock_getcpuclockid``), read with
    ``time.clock_gettime`` to the nanosecond: a /balance round is ~20 ticks of /proc's 10 ms,
    so a tick would be 5 % of its figure. None where the C library has no such call."""
    try:
        clock = ctypes.c_int()
        if ctypes.CDLL(None).clock_getcpuclockid(pid, ctypes.byref(clock)) != 0:
            return None
        time.clock_gettime(clock.value)
    except (OSError, AttributeError):
        return None
    return clock.value


class Measured:
    """One bot process, its fakes and the readings taken from its /proc entry."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.workdir = workdir
        self.telegram = FakeTelegram(token=f"{abs(hash(name)) % 10**9}:BENCH-{name.upper()}")
        self.kie = FakeKie(api_key=f"bench-{name}-key")
        self.kie.auto_complete = True
        self.kie.auto_callback = True
        self.kie.credits = 1e12  # never "insufficient credits"
        self.count_file = workdir / "sql-count"
        self.process: asyncio.subprocess.Process | None = None
        self.log = workdir / "output.log"
        self.result = Result()
        self._next_user = 1000
        self._cpu_clock: int | None = None

    # -- process -----------------------------------------------------------------------

    async def start(self, extra_env: Callable[[Measured], dict[str, str]]) -> None:
        await self.telegram.start()
        await self.kie.start()
        env = {**self.env, **extra_env(self), "BENCH_SQL_COUNT_FILE": str(self.count_file)}
        held = self.telegram.hold_request("getUpdates")
        began = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            *self.command, cwd=self.workdir, env=env, stdout=self.log.open("wb"), stderr=asyncio.subprocess.STDOUT
        )
        self._cpu_clock = process_cpu_clock(self.process.pid)
        arrived = asyncio.ensure_future(held.arrived.wait())
        exited = asyncio.ensure_future(self.process.wait())
        await asyncio.wait({arrived, exited}, timeout=120, return_when=asyncio.FIRST_COMPLETED)
        exited.cancel()
        if not arrived.done():
            arrived.cancel()
            raise RuntimeError(f"{self.name} never polled:\n{self.log.read_text(errors='replace')[-3000:]}")
        self.result.startup_ms = (time.perf_counter() - began) * 1000
        self.result.startup_cpu_ms = self.cpu_ms()
        held.release.set()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 60)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        await self.kie.stop()
        await self.telegram.stop()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    # -- readings ----------------------------------------------------------------------

    def cpu_ms(self) -> float:
        if self._cpu_clock is not None:  # one source for the whole run: deltas never mix the two
            return time.clock_gettime(self._cpu_clock) * 1000
        return proc_cpu_seconds(self.pid) * 1000

    def _status_kb(self, key: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        return 0

    def rss_kb(self) -> int:
        return self._status_kb("VmRSS")

    def reset_peak(self) -> bool:
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    async def sql_count(self) -> int:
        self.count_file.unlink(missing_ok=True)
        os.kill(self.pid, signal.SIGUSR1)
        for _ in range(500):
            with contextlib.suppress(OSError, ValueError):
                return int(self.count_file.read_text())
            await asyncio.sleep(0.01)
        raise RuntimeError(f"{self.name} did not report its SQL count")

    def api_calls(self) -> int:
        return sum(1 for c in self.telegram.calls if c.method != "getUpdates")

    # -- load --------------------------------------------------------------------------

    def new_users(self, count: int) -> list[int]:
        first, self._next_user = self._next_user, self._next_user + count
        return list(range(first, first + count))

    def push(self, user_id: int, text: str) -> None:
        self.telegram.push_message(text, user_id=user_id, username=f"user{user_id}", first_name=f"User {user_id}")

    async def wait_calls(self, since: int, predicate: Callable[[Call], bool], count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            seen = sum(1 for c in self.telegram.calls[since:] if c.response is not None and predicate(c))
            if seen >= count:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: {seen} of {count} expected calls within {timeout} s")
            await asyncio.sleep(0.02)

    async def wait_quiet(self, timeout: float = 120.0) -> None:
        """Until neither fake has been called for QUIET seconds."""
        deadline = time.monotonic() + timeout
        last = (len(self.telegram.calls), len(self.kie.requests), len(self.kie.callbacks_sent))
        since = time.monotonic()
        while time.monotonic() - since < QUIET:
            await asyncio.sleep(0.05)
            now = (len(self.telegram.calls), len(self.kie.requests), len(self.kie.callbacks_sent))
            if now != last:
                last, since = now, time.monotonic()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} never went quiet")


class PeakSampler:
    """VmHWM when the kernel lets us reset it; else the highest VmRSS sampled every 5 ms."""

    def __init__(self, target: Measured) -> None:
        self._target = target
        self._exact = target.reset_peak()
        self._highest = target.rss_kb()
        self._task = asyncio.ensure_future(self._sample())

    async def _sample(self) -> None:
        while True:
            self._highest = max(self._highest, self._target.rss_kb())
            await asyncio.sleep(0.005)

    async def peak_kb(self) -> int:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if self._exact:
            return max(self._target._status_kb("VmHWM"), self._highest)
        return self._highest


def is_balance_reply(call: Call) -> bool:
    return call.method == "sendMessage" and "credits" in str(call.params.get("text", ""))


async def register(target: Measured, users: list[int]) -> None:
    """One unmeasured /balance from each user: they exist before anything is measured."""
    since = len(target.telegram.calls)
    for user in users:
        target.push(user, "/balance")
    await target.wait_calls(since, is_balance_reply, len(users), timeout=120)
    await target.wait_quiet()


def middle_mean(values: list[float]) -> float:
    """The mean of the middle half (the interquartile mean): the rounds a busy moment of the
    host spoiled (or that met an unusually quiet one) drop out, and the rest are all used. Where
    CPU comes from /proc, in ticks of 10 ms (0.05 ms an update at 200 users), a median would also
    sit on that grid, one step 5 % of a /balance; a mean lies between the steps."""
    ordered = sorted(values)
    cut = len(ordered) // 4
    return statistics.fmean(ordered[cut : len(ordered) - cut])


async def balance_case(targets: list[Measured], size: Size) -> None:
    """Rounds alternate between the processes, so both meet the same machine (it may be shared).
    A round lasts a fraction of a second, so a moment when the host is busy elsewhere can
    double one round's figure: each process's figure is the mean of its middle rounds
    (``middle_mean``), which drops those and is not held to the CPU tick's grid as a median is."""
    users = {target.name: target.new_users(size.balance_users) for target in targets}
    rounds: dict[str, list[float]] = {name: [] for name in users}
    sql = {}
    for target in targets:
        await register(target, users[target.name])
        sql[target.name] = await target.sql_count()
    for round_ in range(size.balance_rounds):
        # Who goes first swaps every round: neither always follows the other's leftovers.
        for target in targets if round_ % 2 == 0 else targets[::-1]:
            began = target.cpu_ms()
            since = len(target.telegram.calls)
            for user in users[target.name]:
                target.push(user, "/balance")
            await target.wait_calls(since, is_balance_reply, size.balance_users, timeout=120)
            await target.wait_quiet()  # the work after the reply (marking it handled) counts too
            rounds[target.name].append((target.cpu_ms() - began) / size.balance_users)
    done = size.balance_rounds * size.balance_users
    for target in targets:
        target.result.balance_cpu_ms = middle_mean(rounds[target.name])
        target.result.balance_sql = (await target.sql_count() - sql[target.name]) / done


async def generation_case(targets: list[Measured], size: Size) -> None:
    """Rounds alternate between the processes, like ``balance_case``."""
    users = {target.name: target.new_users(size.generation_users) for target in targets}
    for target in targets:
        await register(target, users[target.name])
    idle = {target.name: target.rss_kb() for target in targets}
    peaks = {target.name: PeakSampler(target) for target in targets}
    sql = {target.name: await target.sql_count() for target in targets}
    calls = {target.name: target.api_calls() for target in targets}
    cpu = dict.fromkeys(users, 0.0)
    seconds = dict.fromkeys(users, 0.0)
    for round_ in range(size.generation_rounds):
        for target in targets:
            began, started = target.cpu_ms(), time.perf_counter()
            since = len(target.telegram.calls)
            for i, user in enumerate(users[target.name]):
                target.push(user, f"/image a red fox in the snow, take {round_}.{i}")
            await target.wait_calls(
                since, lambda c: c.method == "sendPhoto" and c.ok, size.generation_users, timeout=120
            )
            await target.wait_quiet()
            cpu[target.name] += target.cpu_ms() - began
            seconds[target.name] += time.perf_counter() - started - QUIET
    done = size.generation_rounds * size.generation_users
    for target in targets:
        result, name = target.result, target.name
        result.generation_seconds = seconds[name]
        result.generation_cpu_ms = cpu[name] / done
        result.generation_api_calls = (target.api_calls() - calls[name]) / done
        result.generation_sql = (await target.sql_count() - sql[name]) / done
        result.generation_peak_over_idle_mb = max(0, await peaks[name].peak_kb() - idle[name]) / 1024


async def video_case(target: Measured, megabytes: int) -> None:
    [user] = target.new_users(1)
    since = len(target.telegram.calls)
    target.push(user, "/balance")
    await target.wait_calls(since, is_balance_reply, 1, timeout=60)
    await target.wait_quiet()
    name = f"big-{megabytes}.mp4"
    url = target.kie.add_large_file(name, megabytes * 1024 * 1024, "video/mp4")
    target.kie.auto_complete = False
    known = set(target.kie.tasks)
    idle = target.rss_kb()
    peak = PeakSampler(target)
    try:
        target.push(user, "/video a wave breaking on a beach")
        deadline = time.monotonic() + 60
        while not set(target.kie.tasks) - known:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{target.name} made no Kie task for /video")
            await asyncio.sleep(0.02)
        [task_id] = set(target.kie.tasks) - known
        target.kie.complete(task_id, urls=[url])
        while not any(r.path.endswith(name) for r in target.kie.requests):
            if time.monotonic() > deadline + 60:
                raise RuntimeError(f"{target.name} never fetched the video")
            await asyncio.sleep(0.02)
        await target.wait_quiet()
    finally:
        target.kie.auto_complete = True
    target.result.video_peak_over_idle_mb[str(megabytes)] = max(0, await peak.peak_kb() - idle) / 1024


async def start_profiler(pid: int, path: Path) -> asyncio.subprocess.Process:
    """py-spy samples every thread of the bot (CPU only, not idle waits) from outside, without
    pausing it, until it exits; the collapsed stacks go to ``path`` (``python -m bench.profile``
    summarises them). Figures taken meanwhile include its sampling's cost to the bot."""
    spy = await asyncio.create_subprocess_exec(
        "py-spy", "record", "--nonblocking", "--rate", "400", "--format", "raw",
        "--output", str(path.resolve()), "--pid", str(pid),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(1.0)  # attached before the load starts
    return spy


def bot_env(target: Measured, telegram_rate: float = OPEN_TELEGRAM_RATE) -> dict[str, str]:
    port = free_port()
    return {
        "BOT_TOKEN": target.telegram.token,
        "KIE_API_KEY": target.kie.api_key,
        "TELEGRAM_API_URL": target.telegram.base_url,
        "KIE_API_URL": target.kie.base_url,
        "KIE_UPLOAD_URL": target.kie.base_url,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "DATABASE_PATH": str(target.workdir / "bot.sqlite3"),
        "STARTING_CREDITS": "1000000",
        "KIE_RATE_LIMIT": "100000",  # the bot's own Kie pacing opened up: CPU is measured, not waiting
        "KIE_RATE_PERIOD": "1",
        # Its Telegram pace too (Telegram's ceiling, for bots with paid broadcasts): at 25 a
        # second, 200 replies trickle out over 8 s, and the wake-ups that costs are measured
        # instead of the work. ``--telegram-rate 25`` measures the production default.
        "TELEGRAM_RATE_LIMIT": str(telegram_rate),
        "KIE_POLL_INTERVAL": "3600",  # callbacks drive the checks, as with a public URL
        "KIE_BALANCE_CHECK_INTERVAL": "3600",
    }


def baseline_env(target: Measured) -> dict[str, str]:
    return {
        "BASE_TOKEN": target.telegram.token,
        "BASE_API": target.telegram.base_url,
        "BASE_KIE": target.kie.base_url,
        "BASE_KIE_KEY": target.kie.api_key,
        "BASE_PORT": str(free_port()),
        "BASE_DB": str(target.workdir / "baseline.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }


def clean_env() -> dict[str, str]:
    drop = ("BOT_", "KIE_", "TELEGRAM_", "WEB_", "DATABASE_", "PUBLIC_", "BASE_", "BENCH_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


ROWS: list[tuple[str, str, str]] = [
    # (label, Result field, target)
    ("start-up to first poll, ms", "startup_ms", ""),
    ("CPU during start-up, ms", "startup_cpu_ms", ""),
    ("idle RSS, MB", "idle_rss_mb", ""),
    ("CPU per /balance update, ms", "balance_cpu_ms", "<= 1.2x"),
    ("SQL statements per /balance", "balance_sql", ""),
    ("CPU per image generation, ms", "generation_cpu_ms", "<= 2x"),
    ("Bot API calls per generation", "generation_api_calls", "<= 4"),
    ("SQL statements per generation", "generation_sql", ""),
    ("peak RSS over idle, generations, MB", "generation_peak_over_idle_mb", "<= 15 MB"),
    ("wall time of the generations, s", "generation_seconds", ""),
]


def table(bot: Result, base: Result) -> tuple[str, list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    for label, name, goal in ROWS:
        rows.append({"metric": label, "bot": getattr(bot, name), "baseline": getattr(base, name), "target": goal})
    for mb, value in bot.video_peak_over_idle_mb.items():
        rows.append(
            {
                "metric": f"peak RSS over idle, {mb} MB video, MB",
                "bot": value,
                "baseline": base.video_peak_over_idle_mb.get(mb, 0.0),
                "target": "<= 15 MB",
            }
        )
    lines = [f"{'metric':<40} {'bot':>9} {'baseline':>9} {'ratio':>7}  target", "-" * 78]
    for row in rows:
        ratio = row["bot"] / row["baseline"] if row["baseline"] else None
        row["ratio"] = ratio
        shown = f"{ratio:.2f}x" if ratio is not None else "-"
        lines.append(f"{row['metric']:<40} {row['bot']:>9.2f} {row['baseline']:>9.2f} {shown:>7}  {row['target']}")
    return "\n".join(lines), rows


CASES = ("balance", "generation", "video")


async def run(
    size_name: str,
    json_path: Path | None,
    keep: bool,
    profile: Path | None = None,
    cases: tuple[str, ...] = CASES,
    telegram_rate: float = OPEN_TELEGRAM_RATE,
) -> int:
    size = SIZES[size_name]
    # A bot that drops a download past the upload limit makes the Kie fake log a lost connection.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="kie-bench-") as tmp:
        folder = Path(tmp)
        (folder / "bot").mkdir()
        (folder / "baseline").mkdir()
        env = clean_env()
        bot = Measured("bot", [sys.executable, "-m", "bot"], env, folder / "bot")
        spy: asyncio.subprocess.Process | None = None
        base = Measured("baseline", [sys.executable, "-m", "bench.baseline"], env, folder / "baseline")
        try:
            # One process at a time under load (the other idles, this driver has the second core),
            # and rounds alternate between them, so a busy moment of a shared machine hits both.
            await base.start(baseline_env)
            await bot.start(functools.partial(bot_env, telegram_rate=telegram_rate))
            await asyncio.sleep(1.0)  # let both settle before calling anything idle
            if profile is not None:
                spy = await start_profiler(bot.pid, profile)
            for target in (base, bot):
                target.result.idle_rss_mb = target.rss_kb() / 1024
            if "balance" in cases:
                print(f"/balance x {size.balance_users} users", file=sys.stderr)
                await balance_case([base, bot], size)
            if "generation" in cases:
                print(f"/image x {size.generation_users} users", file=sys.stderr)
                await generation_case([base, bot], size)
            for target in (base, bot):
                for megabytes in size.video_mb if "video" in cases else ():
                    print(f"[{target.name}] /video of {megabytes} MB", file=sys.stderr)
                    await video_case(target, megabytes)
        except BaseException:
            for target in (base, bot):
                if target.log.exists():
                    print(f"--- {target.name} output (tail)", file=sys.stderr)
                    print(target.log.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            await bot.stop()
            await base.stop()
            if spy is not None:
                await spy.wait()  # it writes its report when the bot has exited
            if keep:
                for target in (base, bot):
                    print(f"{target.name} log: {target.log.read_text(errors='replace')[-2000:]}", file=sys.stderr)
        text, rows = table(bot.result, base.result)
        info = machine()
        print(f"size {size_name}: {asdict(size)}; the bot's Telegram pace: {telegram_rate:g} messages a second")
        print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, Linux {info['kernel']}")
        print(text)
        if json_path is not None:
            payload = {
                "size": size_name,
                "load": asdict(size),
                "telegram_rate": telegram_rate,
                "machine": info,
                "rows": rows,
                "bot": asdict(bot.result),
                "baseline": asdict(base.result),
            }
            json_path.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full", help="load size (default: full)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="PATH",
        help="sample the bot with py-spy during the cases and write collapsed stacks to PATH"
        " (summary: python -m bench.profile PATH); the figures then include the sampling's cost",
    )
    parser.add_argument("--only", choices=CASES, action="append", help="run only this case (repeatable; default: all)")
    parser.add_argument("--logs", action="store_true", help="print the tail of both processes' output at the end")
    parser.add_argument(
        "--telegram-rate",
        type=float,
        default=OPEN_TELEGRAM_RATE,
        metavar="N",
        help="the bot's TELEGRAM_RATE_LIMIT, messages a second (default: 1000, Telegram's ceiling;"
        " 25, the bot's default, measures replies trickling out as they would in production)",
    )
    args = parser.parse_args(argv)
    cases = tuple(args.only or CASES)
    return asyncio.run(run(args.size, args.json, args.logs, args.profile, cases, args.telegram_rate))
