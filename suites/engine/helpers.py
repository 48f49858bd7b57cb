"""What the engine tests share: the engine's own paths in a container, nothing escaping."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.core.asserts import check, check_equal
from conformance.engine.fixtures import engine_settings
from conformance.image.layers import expected_tree
from conformance.image.tree import Tree, diff, snapshot

#: Host paths an unsafe layer aims at (the image suite's targets); none may be created.
ESCAPE_TARGETS = (Path("/etc/escape"),)
HOST_PASSWD = Path("/etc/passwd")


def engine_paths(engine: str) -> dict[str, str]:
    """Root-relative paths the engine adds to every container, with the reason (engine.yaml)."""
    return {e["path"]: e["reason"] for e in engine_settings()["engine_paths"] if engine in e["engines"]}


def without_engine_paths(actual: Tree, expected: Tree, engine: str) -> Tree:
    """`actual` without the engine's own paths (and what is below them), nor the parents the
    engine had to create for them when the image has none."""
    own = engine_paths(engine)

    def ignored(path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in own)

    kept = {path: node for path, node in actual.items() if not ignored(path)}
    for path in sorted(actual, key=lambda p: -p.count("/")):
        if path in kept and path not in expected and actual[path].type == "dir":
            below = [p for p in actual if p.startswith(path + "/")]
            if below and all(ignored(p) or p not in kept for p in below):
                del kept[path]
    return kept


@dataclass
class HostWatch:
    """The host facts an unsafe image must not change: escape targets, links to /etc/passwd,
    and everything beside the test's work directory (a sentinel)."""

    parent: Path
    before: dict[str, tuple[int, int]]
    escapes: dict[Path, bool]
    passwd_links: int

    @classmethod
    def record(cls, parent: Path) -> HostWatch:
        return cls(
            parent, _listing(parent), {p: p.exists() for p in ESCAPE_TARGETS}, HOST_PASSWD.stat().st_nlink
        )

    def changes(self) -> list[str]:
        found = []
        now = _listing(self.parent)
        for name in sorted(now.keys() | self.before.keys()):
            if now.get(name) != self.before.get(name):
                found.append(f"changed {self.parent / name}")
        for path, existed in self.escapes.items():
            if path.exists() and not existed:
                found.append(f"created {path} on the host")
                path.unlink()
        if HOST_PASSWD.stat().st_nlink != self.passwd_links:
            found.append(
                f"{HOST_PASSWD} gained a hard link ({self.passwd_links} -> {HOST_PASSWD.stat().st_nlink})"
            )
        return found


def check_filesystem_matches(
    rids: Sequence[str],
    engine: Any,
    reference: str,
    rootfs: Path,
    layers: list[Any],
    what: str = "differences between the container's filesystem and the reference application",
) -> None:
    """The container's filesystem, read outside, equals the reference application of `layers`
    (`what` names the differences in a failure)."""
    exported = engine.export_rootfs(reference, rootfs)
    check(rids, exported.ok, "the container's filesystem can be read", "success", exported.describe())
    expected = expected_tree(layers)
    actual = without_engine_paths(snapshot(rootfs), expected, engine.name)
    check_equal(rids, what, [], diff(expected, actual))


def _listing(parent: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.lstat().st_ino, p.lstat().st_mtime_ns) for p in parent.iterdir() if p.name != "work"}


def same_content_as_host_passwd(path: Path) -> bool:
    return (
        path.is_file()
        and os.path.getsize(path) == HOST_PASSWD.stat().st_size
        and path.read_bytes() == HOST_PASSWD.read_bytes()
    )
