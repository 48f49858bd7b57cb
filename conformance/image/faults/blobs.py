"""Faults any referenced blob can have, registered once per level as ``<level>.<kind>``.

The kinds break what ties a descriptor to its blob: the bytes (re-encoded, digest not updated),
the size, the blob's presence, or the digest itself (grammar, algorithm), which is then used
consistently (the blob is stored under it), so only the digest string is at fault.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable

from conformance.core.errors import DataFileError
from conformance.image.faults.registry import fault
from conformance.image.faults.shared import LEVELS, move_blob, set_descriptor, target
from conformance.image.generator import BlobInfo, LayoutInfo

Kind = Callable[[LayoutInfo, BlobInfo, str], None]


def _hash(blob: BlobInfo, algorithm: str) -> bytes:
    hasher = hashlib.new(algorithm)
    with open(blob.path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.digest()


def reencoded(info: LayoutInfo, blob: BlobInfo, name: str) -> None:
    """Other bytes of the same size and meaning; the descriptor still names the old digest.

    JSON gets its keys in reverse order; a gzip layer gets another MTIME in its gzip header.
    """
    data = blob.path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        new = data[:4] + (int.from_bytes(data[4:8], "little") + 1).to_bytes(4, "little") + data[8:]
    else:
        document = json.loads(data)
        reordered = dict(reversed(list(document.items())))
        new = json.dumps(reordered, separators=(",", ":"), ensure_ascii=False).encode()
    if len(new) != len(data) or new == data:
        raise DataFileError(info.source, f"fault {name}: cannot re-encode the blob at the same size")
    blob.path.write_bytes(new)


def bad_size(info: LayoutInfo, blob: BlobInfo, name: str) -> None:
    """Every descriptor of the blob says one byte more than it has."""
    set_descriptor(info, blob, size=blob.size + 1)


def missing_blob(info: LayoutInfo, blob: BlobInfo, name: str) -> None:
    """The blob is not in the layout."""
    blob.path.unlink()


def uppercase_digest(info: LayoutInfo, blob: BlobInfo, name: str) -> None:
    """The sha256 digest is written in uppercase hex (the grammar of sha256 allows only [a-f0-9])."""
    move_blob(info, blob, "sha256:" + blob.digest.split(":", 1)[1].upper())


def algorithm_grammar(info: LayoutInfo, blob: BlobInfo, name: str) -> None:
    """The algorithm is written "SHA256" (the algorithm grammar allows only [a-z0-9] and separators)."""
    move_blob(info, blob, "SHA256:" + blob.digest.split(":", 1)[1])


def sha512(info: LayoutInfo, blob: BlobInfo, name: str) -> None:
    """The blob is referenced by its (correct) sha512 digest, a registered algorithm."""
    move_blob(info, blob, "sha512:" + _hash(blob, "sha512").hex())


def unregistered_algorithm(info: LayoutInfo, blob: BlobInfo, name: str) -> None:
    """The blob is referenced as sha256+b64u (descriptor.md's own example of an unregistered algorithm)."""
    encoded = base64.urlsafe_b64encode(_hash(blob, "sha256")).rstrip(b"=").decode()
    move_blob(info, blob, f"sha256+b64u:{encoded}")


KINDS: dict[str, Kind] = {
    "reencoded": reencoded,
    "bad-size": bad_size,
    "missing-blob": missing_blob,
    "uppercase-digest": uppercase_digest,
    "algorithm-grammar": algorithm_grammar,
    "sha512": sha512,
    "unregistered-algorithm": unregistered_algorithm,
}


def _register(level: str, kind: str, function: Kind) -> None:
    name = f"{level}.{kind}"

    def apply(info: LayoutInfo) -> None:
        function(info, target(info, level, name), name)

    apply.__doc__ = f"{level}: {function.__doc__}"
    fault(name)(apply)


for _level in LEVELS:
    for _kind, _function in KINDS.items():
        _register(_level, _kind, _function)
