"""The receiving end of `--console-socket`: takes the pty master a runtime sends, and reads it.

With process.terminal set, a runc-style runtime creates a pseudo-terminal and passes its master
side over a Unix socket (SCM_RIGHTS); what the container prints arrives on that master.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
from pathlib import Path


class ConsoleSocket:
    """A listening Unix socket that accepts one connection and keeps the received fd."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self.master: int | None = None
        self.error = ""
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        self._server.listen(1)
        self._server.settimeout(timeout)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        try:
            connection, _ = self._server.accept()
        except OSError as exc:
            self.error = f"no runtime connected to the console socket: {exc}"
            return
        with connection:
            try:
                _, fds, _, _ = socket.recv_fds(connection, 4096, 4)
            except OSError as exc:
                self.error = f"receiving the console fd failed: {exc}"
                return
            if not fds:
                self.error = "the runtime connected but sent no file descriptor"
                return
            self.master = fds[0]
            for extra in fds[1:]:
                os.close(extra)

    def wait_master(self) -> int | None:
        """The pty master, once received (None and `error` set when it never came)."""
        self._thread.join(self.timeout)
        return self.master

    def read_until(self, marker: bytes, timeout: float) -> bytes:
        """Read the terminal until `marker` appears, the other side closes, or `timeout` passes."""
        if self.master is None:
            return b""
        data = b""
        deadline = time.monotonic() + timeout
        while marker not in data and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: every slave side closed
                break
            if not chunk:
                break
            data += chunk
        return data

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._server.close()
        if self.master is not None:
            with contextlib.suppress(OSError):
                os.close(self.master)
            self.master = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
