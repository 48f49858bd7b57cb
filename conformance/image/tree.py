"""Snapshots of directory trees, and readable differences between an expected and an actual one.

A :data:`Tree` maps root-relative paths ("etc/hello", never "./etc/hello"; the root itself is not in
it, because manifest.md leaves the initial directory's attributes unspecified) to a :class:`Node`.
A field set to None in an *expected* node means "unspecified": :func:`diff` does not compare it.
That is how the reference model says "implicit parent directory, mode and owner up to the tool",
and how ``snapshot(ownership=False)`` drops owners when the unpacking tool was not root.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from conformance.image.digest import hash_stream

#: Extended attributes a host adds on its own (SELinux labels); never compared.
IGNORED_XATTRS = frozenset({"security.selinux"})

_TYPES = (
    (stat.S_ISREG, "file"),
    (stat.S_ISDIR, "dir"),
    (stat.S_ISLNK, "symlink"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISCHR, "char"),
    (stat.S_ISBLK, "block"),
    (stat.S_ISSOCK, "socket"),
)


@dataclass(frozen=True)
class Node:
    """What we compare of one path; hard links are the other paths sharing its inode (`links`)."""

    type: str
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    size: int | None = None
    sha256: str | None = None
    target: str | None = None
    xattrs: Mapping[str, bytes] | None = field(default=None, hash=False)
    links: frozenset[str] = frozenset()
    rdev: tuple[int, int] | None = None
    #: Whole seconds; recorded for everything but directories, whose mtime later entries and
    #: whiteouts in them may legitimately touch (layer.md leaves that open).
    mtime: int | None = None


Tree = dict[str, Node]


def file_type(mode: int) -> str:
    return next((name for test, name in _TYPES if test(mode)), "other")


def _read_xattrs(path: str) -> dict[str, bytes]:
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EPERM):
            return {}
        raise
    values = {}
    for name in names:
        try:
            values[name] = os.getxattr(path, name, follow_symlinks=False)
        except OSError:
            continue  # vanished or not readable by us: nothing to compare
    return values


def _content_sha256(path: str) -> str:
    """Hash through an O_NOFOLLOW descriptor, so a swapped-in symlink is never followed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        return f"<unreadable: {exc.strerror}>"
    with os.fdopen(fd, "rb", buffering=0) as handle:
        digest, _ = hash_stream(handle)
    return digest.split(":", 1)[1]


def _node(path: str, st: os.stat_result, *, ownership: bool, xattrs: bool) -> Node:
    kind = file_type(st.st_mode)
    return Node(
        type=kind,
        mode=stat.S_IMODE(st.st_mode),
        uid=st.st_uid if ownership else None,
        gid=st.st_gid if ownership else None,
        size=st.st_size if kind == "file" else None,
        sha256=_content_sha256(path) if kind == "file" else None,
        target=os.readlink(path) if kind == "symlink" else None,
        xattrs=_read_xattrs(path) if xattrs else None,
        rdev=(os.major(st.st_rdev), os.minor(st.st_rdev)) if kind in ("char", "block") else None,
        mtime=None if kind == "dir" else int(st.st_mtime),
    )


def _walk(directory: str, prefix: str) -> Iterator[tuple[str, os.DirEntry]]:
    with os.scandir(directory) as it:
        entries = sorted(it, key=lambda entry: entry.name)
    for entry in entries:
        rel = prefix + entry.name
        yield rel, entry
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path, rel + "/")


def snapshot(root: Path, *, ownership: bool = True, xattrs: bool = True) -> Tree:
    """The tree under `root`, by lstat: symlinks are recorded, never followed, so it never leaves root."""
    tree: Tree = {}
    inodes: dict[tuple[int, int], list[str]] = {}
    for rel, entry in _walk(os.fspath(root), ""):
        st = entry.stat(follow_symlinks=False)
        tree[rel] = _node(entry.path, st, ownership=ownership, xattrs=xattrs)
        if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
            inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
    return link_groups(tree, inodes.values())


def link_groups(tree: Tree, groups: Iterator[list[str]] | list[list[str]]) -> Tree:
    """Record in each node the other paths of its hard-link group (groups of one are no links)."""
    for group in groups:
        if len(group) < 2:
            continue
        members = frozenset(group)
        for path in group:
            tree[path] = replace(tree[path], links=members - {path})
    return tree


def format_mode(mode: int) -> str:
    return f"{mode:04o}"


def _below(path: str, tree: Tree) -> int:
    prefix = path + "/"
    return sum(1 for other in tree if other.startswith(prefix))


def _reported_ancestor(path: str, reported: set[str]) -> bool:
    parts = path.split("/")
    return any("/".join(parts[:index]) in reported for index in range(1, len(parts)))


def _presence(path: str, expected: Tree, actual: Tree, reported: set[str]) -> str | None:
    """'missing'/'extra' for a path only one side has, folding in everything below it."""
    side, word = (expected, "missing") if path not in actual else (actual, "extra")
    if _reported_ancestor(path, reported):
        return None
    reported.add(path)
    count = _below(path, side)
    kind = side[path].type
    suffix = f" (and {count} entries below it)" if count else ""
    return f"{word} {path} ({kind}){suffix}"


def _compare_xattrs(path: str, want: Mapping[str, bytes], got: Mapping[str, bytes]) -> list[str]:
    out = []
    for name in sorted((want.keys() | got.keys()) - IGNORED_XATTRS):
        if want.get(name) != got.get(name):
            expected = repr(want[name]) if name in want else "(none)"
            actual = repr(got[name]) if name in got else "(none)"
            out.append(f"xattr {name} of {path}: expected {expected}, got {actual}")
    return out


def _compare_links(path: str, want: Node, got: Node) -> list[str]:
    """Each pair is reported once, at the later path: "bin/ls should be a hard link of bin/busybox"."""
    out = [
        f"{path} should be a hard link of {other}" for other in sorted(want.links - got.links) if other < path
    ]
    out += [
        f"{path} should not be a hard link of {other}"
        for other in sorted(got.links - want.links)
        if other < path
    ]
    return out


def compare_nodes(path: str, want: Node, got: Node) -> list[str]:
    """Differences of one path; a field None on either side is not compared."""
    if want.type != got.type:
        return [f"type of {path}: expected {want.type}, got {got.type}"]
    out = []
    if None not in (want.mode, got.mode) and want.mode != got.mode:
        out.append(f"mode of {path}: expected {format_mode(want.mode)}, got {format_mode(got.mode)}")
    for name in ("uid", "gid", "size", "target", "rdev", "mtime"):
        expected, actual = getattr(want, name), getattr(got, name)
        if None not in (expected, actual) and expected != actual:
            out.append(f"{name} of {path}: expected {expected!r}, got {actual!r}")
    same_size = want.size is None or got.size is None or want.size == got.size
    if same_size and None not in (want.sha256, got.sha256) and want.sha256 != got.sha256:
        out.append(f"content of {path}: expected sha256 {want.sha256[:16]}…, got {got.sha256[:16]}…")
    if want.xattrs is not None and got.xattrs is not None:
        out += _compare_xattrs(path, want.xattrs, got.xattrs)
    return out + _compare_links(path, want, got)


def diff(expected: Tree, actual: Tree) -> list[str]:
    """Human-readable differences, in path order; an empty list means the trees agree."""
    out: list[str] = []
    reported: set[str] = set()
    for path in sorted(expected.keys() | actual.keys(), key=lambda p: p.split("/")):
        if path in expected and path in actual:
            out += compare_nodes(path, expected[path], actual[path])
            continue
        message = _presence(path, expected, actual, reported)
        if message:
            out.append(message)
    return out
