"""Where a layout's files come from: a directory, or an oci-archive tar read in place.

Both give the validator the same small interface, so it never cares which one it walks. Neither
extracts anything: the directory store opens files, the archive store reads members where they
lie in the tar. Both refuse to follow links out of the layout.
"""

from __future__ import annotations

import os
import posixpath
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from conformance.image.digest import CHUNK

LINK_DEPTH = 8


def read_capped(handle: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes, a chunk at a time: read(limit) would allocate all of `limit` at once."""
    data = bytearray()
    while len(data) < limit and (chunk := handle.read(min(CHUNK, limit - len(data)))):
        data += chunk
    return bytes(data)


class OutsideLayout(OSError):
    """A file of the layout is a link to something outside it."""


@dataclass(frozen=True)
class BlobEntry:
    algorithm: str
    encoded: str

    @property
    def name(self) -> str:
        return f"blobs/{self.algorithm}/{self.encoded}"


@dataclass
class Listing:
    blobs: list[BlobEntry]
    strays: list[tuple[str, str]]
    """(name, problem): entries of blobs/ that cannot be blobs (files beside the algorithm folders, ...)."""
    unlistable: list[tuple[str, str]]
    """(name, error): folders that could not be read."""


class Store(Protocol):
    def read_top(self, name: str, limit: int) -> bytes:
        """Up to `limit` bytes of a file at the layout's root; OSError (FileNotFoundError) if it fails."""
        ...

    def has_blobs_dir(self) -> bool: ...

    def listing(self) -> Listing: ...

    def open_blob(self, algorithm: str, encoded: str) -> BinaryIO:
        """The blob's content; FileNotFoundError if absent, OutsideLayout or OSError otherwise."""
        ...

    def order(self, algorithm: str, encoded: str) -> int:
        """Sort key that makes reading blobs in order cheap (the offset in an archive)."""
        ...

    def close(self) -> None: ...


# ------------------------------------------------------------------ directories


class DirectoryStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._real_root = root.resolve()

    def _inside(self, path: Path) -> Path:
        try:
            real = path.resolve()
        except RuntimeError as exc:  # a symlink loop, on Python < 3.13
            raise OSError(str(exc)) from None
        if real != self._real_root and self._real_root not in real.parents:
            raise OutsideLayout(
                f"{path.relative_to(self.root).as_posix()} points outside the layout (to {real})"
            )
        return real

    def _open_regular(self, path: Path) -> BinaryIO:
        """Open only regular files inside the layout (a FIFO would block, a link could escape)."""
        os.lstat(path)  # FileNotFoundError for a missing file, before resolving anything
        real = self._inside(path)
        mode = os.stat(real).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(f"{path.relative_to(self.root).as_posix()} is a directory")
        if not stat.S_ISREG(mode):
            raise OSError(f"{path.relative_to(self.root).as_posix()} is not a regular file")
        return open(real, "rb", buffering=0)

    def read_top(self, name: str, limit: int) -> bytes:
        with self._open_regular(self.root / name) as handle:
            return read_capped(handle, limit)

    def has_blobs_dir(self) -> bool:
        return (self.root / "blobs").is_dir()

    def listing(self) -> Listing:
        result = Listing([], [], [])
        blobs = self.root / "blobs"
        for algorithm in self._entries(blobs, "blobs", result):
            name = f"blobs/{algorithm.name}"
            if not _is_dir(algorithm):
                result.strays.append((name, "a file where an algorithm directory belongs"))
                continue
            for blob in self._entries(Path(algorithm.path), name, result):
                if _is_dir(blob):
                    result.strays.append((f"{name}/{blob.name}", "a directory where a blob belongs"))
                else:
                    result.blobs.append(BlobEntry(algorithm.name, blob.name))
        return result

    @staticmethod
    def _entries(path: Path, name: str, result: Listing) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(path) as entries:
                return sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            result.unlistable.append((name, exc.strerror or str(exc)))
            return []

    def open_blob(self, algorithm: str, encoded: str) -> BinaryIO:
        return self._open_regular(self.root / "blobs" / algorithm / encoded)

    def order(self, algorithm: str, encoded: str) -> int:
        return 0

    def close(self) -> None:
        pass


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Follows links; a link loop or a vanished entry is not a directory (opening it reports why)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


# ------------------------------------------------------------------ oci-archive tars


def normalize_member(name: str) -> str | None:
    """The layout-relative name of an archive member, or None if it is absolute or climbs out."""
    if name.startswith("/"):
        return None
    normal = posixpath.normpath(name)
    if normal == ".." or normal.startswith("../"):
        return None
    return normal


class ArchiveStore:
    """A layout inside a tar, read where it lies (random access on the tar file, no extraction)."""

    def __init__(self, path: Path) -> None:
        self._tar = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed by close()
        self.members: dict[str, tarfile.TarInfo] = {}
        self.unsafe: list[str] = []
        self.error: str | None = None
        self._index()

    def _index(self) -> None:
        """Read every header once (data is skipped by seeking); a later entry replaces an earlier one."""
        try:
            while (member := self._tar.next()) is not None:
                self._tar.members.clear()
                name = normalize_member(member.name)
                if name is None:
                    self.unsafe.append(member.name)
                elif name != ".":
                    self.members[name] = member
        except (tarfile.TarError, EOFError, OSError) as exc:
            self.error = f"the archive is corrupt or truncated after {len(self.members)} members: {exc}"

    def _resolve(self, name: str) -> tarfile.TarInfo:
        member = self.members.get(name)
        for _ in range(LINK_DEPTH):
            if member is None:
                raise FileNotFoundError(name)
            if not (member.issym() or member.islnk()):
                break
            target = member.linkname
            if member.issym() and not target.startswith("/"):
                target = posixpath.join(posixpath.dirname(name), target)
            normal = normalize_member(target)
            if normal is None:
                raise OutsideLayout(f"{name} links to {member.linkname!r}, outside the layout")
            name, member = normal, self.members.get(normal)
        else:
            raise OSError(f"{name}: too many levels of links")
        if member.isdir():
            raise IsADirectoryError(f"{name} is a directory")
        if not member.isfile():
            raise OSError(f"{name} is not a regular file")
        return member

    def _open(self, name: str) -> BinaryIO:
        handle = self._tar.extractfile(self._resolve(name))
        if handle is None:  # pragma: no cover - _resolve only lets regular files through
            raise OSError(f"{name} cannot be read")
        return handle  # type: ignore[return-value]

    def read_top(self, name: str, limit: int) -> bytes:
        with self._open(name) as handle:
            return read_capped(handle, limit)

    def has_blobs_dir(self) -> bool:
        return any(name == "blobs" or name.startswith("blobs/") for name in self.members)

    def listing(self) -> Listing:
        result = Listing([], [], [])
        for name in sorted(self.members):
            if not name.startswith("blobs/"):
                continue
            member, parts = self.members[name], name.split("/")[1:]
            if len(parts) == 1:
                if not member.isdir():
                    result.strays.append((name, "a file where an algorithm directory belongs"))
            elif len(parts) == 2 and not member.isdir():
                result.blobs.append(BlobEntry(parts[0], parts[1]))
            elif len(parts) == 2 or not self._below_stray(name):
                result.strays.append(
                    (name, "a directory where a blob belongs" if member.isdir() else "too deep")
                )
        return result

    def _below_stray(self, name: str) -> bool:
        """Report a nested tree once, at its top."""
        parent = posixpath.dirname(name)
        return parent.count("/") >= 2 and parent in self.members

    def open_blob(self, algorithm: str, encoded: str) -> BinaryIO:
        return self._open(f"blobs/{algorithm}/{encoded}")

    def order(self, algorithm: str, encoded: str) -> int:
        member = self.members.get(f"blobs/{algorithm}/{encoded}")
        return member.offset_data if member is not None else 0

    def close(self) -> None:
        self._tar.close()
