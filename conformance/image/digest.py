"""Content digests: the grammar, registered algorithms, and streaming verification."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: digest ::= algorithm ":" encoded (descriptor.md)
DIGEST_GRAMMAR = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+\Z")
#: Registered algorithms and the exact form of their encoded part.
REGISTERED = {
    "sha256": re.compile(r"^[a-f0-9]{64}\Z"),
    "sha512": re.compile(r"^[a-f0-9]{128}\Z"),
}
CHUNK = 1 << 20


@dataclass(frozen=True)
class Digest:
    algorithm: str
    encoded: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.encoded}"

    @property
    def registered(self) -> bool:
        return self.algorithm in REGISTERED

    def blob_path(self, layout: Path) -> Path:
        """Where image-layout.md puts this blob: blobs/<alg>/<encoded>."""
        return layout / "blobs" / self.algorithm / self.encoded


class DigestError(ValueError):
    """A digest string that breaks the grammar or its algorithm's encoding."""


def parse_digest(value: object) -> Digest:
    """Parse and check a digest string; DigestError says which rule it breaks."""
    if not isinstance(value, str):
        raise DigestError(f"a digest must be a string, got {type(value).__name__}")
    if not DIGEST_GRAMMAR.match(value):
        raise DigestError(f"{value!r} does not match the digest grammar algorithm:encoded")
    algorithm, encoded = value.split(":", 1)
    pattern = REGISTERED.get(algorithm)
    if pattern is not None and not pattern.match(encoded):
        raise DigestError(
            f"{value!r}: the {algorithm} encoded part must be lowercase hex of the right length"
        )
    return Digest(algorithm, encoded)


def digest_bytes(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def hash_stream(stream: BinaryIO, algorithm: str = "sha256") -> tuple[str, int]:
    """(digest, size) of everything read from `stream`, in fixed-size chunks."""
    hasher = hashlib.new(algorithm)
    size = 0
    view = memoryview(bytearray(CHUNK))
    while True:
        count = stream.readinto(view)  # type: ignore[attr-defined]
        if not count:
            break
        hasher.update(view[:count])
        size += count
    return f"{algorithm}:{hasher.hexdigest()}", size


def hash_file(path: Path, algorithm: str = "sha256") -> tuple[str, int]:
    with open(path, "rb", buffering=0) as handle:
        return hash_stream(handle, algorithm)


def hash_chunks(chunks: Iterable[bytes], algorithm: str = "sha256") -> tuple[str, int]:
    hasher = hashlib.new(algorithm)
    size = 0
    for chunk in chunks:
        hasher.update(chunk)
        size += len(chunk)
    return f"{algorithm}:{hasher.hexdigest()}", size
