"""Unit tests for :func:`conformance.core.command.execute`: output, exit, timeouts, held pipes."""

from __future__ import annotations

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


def test_a_descendant_holding_the_pipes_is_killed_at_the_timeout() -> None:
    result = execute(["sh", "-c", "(sleep 30 &); echo x"], 0.5)
    assert result.timed_out and result.stdout == "x\n"


def test_output_dir_collects_only_this_calls_output(tmp_path: Path) -> None:
    (tmp_path / "stdout").write_text("before\n")
    result = execute(["sh", "-c", "echo now; echo warn >&2"], 5, output_dir=tmp_path)
    assert (result.stdout, result.stderr) == ("now\n", "warn\n")
    assert (tmp_path / "stdout").read_text() == "before\nnow\n"
