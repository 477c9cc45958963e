"""The benchmark reads a process's CPU time from the kernel's clock of that process: the same
clock as the process's own ``time.process_time``, and /proc's ticks agree with it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench.run import TICK, proc_cpu_seconds, process_cpu_clock


def test_it_is_the_processs_own_cpu_clock() -> None:
    clock = process_cpu_clock(os.getpid())
    assert clock is not None
    before = time.process_time()
    sum(range(200_000))  # some CPU between the readings
    read = time.clock_gettime(clock)
    after = time.process_time()
    assert before <= read <= after


def test_another_process_reads_as_proc_says_to_the_tick() -> None:
    # The child spins until told to stop on stdin; its CPU is read while it is stopped.
    code = (
        "import sys\n"
        "while sys.stdin.readline().strip() == 'spin':\n"
        "    sum(range(3_000_000))\n"
        "    print('ok', flush=True)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    try:
        clock = process_cpu_clock(child.pid)
        if clock is None:
            pytest.skip("no clock_getcpuclockid in this C library")
        readings = []
        for _ in range(3):
            child.stdin.write("spin\n")
            child.stdin.flush()
            assert child.stdout.readline() == "ok\n"
            readings.append((time.clock_gettime(clock), proc_cpu_seconds(child.pid)))
        assert readings[0][0] < readings[1][0] < readings[2][0]
        for exact, ticks in readings:
            assert abs(exact - ticks) <= 3 / TICK  # /proc rounds each thread's time to ticks
    finally:
        child.stdin.close()
        child.wait(timeout=30)
