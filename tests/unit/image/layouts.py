"""Small OCI image layouts built with plain Python, for the validator's tests.

`ImageLayout` writes a valid layout (oci-layout, index.json, blobs) and returns the
descriptors it made, so a test can break exactly one thing and look for exactly one finding.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.image import mediatypes as mt
from conformance.image.digest import hash_file

EMPTY_DESCRIPTOR = {"mediaType": mt.EMPTY, "digest": mt.EMPTY_DIGEST, "size": 2}


@dataclass
class Entry:
    """One tar entry: a file (data), a directory, or a link."""

    name: str
    data: bytes = b""
    kind: bytes = tarfile.REGTYPE
    linkname: str = ""


def file(name: str, data: bytes = b"x") -> Entry:
    return Entry(name, data)


def directory(name: str) -> Entry:
    return Entry(name, kind=tarfile.DIRTYPE)


def symlink(name: str, target: str) -> Entry:
    return Entry(name, kind=tarfile.SYMTYPE, linkname=target)


def hardlink(name: str, target: str) -> Entry:
    return Entry(name, kind=tarfile.LNKTYPE, linkname=target)


def tar_bytes(entries: list[Entry]) -> bytes:
    """A tar archive of `entries`, in order (duplicates and odd names are kept as given)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.type = entry.kind
            info.linkname = entry.linkname
            info.mode = 0o755 if entry.kind == tarfile.DIRTYPE else 0o644
            info.mtime = 1_700_000_000
            info.size = len(entry.data) if entry.kind == tarfile.REGTYPE else 0
            archive.addfile(info, io.BytesIO(entry.data) if info.size else None)
    return buffer.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1, mtime=0)


def zstd_bytes(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


def compress(data: bytes, compression: str) -> bytes:
    return {"none": lambda d: d, "gzip": gzip_bytes, "zstd": zstd_bytes}[compression](data)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


#: (descriptor, DiffID) of a layer.
Layer = tuple[dict[str, Any], str]

LAYER_TYPES = {"none": mt.LAYER_TAR, "gzip": mt.LAYER_GZIP, "zstd": mt.LAYER_ZSTD}


class ImageLayout:
    """A layout under construction in `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        self.write_file("oci-layout", canonical({"imageLayoutVersion": "1.0.0"}))

    def write_file(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def blob_path(self, digest: str) -> Path:
        algorithm, encoded = digest.split(":", 1)
        return self.root / "blobs" / algorithm / encoded

    def add_blob(self, data: bytes, media_type: str, **extra: Any) -> dict[str, Any]:
        """Store `data` as a blob and return its descriptor."""
        digest = sha256(data)
        self.write_file(f"blobs/sha256/{digest.split(':')[1]}", data)
        return {"mediaType": media_type, "digest": digest, "size": len(data), **extra}

    def add_json(self, doc: Any, media_type: str, **extra: Any) -> dict[str, Any]:
        return self.add_blob(canonical(doc), media_type, **extra)

    def add_layer(self, entries: list[Entry] | bytes, compression: str = "gzip") -> Layer:
        """(descriptor, DiffID) of a new layer made of `entries` (or of a ready-made tar)."""
        tar = entries if isinstance(entries, bytes) else tar_bytes(entries)
        return self.add_blob(compress(tar, compression), LAYER_TYPES[compression]), sha256(tar)

    def add_image(
        self,
        layers: list[Layer] | None = None,
        config: dict[str, Any] | None = None,
        manifest: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An image manifest (with config) over `layers`; returns the manifest's descriptor."""
        if layers is None:
            layers = [self.add_layer([directory("etc"), file("etc/hostname", b"box\n")])]
        config_doc = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/usr/bin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": [diff_id for _, diff_id in layers]},
            "history": [{"created_by": f"step {i}"} for i in range(len(layers))],
            **(config or {}),
        }
        manifest_doc = {
            "schemaVersion": 2,
            "mediaType": mt.MANIFEST,
            "config": self.add_json(config_doc, mt.CONFIG),
            "layers": [descriptor for descriptor, _ in layers],
            **(manifest or {}),
        }
        platform = {"architecture": "amd64", "os": "linux"}
        return self.add_json(manifest_doc, mt.MANIFEST, platform=platform)

    def write_index(self, manifests: list[dict[str, Any]], **extra: Any) -> None:
        doc = {"schemaVersion": 2, "mediaType": mt.INDEX, "manifests": manifests, **extra}
        self.write_file("index.json", canonical(doc))

    def read_json(self, digest: str) -> Any:
        return json.loads(self.blob_path(digest).read_bytes())


def simple_layout(root: Path, compression: str = "gzip") -> ImageLayout:
    """A valid layout: one image of two layers, tagged latest."""
    layout = ImageLayout(root)
    layers = [
        layout.add_layer([directory("etc"), file("etc/hostname", b"box\n")], compression),
        layout.add_layer(
            [directory("usr"), file("usr/hi", b"hi\n"), file("etc/.wh.hostname", b"")], compression
        ),
    ]
    manifest = layout.add_image(layers)
    manifest["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
    layout.write_index([manifest])
    return layout


def archive_of(layout_root: Path, target: Path, prefix: str = "") -> Path:
    """An oci-archive: the layout's files in a tar (names optionally prefixed with ./)."""
    with tarfile.open(target, "w") as archive:
        for path in sorted(layout_root.rglob("*")):
            archive.add(path, arcname=prefix + path.relative_to(layout_root).as_posix(), recursive=False)
    return target


def large_layout(root: Path, size: int, compression: str) -> Path:
    """A layout with one layer of `size` random bytes, written without holding it in memory."""
    layout = ImageLayout(root)
    tar = root / "layer.tar"
    random_layer_tar(tar, size)
    diff_id, _ = hash_file(tar)
    blob = tar
    if compression == "gzip":
        blob = root / "layer.tar.gz"
        with open(tar, "rb") as source, gzip.open(blob, "wb", compresslevel=1) as target:
            shutil.copyfileobj(source, target, 1 << 20)
        tar.unlink()
    digest, length = hash_file(blob)
    blob.rename(layout.blob_path(digest))
    descriptor = {"mediaType": LAYER_TYPES[compression], "digest": digest, "size": length}
    layout.write_index([layout.add_image([(descriptor, diff_id)])])
    return root


def random_layer_tar(target: Path, size: int, files: int = 4) -> None:
    """A tar of `files` incompressible files totalling about `size` bytes, written in chunks."""
    chunk = 1 << 20
    per_file = size // files
    with open(target, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for index in range(files):
            info = tarfile.TarInfo(f"data/file{index}")
            info.size = per_file
            info.mtime = 1_700_000_000
            archive.addfile(info, _RandomReader(per_file, chunk))


class _RandomReader(io.RawIOBase):
    """`size` bytes of os.urandom, produced a chunk at a time (never all in memory)."""

    def __init__(self, size: int, chunk: int) -> None:
        self._left = size
        self._chunk = chunk

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self._left if n < 0 else min(n, self._left)
        n = min(n, self._chunk)
        self._left -= n
        return os.urandom(n)
