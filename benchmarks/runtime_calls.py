"""A pytest plugin for suite_vs_run.py: logs every runtime call's subcommand and duration.

Loaded with `-p runtime_calls` (this directory on PYTHONPATH); it appends one line,
`<subcommand> <seconds>`, per call of the command-line runtime driver to the file named by
OCI_CONFORMANCE_BENCH_CALLS. Lines are short appends, so pytest-xdist workers can share it.
"""

from __future__ import annotations

import functools
import os

import pytest

from conformance.runtime.drivers.cli import CommandLineRuntime

LOG_VARIABLE = "OCI_CONFORMANCE_BENCH_CALLS"


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(LOG_VARIABLE)
    if not path or getattr(CommandLineRuntime.invoke, "bench_logged", False):
        return
    original = CommandLineRuntime.invoke

    @functools.wraps(original)
    def logged(self: CommandLineRuntime, *args: str, **kwargs):
        result = original(self, *args, **kwargs)
        with open(path, "a") as log:
            log.write(f"{args[0] if args else '-'} {result.duration:.6f}\n")
        return result

    logged.bench_logged = True  # type: ignore[attr-defined]
    CommandLineRuntime.invoke = logged  # type: ignore[method-assign]
