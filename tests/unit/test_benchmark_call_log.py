"""The runtime-call log benchmarks/suite_vs_run.py reads: one line per driver call."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from conformance.runtime.drivers.cli import CommandLineRuntime

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_every_driver_call_is_logged_with_its_subcommand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = _load("runtime_calls")
    log = tmp_path / "calls.log"
    monkeypatch.setenv(plugin.LOG_VARIABLE, str(log))
    monkeypatch.setattr(CommandLineRuntime, "invoke", CommandLineRuntime.invoke)
    plugin.pytest_configure(None)
    plugin.pytest_configure(None)  # a second configure (another plugin manager) wraps only once
    runtime = CommandLineRuntime("/bin/echo")
    assert runtime.state("some-id").stdout.strip() == "state some-id"
    runtime.invoke("delete", "--force", "x")
    lines = [line.split() for line in log.read_text().splitlines()]
    assert [fields[0] for fields in lines] == ["state", "delete"]
    assert all(0 <= float(fields[1]) < 5 for fields in lines)
    calls = _load("suite_vs_run").runtime_calls(log)
    assert sorted(calls) == ["delete", "state"] and len(calls["state"]) == 1
