"""The reference layer applier, and the pure model of the tree that applying described layers gives.

The image suite unpacks a vector with the tool under test, snapshots the result
(:func:`conformance.image.tree.snapshot`) and compares it with :func:`expected_tree`.
:func:`apply_layers` applies real layer tars by the same rules; the unit tests check that the two agree.
The decisions both need are made once: :func:`classify` reads a member name, :class:`Whiteout`
decides what a whiteout removes and :func:`walk_parents` judges the directories on a path; the
model and the applier only differ in how they look at and change their tree (a dict, the disk).

The rules, from layer.md, with our resolution where the text leaves a choice open:

1. Within a layer, all whiteouts are applied first, then the other members in archive order.
   layer.md: whiteouts "MUST only apply to resources in lower/parent layers", files in the same layer
   as a whiteout "can only be hidden by whiteout files in subsequent layers", and an opaque whiteout
   "is applied first ... regardless of the ordering". Applying every deletion against the lower state
   before any addition satisfies all three, whatever the member order.
2. ``dir/.wh.name`` removes ``dir/name`` (recursively) if it exists. ``dir/.wh..wh..opq`` removes every
   lower child of ``dir`` and keeps ``dir`` with its lower attributes. A whiteout never creates
   anything: not its parent directories, not the directory of an opaque whiteout (as umoci does; a
   directory entry in the same layer creates it). A whiteout member is recognized by its name alone,
   whatever its tar type. ``.wh.`` with no name, ``.wh..``/``.wh...`` and ``.wh.`` prefixes on
   directory components are refused as malformed.
3. An entry over an existing path ("Changeset over existing files"): directory over directory
   replaces the attributes and keeps the children; anything else removes the existing path
   (recursively) and recreates it, so a file replaces a directory tree and a directory replaces a
   file. Unlinking a hard-linked path leaves its other links alone.
4. Missing parent directories are created (tar practice; layer.md is silent). Their mode and owner
   are unspecified: the model leaves them None (not compared), the applier uses 0755 and the
   applying user. A parent that exists as a non-directory is an error (tools fail too).
5. A hard link names a path earlier in the same layer or in a lower layer (tar order); it shares the
   target's inode and carries no metadata of its own (its header's mode/owner are ignored, as umoci
   does). A link to a missing path or a directory is an error.
6. The root member (``./``) is ignored: manifest.md leaves the root's attributes unspecified, and the
   tree model does not contain the root.
7. Duplicate member paths in one layer ("MUST NOT include duplicate entries") are refused.
8. Every node but a directory keeps its entry's mtime. A directory's mtime is unspecified (None):
   entries and whiteouts inside it, in its own or later layers, may touch it.

Safety: the applier is a reference, so it refuses (:class:`UnsafeMemberError`) rather than guesses:
absolute member names, any ``..`` component (in names and hard-link targets), and any member, whiteout
or hard-link target whose path passes through a symbolic link in the tree as it stands (tools resolve
those differently: some follow them inside the root, a naive one outside it). It never follows a
symlink: files are created with O_EXCL|O_NOFOLLOW, links with linkat without AT_SYMLINK_FOLLOW, and
trees removed with shutil.rmtree's fd-based walk. Nothing is ever written outside `target`.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import stat
import tarfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Protocol

from conformance.core.errors import ConformanceError
from conformance.image.tree import Node, Tree, link_groups
from conformance.image.vectors import OPAQUE_NAME, WHITEOUT_PREFIX, Entry, LayerSpec, parse_layer

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
XATTR_PAX_PREFIX = "SCHILY.xattr."
_COPY_CHUNK = 1 << 20


class LayerError(ConformanceError):
    """A layer the reference refuses to apply: unreadable, malformed or ambiguous."""


class UnsafeMemberError(LayerError):
    """A member that would reach outside the target (absolute, '..', through a symlink)."""


# --- names ---------------------------------------------------------------------------------------


def member_path(name: str, where: str = "member") -> str:
    """A tar member name as a root-relative path ("" for the root); refuse absolute and '..' names."""
    if name.startswith("/"):
        raise UnsafeMemberError(f"{where} {name!r}: absolute path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UnsafeMemberError(f"{where} {name!r}: '..' component")
    return "/".join(parts)


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def _ancestors(path: str) -> Iterator[str]:
    parts = path.split("/")[:-1]
    for index in range(1, len(parts) + 1):
        yield "/".join(parts[:index])


def classify(name: str, where: str = "member") -> tuple[str, str]:
    """(kind, path): ("entry", p), ("whiteout", removed path), ("opaque", directory) or ("root", "")."""
    path = member_path(name, where)
    if not path:
        return "root", ""
    parent, _, base = path.rpartition("/")
    if any(part.startswith(WHITEOUT_PREFIX) for part in parent.split("/")):
        raise LayerError(f"{where} {name!r}: a whiteout name used as a directory")
    if base == OPAQUE_NAME:
        return "opaque", parent
    if base.startswith(WHITEOUT_PREFIX):
        victim = base[len(WHITEOUT_PREFIX) :]
        if victim in ("", ".", ".."):
            raise LayerError(f"{where} {name!r}: malformed whiteout (no name to remove)")
        return "whiteout", _join(parent, victim)
    return "entry", path


class LowerTree(Protocol):
    """What deciding a whiteout needs to see of the tree below: the model and the applier answer."""

    def kind(self, path: str) -> str | None:
        """ "dir", "symlink" or another type name for an existing path; None for a missing one."""
        ...

    def children(self, path: str) -> Iterable[str]:
        """The names in the directory `path` ("" is the root)."""
        ...


def walk_parents(
    path: str, kind: Callable[[str], str | None], where: str, make_dir: Callable[[str], None] | None = None
) -> bool:
    """Whether every ancestor of `path` is a directory (rule 4 and the safety rules).

    A symlink on the way is refused. Without `make_dir`, a missing or non-directory ancestor gives
    False; with it, missing ancestors are created through it and a non-directory one is an error.
    """
    for ancestor in _ancestors(path):
        found = kind(ancestor)
        if found is None:
            if make_dir is None:
                return False
            make_dir(ancestor)
        elif found == "symlink":
            raise UnsafeMemberError(f"{where}: {path!r} passes through the symlink {ancestor!r}")
        elif found != "dir":
            if make_dir is not None:
                raise LayerError(f"{where}: parent {ancestor!r} of {path!r} is not a directory")
            return False
    return True


@dataclass(frozen=True)
class Whiteout:
    """One whiteout member, as its name (:func:`classify`) describes it (rule 2).

    `path` is the path it removes, or for an opaque whiteout the directory whose lower children it
    removes. :meth:`hides` decides what that is in a given lower tree; the model and the applier
    each carry out the removal in their own way.
    """

    path: str
    opaque: bool = False

    @property
    def anchor(self) -> str:
        """The path whose ancestors must all be directories for the whiteout to hide anything."""
        return _join(self.path, OPAQUE_NAME) if self.opaque else self.path

    def hides(self, lower: LowerTree, where: str) -> list[str]:
        """The lower paths this whiteout removes (each with everything under it), in sorted order.

        Nothing where the path is missing or reached through a non-directory (a whiteout never
        creates anything); a path through a symlink is refused (UnsafeMemberError).
        """
        if not walk_parents(self.anchor, lower.kind, where):
            return []
        if not self.opaque:
            return [self.path] if lower.kind(self.path) is not None else []
        return [_join(self.path, name) for name in sorted(lower.children(self.path))]


@dataclass(frozen=True)
class LayerPlan:
    """How each member of one layer is applied: kinds and paths, in member order."""

    members: tuple[tuple[str, str], ...]

    @property
    def deletions(self) -> list[Whiteout]:
        """The layer's whiteouts, applied before any other member (rule 1)."""
        return [
            Whiteout(path, kind == "opaque") for kind, path in self.members if kind in ("whiteout", "opaque")
        ]


