"""Deliberate faults: each breaks one thing in a layout the generator wrote and leaves the rest valid.

A description names its faults (``faults: [<name>, ...]``); :func:`conformance.image.generator.write_layout`
writes the layout, then applies them in order with :func:`apply_faults`. Each fault is one small
function registered under its name with :func:`fault`; :data:`FAULTS` maps every name to its function.
The editing primitives they share (re-pointing descriptors up to index.json) live in the generator,
beside the writer, because suites edit written layouts with them too.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from conformance.core.errors import DataFileError
from conformance.image import mediatypes
from conformance.image.digest import digest_bytes, hash_file
from conformance.image.generator import (
    BlobInfo,
    LayerWriter,
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
from conformance.image.layers import GZIP_MAGIC, ZSTD_MAGIC, iter_members, open_uncompressed

Fault = Callable[[LayoutInfo], None]

#: Deliberate faults: name -> transformation of a written layout. Each leaves the rest valid.
FAULTS: dict[str, Fault] = {}


def fault(name: str) -> Callable[[Fault], Fault]:
    """Register the decorated function as the fault `name`."""

    def register(function: Fault) -> Fault:
        if name in FAULTS:
            raise ValueError(f"fault {name!r} is registered twice")
        FAULTS[name] = function
        return function

    return register


def apply_faults(info: LayoutInfo, names: Iterable[str]) -> None:
    """Apply the named faults in order, recording each in `info.faults`."""
    for name in names:
        if name not in FAULTS:
            raise DataFileError(info.source, f"unknown fault {name!r} (known: {', '.join(FAULTS)})")
        FAULTS[name](info)
        info.faults.append(name)


# --- shared by several faults --------------------------------------------------------------------


def _first_layer(info: LayoutInfo, fault: str) -> tuple[ManifestInfo, BlobInfo]:
    for manifest in info.images:
        if manifest.layers:
            return manifest, manifest.layers[0]
    raise DataFileError(info.source, f"fault {fault}: needs an image with at least one layer")


def _first_artifact(info: LayoutInfo, fault: str) -> ManifestInfo:
    for manifest in info.manifests:
        if manifest.config.media_type == mediatypes.EMPTY:
            return manifest
    raise DataFileError(info.source, f"fault {fault}: needs an artifact (a manifest with the empty config)")


def _first_manifest(info: LayoutInfo, fault: str) -> ManifestInfo:
    if not info.manifests:
        raise DataFileError(info.source, f"fault {fault}: needs a manifest")
    return info.manifests[0]


def _store_file(info: LayoutInfo, source: Path, digest: str | None = None) -> tuple[str, int, Path]:
    """Move a file into the blobs under `digest` (default: its sha256)."""
    if digest is None:
        digest, _ = hash_file(source)
    path = blob_path(info.root, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    source.replace(path)
    return digest, path.stat().st_size, path


def _temp(info: LayoutInfo) -> Path:
    handle, name = tempfile.mkstemp(dir=info.root / "blobs", prefix=".fault-")
    os.close(handle)
    return Path(name)


def _replace_layer_file(
    info: LayoutInfo, fault: str, write: Callable[[BlobInfo, BinaryIO], str | None]
) -> None:
    """Write new bytes for the first layer through `write` (which may return a new media type)."""
    manifest, layer = _first_layer(info, fault)
    temp = _temp(info)
    with open(temp, "wb") as out:
        media_type = write(layer, out)
    digest, size, path = _store_file(info, temp)
    new = BlobInfo(digest=digest, size=size, media_type=media_type or layer.media_type, path=path)
    swap_layer(info, manifest, 0, new)


def _compression_of(path: Path) -> str:
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic.startswith(GZIP_MAGIC):
        return "gzip"
    return "zstd" if magic == ZSTD_MAGIC else "none"


Extras = Callable[[list[tarfile.TarInfo]], list[tuple[tarfile.TarInfo, bytes | None]]]


def _append_members(info: LayoutInfo, fault: str, extras: Extras) -> None:
    """Rebuild the first layer with extra raw members at its end (same compression, new diff_id)."""
    manifest, layer = _first_layer(info, fault)
    writer = LayerWriter(_compression_of(layer.path), info.root / "blobs" / "sha256")
    seen = []
    try:
        for tar, member in iter_members(layer.path):
            writer.tar.addfile(member, tar.extractfile(member) if member.isreg() else None)
            seen.append(member)
        for header, data in extras(seen):
            header.size = len(data or b"")
            writer.tar.addfile(header, io.BytesIO(data) if data is not None else None)
        blob = writer.close(layer.media_type)
    except BaseException:
        writer.abort()
        raise
    new = BlobInfo(digest=blob.digest, size=blob.size, media_type=blob.media_type, path=blob.path)
    swap_layer(info, manifest, 0, new, diff_id=blob.diff_id)


def _member(
    name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "", mode: int = 0o644
) -> tarfile.TarInfo:
    header = tarfile.TarInfo(name)
    header.type, header.linkname, header.mode = kind, linkname, mode
    header.uname = header.gname = ""
    return header


# --- the faults ----------------------------------------------------------------------------------


@fault("bad-digest")
def fault_bad_digest(info: LayoutInfo) -> None:
    """The config blob holds other bytes of the same size (same JSON, keys reordered): digest mismatch."""
    config = info.config
    document = load_json(config)
    reordered = dict(reversed(list(document.items())))
    data = json.dumps(reordered, separators=(",", ":"), ensure_ascii=False).encode()
    if len(data) != config.size or data == config.path.read_bytes():
        raise DataFileError(info.source, "fault bad-digest: the config needs two keys to reorder")
    config.path.write_bytes(data)


@fault("bad-size")
def fault_bad_size(info: LayoutInfo) -> None:
    """The first layer's descriptor says one byte more than the blob has."""
    manifest, layer = _first_layer(info, "bad-size")
    rewrite_json(info, manifest, lambda m: m["layers"][0].update(size=layer.size + 1))


