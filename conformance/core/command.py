"""Running one external command with a timeout, for every adapter (runtimes and image tools)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from conformance.core.result import CommandResult


def execute(
    argv: Sequence[str],
    timeout: float,
    *,
    output_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> CommandResult:
    """Run `argv` in a session of its own; on timeout kill the whole process group.

    The command is done when its own process exits (watched on a pidfd, so the answer comes
    at once rather than at the next poll): stdout and stderr go to anonymous in-memory files,
    so a descendant that keeps them open (a container, a daemon) neither holds up the result
    nor loses what the command printed. With `output_dir` they go to files there instead
    (for a `create`, whose container process inherits them and writes on). `env` sets
    variables on top of this process's environment. OSError propagates when the command
    cannot be started at all.
    """
    argv = list(argv)
    with contextlib.ExitStack() as stack:
        names = ("stdout", "stderr")
        if output_dir is not None:
            sinks = tuple(stack.enter_context(open(output_dir / name, "a+b")) for name in names)
        else:
            sinks = tuple(stack.enter_context(_memory_file(name)) for name in names)
        marks = (sinks[0].tell(), sinks[1].tell())
        started = time.monotonic()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=sinks[0],
            stderr=sinks[1],
            start_new_session=True,
            env={**os.environ, **env} if env else None,
        )
        try:
            timed_out = not _exited(proc, timeout)
            if timed_out:
                _kill_group(proc)
            _reap(proc)
        except BaseException:
            _kill_group(proc)
            _reap(proc)
            raise
        duration = time.monotonic() - started
        out, err = (_read_from(sink, mark) for sink, mark in zip(sinks, marks, strict=True))
    return CommandResult(
        argv=tuple(argv),
        returncode=None if timed_out else proc.returncode,
        stdout=_text(out),
        stderr=_text(err),
        duration=duration,
        timed_out=timed_out,
    )


def _memory_file(name: str) -> BinaryIO:
    """An anonymous file in memory (memfd), or an unlinked temporary file where there is none."""
    try:
        return os.fdopen(os.memfd_create(f"oci-conformance-{name}", os.MFD_CLOEXEC), "w+b")
    except (AttributeError, OSError):
        return tempfile.TemporaryFile()


def wait_exit(pid: int, timeout: float) -> bool | None:
    """Wait up to `timeout` seconds for any process (not only a child) to exit, on a pidfd.

    True when it exited (or no longer exists), False when it still runs, None when this host
    gives no pidfd (a kernel before 5.3, or no permission).
    """
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except (AttributeError, OSError):
        return None
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        return bool(poller.poll(max(timeout, 0) * 1000))
    finally:
        os.close(pidfd)


def _exited(proc: subprocess.Popen, timeout: float) -> bool:
    """Wait up to `timeout` seconds for the command's own process to exit; True when it did."""
    exited = wait_exit(proc.pid, timeout)
    if exited is not None:
        return exited
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the command's process group (the command and whatever it started in it)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _reap(proc: subprocess.Popen) -> None:
    """Collect the exit status; a process stuck in the kernel after SIGKILL is left to init."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def _read_from(sink: BinaryIO, offset: int) -> bytes:
    sink.flush()
    size = os.fstat(sink.fileno()).st_size
    return os.pread(sink.fileno(), max(size - offset, 0), offset)


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace")