def plan_layer(names: Sequence[str], where: str = "layer") -> LayerPlan:
    """Classify every member and refuse duplicates, before anything of the layer is applied."""
    seen: dict[str, int] = {}
    members = []
    for position, name in enumerate(names):
        label = f"{where}: member {position}"
        normalized = member_path(name, label)
        if normalized in seen:
            raise LayerError(f"{label} {name!r}: duplicate of member {seen[normalized]}")
        seen[normalized] = position
        members.append(classify(name, label))
    return LayerPlan(tuple(members))


# --- the model -----------------------------------------------------------------------------------


@dataclass
class _Model:
    """The merged tree as path -> Node, with an inode number per path so hard links can be shared."""

    nodes: dict[str, Node] = field(default_factory=dict)
    inodes: dict[str, int] = field(default_factory=dict)
    counter: int = 0

    def put(self, path: str, node: Node, inode: int | None = None) -> None:
        if inode is None:
            self.counter += 1
            inode = self.counter
        self.nodes[path] = node
        self.inodes[path] = inode

    def remove(self, path: str) -> None:
        prefix = path + "/"
        for other in [p for p in self.nodes if p == path or p.startswith(prefix)]:
            del self.nodes[other]
            del self.inodes[other]

    def kind(self, path: str) -> str | None:
        node = self.nodes.get(path)
        return None if node is None else node.type

    def children(self, path: str) -> list[str]:
        prefix = path + "/" if path else ""
        return [p[len(prefix) :] for p in self.nodes if p.startswith(prefix) and "/" not in p[len(prefix) :]]

    def parents(self, path: str, *, create: bool, where: str) -> bool:
        """Whether every ancestor is a directory (see walk_parents); creates missing ones if asked."""
        make_dir = (lambda ancestor: self.put(ancestor, Node("dir"))) if create else None
        return walk_parents(path, self.kind, where, make_dir)

    def delete(self, whiteout: Whiteout, where: str) -> None:
        for path in whiteout.hides(self, where):
            self.remove(path)

    def add(self, entry: Entry, where: str) -> None:
        path = entry.path
        self.parents(path, create=True, where=where)
        existing = self.nodes.get(path)
        if entry.type == "hardlink":
            self.remove(path)
            self.link(path, entry.target or "", where)
            return
        node = _entry_node(entry)
        if entry.type == "dir" and existing is not None and existing.type == "dir":
            self.nodes[path] = node
            return
        self.remove(path)
        self.put(path, node)

    def link(self, path: str, target: str, where: str) -> None:
        if not self.parents(target, create=False, where=where) or target not in self.nodes:
            raise LayerError(f"{where}: hard link {path!r} to missing {target!r}")
        if self.nodes[target].type == "dir":
            raise LayerError(f"{where}: hard link {path!r} to the directory {target!r}")
        self.put(path, self.nodes[target], self.inodes[target])

    def tree(self) -> Tree:
        groups: dict[int, list[str]] = {}
        for path, inode in self.inodes.items():
            groups.setdefault(inode, []).append(path)
        return link_groups(dict(self.nodes), list(groups.values()))


