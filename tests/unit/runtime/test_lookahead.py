"""Unit tests for :class:`conformance.runtime.lookahead.Lookahead` and host.wait_exit."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from conformance.runtime import host
from conformance.runtime.lookahead import Lookahead


def test_a_started_run_is_taken_once() -> None:
    ahead = Lookahead(1)
    try:
        assert ahead.start("a", lambda: "run-a")
        assert ahead.take("a") == "run-a"
        assert ahead.take("a") is None
    finally:
        ahead.close()


def test_no_more_than_depth_runs_in_flight() -> None:
    release = threading.Event()
    ahead = Lookahead(1)
    try:
        assert ahead.start("slow", release.wait)
        assert not ahead.start("second", lambda: "never")
        assert not ahead.start("slow", lambda: "again")
        release.set()
        assert ahead.take("slow") is True
        assert ahead.start("second", lambda: "now")
        assert ahead.take("second") == "now"
    finally:
        release.set()
        ahead.close()


def test_an_error_is_raised_in_the_test_that_takes_the_run() -> None:
    def broken() -> None:
        raise RuntimeError("create failed")

    ahead = Lookahead(1)
    try:
        ahead.start("broken", broken)
        with pytest.raises(RuntimeError, match="create failed"):
            ahead.take("broken")
    finally:
        ahead.close()


def test_close_waits_for_a_running_run_and_refuses_new_ones() -> None:
    finished = []

    def run() -> None:
        time.sleep(0.1)
        finished.append(True)

    ahead = Lookahead(1)
    ahead.start("a", run)
    ahead.close()
    assert finished == [True]
    assert not ahead.start("b", lambda: None)


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
