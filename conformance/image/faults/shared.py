"""What several faults share: finding their target in a written layout and re-pointing descriptors.

A fault's *level* names the part it breaks: ``nested`` (the first nested image index), ``manifest``
(the first image manifest), ``config`` (its config) or ``layer`` (its first layer).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from conformance.core.errors import DataFileError
from conformance.image.digest import hash_file
from conformance.image.generator import (
    BlobInfo,
    LayoutInfo,
    ManifestInfo,
    blob_path,
    drop_if_unreferenced,
    dumps,
    load_json,
    rewrite_json,
    store,
    swap_layer,
)
from conformance.image.layers import GZIP_MAGIC, ZSTD_MAGIC

#: The levels a blob fault can target, in the order a reader meets them.
LEVELS = ("nested", "manifest", "config", "layer")


def first_layer(info: LayoutInfo, fault: str) -> tuple[ManifestInfo, BlobInfo]:
    for manifest in info.images:
        if manifest.layers:
            return manifest, manifest.layers[0]
    raise DataFileError(info.source, f"fault {fault}: needs an image with at least one layer")


def first_manifest(info: LayoutInfo, fault: str) -> ManifestInfo:
    if not info.manifests:
        raise DataFileError(info.source, f"fault {fault}: needs a manifest")
    return info.manifests[0]


def target(info: LayoutInfo, level: str, fault: str) -> BlobInfo:
    """The blob a fault of `level` breaks."""
    if level == "nested":
        if not info.indexes:
            raise DataFileError(info.source, f"fault {fault}: needs a nested image index")
        return info.indexes[0]
    if level == "layer":
        return first_layer(info, fault)[1]
    if not info.images:
        raise DataFileError(info.source, f"fault {fault}: needs an image")
    return info.image if level == "manifest" else info.config


def descriptors(document: Any) -> list[dict[str, Any]]:
    """The descriptors one JSON document holds (config, subject, layers, manifests)."""
    if not isinstance(document, dict):
        return []
    found = [document[k] for k in ("config", "subject") if isinstance(document.get(k), dict)]
    for key in ("layers", "manifests"):
        found += [d for d in document.get(key) or [] if isinstance(d, dict)]
    return found


def repoint(info: LayoutInfo, old: str, fix: Callable[[dict[str, Any]], None]) -> None:
    """Apply `fix` to every descriptor of digest `old`; changed documents are re-stored up to index.json."""
    index = json.loads(info.index_path.read_bytes())
    hits = [d for d in descriptors(index) if d.get("digest") == old]
    for descriptor in hits:
        fix(descriptor)
    if hits:
        info.index_path.write_bytes(dumps(index))
    for document in list(info.json_documents()):
        if any(d.get("digest") == old for d in descriptors(load_json(document))):
            rewrite_json(
                info, document, lambda doc: [fix(d) for d in descriptors(doc) if d.get("digest") == old]
            )


def _fix_matching(document: Any, digest: str, fix: Callable[[dict[str, Any]], None]) -> None:
    for descriptor in descriptors(document):
        if descriptor.get("digest") == digest:
            fix(descriptor)


def move_blob(info: LayoutInfo, blob: BlobInfo, digest: str) -> None:
    """Store `blob`'s bytes (unchanged) under `digest` and point every descriptor of it there."""
    old, old_path = blob.digest, blob.path
    path = blob_path(info.root, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(old_path.read_bytes())
    repoint(info, old, lambda d: d.update(digest=digest))
    for record in info.records():
        if record.digest == old:
            record.digest, record.path = digest, path
    drop_if_unreferenced(info, old, old_path)


def set_descriptor(info: LayoutInfo, blob: BlobInfo, **fields: Any) -> None:
    """Change fields (size, mediaType) of every descriptor of `blob`; its bytes stay."""
    repoint(info, blob.digest, lambda d: d.update(fields))


def store_file(info: LayoutInfo, source: Path, digest: str | None = None) -> tuple[str, int, Path]:
    """Move a file into the blobs under `digest` (default: its sha256)."""
    if digest is None:
        digest, _ = hash_file(source)
    path = blob_path(info.root, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    source.replace(path)
    return digest, path.stat().st_size, path


def temp(info: LayoutInfo) -> Path:
    handle, name = tempfile.mkstemp(dir=info.root / "blobs", prefix=".fault-")
    os.close(handle)
    return Path(name)


def replace_layer_file(
    info: LayoutInfo, fault: str, write: Callable[[BlobInfo, BinaryIO], str | None]
) -> None:
    """Write new bytes for the first layer through `write` (which may return a new media type)."""
    manifest, layer = first_layer(info, fault)
    scratch = temp(info)
    with open(scratch, "wb") as out:
        media_type = write(layer, out)
    digest, size, path = store_file(info, scratch)
    new = BlobInfo(digest=digest, size=size, media_type=media_type or layer.media_type, path=path)
    swap_layer(info, manifest, 0, new)


def compression_of(path: Path) -> str:
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic.startswith(GZIP_MAGIC):
        return "gzip"
    return "zstd" if magic == ZSTD_MAGIC else "none"


def replace_with_bytes(info: LayoutInfo, blob: BlobInfo, data: bytes) -> None:
    """Store `data` (not necessarily JSON) in place of `blob` and re-point its descriptors there."""
    old, old_path = blob.digest, blob.path
    digest, size, path = store(info.root, data)
    repoint(info, old, lambda d: d.update(digest=digest, size=size))
    for record in info.records():
        if record.digest == old:
            record.digest, record.size, record.path = digest, size, path
    if not any(record.digest == old for record in info.records()):
        old_path.unlink(missing_ok=True)
