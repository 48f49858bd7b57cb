"""Unit tests for :func:`conformance.core.command.execute`: output, exit, timeouts, held pipes."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from conformance.core.command import execute


def test_output_and_exit_code_are_collected() -> None:
    result = execute(["sh", "-c", "echo out; echo err >&2; exit 3"], 5)
    assert (result.returncode, result.stdout, result.stderr, result.timed_out) == (3, "out\n", "err\n", False)


def test_large_output_is_read_while_the_command_runs() -> None:
    result = execute(["sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x"], 10)
    assert result.ok and len(result.stdout) == 300000


def test_a_quick_command_is_seen_done_when_it_exits() -> None:
    started = time.monotonic()
    result = execute(["sleep", "0.05"], 5)
    assert result.ok and time.monotonic() - started < 0.5


def test_timeout_kills_the_process_group_and_keeps_partial_output() -> None:
    result = execute(["sh", "-c", "echo early; sleep 30"], 0.3)
    assert result.timed_out and result.returncode is None
    assert result.stdout == "early\n"
    assert result.duration < 10


def test_a_descendant_holding_the_output_does_not_hold_up_the_result() -> None:
    started = time.monotonic()
    result = execute(["sh", "-c", "sleep 30 & echo $!; echo x; echo y >&2"], 10)
    child = int(result.stdout.split()[0])
    try:
        assert result.ok and not result.timed_out and time.monotonic() - started < 5
        assert (result.stdout.split()[1:], result.stderr) == (["x"], "y\n")
    finally:
        os.kill(child, signal.SIGKILL)


def test_a_descendant_is_killed_with_the_command_at_the_timeout(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    result = execute(["sh", "-c", f"sleep 30 & echo $! > {pidfile}; sleep 30"], 0.3)
    assert result.timed_out
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_stdout_written_by_a_descendant_after_the_command_exits_is_not_waited_for() -> None:
    result = execute(["sh", "-c", "(sleep 0.5; echo late) & echo now"], 5)
    assert result.stdout == "now\n" and result.duration < 0.5
    time.sleep(0.6)


def test_output_dir_collects_only_this_calls_output(tmp_path: Path) -> None:
    (tmp_path / "stdout").write_text("before\n")
    result = execute(["sh", "-c", "echo now; echo warn >&2"], 5, output_dir=tmp_path)
    assert (result.stdout, result.stderr) == ("now\n", "warn\n")
    assert (tmp_path / "stdout").read_text() == "before\nnow\n"
