"""The operations the runtime suite needs from any runtime, whatever drives it.

The runc-style command line (`cli.CommandLineRuntime`) is one implementation; an engine, or a
runtime used as a library, implements this Protocol instead and the suite runs unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from conformance.core.result import CommandResult


@runtime_checkable
class RuntimeDriver(Protocol):
    """create/start/state/kill/delete/features, each returning one CommandResult."""

    #: Profile name: used in test ids, expectations files and reports.
    name: str
    #: What was tested: an executable path (its sha256 goes into the report), or a URL.
    path: str
    version: str
    version_output: str
    #: The directory holding the runtime's own state for this session, when it has one.
    state_root: Path | None
    #: Whether `state`'s pid is the container process as the host kernel sees it.
    host_visible_process: bool

    def notes(self) -> list[str]:
        """Lines for the report header about how the runtime is driven."""
        ...

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
        """Create a container from `bundle`; its stdout/stderr go to files in `output_dir`."""
        ...

    def start(self, container_id: str) -> CommandResult: ...

    def state(self, container_id: str) -> CommandResult:
        """The state document as stdout (JSON), or a refusal."""
        ...

    def state_document(self, container_id: str) -> dict: ...

    def kill(self, container_id: str, sig: str = "SIGTERM") -> CommandResult: ...

    def delete(self, container_id: str, *, force: bool = False) -> CommandResult: ...

    def features(self) -> CommandResult:
        """The features document as stdout (JSON); a refusal where the runtime has none."""
        ...

    def list_ids(self) -> list[str] | None:
        """Container ids the runtime knows, or None when it cannot list them."""
        ...
