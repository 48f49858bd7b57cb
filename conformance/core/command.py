"""Running one external command with a timeout, for every adapter (runtimes and image tools)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from conformance.core.result import CommandResult


def execute(
    argv: Sequence[str],
    timeout: float,
    *,
    output_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> CommandResult:
    """Run `argv` in a session of its own; on timeout kill the whole process group.

    With `output_dir`, stdout/stderr go to files there (for a `create`, whose container
    process inherits them and may outlive the command). `env` sets variables on top of this
    process's environment. OSError propagates when the command cannot be started at all.
    """
    argv = list(argv)
    with contextlib.ExitStack() as stack:
        files = marks = None
        if output_dir is not None:
            files = tuple(stack.enter_context(open(output_dir / name, "ab")) for name in ("stdout", "stderr"))
            marks = (files[0].tell(), files[1].tell())
        started = time.monotonic()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=files[0] if files else subprocess.PIPE,
            stderr=files[1] if files else subprocess.PIPE,
            start_new_session=True,
            env={**os.environ, **env} if env else None,
        )
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            out, err = _reap(proc)
        except BaseException:
            _reap(proc)
            raise
    duration = time.monotonic() - started
    if output_dir is not None and marks is not None:
        out = _read_from(output_dir / "stdout", marks[0])
        err = _read_from(output_dir / "stderr", marks[1])
    return CommandResult(
        argv=tuple(argv),
        returncode=None if timed_out else proc.returncode,
        stdout=_text(out),
        stderr=_text(err),
        duration=duration,
        timed_out=timed_out,
    )


def _reap(proc: subprocess.Popen) -> tuple[bytes | None, bytes | None]:
    """Kill the command's process group and collect what it printed.

    A descendant that left the group may still hold the pipes: then give up on the rest
    of the output rather than wait for it.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        return proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        proc.wait()
        return None, None


def _read_from(path: Path, offset: int) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read()


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace")
