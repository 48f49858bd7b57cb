"""Hook commands that log their own invocation, for observing hook order and their stdin state."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Hook types and where their path resolves: the runtime's (host) or the container's namespace.
HOOK_TYPES = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")
CONTAINER_SIDE = {"startContainer"}
LOG_NAME = "oci-hooks.log"


def logging_hook(
    kind: str, rootfs: Path, *, exit_code: int = 0, label: str = "", sleep: float = 0
) -> dict[str, Any]:
    """A hook entry appending its label to the hooks log and saving its stdin beside it.

    Hooks that may run before pivot_root try the host path of the rootfs first and fall back
    to the container path, so one log records the order across both namespaces.
    """
    label = label or kind
    host_log = rootfs / LOG_NAME
    body = (
        f'log={shlex.quote(str(host_log))}; [ -w "$(dirname "$log")" ] || log=/{LOG_NAME}; '
        f'cat > "$log.{label}.stdin"; echo {shlex.quote(label)} >> "$log"'
    )
    if sleep:
        body += f"; exec sleep {sleep}"
    if exit_code:
        body += f"; exit {exit_code}"
    shell = "/bin/sh"
    return {"path": shell, "args": ["sh", "-c", body]}


def read_log(rootfs: Path) -> list[str]:
    try:
        return (rootfs / LOG_NAME).read_text().split()
    except FileNotFoundError:
        return []


def read_stdin(rootfs: Path, label: str) -> dict[str, Any] | None:
    """The state document a hook received, or None when absent or not JSON."""
    try:
        data = json.loads((rootfs / f"{LOG_NAME}.{label}.stdin").read_text())
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# -- recording hooks: which program ran, in which namespaces, with which argv, env and stdin --

#: Where records are kept, relative to the rootfs (so container-namespace hooks can write them).
RECORDS = "oci-hook-records"
#: The environment every recording hook gets (PATH so its script finds cat, readlink, tail).
HOOK_PATH = "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#: Hook types whose path resolves in / which execute in the container's namespaces (config.md).
PATH_IN_CONTAINER = {"startContainer"}
EXEC_IN_CONTAINER = {"createContainer", "startContainer"}
SIDES = ("runtime", "container")


@dataclass
class HookRecord:
    """What one recording hook saw of itself: the side of its program, namespaces, argv, env, stdin."""

    label: str
    side: str
    namespaces: dict[str, str]
    argv: list[str]
    env: list[str]
    state: dict[str, Any] | None
    pid: str


@dataclass
class HookRig:
    """Hook programs at one absolute path per hook type, present on BOTH sides with different marks.

    For each type, the same absolute path exists on the host (the runtime namespace) and inside
    the rootfs (the container namespace); both are copies of the rootfs's static busybox with a
    last line naming their side. A hook reads that line from /proc/<its pid>/exe, so its record
    says which of the two files the runtime resolved, whatever namespace it then executed in.
    """

    bundle_path: Path
    rootfs: Path

    def __post_init__(self) -> None:
        (self.rootfs / RECORDS).mkdir(exist_ok=True)
        os.chmod(self.rootfs / RECORDS, 0o777)

    def program(self, kind: str) -> Path:
        """The absolute path of `kind`'s hook program (same path on both sides)."""
        path = self.bundle_path / "hook-bin" / kind / "busybox"
        for side, file in (("runtime", path), ("container", self.rootfs / path.relative_to("/"))):
            if not file.exists():
                file.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.rootfs / "bin" / "busybox", file)
                with open(file, "ab") as handle:
                    handle.write(f"\noci-hook-side={side}\n".encode())
                os.chmod(file, 0o755)
        return path

    def entry(
        self,
        kind: str,
        label: str = "",
        *,
        exit_code: int = 0,
        sleep: float = 0,
        wait_for: str = "",
        extra_args: tuple[str, ...] = (),
        env: tuple[str, ...] = (),
        timeout: int | None = None,
    ) -> dict[str, Any]:
        """A hook entry of type `kind` recording itself under `label` (default: the type).

        `wait_for` names a file in the records directory the hook waits for (up to 30 s) before
        it exits, so the suite can look at the container while the runtime is inside the hook.
        """
        label = label or kind
        records = shlex.quote(str(self.rootfs / RECORDS))
        script = (
            f'd={records}; [ -d "$d" ] || d=/{RECORDS}; '
            "read -r me _ < /proc/self/stat; "
            'echo "$me" > "$d/$0.pid"; '
            'cat > "$d/$0.stdin"; '
            '{ tail -n 1 "/proc/$me/exe"; '
            'for n in mnt pid net; do echo "$n=$(readlink "/proc/$me/ns/$n")"; done; } > "$d/$0.ns"; '
            'cat "/proc/$me/cmdline" > "$d/$0.cmdline"; cat "/proc/$me/environ" > "$d/$0.environ"; '
            'echo "$0" >> "$d/log"'
        )
        if wait_for:
            script += (
                f'; i=0; while [ ! -e "$d/{wait_for}" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done'
            )
        if sleep:
            script += f"; exec sleep {sleep}"
        if exit_code:
            script += f"; exit {exit_code}"
        hook: dict[str, Any] = {
            "path": str(self.program(kind)),
            "args": ["sh", "-c", script, label, *extra_args],
            "env": [HOOK_PATH, *env],
        }
        if timeout is not None:
            hook["timeout"] = timeout
        return hook

    def _read(self, name: str) -> bytes | None:
        try:
            return (self.rootfs / RECORDS / name).read_bytes()
        except OSError:
            return None

    def log(self) -> list[str]:
        """Hook labels (and 'program') in the order they wrote to the shared log."""
        return (self._read("log") or b"").decode(errors="replace").split()

    def signal(self, name: str) -> None:
        """Create the file a `wait_for` hook waits for."""
        (self.rootfs / RECORDS / name).touch()

    def record(self, label: str) -> HookRecord | None:
        """The record of hook `label`, or None if it never ran (or could not write its record)."""
        ns_text = self._read(f"{label}.ns")
        if ns_text is None:
            return None
        lines = ns_text.decode(errors="replace").splitlines()
        side = next((ln.partition("=")[2] for ln in lines if ln.startswith("oci-hook-side=")), "")
        namespaces = {}
        for line in lines:
            key, sep, value = line.partition("=")
            if sep and key in ("mnt", "pid", "net"):
                namespaces[key] = value
        stdin = self._read(f"{label}.stdin")
        try:
            state = json.loads(stdin) if stdin else None
        except ValueError:
            state = None

        def nul_list(data: bytes | None) -> list[str]:
            return (data or b"").decode(errors="replace").split("\0")[:-1] if data else []

        return HookRecord(
            label=label,
            side=side or "unknown",
            namespaces=namespaces,
            argv=nul_list(self._read(f"{label}.cmdline")),
            env=nul_list(self._read(f"{label}.environ")),
            state=state if isinstance(state, dict) else None,
            pid=(self._read(f"{label}.pid") or b"").decode().strip(),
        )

    def wait_logged(self, label: str, timeout: float) -> list[str]:
        """The shared log once `label` is in it, or as it is after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while label not in (log := self.log()) and time.monotonic() < deadline:
            time.sleep(0.01)
        return log

    def wait_record(self, label: str, timeout: float) -> HookRecord | None:
        deadline = time.monotonic() + timeout
        while True:
            found = self.record(label)
            if found is not None and self._read(f"{label}.environ") is not None:
                return found
            if time.monotonic() >= deadline:
                return found
            time.sleep(0.05)
