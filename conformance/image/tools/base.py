"""The image-tool verbs the suite drives, behind one base class; each tool implements its roles.

Roles: producer (build a layout from a BuildSpec), consumer (unpack a layout into a bundle),
copier (copy between layouts and oci-archives), converter (image config -> runtime config.json).

Every command runs with TMPDIR (TMP, TEMP) in the suite's work directory. A tool with
`private_state` (skopeo and buildah, built on containers/image; tools described in YAML) also
runs in a mount namespace of its own where a tmpfs covers /var/lib/containers, which
containers/image writes for root whatever the flags say (its blob info cache); what lands there
vanishes with the command.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from conformance.core.command import execute
from conformance.core.errors import SubjectNotUsable
from conformance.core.result import CommandResult

ROLES = ("producer", "consumer", "copier", "converter")

#: Where containers/image keeps state for root with no flag to move it (blob-info-cache-v1.boltdb).
PRIVATE_STATE = Path("/var/lib/containers")
#: Stderr of a private-state command whose namespace could not be set up (the tool did not run).
NAMESPACE_FAILED = "oci-conformance: no private mount namespace:"
# $1 is the directory to cover, the rest the tool's argv. A failed mount must not pass for the
# tool's own refusal: the marker on stderr tells them apart.
_NAMESPACE_SCRIPT = (
    'target=$1; shift; if ! err=$(mount -t tmpfs -o mode=0700,size=64m oci-conformance "$target" 2>&1);'
    f' then echo "{NAMESPACE_FAILED} $err" >&2; exit 125; fi; exec "$@"'
)


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
    #: Whether commands run with a private /var/lib/containers (see the module docstring).
    private_state: ClassVar[bool] = False

    def __init__(self, path: str, *, timeout: float = 120.0, workdir: Path) -> None:
        self.path = path
        self.timeout = timeout
        self.workdir = workdir
        #: TMPDIR of every command: big temporary files stay in the suite's directory.
        self.tmpdir = workdir / "tool-tmp"
        self.tmpdir.mkdir(mode=0o700, parents=True, exist_ok=True)
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
        return self.command([self.path, *args], timeout)

    def command(self, argv: Sequence[str], timeout: float | None = None) -> CommandResult:
        """Run `argv` with :meth:`environment`, for `private_state` in a namespace of its own.

        The result names `argv` as given: the namespace is a part of the setting, like TMPDIR.
        """
        argv = list(argv)
        prefix = self.namespace_prefix() if self.private_state else []
        try:
            result = execute(
                [*prefix, *argv], self.timeout if timeout is None else timeout, env=self.environment()
            )
        except OSError as exc:
            raise SubjectNotUsable(f"cannot execute image tool {argv[0]!r}: {exc.strerror or exc}") from None
        if prefix and result.refused and result.stderr.startswith((NAMESPACE_FAILED, "unshare: ")):
            raise SubjectNotUsable(f"cannot run image tool {argv[0]!r} privately:\n{result.describe()}")
        return replace(result, argv=tuple(argv))

    def environment(self) -> dict[str, str]:
        """Variables set for every command: temporary files go to :attr:`tmpdir`."""
        tmp = str(self.tmpdir)
        env = {"TMPDIR": tmp, "TMP": tmp, "TEMP": tmp}
        if self.private_state and os.geteuid() != 0:
            # Unprivileged, containers/image keeps its cache under $XDG_DATA_HOME/containers.
            env["XDG_DATA_HOME"] = str(self.tmpdir / "data")
        return env

    def namespace_prefix(self) -> list[str]:
        """The argv prefix running a command where a tmpfs covers /var/lib/containers.

        Root only (unprivileged, :meth:`environment` moves the state). When /var/lib/containers
        does not exist the tmpfs covers /var/lib instead, so nothing is created on the host.
        """
        if os.geteuid() != 0:
            return []
        unshare = shutil.which("unshare")
        if unshare is None:
            raise SubjectNotUsable(
                f"{self.name}: unshare (util-linux) is needed to keep {PRIVATE_STATE} private"
            )
        target = PRIVATE_STATE if PRIVATE_STATE.is_dir() else PRIVATE_STATE.parent
        if self.workdir.resolve().is_relative_to(target):
            raise SubjectNotUsable(f"{self.name}: the work directory {self.workdir} is below {target}")
        return [
            unshare,
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            _NAMESPACE_SCRIPT,
            "sh",
            str(target),
        ]

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