def _entry_node(entry: Entry) -> Node:
    """The node an entry gives; directories carry no mtime (see conformance.image.tree.Node)."""
    xattrs = {name: value.encode() for name, value in entry.xattrs}
    if entry.type == "file":
        return Node(
            "file", entry.mode, entry.uid, entry.gid, entry.size, entry.content_sha256(), xattrs=xattrs,
            mtime=entry.mtime,
        )  # fmt: skip
    if entry.type == "symlink":
        return Node("symlink", 0o777, entry.uid, entry.gid, target=entry.target, xattrs={}, mtime=entry.mtime)
    if entry.type == "fifo":
        return Node("fifo", entry.mode, entry.uid, entry.gid, xattrs={}, mtime=entry.mtime)
    if entry.type in ("char", "block"):
        rdev = (entry.major, entry.minor)
        return Node(entry.type, entry.mode, entry.uid, entry.gid, xattrs={}, rdev=rdev, mtime=entry.mtime)
    return Node("dir", entry.mode, entry.uid, entry.gid, xattrs=xattrs)


def _as_described(entry: Entry, path: str, where: str) -> Entry:
    """A raw member the names accept, as the entry of its tar type (link targets checked too)."""
    if entry.type != "raw":
        return entry
    target = entry.target
    if entry.kind == "hardlink":
        target = member_path(target or "", f"{where}: hard link target")
    return replace(entry, type=entry.kind or "file", path=path, target=target)


def expected_tree(description_layers: Sequence[object], *, source: object = "<description>") -> Tree:
    """The tree applying the described layers (bottom first) to an empty directory must give.

    Pure: nothing touches the filesystem. Each item is a layer mapping, a LayerSpec or a list of
    entries (see conformance.image.vectors). Raises LayerError where apply_layers would refuse.
    """
    model = _Model()
    for index, raw in enumerate(description_layers):
        layer: LayerSpec = parse_layer(raw, source, f"layers[{index}]")
        where = f"layer {index}"
        plan = plan_layer([entry.member_name for entry in layer.entries], where)
        for whiteout in plan.deletions:
            model.delete(whiteout, where)
        for position, ((kind, path), entry) in enumerate(zip(plan.members, layer.entries, strict=True)):
            if kind == "entry":
                label = f"{where}: member {position}"
                model.add(_as_described(entry, path, label), label)
    return model.tree()


# --- reading layer blobs -------------------------------------------------------------------------


def _read_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)
    with contextlib.suppress(ImportError):
        import zstandard

        errors += (zstandard.ZstdError,)
    return errors


