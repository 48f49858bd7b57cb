"""containerd, driven through its own client `ctr` against a private containerd.

Images are pulled with `--plain-http` (the layout server speaks HTTP on 127.0.0.1), read with
`ctr images mount` (the unpacked snapshot, outside any container), and run with `ctr run -d`,
whose bundle config.json lies in the private state directory while the task exists. Every
call has a timeout (the process group is killed on expiry). `ctr run` gets a FIFO directory and
a runc root below the private directory: its defaults are /run/containerd/fifo and
/run/containerd/runc/<namespace>, the host's.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from conformance.core.command import execute
from conformance.core.errors import SubjectNotUsable
from conformance.core.result import CommandResult
from conformance.engine.base import Converted, EngineFields, Opened, Outcome, Ran
from conformance.engine.daemons.containerd import ContainerdDaemon


class CtrEngine(EngineFields):
    """containerd, driven with its own client `ctr` against a private daemon."""

    reads_runtime_config = True
    #: ctr 1.6 `run` has --read-only, --cap-drop, --cap-add, --cwd, --env and --mount, and sets
    #: noNewPrivileges unless --allow-new-privs; no flag for a user, groups, hostname, rlimits,
    #: sysctls or oomScoreAdj.
    run_options = frozenset(
        {"read_only", "cap_drop", "cap_add", "no_new_privileges", "workdir", "env", "tmpfs"}
    )

    def __init__(self, opened: Opened, *, ctr: str, daemon: ContainerdDaemon) -> None:
        super().__init__("containerd", opened)
        self.ctr = ctr
        self.daemon = daemon
        self.storage: tuple[Path, ...] = daemon.storage()
        self.started = False
        self._ids = itertools.count(1)

    def notes(self) -> list[str]:
        return [
            f"private daemon below {self.daemon.root}, namespace {self.daemon.namespace}",
            "started on first use",
        ]

    def run(self, *args: str, timeout: float | None = None) -> CommandResult:
        argv = [self.ctr, "--address", str(self.daemon.socket), "--namespace", self.daemon.namespace, *args]
        try:
            return execute(argv, timeout or self.timeout)
        except OSError as exc:
            raise SubjectNotUsable(f"cannot execute {self.ctr!r}: {exc.strerror or exc}") from None

    def start(self) -> None:
        if not self.started:
            self.daemon.start(self.timeout)
            self.started = True

    def close(self) -> list[str]:
        if not self.started:
            return []
        left = []
        listed = self.run("containers", "list", "--quiet")
        for container in listed.stdout.split():
            self._remove(container)
        for reference in sorted(self.images):
            self.remove_image(reference)
        still = self.run("containers", "list", "--quiet").stdout.split()
        left += [f"containerd container {name}" for name in still]
        self.daemon.stop(self.timeout)
        self.started = False
        return left

    @staticmethod
    def _outcome(result: CommandResult) -> Outcome:
        if result.timed_out:
            return Outcome(False, f"timed out: {result.describe()}", result.duration)
        return Outcome(result.ok, "" if result.ok else (result.stderr or result.stdout), result.duration)

    def pull(self, reference: str) -> Outcome:
        self.start()
        self.images.add(reference)
        return self._outcome(self.run("images", "pull", "--plain-http", reference))

    def remove_image(self, reference: str) -> None:
        if self.started:
            self.run("images", "remove", "--sync", reference)
        self.images.discard(reference)

    def load_archive(self, archive: Path, archive_format: str, reference: str) -> Outcome:
        """`ctr images import` of an oci-archive (its index.json names `reference`), unpacked."""
        self.start()
        self.images.add(reference)
        return self._outcome(self.run("images", "import", str(archive)))

    def has_image(self, reference: str) -> bool:
        """Whether `ctr images ls --quiet` names `reference`."""
        self.start()
        listed = self.run("images", "ls", "--quiet")
        if not listed.ok:
            raise SubjectNotUsable(f"ctr images ls: {listed.describe()}")
        return reference in listed.stdout.split()

    def export_rootfs(self, reference: str, target: Path) -> Outcome:
        """Mount the image's unpacked snapshot read-only and copy it into `target`."""
        self.start()
        started = time.monotonic()
        mount = Path(tempfile.mkdtemp(prefix="mount-", dir=self.workdir))
        try:
            mounted = self.run("images", "mount", reference, str(mount))
            if not mounted.ok:
                return Outcome(False, f"mount: {mounted.stderr or mounted.stdout}", mounted.duration)
            copied = execute(["cp", "-a", f"{mount}/.", str(target)], self.timeout)
            if not copied.ok:
                return Outcome(False, f"copy of the mounted snapshot: {copied.describe()}")
            return Outcome(True, "", time.monotonic() - started)
        finally:
            self.run("images", "unmount", "--rm", str(mount))
            with contextlib.suppress(OSError):
                mount.rmdir()

    def _remove(self, container: str) -> None:
        self.run("tasks", "kill", "--signal", "SIGKILL", container)
        for _ in range(50):
            if not self.run("tasks", "delete", "--force", container).ok:
                break
            time.sleep(0.05)
        self.run("containers", "delete", container)

    def _new_container(self) -> tuple[str, list[str]]:
        """A new container name and the `ctr run` flags every run gets: its cgroup below the
        session's, and the FIFO directory and runc root below the private directory."""
        container = f"oci-conformance-{self.token}-{next(self._ids)}"
        private = self.daemon.root
        flags = ["--cgroup", f"/oci-conformance-{self.token}/{container}",
                 "--fifo-dir", str(private / "fifo"), "--runc-root", str(private / "runc")]  # fmt: skip
        return container, flags

    def run_command(self, reference: str, argv: list[str], options: dict[str, Any]) -> Ran:
        """`ctr run --rm` with the options as flags; ctr's stdout is the container's."""
        self.start()
        container, flags = self._new_container()
        flags += ["--rm"]
        flags += ["--read-only"] if options.get("read_only") else []
        flags += [f"--cap-drop={cap}" for cap in options.get("cap_drop") or []]
        flags += [f"--cap-add={cap}" for cap in options.get("cap_add") or []]
        flags += ["--allow-new-privs"] if options.get("no_new_privileges") is False else []
        flags += [f"--cwd={options['workdir']}"] if "workdir" in options else []
        flags += [f"--env={name}={value}" for name, value in (options.get("env") or {}).items()]
        if "tmpfs" in options:
            flags.append(f"--mount=type=tmpfs,src=tmpfs,dst={options['tmpfs']},options=rw:nosuid:nodev")
        try:
            result = self.run("run", *flags, reference, container, *argv)
        finally:
            self._remove(container)
        if result.timed_out:
            return Ran(Outcome(False, f"timed out: {result.describe()}", result.duration))
        return Ran(Outcome(True, result.stderr, result.duration), result.stdout, result.returncode)

    def runtime_config(self, reference: str) -> Converted:
        self.start()
        container, flags = self._new_container()
        started = time.monotonic()
        result = self.run("run", "--detach", *flags, reference, container)
        try:
            if not result.ok:
                return Converted(Outcome(False, f"run: {result.stderr or result.stdout}", result.duration))
            path = self.daemon.config_path(container)
            try:
                config = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                return Converted(Outcome(False, f"no config.json at {path}: {exc}"))
            return Converted(Outcome(True, "", time.monotonic() - started), config, str(path))
        finally:
            self._remove(container)
