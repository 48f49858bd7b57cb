"""Running one external command with a timeout, for every adapter (runtimes and image tools)."""

from __future__ import annotations

import contextlib
import os
import selectors
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
        try:
            out, err, finished = _collect(proc, timeout)
            timed_out = not finished
            if timed_out:
                out, err = _reap(proc, out, err)
        except BaseException:
            _reap(proc, b"", b"")
            raise
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
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


def _collect(proc: subprocess.Popen, timeout: float) -> tuple[bytes, bytes, bool]:
    """Read both pipes to their end and wait for the exit, for at most `timeout` seconds.

    The wait wakes on the exit itself (a pidfd in the same poll as the pipes), so a command is
    seen done when it is, not at the next step of a sleep-and-retry loop. Returns the output
    and whether the command finished.
    """
    deadline = time.monotonic() + timeout
    output: dict[int, list[bytes]] = {}
    with selectors.DefaultSelector() as selector:
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                output[pipe.fileno()] = []
                selector.register(pipe.fileno(), selectors.EVENT_READ)
        open_pipes = len(output)
        pidfd = _pidfd(proc.pid)
        exited = proc.returncode is not None
        if pidfd is not None and not exited:
            selector.register(pidfd, selectors.EVENT_READ)
        try:
            while open_pipes or not exited:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return (*_joined(proc, output), False)
                if not open_pipes and pidfd is None:
                    exited = _wait_without_pidfd(proc, remaining)
                    continue
                for key, _ in selector.select(remaining):
                    if key.fd == pidfd:
                        exited = True
                        selector.unregister(pidfd)
                        continue
                    data = os.read(key.fd, 65536)
                    if data:
                        output[key.fd].append(data)
                    else:
                        selector.unregister(key.fd)
                        open_pipes -= 1
        finally:
            if pidfd is not None:
                os.close(pidfd)
    proc.wait()
    return (*_joined(proc, output), True)


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _wait_without_pidfd(proc: subprocess.Popen, remaining: float) -> bool:
    try:
        proc.wait(timeout=remaining)
    except subprocess.TimeoutExpired:
        return False
    return True


def _joined(proc: subprocess.Popen, output: dict[int, list[bytes]]) -> tuple[bytes, bytes]:
    def text_of(pipe: object) -> bytes:
        return b"".join(output.get(pipe.fileno(), [])) if pipe is not None else b""  # type: ignore[attr-defined]

    return text_of(proc.stdout), text_of(proc.stderr)


def _reap(proc: subprocess.Popen, out: bytes, err: bytes) -> tuple[bytes, bytes]:
    """Kill the command's process group and collect the rest of what it printed.

    A descendant that left the group may still hold the pipes: then give up on the rest
    of the output rather than wait for it.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    rest_out, rest_err, finished = _collect(proc, 5)
    if not finished:
        proc.wait()
    return out + rest_out, err + rest_err


def _read_from(path: Path, offset: int) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read()


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace")
