"""The runc-style command line every OCI runtime profile drives.

A profile subclass only states its quirks (extra global flags, a command prefix,
which optional operations exist); the operations themselves live here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from conformance.core.command import execute
from conformance.core.errors import RuntimeOutputError, SubjectNotUsable
from conformance.core.result import CommandResult

_VERSION_RE = re.compile(r"version[:\s]+v?([0-9][^\s,]*)", re.IGNORECASE)


def parse_version(output: str) -> str:
    """The first version number in `--version` output, or 'unknown'."""
    match = _VERSION_RE.search(output)
    return match.group(1) if match else "unknown"


class CommandLineRuntime:
    """An OCI runtime with a runc-compatible command line."""

    #: Profile name, used in test ids, expectations files and `--runtime-profile`.
    name: ClassVar[str] = "generic"
    #: Case-insensitive regular expression on `--version` output selecting this profile.
    version_pattern: ClassVar[str | None] = None
    #: Whether the runtime accepts the global `--root DIR` flag (lets the suite keep state private).
    supports_root: ClassVar[bool] = True
    #: Whether the pid in `state` is the container process as the host kernel sees it
    #: (false for sandboxes, whose pid is a sandbox process).
    host_visible_process: ClassVar[bool] = True
    #: Global flags the profile always adds (before the user's `--runtime-arg`s).
    profile_args: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        path: str,
        *,
        global_args: Sequence[str] = (),
        timeout: float = 30.0,
        state_root: Path | None = None,
        version_output: str = "",
    ) -> None:
        self.path = path
        self.global_args = tuple(global_args)
        self.timeout = timeout
        self.state_root = state_root
        self.version_output = version_output
        self.version = parse_version(version_output)

    # -- profile hooks -------------------------------------------------------------------

    @classmethod
    def matches(cls, version_output: str) -> bool:
        """Whether this profile fits a runtime that printed `version_output`."""
        return (
            bool(cls.version_pattern)
            and re.search(cls.version_pattern, version_output, re.IGNORECASE) is not None
        )

    def command_prefix(self) -> list[str]:
        """Words placed before the runtime path (e.g. a namespace wrapper)."""
        return []

    def notes(self) -> list[str]:
        """Lines the report header shows about how this runtime is driven."""
        return []

    # -- invocation ----------------------------------------------------------------------

    def argv(self, *args: str) -> list[str]:
        words = [*self.command_prefix(), self.path]
        if self.state_root is not None and self.supports_root:
            words += ["--root", str(self.state_root)]
        words += [*self.profile_args, *self.global_args, *args]
        return words

    def invoke(
        self,
        *args: str,
        timeout: float | None = None,
        output_dir: Path | None = None,
    ) -> CommandResult:
        """Run one runtime command with a timeout, killing its process group on expiry.

        With `output_dir`, stdout/stderr go to files there (needed for `create`, whose
        container process inherits them and may outlive the command).
        """
        limit = self.timeout if timeout is None else timeout
        try:
            return execute(self.argv(*args), limit, output_dir=output_dir)
        except OSError as exc:
            raise SubjectNotUsable(
                f"cannot execute runtime command {self.argv()[0]!r}: {exc.strerror or exc}"
            ) from None

    # -- OCI operations ------------------------------------------------------------------

    def state(self, container_id: str) -> CommandResult:
        return self.invoke("state", container_id)

    def state_document(self, container_id: str) -> dict:
        """The parsed state; raises RuntimeOutputError when the output is not a JSON object."""
        result = self.state(container_id)
        if not result.ok:
            raise RuntimeOutputError(f"state {container_id} failed:\n{result.describe()}")
        return parse_json_object(result, "state")

    def create(
        self,
        container_id: str,
        bundle: Path,
        *,
        output_dir: Path,
        pid_file: Path | None = None,
        console_socket: Path | None = None,
        timeout: float | None = None,
    ) -> CommandResult:
        args = ["create", "--bundle", str(bundle)]
        if pid_file is not None:
            args += ["--pid-file", str(pid_file)]
        if console_socket is not None:
            args += ["--console-socket", str(console_socket)]
        return self.invoke(*args, container_id, output_dir=output_dir, timeout=timeout)

    def start(self, container_id: str) -> CommandResult:
        return self.invoke("start", container_id)

    def kill(self, container_id: str, sig: str = "SIGTERM") -> CommandResult:
        return self.invoke("kill", container_id, sig)

    def delete(self, container_id: str, *, force: bool = False) -> CommandResult:
        return self.invoke("delete", *(["--force"] if force else []), container_id)

    def run(self, container_id: str, bundle: Path, *, timeout: float | None = None) -> CommandResult:
        """The non-OCI convenience `run` (create + start + wait + delete)."""
        return self.invoke("run", "--bundle", str(bundle), container_id, timeout=timeout)

    def features(self) -> CommandResult:
        return self.invoke("features")

    def list_ids(self) -> list[str] | None:
        """Container ids the runtime knows, or None when it has no `list`."""
        result = self.invoke("list", "-q")
        if not result.ok:
            return None
        return [line.strip() for line in result.stdout.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path} {self.version}>"


def parse_json_object(result: CommandResult, what: str) -> dict:
    """Parse a runtime's JSON output, with an error that shows the command and output."""
    try:
        document = json.loads(result.stdout)
    except ValueError as exc:
        raise RuntimeOutputError(
            f"{what}: the runtime printed invalid JSON ({exc}):\n{result.describe(500)}"
        ) from None
    if not isinstance(document, dict):
        raise RuntimeOutputError(
            f"{what}: expected a JSON object, got {type(document).__name__}:\n{result.describe(500)}"
        )
    return document
