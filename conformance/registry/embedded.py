"""The embedded registry: Debian's docker-registry (distribution 2.8) started privately by the suite.

It listens on 127.0.0.1 on a free port, keeps its storage, configuration and htpasswd file in
the session's work directory, has deletes enabled (unless the flavour turns them off), and is
stopped when the session closes (also after Ctrl-C; with PR_SET_PDEATHSIG it also dies with the
process that started it).
"""

from __future__ import annotations

import contextlib
import ctypes
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from conformance.core.errors import SubjectNotUsable

#: Embedded flavours: `--registry=<name>` starts docker-registry configured this way.
FLAVOURS = {
    "docker-registry": "no authentication",
    "docker-registry+auth": "htpasswd Basic authentication with credentials of the suite's own",
    "docker-registry+nodelete": "no authentication, deletes disabled (storage.delete.enabled: false)",
}
BINARY = "docker-registry"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
_PR_SET_PDEATHSIG = 1


@dataclass
class EmbeddedRegistry:
    """A running docker-registry process and what it needs to be reached and stopped."""

    flavour: str
    binary: str
    version: str
    version_output: str
    url: str
    directory: Path
    process: subprocess.Popen | None
    user: str | None = None
    password: str | None = None

    def stop(self) -> str | None:
        """Stop the process (TERM, then KILL); returns a message if it had to be killed."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return None
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
            return None
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)
            return f"docker-registry pid {process.pid} did not stop on SIGTERM and was killed"


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def htpasswd_line(user: str, password: str) -> str:
    """One htpasswd entry with a bcrypt hash (the only kind distribution accepts)."""
    import bcrypt

    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=8)).decode()}\n"


def config(directory: Path, port: int, htpasswd: Path | None, deletes: bool = True) -> dict:
    """The registry configuration of the suite: private storage, loopback only, deletes as asked."""
    document: dict = {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": True}},
        "storage": {
            "filesystem": {"rootdirectory": str(directory / "storage")},
            "delete": {"enabled": deletes},
            "maintenance": {"uploadpurging": {"enabled": False}},
        },
        "http": {"addr": f"127.0.0.1:{port}", "secret": secrets.token_hex(16)},
    }
    if htpasswd is not None:
        document["auth"] = {"htpasswd": {"realm": "oci-conformance", "path": str(htpasswd)}}
    return document


def version_of(binary: str) -> tuple[str, str]:
    result = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10, check=False)
    output = (result.stdout or result.stderr).strip()
    words = output.split()
    return (words[-1] if words else "unknown"), output


def start(flavour: str, workdir: Path) -> EmbeddedRegistry:
    """Start one embedded flavour under `workdir`; a SubjectNotUsable error says why it could not."""
    binary = shutil.which(BINARY)
    if binary is None:
        raise SubjectNotUsable(
            f"--registry={flavour}: {BINARY} is not installed (Debian: apt-get install docker-registry; "
            "scripts/bootstrap installs it)"
        )
    version, output = version_of(binary)
    directory = workdir / "embedded-registry"
    directory.mkdir(parents=True, exist_ok=True)
    user = password = None
    htpasswd = None
    if flavour.endswith("+auth"):
        user, password = "conformance", secrets.token_urlsafe(18)
        htpasswd = directory / "htpasswd"
        htpasswd.write_text(htpasswd_line(user, password))
        htpasswd.chmod(0o600)
    last_error = ""
    for _ in range(3):
        port = _free_port()
        config_path = directory / "config.yml"
        document = config(directory, port, htpasswd, deletes=not flavour.endswith("+nodelete"))
        config_path.write_text(yaml.safe_dump(document))
        log = (directory / "registry.log").open("ab")
        process = subprocess.Popen(
            [binary, "serve", str(config_path)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        registry = EmbeddedRegistry(
            flavour, binary, version, output, f"http://127.0.0.1:{port}", directory, process, user, password
        )
        last_error = _wait_ready(registry)
        if not last_error:
            return registry
        registry.stop()
    tail = (directory / "registry.log").read_text(errors="replace")[-1500:]
    raise SubjectNotUsable(f"--registry={flavour}: docker-registry did not start: {last_error}\n{tail}")


def _wait_ready(registry: EmbeddedRegistry) -> str:
    """Poll GET /v2/ until it answers 200 or 401; returns an error message, '' once ready."""
    import requests

    deadline = time.monotonic() + START_TIMEOUT
    error = "no answer"
    while time.monotonic() < deadline:
        assert registry.process is not None
        if registry.process.poll() is not None:
            return f"exited with status {registry.process.returncode}"
        try:
            status = requests.get(registry.url + "/v2/", timeout=2).status_code
            if status in (200, 401):
                return ""
            error = f"GET /v2/ answered {status}"
        except requests.RequestException as exc:
            error = f"GET /v2/: {type(exc).__name__}"
        time.sleep(0.1)
    return f"{error} after {START_TIMEOUT:.0f} s"
