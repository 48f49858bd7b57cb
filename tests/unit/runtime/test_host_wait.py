"""Unit tests for host.wait_exit: waiting for any process's exit through a pidfd."""

from __future__ import annotations

import subprocess
import time

from conformance.runtime import host


def test_wait_exit_wakes_when_a_process_exits() -> None:
    process = subprocess.Popen(["sleep", "0.1"])
    try:
        started = time.monotonic()
        assert host.wait_exit(process.pid, 5)
        assert time.monotonic() - started < 2
    finally:
        process.wait()


def test_wait_exit_times_out_on_a_live_process() -> None:
    process = subprocess.Popen(["sleep", "5"])
    try:
        assert not host.wait_exit(process.pid, 0.1)
    finally:
        process.kill()
        process.wait()
