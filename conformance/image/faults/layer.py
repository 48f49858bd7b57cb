"""Faults of a layer blob: broken compression, a media type that does not match, unsafe members."""

from __future__ import annotations

import copy
import io
import os
import shutil
import tarfile
from collections.abc import Callable
from typing import BinaryIO

from conformance.image import mediatypes
from conformance.image.faults.registry import fault
from conformance.image.faults.shared import (
    compression_of,
    first_layer,
    replace_layer_file,
    set_descriptor,
)
from conformance.image.generator import BlobInfo, LayerWriter, LayoutInfo, swap_layer
from conformance.image.layers import iter_members, open_uncompressed

#: A layer media type no spec defines (well-formed per RFC 6838).
UNKNOWN_LAYER = "application/vnd.example.unknown.layer.v1.tar+gzip"


def _cut(layer: BlobInfo, out: BinaryIO) -> None:
    remaining = max(1, layer.size // 2)
    with open(layer.path, "rb") as handle:
        while remaining > 0:
            chunk = handle.read(min(remaining, 1 << 20))
            out.write(chunk)
            remaining -= len(chunk)


@fault("truncated-layer")
def fault_truncated_layer(info: LayoutInfo) -> None:
    """The first layer blob is cut to half its length (digest and size recomputed for the cut bytes)."""
    replace_layer_file(info, "truncated-layer", _cut)


@fault("truncated-layer-stale-digest")
def fault_truncated_layer_stale_digest(info: LayoutInfo) -> None:
    """The first layer blob is cut to half its length in place: the size is updated, the digest is not."""
    _, layer = first_layer(info, "truncated-layer-stale-digest")
    data = layer.path.read_bytes()[: max(1, layer.size // 2)]
    layer.path.write_bytes(data)
    set_descriptor(info, layer, size=len(data))
    layer.size = len(data)


@fault("wrong-compression")
def fault_wrong_compression(info: LayoutInfo) -> None:
    """The first layer says tar+gzip but holds the uncompressed tar (its diff_id stays right)."""

    def decompress(layer: BlobInfo, out: BinaryIO) -> str:
        with open_uncompressed(layer.path) as stream:
            shutil.copyfileobj(stream, out, 1 << 20)
        return mediatypes.LAYER_GZIP

    replace_layer_file(info, "wrong-compression", decompress)


@fault("layer.gzip-says-zstd")
def fault_gzip_says_zstd(info: LayoutInfo) -> None:
    """The first layer (gzip) is typed tar+zstd."""
    _, layer = first_layer(info, "layer.gzip-says-zstd")
    if compression_of(layer.path) != "gzip":
        from conformance.core.errors import DataFileError

        raise DataFileError(info.source, "fault layer.gzip-says-zstd: needs a gzip first layer")
    set_descriptor(info, layer, mediaType=mediatypes.LAYER_ZSTD)
    layer.media_type = mediatypes.LAYER_ZSTD


@fault("layer.unknown-media-type")
def fault_layer_unknown_media_type(info: LayoutInfo) -> None:
    """The first layer has a media type no spec defines (its bytes stay a gzip tar)."""
    _, layer = first_layer(info, "layer.unknown-media-type")
    set_descriptor(info, layer, mediaType=UNKNOWN_LAYER)
    layer.media_type = UNKNOWN_LAYER


# --- extra members appended to the first layer -----------------------------------------------------

Extras = Callable[[list[tarfile.TarInfo]], list[tuple[tarfile.TarInfo, bytes | None]]]


def _append_members(info: LayoutInfo, fault: str, extras: Extras) -> None:
    """Rebuild the first layer with extra raw members at its end (same compression, new diff_id)."""
    manifest, layer = first_layer(info, fault)
    writer = LayerWriter(compression_of(layer.path), info.root / "blobs" / "sha256")
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