@fault("missing-blob")
def fault_missing_blob(info: LayoutInfo) -> None:
    """The first layer's blob is not in the layout."""
    _, layer = _first_layer(info, "missing-blob")
    layer.path.unlink()


@fault("bad-diff-id")
def fault_bad_diff_id(info: LayoutInfo) -> None:
    """The config's first diff_id is the digest of something else than the uncompressed layer."""
    _first_layer(info, "bad-diff-id")
    other = digest_bytes(b"this is not the layer\n")
    rewrite_json(info, info.config, lambda c: c["rootfs"]["diff_ids"].__setitem__(0, other))
    info.layers[0].diff_id = other


@fault("missing-oci-layout")
def fault_missing_oci_layout(info: LayoutInfo) -> None:
    """No oci-layout file."""
    info.oci_layout_path.unlink()


@fault("bad-layout-version")
def fault_bad_layout_version(info: LayoutInfo) -> None:
    """oci-layout names a version other than 1.0.0."""
    info.oci_layout_path.write_bytes(dumps({"imageLayoutVersion": "2.0.0"}))


@fault("missing-index")
def fault_missing_index(info: LayoutInfo) -> None:
    """No index.json."""
    info.index_path.unlink()


@fault("wrong-manifest-media-type")
def fault_wrong_manifest_media_type(info: LayoutInfo) -> None:
    """The manifest's own mediaType field says image index."""
    rewrite_json(
        info,
        _first_manifest(info, "wrong-manifest-media-type"),
        lambda m: m.update(mediaType=mediatypes.INDEX),
    )


@fault("bad-digest-grammar")
def fault_bad_digest_grammar(info: LayoutInfo) -> None:
    """The first layer's digest is in uppercase hex (sha256 allows only [a-f0-9]); its blob moves too."""

    def move(layer: BlobInfo) -> BlobInfo:
        digest = "sha256:" + layer.digest.split(":", 1)[1].upper()
        path = blob_path(info.root, digest)
        shutil.copyfile(layer.path, path)
        return BlobInfo(digest=digest, size=layer.size, media_type=layer.media_type, path=path)

    manifest, layer = _first_layer(info, "bad-digest-grammar")
    swap_layer(info, manifest, 0, move(layer))