def _zstd_reader(raw: BinaryIO) -> BinaryIO:
    try:
        import zstandard
    except ImportError:
        raise LayerError("a zstd layer needs the 'zstandard' package (pip install zstandard)") from None
    return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)


@contextlib.contextmanager
def open_uncompressed(layer: Path | bytes) -> Iterator[BinaryIO]:
    """The layer's tar stream; gzip and zstd are recognized by their magic numbers."""
    raw: BinaryIO = io.BytesIO(layer) if isinstance(layer, bytes | bytearray) else open(layer, "rb")  # noqa: SIM115
    with raw:
        magic = raw.read(4)
        raw.seek(0)
        if magic.startswith(GZIP_MAGIC):
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                yield stream
        elif magic == ZSTD_MAGIC:
            yield _zstd_reader(raw)
        else:
            yield raw


@contextlib.contextmanager
def read_guard(where: str) -> Iterator[None]:
    """Turn what a broken blob raises (truncated gzip, bad tar header, ...) into one LayerError."""
    try:
        yield
    except _read_errors() as exc:
        raise LayerError(f"{where}: cannot read the layer: {exc or type(exc).__name__}") from None


Members = Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]


def iter_members(layer: Path | bytes, where: str = "layer") -> Members:
    """Stream (tar, member) pairs, never holding the layer in memory; read a member's data before
    moving on. Wrap data reads in read_guard too."""
    with (
        open_uncompressed(layer) as stream,
        read_guard(where),
        tarfile.open(fileobj=stream, mode="r|") as tar,
    ):
        for member in tar:
            yield tar, member


def member_names(layer: Path | bytes, where: str = "layer") -> list[str]:
    return [member.name for _, member in iter_members(layer, where)]


# --- the applier ---------------------------------------------------------------------------------


@dataclass
class _DirMeta:
    """Attributes a directory gets once all layers are applied (until then it stays 0700)."""

    mode: int = 0o755
    uid: int | None = None
    gid: int | None = None
    mtime: float | None = None
    xattrs: dict[str, bytes] | None = None


def _xattrs_of(member: tarfile.TarInfo) -> dict[str, bytes]:
    return {
        key[len(XATTR_PAX_PREFIX) :]: value.encode("utf-8", "surrogateescape")
        for key, value in member.pax_headers.items()
        if key.startswith(XATTR_PAX_PREFIX)
    }


