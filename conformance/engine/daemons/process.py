"""A private daemon process: started in a session of its own, awaited on its socket, stopped for good."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from conformance.core.errors import SubjectNotUsable
from conformance.plugin.session import kill_processes_mentioning, unmount_below
from conformance.runtime.bundle.probe import parse_limits


def socket_answers(path: Path) -> bool:
    """Whether something accepts connections on the unix socket at `path`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


#: The limits an engine may be asked to pass on to containers: ulimit name -> RLIMIT_* name.
ULIMITS = {"nofile": "RLIMIT_NOFILE", "nproc": "RLIMIT_NPROC"}


def process_limits(pid: int) -> dict[str, tuple[int, int]]:
    """Soft and hard nofile/nproc limits of process `pid` (-1 for unlimited), from /proc/<pid>/limits."""
    parsed = parse_limits(Path(f"/proc/{pid}/limits").read_text())
    return {
        name: (-1 if soft is None else soft, -1 if hard is None else hard)
        for name, rlimit in ULIMITS.items()
        if rlimit in parsed
        for soft, hard in [parsed[rlimit]]
    }


class DaemonProcess:
    """One daemon started by the suite: its process group, its log, the directory it owns."""

    def __init__(self, name: str, root: Path) -> None:
        self.name = name
        self.root = root
        self.log = root / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(
        self, argv: Sequence[str], socket_path: Path, timeout: float, env: Mapping[str, str] | None = None
    ) -> None:
        """Start `argv` and wait up to `timeout` seconds until `socket_path` answers."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            try:
                self.proc = subprocess.Popen(
                    list(argv),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    env={**os.environ, **(env or {})},
                )
            except OSError as exc:
                raise SubjectNotUsable(f"cannot start {argv[0]!r}: {exc.strerror or exc}") from None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop(5.0)
                raise SubjectNotUsable(
                    f"{self.name} exited with {self.proc.returncode} on start:\n{self.tail()}"
                )
            if socket_answers(socket_path):
                return
            time.sleep(0.1)
        self.stop(5.0)
        raise SubjectNotUsable(
            f"{self.name} did not answer on {socket_path} within {timeout:.0f}s:\n{self.tail()}"
        )

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float) -> list[str]:
        """SIGTERM the process group, SIGKILL it after `timeout`; returns processes killed later.

        Helpers a daemon started in groups of their own (containerd shims, conmon) name the
        daemon's private directory on their command line; they are killed by that name.
        """
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # anything left in the group
        return kill_processes_mentioning(str(self.root))

    def remove(self) -> None:
        """Unmount whatever is mounted below the daemon's directory, then delete it."""
        for _ in range(3):
            unmount_below(self.root)
            shutil.rmtree(self.root, ignore_errors=True)
            if not self.root.exists():
                return
            time.sleep(0.2)
