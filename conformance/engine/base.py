"""What every engine offers the engine suite, behind one Protocol, and the outcomes it returns."""

from __future__ import annotations

import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

#: Label on every container the suite creates; its value is the session token.
SESSION_LABEL = "org.opencontainers.conformance.session"


@dataclass(frozen=True)
class Outcome:
    """One engine operation: whether it succeeded, and what the engine said."""

    ok: bool
    message: str = ""
    seconds: float = 0.0

    def describe(self) -> str:
        return ("succeeded" if self.ok else "failed") + (
            f": {self.message.strip()[-800:]}" if self.message else ""
        )


@dataclass(frozen=True)
class Converted:
    """The runtime config.json an engine generated for an image, read from the engine's own state."""

    outcome: Outcome
    config: dict[str, Any] = field(default_factory=dict)
    path: str = ""


@dataclass(frozen=True)
class Ran:
    """A command run to its end in a container: the engine's outcome and the command's stdout."""

    outcome: Outcome
    stdout: str = ""
    exit_code: int | None = None


@dataclass(frozen=True)
class Opened:
    """What every engine is opened with: its executable (or socket URL), version and session."""

    path: str
    version: str
    version_output: str
    token: str
    workdir: Path
    timeout: float


class EngineFields:
    """The identity and session fields every engine carries, taken from one `Opened`."""

    def __init__(self, name: str, opened: Opened) -> None:
        self.name = name
        self.path = opened.path
        self.version = opened.version
        self.version_output = opened.version_output
        self.token = opened.token
        self.workdir = opened.workdir
        self.timeout = opened.timeout
        #: References of the images this session pulled or loaded (removed at close).
        self.images: set[str] = set()


#: Container options the runtime cases set (suites/engine/runtime.yaml), engine-neutral.
RUN_OPTIONS = (
    "read_only",
    "cap_drop",
    "cap_add",
    "no_new_privileges",
    "user",
    "group_add",
    "workdir",
    "env",
    "hostname",
    "tmpfs",
    "rlimits",
    "sysctls",
    "oom_score_adj",
)


@runtime_checkable
class Engine(Protocol):
    """One container engine under test (a private daemon the suite starts, or a running one)."""

    name: str
    path: str
    version: str
    version_output: str
    #: Directories the engine may write to (its storage); nothing may change outside them.
    storage: tuple[Path, ...]
    #: Whether the suite knows where the engine keeps generated config.json files.
    reads_runtime_config: bool

    def notes(self) -> list[str]: ...

    def start(self) -> None:
        """Start the private daemon (or connect to the running one); idempotent."""

    def pull(self, reference: str) -> Outcome: ...

    def remove_image(self, reference: str) -> None: ...

    def load_archive(self, archive: Path, archive_format: str, reference: str) -> Outcome:
        """Load `archive` (docker-archive or oci-archive) naming the image `reference`."""

    def has_image(self, reference: str) -> bool:
        """Whether the engine lists an image under `reference` (a refused pull must leave none)."""

    def export_rootfs(self, reference: str, target: Path) -> Outcome:
        """Create a container of `reference` (not started), copy its filesystem into `target`."""

    def runtime_config(self, reference: str) -> Converted:
        """Start a container of `reference`, read the config.json the engine generated, remove it."""

    #: Which of RUN_OPTIONS the engine's client can set on a container.
    run_options: frozenset[str]

    def run_command(self, reference: str, argv: list[str], options: dict[str, Any]) -> Ran:
        """Run `argv` in a container of `reference` with `options`, to its end; remove it."""

    def close(self) -> list[str]:
        """Remove what the suite created and stop a private daemon; returns what could not be."""


class UnsafeExport(Exception):
    """An exported filesystem holds a member that would land outside the extraction target."""


def _check_member(member: tarfile.TarInfo) -> None:
    parts = member.name.split("/")
    if member.name.startswith("/") or ".." in parts:
        raise UnsafeExport(f"member {member.name!r} leaves the root")
    if member.islnk() and (member.linkname.startswith("/") or ".." in member.linkname.split("/")):
        raise UnsafeExport(f"hard link {member.name!r} -> {member.linkname!r} leaves the root")


def extract_export(archive: Path, target: Path) -> None:
    """Unpack an engine's filesystem export into `target`, keeping owners, modes and links as is.

    Names that leave the root are refused (UnsafeExport); symbolic links are written as links,
    never followed, because every member is created by name below a fresh directory.
    """
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            _check_member(member)
        tar.extractall(target, members=members, numeric_owner=True, filter="fully_trusted")
    for member in members:  # tarfile leaves a symbolic link's own time alone; set it, never following
        if member.issym():
            os.utime(target / member.name, (member.mtime, member.mtime), follow_symlinks=False)