@fault("unregistered-algorithm")
def fault_unregistered_algorithm(info: LayoutInfo) -> None:
    """The first layer is referenced as sha256+b64u (descriptor.md's own unregistered example)."""
    manifest, layer = _first_layer(info, "unregistered-algorithm")
    hasher = hashlib.sha256()
    with open(layer.path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    encoded = base64.urlsafe_b64encode(hasher.digest()).rstrip(b"=").decode()
    digest = f"sha256+b64u:{encoded}"
    path = blob_path(info.root, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(layer.path, path)
    swap_layer(
        info, manifest, 0, BlobInfo(digest=digest, size=layer.size, media_type=layer.media_type, path=path)
    )


@fault("truncated-layer")
def fault_truncated_layer(info: LayoutInfo) -> None:
    """The first layer blob is cut to half its length (descriptor updated to match the cut bytes)."""

    def cut(layer: BlobInfo, out: BinaryIO) -> None:
        remaining = max(1, layer.size // 2)
        with open(layer.path, "rb") as handle:
            while remaining > 0:
                chunk = handle.read(min(remaining, 1 << 20))
                out.write(chunk)
                remaining -= len(chunk)

    _replace_layer_file(info, "truncated-layer", cut)


@fault("wrong-compression")
def fault_wrong_compression(info: LayoutInfo) -> None:
    """The first layer says tar+gzip but holds the uncompressed tar (its diff_id stays right)."""

    def decompress(layer: BlobInfo, out: BinaryIO) -> str:
        with open_uncompressed(layer.path) as stream:
            shutil.copyfileobj(stream, out, 1 << 20)
        return mediatypes.LAYER_GZIP

    _replace_layer_file(info, "wrong-compression", decompress)


@fault("diff-ids-count")
def fault_diff_ids_count(info: LayoutInfo) -> None:
    """The config lists one diff_id fewer than the manifest has layers."""
    _first_layer(info, "diff-ids-count")
    rewrite_json(info, info.config, lambda c: c["rootfs"]["diff_ids"].pop())


def _duplicate(seen: list[tarfile.TarInfo]) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    candidates = [m for m in seen if not os.path.basename(m.name.rstrip("/")).startswith(".wh.")]
    if not candidates:
        return [(_member("duplicate"), b"first\n"), (_member("duplicate"), b"second\n")]
    original = candidates[0]
    copy_ = copy.copy(original)
    return [(copy_, b"duplicate\n" if original.isreg() else None)]


@fault("duplicate-path")
def fault_duplicate_path(info: LayoutInfo) -> None:
    """The first layer has its first non-whiteout path twice (a file again with other content)."""
    _append_members(info, "duplicate-path", _duplicate)


@fault("unsafe-absolute")
def fault_unsafe_absolute(info: LayoutInfo) -> None:
    """The first layer has a member named /etc/escape."""
    _append_members(info, "unsafe-absolute", lambda _: [(_member("/etc/escape"), b"escape\n")])


@fault("unsafe-dotdot")
def fault_unsafe_dotdot(info: LayoutInfo) -> None:
    """The first layer has a member named ../escape."""
    _append_members(info, "unsafe-dotdot", lambda _: [(_member("../escape"), b"escape\n")])


@fault("unsafe-symlink-escape")
def fault_unsafe_symlink_escape(info: LayoutInfo) -> None:
    """The first layer has escape-link -> ../../.. and then a file escape-link/escape written through it."""
    link = _member("escape-link", tarfile.SYMTYPE, "../../..", 0o777)
    _append_members(
        info, "unsafe-symlink-escape", lambda _: [(link, None), (_member("escape-link/escape"), b"x\n")]
    )


@fault("unsafe-hardlink-escape")
def fault_unsafe_hardlink_escape(info: LayoutInfo) -> None:
    """The first layer has passwd-link, a hard link to ../../../../../../../../etc/passwd."""
    link = _member("passwd-link", tarfile.LNKTYPE, "../../../../../../../../etc/passwd")
    _append_members(info, "unsafe-hardlink-escape", lambda _: [(link, None)])


@fault("malformed-whiteout")
def fault_malformed_whiteout(info: LayoutInfo) -> None:
    """The first layer has a whiteout '.wh.' that names nothing."""
    _append_members(info, "malformed-whiteout", lambda _: [(_member(".wh."), b"")])


@fault("env-syntax")
def fault_env_syntax(info: LayoutInfo) -> None:
    """The config's Env has an entry without '='."""

    def add(config: dict[str, Any]) -> None:
        config.setdefault("config", {}).setdefault("Env", []).append("NO_EQUALS_SIGN")

    rewrite_json(info, info.config, add)


@fault("empty-descriptor-wrong")
def fault_empty_descriptor_wrong(info: LayoutInfo) -> None:
    """An artifact's config has the empty media type but points to content other than {}."""
    manifest = _first_artifact(info, "empty-descriptor-wrong")
    digest, size, path = store(info.root, b'{"empty":false}')
    old = manifest.config
    rewrite_json(info, manifest, lambda m: m["config"].update(digest=digest, size=size))
    manifest.config = BlobInfo(digest=digest, size=size, media_type=mediatypes.EMPTY, path=path)
    drop_if_unreferenced(info, old.digest, old.path)


@fault("missing-artifact-type")
def fault_missing_artifact_type(info: LayoutInfo) -> None:
    """An artifact manifest with the empty config has no artifactType."""
    manifest = _first_artifact(info, "missing-artifact-type")
    rewrite_json(info, manifest, lambda m: m.pop("artifactType", None))
    manifest.artifact_type = None


@fault("data-mismatch")
def fault_data_mismatch(info: LayoutInfo) -> None:
    """The first manifest's config descriptor embeds `data` of the right size but other bytes."""
    manifest = _first_manifest(info, "data-mismatch")
    content = manifest.config.path.read_bytes()
    other = content[::-1] if content[::-1] != content else content + b" "
    encoded = base64.b64encode(other).decode()
    rewrite_json(info, manifest, lambda m: m["config"].update(data=encoded))
