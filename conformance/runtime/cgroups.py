"""Reading a process's control groups from the host: cgroup v1 controllers and the v2 tree.

Everything takes the text of /proc/self/mountinfo and /proc/PID/cgroup and a root directory
as input, so the same code runs against the host and against a fake tree in unit tests.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

#: Longest value kept of one cgroup file (stat files are long; limits are short).
FILE_LIMIT = 16384
#: Key of the unified (v2) hierarchy in the maps below.
UNIFIED = "unified"


@dataclass(frozen=True)
class Hierarchy:
    """One mounted cgroup hierarchy: where it is, its version and its controllers."""

    mount_point: Path
    version: int
    controllers: tuple[str, ...]
    #: The hierarchy's directory shown at the mount point (mountinfo field 4), usually "/".
    root: str = "/"


def hierarchies(mountinfo: str) -> list[Hierarchy]:
    """Every cgroup and cgroup2 mount in mountinfo text, later mounts over earlier ones."""
    found: dict[str, Hierarchy] = {}
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if not sep or len(fields) < 5 or len(rest) < 3 or rest[0] not in ("cgroup", "cgroup2"):
            continue
        if rest[0] == "cgroup2":
            found[fields[4]] = Hierarchy(Path(fields[4]), 2, (UNIFIED,), fields[3])
            continue
        options = rest[2].split(",")
        controllers = tuple(
            o for o in options if o not in ("rw", "ro") and "=" not in o and not o.startswith("x")
        )
        named = tuple(o for o in options if o.startswith("name="))
        found[fields[4]] = Hierarchy(Path(fields[4]), 1, controllers + named, fields[3])
    return list(found.values())


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """`/proc/PID/cgroup` -> controller (or "name=...", or UNIFIED for v2's "0::") -> path."""
    paths: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if not controllers:
            paths[UNIFIED] = path
            continue
        for controller in controllers.split(","):
            paths[controller] = path
    return paths


def read_files(directory: Path) -> dict[str, str]:
    """The readable regular files of one cgroup directory, values stripped (unreadable: skipped)."""
    values: dict[str, str] = {}
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return values
    for name in names:
        path = directory / name
        try:
            if not path.is_file():
                continue
            with open(path, "rb") as handle:
                values[name] = handle.read(FILE_LIMIT).decode("utf-8", "replace").strip()
        except OSError:
            continue
    return values


@dataclass
class CgroupView:
    """A process's cgroups as the host sees them: per controller, the directory and its files."""

    paths: dict[str, str] = field(default_factory=dict)
    dirs: dict[str, str] = field(default_factory=dict)
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    version: str = "none"

    def as_dict(self) -> dict[str, object]:
        return {"version": self.version, "paths": self.paths, "dirs": self.dirs, "files": self.files}


def observe(proc_cgroup: str, mountinfo: str, *, prefix: Path = Path("/")) -> CgroupView:
    """Resolve a process's cgroup paths to host directories and read their files.

    `prefix` re-roots every mount point (a fake tree in tests); the host uses "/".
    """
    view = CgroupView(paths=parse_proc_cgroup(proc_cgroup))
    mounted = hierarchies(mountinfo)
    versions = {h.version for h in mounted if h.controllers and h.controllers != ("name=systemd",)}
    view.version = {frozenset({1}): "v1", frozenset({2}): "v2", frozenset({1, 2}): "hybrid"}.get(
        frozenset(versions), "none"
    )
    for hierarchy in mounted:
        for controller in hierarchy.controllers:
            path = view.paths.get(controller)
            if path is None or controller in view.dirs:
                continue
            relative = os.path.relpath(path, hierarchy.root) if hierarchy.root != "/" else path.lstrip("/")
            directory = prefix / str(hierarchy.mount_point).lstrip("/") / relative
            view.dirs[controller] = str(directory)
            view.files[controller] = read_files(directory)
    return view


def remove_named(names: set[str], mountinfo: str, *, depth: int = 6, prefix: Path = Path("/")) -> list[str]:
    """Remove cgroup directories whose name is in `names`, in every mounted hierarchy.

    For what a runtime left behind after its containers were deleted: a directory still
    holding a process cannot be removed and is left (rmdir fails); its children go first.
    """
    removed = []
    for hierarchy in hierarchies(mountinfo):
        top = prefix / str(hierarchy.mount_point).lstrip("/")
        found = []
        for current, dirs, _ in os.walk(top):
            level = len(Path(current).relative_to(top).parts)
            if level >= depth:
                dirs[:] = []
            found += [Path(current) / d for d in dirs if d in names]
        for directory in sorted(found, key=lambda p: len(p.parts), reverse=True):
            for child in sorted(directory.rglob("*"), key=lambda p: len(p.parts), reverse=True):
                if child.is_dir():
                    with contextlib.suppress(OSError):
                        child.rmdir()
            try:
                directory.rmdir()
            except OSError:
                continue
            removed.append(str(directory))
    return removed
