"""Docker Engine and Podman, driven through the Docker API with the `docker` package.

Every container the suite creates carries the session label, has no network (network mode
none) and a cgroup parent named after the session, so that its cgroup directories are found
and removed at the end. Every API call has the client's timeout.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from conformance.core.errors import SubjectNotUsable
from conformance.engine.base import (
    RUN_OPTIONS,
    SESSION_LABEL,
    Converted,
    EngineFields,
    Opened,
    Outcome,
    Ran,
    UnsafeExport,
    extract_export,
)
from conformance.engine.daemons import Daemon


def _docker() -> Any:
    try:
        import docker
    except ImportError:
        raise SubjectNotUsable("the `docker` Python package is not installed (pip install docker)") from None
    return docker


class ApiEngine(EngineFields):
    """An engine behind the Docker API: a private dockerd or podman service, or a given socket."""

    reads_runtime_config: bool
    run_options = frozenset(RUN_OPTIONS)

    def __init__(
        self, name: str, opened: Opened, *, daemon: Daemon | None = None, url: str | None = None
    ) -> None:
        super().__init__(name, opened)
        self.daemon = daemon
        self.url = url or (daemon.url if daemon else "")
        self.reads_runtime_config = daemon is not None
        self.storage: tuple[Path, ...] = daemon.storage() if daemon else ()
        self.client: Any = None

    # -- lifecycle -----------------------------------------------------------------------------

    def notes(self) -> list[str]:
        where = f"private daemon below {self.daemon.root}" if self.daemon else f"running engine at {self.url}"
        return [where + " (started on first use)" if self.daemon else where]

    def start(self) -> None:
        if self.client is not None:
            return
        if self.daemon is not None:
            self.daemon.start(self.timeout)
        self.client = _docker().DockerClient(base_url=self.url, timeout=self.timeout)
        try:
            self.client.ping()
        except Exception as exc:
            raise SubjectNotUsable(f"engine {self.name} at {self.url} does not answer: {exc}") from None

    def close(self) -> list[str]:
        """Remove the session's containers and images; stop a private daemon."""
        left: list[str] = []
        if self.client is not None:
            left += self._remove_created()
            self.client.close()
        if self.daemon is not None and self.client is not None:
            self.daemon.stop(self.timeout)
        self.client = None
        return left

    def _remove_created(self) -> list[str]:
        left = []
        try:
            ours = self.client.api.containers(all=True, filters={"label": f"{SESSION_LABEL}={self.token}"})
        except Exception as exc:
            return [f"{self.name}: cannot list containers: {exc}"]
        for container in ours:
            try:
                self.client.api.remove_container(container["Id"], force=True, v=True)
            except Exception as exc:
                left.append(f"{self.name} container {container['Id'][:12]}: {exc}")
        for reference in sorted(self.images):
            self.remove_image(reference)
        return left

    # -- operations ----------------------------------------------------------------------------

    def pull(self, reference: str) -> Outcome:
        """Pull through the API; an error in the progress stream is a failed pull."""
        self.start()
        repository, tag = reference.rsplit(":", 1)
        self.images.add(reference)
        started = time.monotonic()
        errors = []
        try:
            for event in self.client.api.pull(repository, tag=tag, stream=True, decode=True):
                if "error" in event:
                    errors.append(str(event.get("error")))
        except Exception as exc:
            errors.append(str(exc))
        seconds = time.monotonic() - started
        if errors:
            return Outcome(False, "; ".join(errors), seconds)
        try:
            self.client.api.inspect_image(reference)
        except Exception as exc:
            return Outcome(False, f"pull reported no error but the image is not there: {exc}", seconds)
        return Outcome(True, "", seconds)

    def remove_image(self, reference: str) -> None:
        if self.client is None:
            return
        with contextlib.suppress(Exception):
            self.client.api.remove_image(reference, force=True)
        self.images.discard(reference)

    def load_archive(self, archive: Path, archive_format: str, reference: str) -> Outcome:
        """`images.load` (POST /images/load) of the archive; the engine detects the format."""
        self.start()
        self.images.add(reference)
        started = time.monotonic()
        try:
            self.client.images.load(archive.read_bytes())
        except Exception as exc:
            return Outcome(False, str(exc), time.monotonic() - started)
        return Outcome(True, "", time.monotonic() - started)

    def has_image(self, reference: str) -> bool:
        """`images.get`: NotFound means no image under the reference; other errors propagate."""
        self.start()
        try:
            self.client.images.get(reference)
        except _docker().errors.ImageNotFound:
            return False
        return True

    def _create(
        self,
        reference: str,
        host: dict[str, Any] | None = None,
        rlimits: dict[str, tuple[int, int]] | None = None,
        **extra: Any,
    ) -> str:
        """Create a labelled container; `rlimits` (name: (soft, hard)) go over the daemon's defaults."""
        limits = {**(self.daemon.container_ulimits() if self.daemon else {}), **(rlimits or {})}
        ulimits = [_docker().types.Ulimit(name=n, soft=s, hard=h) for n, (s, h) in sorted(limits.items())]
        host_config = self.client.api.create_host_config(
            network_mode="none",
            cgroup_parent=f"/oci-conformance-{self.token}",
            ulimits=ulimits or None,
            **(host or {}),
        )
        created = self.client.api.create_container(
            reference, labels={SESSION_LABEL: self.token}, host_config=host_config, **extra
        )
        return created["Id"]

    def _remove(self, container_id: str) -> None:
        with contextlib.suppress(Exception):
            self.client.api.remove_container(container_id, force=True, v=True)

    def export_rootfs(self, reference: str, target: Path) -> Outcome:
        self.start()
        started = time.monotonic()
        try:
            # never started: a command is named only because an image without one cannot be created
            container_id = self._create(reference, command=["/oci-conformance-never-started"])
        except Exception as exc:
            return Outcome(False, f"create: {exc}", time.monotonic() - started)
        try:
            with tempfile.NamedTemporaryFile(dir=self.workdir, suffix=".tar") as archive:
                for chunk in self.client.api.export(container_id):
                    archive.write(chunk)
                archive.flush()
                extract_export(Path(archive.name), target)
        except UnsafeExport as exc:
            return Outcome(False, f"export holds an unsafe member: {exc}", time.monotonic() - started)
        except Exception as exc:
            return Outcome(False, f"export: {exc}", time.monotonic() - started)
        finally:
            self._remove(container_id)
        return Outcome(True, "", time.monotonic() - started)

    def run_command(self, reference: str, argv: list[str], options: dict[str, Any]) -> Ran:
        """Create (options as Docker API fields), start, wait, read stdout, remove."""
        self.start()
        host = {"read_only": options.get("read_only", False), "cap_drop": options.get("cap_drop"),
                "cap_add": options.get("cap_add"), "group_add": options.get("group_add"),
                "sysctls": options.get("sysctls"), "oom_score_adj": options.get("oom_score_adj"),
                "security_opt": ["no-new-privileges"] if options.get("no_new_privileges") else None,
                "tmpfs": {options["tmpfs"]: ""} if "tmpfs" in options else None}  # fmt: skip
        extra = {"user": options.get("user"), "working_dir": options.get("workdir"),
                 "environment": options.get("env"), "hostname": options.get("hostname")}  # fmt: skip
        rlimits = {name: (soft, hard) for name, (soft, hard) in (options.get("rlimits") or {}).items()}
        started = time.monotonic()
        try:
            container_id = self._create(reference, host, rlimits, command=argv, **extra)
        except Exception as exc:
            return Ran(Outcome(False, f"create: {exc}", time.monotonic() - started))
        try:
            self.client.api.start(container_id)
            status = self.client.api.wait(container_id, timeout=self.timeout)
            stdout = self.client.api.logs(container_id, stdout=True, stderr=False).decode(errors="replace")
            stderr = self.client.api.logs(container_id, stdout=False, stderr=True).decode(errors="replace")
        except Exception as exc:
            return Ran(Outcome(False, f"run: {exc}", time.monotonic() - started))
        finally:
            self._remove(container_id)
        return Ran(Outcome(True, stderr, time.monotonic() - started), stdout, status.get("StatusCode"))

    def runtime_config(self, reference: str) -> Converted:
        """Start a container and read the config.json the engine wrote for its runtime."""
        self.start()
        assert self.daemon is not None, "runtime_config needs a daemon the suite started"
        started = time.monotonic()
        try:
            container_id = self._create(reference)
        except Exception as exc:
            return Converted(Outcome(False, f"create: {exc}", time.monotonic() - started))
        try:
            try:
                self.client.api.start(container_id)
            except Exception as exc:
                return Converted(Outcome(False, f"start: {exc}", time.monotonic() - started))
            path = self.daemon.config_path(container_id)
            deadline = time.monotonic() + self.timeout
            while not path.is_file() and time.monotonic() < deadline:
                time.sleep(0.05)
            try:
                config = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                state = self.client.api.inspect_container(container_id).get("State")
                return Converted(Outcome(False, f"no config.json at {path}: {exc}; state {state}"))
            return Converted(Outcome(True, "", time.monotonic() - started), config, str(path))
        finally:
            self._remove(container_id)
