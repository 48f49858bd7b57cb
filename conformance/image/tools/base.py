"""The image-tool verbs the suite drives, behind one base class; each tool implements its roles.

Roles: producer (build a layout from a BuildSpec), consumer (unpack a layout into a bundle),
copier (copy between layouts and oci-archives), converter (image config -> runtime config.json).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from conformance.core.command import execute
from conformance.core.errors import SubjectNotUsable
from conformance.core.result import CommandResult

ROLES = ("producer", "consumer", "copier", "converter")


@dataclass(frozen=True)
class BuildSpec:
    """What a producer is asked to build: rootfs entries, config fields, manifest annotations."""

    entries: tuple[Mapping[str, Any], ...] = ()
    config: Mapping[str, Any] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    #: Paths removed again in a later layer (a tool expresses them as whiteouts).
    deletions: tuple[str, ...] = ()


class ImageTool:
    """One image tool on this machine; subclasses implement the roles they support."""

    name: ClassVar[str] = "tool"
    executable: ClassVar[str] = ""
    roles: ClassVar[frozenset[str]] = frozenset()
    version_pattern: ClassVar[str] = r"version[:\s]+v?([0-9][^\s,]*)"
    #: Whether `build` honours BuildSpec.deletions (a second layer that removes paths).
    supports_deletions: ClassVar[bool] = False
    #: Copier: the transports `copy` takes besides 'oci:' (see :func:`transport_reference`).
    transports: ClassVar[tuple[str, ...]] = ("oci", "oci-archive")

    def __init__(self, path: str, *, timeout: float = 120.0, workdir: Path) -> None:
        self.path = path
        self.timeout = timeout
        self.workdir = workdir
        self.version_output = ""
        self.version = "unknown"

    def probe(self) -> None:
        """Ask the tool for its version; SubjectNotUsable when it cannot run."""
        result = self.run("--version", timeout=30)
        if not result.ok:
            raise SubjectNotUsable(f"image tool {self.path!r} --version failed:\n{result.describe()}")
        self.version_output = result.stdout + result.stderr
        match = re.search(self.version_pattern, self.version_output, re.IGNORECASE)
        self.version = match.group(1) if match else "unknown"

    def run(self, *args: str, timeout: float | None = None) -> CommandResult:
        try:
            return execute([self.path, *args], self.timeout if timeout is None else timeout)
        except OSError as exc:
            raise SubjectNotUsable(
                f"cannot execute image tool {self.path!r}: {exc.strerror or exc}"
            ) from None

    def supports(self, role: str) -> bool:
        return role in self.roles

    def notes(self) -> list[str]:
        return []

    # -- roles (override what the tool supports) -------------------------------------------

    def build(self, spec: BuildSpec, layout: Path, ref: str) -> list[CommandResult]:
        """Producer: write an image for `spec` into the OCI layout `layout` under tag `ref`."""
        raise NotImplementedError

    def unpack(self, layout: Path, ref: str, bundle: Path) -> CommandResult:
        """Consumer: unpack `layout:ref` into `bundle` (rootfs at bundle/rootfs)."""
        raise NotImplementedError

    def copy(self, source: str, destination: str) -> CommandResult:
        """Copier: transport references like 'oci:/path:ref' or 'oci-archive:/path.tar:ref'."""
        raise NotImplementedError

    def convert(self, layout: Path, ref: str, output: Path) -> CommandResult:
        """Converter: write the runtime config.json for `layout:ref` to `output`."""
        raise NotImplementedError


def stage_entries(entries: Sequence[Mapping[str, Any]], root: Path) -> None:
    """Lay out BuildSpec entries as real files under `root` (for tools that take a directory).

    `root` keeps its own times: creating the entries would otherwise give it the time of staging,
    so two builds of the same entries would differ by the second they were staged in.
    """
    before = os.stat(root) if root.is_dir() else None
    for entry in entries:
        path = root / str(entry["path"]).lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        kind = entry.get("type", "file")
        if kind == "dir":
            path.mkdir(exist_ok=True)
        elif kind == "file":
            content = entry.get("content", "")
            path.write_bytes(content.encode() if isinstance(content, str) else bytes(content))
        elif kind == "symlink":
            path.symlink_to(str(entry["target"]))
        elif kind == "hardlink":
            os.link(root / str(entry["target"]).lstrip("/"), path)
        else:
            raise ValueError(f"cannot stage entry type {kind!r}")
        if "mode" in entry and kind != "symlink":
            os.chmod(path, int(entry["mode"]))
        if ("uid" in entry or "gid" in entry) and os.geteuid() == 0:
            os.lchown(path, int(entry.get("uid", 0)), int(entry.get("gid", 0)))
    # Times last, deepest first: creating a child would change its directory's mtime again.
    for entry in sorted(entries, key=lambda e: str(e["path"]).count("/"), reverse=True):
        if "mtime" in entry:
            stamp = int(entry["mtime"])
            os.utime(root / str(entry["path"]).lstrip("/"), (stamp, stamp), follow_symlinks=False)
    if before is not None:
        os.utime(root, ns=(before.st_atime_ns, before.st_mtime_ns))


def transport_reference(transport: str, path: Path, ref: str) -> str:
    """A copy source or destination: 'oci:/p:ref', 'oci-archive:/p.tar:ref' or 'dir:/p' (no ref)."""
    if transport == "dir":
        return f"dir:{path}"
    return f"{transport}:{path}:{ref}"


def which(name: str) -> str | None:
    return shutil.which(name)
