"""The engine half: container engines (Docker Engine, Podman, containerd) as subjects.

`open_engine` turns a value of `--engine` into an Engine: a name (`docker`, `podman`,
`containerd`) starts a private daemon below the session's work directory on first use; a
`unix:///path.sock` URL uses that running Docker-API engine and removes only what the suite
created there (containers with its session label, images it pulled).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from conformance.core.errors import SubjectNotUsable
from conformance.engine.base import Engine, Opened

#: Engine name -> (daemon executable, the client the suite drives it with).
ENGINES: dict[str, tuple[str, str]] = {
    "docker": ("dockerd", "docker SDK"),
    "podman": ("podman", "docker SDK"),
    "containerd": ("containerd", "ctr"),
}
VERSION_RE = re.compile(
    r"(?:version\s+v?|^containerd\s+\S+\s+v?)([0-9][^\s,~+]*)", re.IGNORECASE | re.MULTILINE
)

__all__ = ["ENGINES", "Engine", "open_engine"]


def _version_of(executable: str, timeout: float) -> tuple[str, str]:
    try:
        done = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SubjectNotUsable(f"cannot run {executable!r} --version: {exc}") from None
    output = (done.stdout + done.stderr).strip()
    match = VERSION_RE.search(output)
    return (match.group(1) if match else "unknown"), output


def _executable(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SubjectNotUsable(f"engine needs {name!r}, which is not on PATH (scripts/bootstrap installs it)")
    return path


def open_engine(value: str, *, workdir: Path, token: str, timeout: float) -> Engine:
    """An engine by name (private daemon) or by `unix://` socket URL (a running engine)."""
    if value.startswith("unix://"):
        return _open_socket(value, workdir=workdir, token=token, timeout=timeout)
    if value not in ENGINES:
        known = ", ".join(ENGINES)
        raise SubjectNotUsable(f"unknown engine {value!r} (known: {known}, or unix:///path/to.sock)")
    root = workdir / value  # short: podman refuses a runroot path over 50 characters
    daemon_name = ENGINES[value][0]
    executable = _executable(daemon_name)
    version, output = _version_of(executable, timeout)
    opened = Opened(executable, version, output, token, workdir, timeout)
    if value == "containerd":
        from conformance.engine.ctr import CtrEngine
        from conformance.engine.daemons.containerd import ContainerdDaemon

        daemon = ContainerdDaemon(root, executable, namespace=f"oci-conformance-{token}")
        return CtrEngine(opened, ctr=_executable("ctr"), daemon=daemon)
    from conformance.engine.api import ApiEngine

    if value == "docker":
        from conformance.engine.daemons.docker import DockerDaemon

        _executable("containerd")
        api_daemon = DockerDaemon(root, executable)
    else:
        from conformance.engine.daemons.podman import PodmanDaemon

        api_daemon = PodmanDaemon(root, executable)
    return ApiEngine(value, opened, daemon=api_daemon)


def _open_socket(url: str, *, workdir: Path, token: str, timeout: float) -> Engine:
    from conformance.engine.api import ApiEngine, _docker

    socket = Path(url.removeprefix("unix://"))
    if not socket.is_absolute() or not socket.exists():
        raise SubjectNotUsable(f"engine socket {url!r} does not exist (give unix:///absolute/path.sock)")
    try:
        client = _docker().DockerClient(base_url=url, timeout=timeout)
        info = client.version()
        client.close()
    except Exception as exc:
        raise SubjectNotUsable(f"engine socket {url!r} does not answer the Docker API: {exc}") from None
    components = " ".join(str(c.get("Name", "")) for c in info.get("Components") or [])
    name = "podman" if "podman" in components.lower() else "docker"
    opened = Opened(url, str(info.get("Version", "unknown")), str(info), token, workdir, timeout)
    return ApiEngine(name, opened, url=url)