class _Applier:
    """Applies members under `root`; every path it touches is checked with lstat first."""

    def __init__(self, root: Path, *, ownership: bool, xattrs: bool) -> None:
        self.root = root
        self.ownership = ownership
        self.xattrs = xattrs
        self.pending: dict[str, _DirMeta] = {}

    def abs(self, path: str) -> str:
        return os.path.join(self.root, *path.split("/")) if path else os.fspath(self.root)

    def lstat(self, path: str) -> os.stat_result | None:
        try:
            return os.lstat(self.abs(path))
        except FileNotFoundError:
            return None

    def kind(self, path: str) -> str | None:
        st = self.lstat(path)
        if st is None:
            return None
        if stat.S_ISDIR(st.st_mode):
            return "dir"
        return "symlink" if stat.S_ISLNK(st.st_mode) else "other"

    def children(self, path: str) -> list[str]:
        return os.listdir(self.abs(path))

    def make_dir(self, path: str) -> None:
        """A missing parent: 0700 until finish() gives it its final attributes."""
        os.mkdir(self.abs(path), 0o700)
        self.pending[path] = _DirMeta()

    def parents(self, path: str, *, create: bool, where: str) -> bool:
        """Whether every ancestor is a directory (see walk_parents); creates missing ones if asked."""
        return walk_parents(path, self.kind, where, self.make_dir if create else None)

    def remove(self, path: str) -> None:
        st = self.lstat(path)
        if st is None:
            return
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(self.abs(path))
        else:
            os.unlink(self.abs(path))
        prefix = path + "/"
        for other in [p for p in self.pending if p == path or p.startswith(prefix)]:
            del self.pending[other]

    def delete(self, whiteout: Whiteout, where: str) -> None:
        for path in whiteout.hides(self, where):
            self.remove(path)

    def add(self, tar: tarfile.TarFile, member: tarfile.TarInfo, path: str, where: str) -> None:
        self.parents(path, create=True, where=where)
        st = self.lstat(path)
        if member.isdir():
            if st is None or not stat.S_ISDIR(st.st_mode):
                self.remove(path)
                os.mkdir(self.abs(path), 0o700)
            meta = _DirMeta(member.mode & 0o7777, member.uid, member.gid, member.mtime, _xattrs_of(member))
            self.pending[path] = meta
            return
        self.remove(path)
        if member.islnk():
            self.link(path, member.linkname, where)
            return
        self.create(tar, member, path, where)
        self.metadata(self.abs(path), member)

    def create(self, tar: tarfile.TarFile, member: tarfile.TarInfo, path: str, where: str) -> None:
        dest = self.abs(path)
        if member.issym():
            os.symlink(member.linkname, dest)
        elif member.isreg():
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            source = tar.extractfile(member)
            with os.fdopen(os.open(dest, flags, 0o600), "wb") as out:
                if source is not None:
                    shutil.copyfileobj(source, out, _COPY_CHUNK)
        elif member.isfifo():
            os.mkfifo(dest, 0o600)
        elif member.ischr() or member.isblk():
            kind = stat.S_IFCHR if member.ischr() else stat.S_IFBLK
            try:
                os.mknod(dest, kind | 0o600, os.makedev(member.devmajor, member.devminor))
            except PermissionError:
                raise LayerError(f"{where}: creating the device {path!r} needs root") from None
        else:
            raise LayerError(f"{where}: unsupported member type {member.type!r} for {path!r}")

    def link(self, path: str, linkname: str, where: str) -> None:
        target = member_path(linkname, f"{where}: hard link target")
        st = self.lstat(target) if self.parents(target, create=False, where=where) and target else None
        if st is None:
            raise LayerError(f"{where}: hard link {path!r} to missing {linkname!r}")
        if stat.S_ISDIR(st.st_mode):
            raise LayerError(f"{where}: hard link {path!r} to the directory {linkname!r}")
        os.link(self.abs(target), self.abs(path), follow_symlinks=False)

    def set_xattrs(self, dest: str, values: Mapping[str, bytes], *, replace: bool) -> None:
        if not self.xattrs:
            return
        if replace:
            for name in set(os.listxattr(dest, follow_symlinks=False)) - values.keys():
                with contextlib.suppress(OSError):
                    os.removexattr(dest, name, follow_symlinks=False)
        for name, value in values.items():
            try:
                os.setxattr(dest, name, value, follow_symlinks=False)
            except OSError as exc:
                raise LayerError(f"cannot set the xattr {name} on {dest}: {exc.strerror}") from None

    def metadata(self, dest: str, member: tarfile.TarInfo) -> None:
        """Owner first (chown clears setuid bits and capabilities), then xattrs, mode, times."""
        if self.ownership:
            os.chown(dest, member.uid, member.gid, follow_symlinks=False)
        self.set_xattrs(dest, _xattrs_of(member), replace=False)
        if not member.issym():
            os.chmod(dest, member.mode & 0o7777)
        os.utime(dest, (member.mtime, member.mtime), follow_symlinks=False)

    def finish(self) -> None:
        """Directory attributes last and deepest first, so no mode ever blocked writing a child."""
        for path in sorted(self.pending, key=lambda p: p.count("/"), reverse=True):
            meta, dest = self.pending[path], self.abs(path)
            if self.ownership and meta.uid is not None:
                os.chown(dest, meta.uid, meta.gid or 0, follow_symlinks=False)
            if meta.xattrs is not None:
                self.set_xattrs(dest, meta.xattrs, replace=True)
            os.chmod(dest, meta.mode)
            if meta.mtime is not None:
                os.utime(dest, (meta.mtime, meta.mtime), follow_symlinks=False)
        self.pending.clear()

    def apply(self, layer: Path | bytes, where: str) -> None:
        plan = plan_layer(member_names(layer, where), where)
        for whiteout in plan.deletions:
            self.delete(whiteout, where)
        with contextlib.closing(iter_members(layer, where)) as members, read_guard(where):
            for position, (tar, member) in enumerate(members):
                kind, path = plan.members[position]
                if kind == "entry":
                    self.add(tar, member, path, f"{where}: member {position}")


def apply_layers(
    layers: Sequence[Path | bytes], target: Path, *, ownership: bool | None = None, xattrs: bool = True
) -> None:
    """Apply layer blobs (bottom first; compression by magic number) to the empty or new `target`.

    `ownership` (default: when root) applies uids/gids; `xattrs` applies SCHILY.xattr.* records and
    fails if the filesystem cannot store them. Raises LayerError / UnsafeMemberError (see above).
    """
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise LayerError(f"{target} is not empty: layers are applied to an empty directory")
    applier = _Applier(target, ownership=os.geteuid() == 0 if ownership is None else ownership, xattrs=xattrs)
    for index, layer in enumerate(layers):
        applier.apply(layer, f"layer {index}")
    applier.finish()
