"""The layer vocabulary of vector descriptions, shared by the generator and the reference layer model.

A layer is described as a mapping::

    compression: gzip            # none | gzip | zstd (default gzip)
    mediaType: ...               # optional: override the layer descriptor's media type
    annotations: {k: v}          # optional: annotations on the layer descriptor
    entries:                     # tar members, written in this order
      - {path: etc/hello, type: file, content: "hi\\n", mode: 0o644, uid: 0, gid: 0, mtime: 0}
      - {path: big.bin, type: file, size: 1073741824, seed: 7}
      - {path: bin, type: dir, mode: 0o755}
      - {path: bin/sh, type: symlink, target: busybox}
      - {path: bin/ls, type: hardlink, target: bin/busybox}
      - {path: a/b, type: whiteout}        # written as a/.wh.b (a/.wh.b is accepted as is)
      - {path: a, type: opaque}            # written as a/.wh..wh..opq; path "." is the root
      - {path: f, type: file, content: "x", xattrs: {user.k: v}}
      - {path: pipe, type: fifo}
      - {path: dev/null, type: char, major: 1, minor: 3}
      - {path: hole, type: file, size: 33554432, fill: zero}   # all zeros: a sparse candidate
      - {path: ../../../.wh.sentinel, type: raw, kind: file}   # written exactly as named

Entry keys, by type (all take ``path`` and ``type``):

- ``file``: ``content`` (str, UTF-8 encoded, or bytes) or ``size`` + ``seed`` (generated, see
  :func:`generated_chunks`) or ``size`` + ``fill: zero`` (zeros), ``mode`` (0o644), ``uid``/``gid``
  (0), ``mtime`` (0), ``xattrs``.
- ``dir``: ``mode`` (0o755), ``uid``, ``gid``, ``mtime``, ``xattrs``.
- ``symlink``: ``target`` (any non-empty string), ``uid``, ``gid``, ``mtime``; mode is always 0o777.
- ``hardlink``: ``target`` (a path in the layer or a lower one), ``mode``/``uid``/``gid``/``mtime`` for
  the header only (by default copied from the target's entry in the same layer): a hard link has no
  metadata of its own.
- ``whiteout``, ``opaque``: only ``path``.
- ``fifo``: ``mode``, ``uid``, ``gid``, ``mtime``; ``char``, ``block``: the same and ``major``/``minor``.
- ``raw``: a member written with ``path`` as its name, unchecked (``..``, ``.wh.`` anywhere,
  malformed whiteouts): ``kind`` (file, dir, symlink or hardlink; default file), ``content``,
  ``target``, ``mode``. Layer-edge cases use it for shapes the spec forbids; the reference
  refuses a layer with such a member wherever :func:`conformance.image.layers.classify` does.

``mode`` is an int (YAML ``0644`` is octal) or an octal string such as ``"0o4755"`` or ``"4755"``
(YAML 1.1, which PyYAML speaks, reads ``0o644`` as a string). Paths are relative, without ``..``;
a leading ``./`` and trailing ``/`` are dropped. Names beginning with ``.wh.`` are reserved for
whiteouts (layer.md), so only a whiteout's last component may carry the prefix. Deliberately broken
members come from ``raw`` entries (one unusual member in an otherwise valid layer) or from the
generator's faults (a break applied to a written layout).
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.core.datafile import check_keys, line_of
from conformance.core.errors import DataFileError
from conformance.image import mediatypes

WHITEOUT_PREFIX = ".wh."
OPAQUE_NAME = ".wh..wh..opq"
ENTRY_TYPES = ("file", "dir", "symlink", "hardlink", "whiteout", "opaque", "fifo", "char", "block", "raw")
DEVICE_TYPES = ("char", "block")
RAW_KINDS = ("file", "dir", "symlink", "hardlink")
FILLS = ("random", "zero")
COMPRESSIONS = ("none", "gzip", "zstd")
LAYER_MEDIA_TYPES = {
    "none": mediatypes.LAYER_TAR,
    "gzip": mediatypes.LAYER_GZIP,
    "zstd": mediatypes.LAYER_ZSTD,
}
#: Generated content is produced (and hashed) this many bytes at a time.
GENERATED_CHUNK = 1 << 20

_COMMON = {"path", "type"}
_ATTRS = {"mode", "uid", "gid", "mtime"}
_KEYS = {
    "file": _ATTRS | {"content", "size", "seed", "fill", "xattrs"},
    "dir": _ATTRS | {"xattrs"},
    "symlink": {"uid", "gid", "mtime", "target"},
    "hardlink": _ATTRS | {"target"},
    "whiteout": set(),
    "opaque": set(),
    "fifo": _ATTRS,
    "char": _ATTRS | {"major", "minor"},
    "block": _ATTRS | {"major", "minor"},
    "raw": {"kind", "content", "target", "mode"},
}
_DEFAULT_MODE = {
    "file": 0o644, "dir": 0o755, "symlink": 0o777, "whiteout": 0o644, "opaque": 0o644,
    "fifo": 0o644, "char": 0o644, "block": 0o644, "raw": 0o644,
}  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """One described tar member, normalized: path relative without ``./``, "" for the root."""

    path: str
    type: str
    mode: int | None = None
    uid: int = 0
    gid: int = 0
    mtime: int = 0
    content: bytes | None = None
    size: int = 0
    seed: int | None = None
    target: str | None = None
    xattrs: tuple[tuple[str, str], ...] = ()
    fill: str = "random"
    major: int = 0
    minor: int = 0
    #: For ``raw`` entries: the tar type written (file, dir, symlink, hardlink).
    kind: str | None = None

    @property
    def member_name(self) -> str:
        """The tar member name the generator writes for this entry."""
        if self.type == "raw":
            return self.path
        if self.type == "opaque":
            return _join(self.path, OPAQUE_NAME)
        if self.type == "whiteout":
            parent, _, base = self.path.rpartition("/")
            return _join(parent, base if base.startswith(WHITEOUT_PREFIX) else WHITEOUT_PREFIX + base)
        return self.path or "."

    def chunks(self) -> Iterator[bytes]:
        """The file content, a bounded chunk at a time."""
        if self.seed is not None:
            return generated_chunks(self.size, self.seed, self.fill)
        return iter((self.content,) if self.content else ())

    def content_sha256(self) -> str:
        """Hex sha256 of the content (streamed for generated content)."""
        if self.seed is not None:
            return _generated_sha256(self.size, self.seed, self.fill)
        return hashlib.sha256(self.content or b"").hexdigest()


@dataclass(frozen=True)
class LayerSpec:
    """A described layer: its entries in member order and how it is compressed."""

    entries: tuple[Entry, ...]
    compression: str = "gzip"
    media_type: str | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def descriptor_media_type(self) -> str:
        return self.media_type or LAYER_MEDIA_TYPES[self.compression]


def _as_dict(raw: Mapping) -> dict:
    """check_keys wants a dict; a LineDict is passed as is so errors keep its line."""
    return raw if isinstance(raw, dict) else dict(raw)


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def generated_chunks(size: int, seed: int, fill: str = "random") -> Iterator[bytes]:
    """Deterministic content: the first `size` bytes of successive ``Random(seed).randbytes(1 MiB)``
    (or of zeros for ``fill="zero"``).

    Produced a chunk at a time so a multi-gigabyte benchmark file never sits in memory.
    """
    rng = random.Random(seed)
    zeros = bytes(GENERATED_CHUNK)
    remaining = size
    while remaining > 0:
        block = zeros if fill == "zero" else rng.randbytes(GENERATED_CHUNK)
        yield block[:remaining]
        remaining -= len(block)


@functools.lru_cache(maxsize=64)
def _generated_sha256(size: int, seed: int, fill: str = "random") -> str:
    hasher = hashlib.sha256()
    for chunk in generated_chunks(size, seed, fill):
        hasher.update(chunk)
    return hasher.hexdigest()


class ChunkReader:
    """A file-like reader over an iterable of chunks: ``read(n)`` returns n bytes until the end.

    tarfile copies member data with full-size reads and treats a short one as truncation.
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = bytearray()

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buffer) < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        count = len(self._buffer) if n < 0 else min(n, len(self._buffer))
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data


def parse_mode(value: object, source: object, where: str, line: int | None) -> int:
    """An int, or an octal string ("0o755", "0755", "755")."""
    if isinstance(value, bool):
        raise DataFileError(source, f"{where}: mode must be an integer, got {value!r}", line)
    if isinstance(value, int):
        mode = value
    elif isinstance(value, str):
        text = value.strip().lower().removeprefix("0o")
        try:
            mode = int(text, 8)
        except ValueError:
            raise DataFileError(source, f"{where}: mode {value!r} is not an octal number", line) from None
    else:
        raise DataFileError(source, f"{where}: mode must be an integer, got {type(value).__name__}", line)
    if not 0 <= mode <= 0o7777:
        raise DataFileError(source, f"{where}: mode {mode:#o} is outside 0..0o7777", line)
    return mode


def normalize_path(value: object, source: object, where: str, line: int | None, *, root_ok: bool) -> str:
    """A described path, made relative without ``./``; refuse what the spec cannot represent."""
    if not isinstance(value, str):
        raise DataFileError(source, f"{where}: path must be a string, got {type(value).__name__}", line)
    if value.startswith("/"):
        raise DataFileError(source, f"{where}: path {value!r} must be relative", line)
    text = value
    while text.startswith("./"):
        text = text[2:]
    text = text.rstrip("/")
    if text in ("", "."):
        if not root_ok:
            raise DataFileError(source, f"{where}: path {value!r} names the root", line)
        return ""
    parts = text.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise DataFileError(source, f"{where}: path {value!r} has an empty, '.' or '..' component", line)
    return text


def _check_whiteout_names(path: str, kind: str, source: object, where: str, line: int | None) -> None:
    parts = path.split("/") if path else []
    last_may = kind == "whiteout"
    for index, part in enumerate(parts):
        if not part.startswith(WHITEOUT_PREFIX):
            continue
        if last_may and index == len(parts) - 1:
            if part in (WHITEOUT_PREFIX, OPAQUE_NAME):
                raise DataFileError(source, f"{where}: whiteout {path!r} names nothing", line)
            continue
        raise DataFileError(source, f"{where}: {path!r}: names starting with .wh. are whiteouts", line)


def _int(entry: Mapping, key: str, default: int, source: object, where: str) -> int:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DataFileError(source, f"{where}: {key} must be a non-negative integer", line_of(entry))
    return value


def _content(entry: Mapping, source: object, where: str) -> tuple[bytes | None, int, int | None]:
    line = line_of(entry)
    if "content" in entry and ("size" in entry or "seed" in entry or "fill" in entry):
        raise DataFileError(source, f"{where}: give content or size/seed/fill, not both", line)
    if entry.get("fill", "random") not in FILLS:
        raise DataFileError(source, f"{where}: fill must be one of {', '.join(FILLS)}", line)
    if "size" in entry or "seed" in entry or "fill" in entry:
        return None, _int(entry, "size", 0, source, where), _int(entry, "seed", 0, source, where)
    content = entry.get("content", b"")
    if isinstance(content, str):
        content = content.encode()
    if not isinstance(content, bytes):
        raise DataFileError(source, f"{where}: content must be a string or bytes", line)
    return content, len(content), None


def _xattrs(entry: Mapping, source: object, where: str) -> tuple[tuple[str, str], ...]:
    value = entry.get("xattrs", {})
    ok = isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )
    if not ok:
        raise DataFileError(source, f"{where}: xattrs must map names to strings", line_of(entry))
    return tuple(sorted(value.items()))


def parse_entry(raw: object, source: object = "<description>", where: str = "entry") -> Entry:
    """Check one entry mapping and normalize it; errors name the source, the entry and the line."""
    if isinstance(raw, Entry):
        return raw
    if not isinstance(raw, Mapping):
        raise DataFileError(source, f"{where} must be a mapping, got {type(raw).__name__}", line_of(raw))
    line = line_of(raw)
    kind = raw.get("type")
    if kind not in ENTRY_TYPES:
        raise DataFileError(source, f"{where}: type {kind!r} is not one of {', '.join(ENTRY_TYPES)}", line)
    check_keys(source, _as_dict(raw), where, _COMMON | ({"target"} if "link" in kind else set()), _KEYS[kind])
    if kind == "raw":
        return _raw_entry(raw, source, where)
    path = normalize_path(raw["path"], source, where, line, root_ok=kind in ("dir", "opaque"))
    _check_whiteout_names(path, kind, source, where, line)
    mode = raw.get("mode")
    fields: dict[str, Any] = {
        "path": path,
        "type": kind,
        "mode": _DEFAULT_MODE.get(kind) if mode is None else parse_mode(mode, source, where, line),
        "uid": _int(raw, "uid", 0, source, where),
        "gid": _int(raw, "gid", 0, source, where),
        "mtime": _int(raw, "mtime", 0, source, where),
    }
    if kind == "symlink":
        fields["mode"] = 0o777
    if kind == "file":
        fields["content"], fields["size"], fields["seed"] = _content(raw, source, where)
        fields["fill"] = raw.get("fill", "random")
    if kind in DEVICE_TYPES:
        fields["major"] = _int(raw, "major", 0, source, where)
        fields["minor"] = _int(raw, "minor", 0, source, where)
    if kind in ("file", "dir"):
        fields["xattrs"] = _xattrs(raw, source, where)
    if kind in ("symlink", "hardlink"):
        fields["target"] = _link_target(raw, kind, source, where)
    return Entry(**fields)


def _raw_entry(raw: Mapping, source: object, where: str) -> Entry:
    """A ``raw`` member: its name and link target are written exactly as given."""
    line = line_of(raw)
    name, kind, target = raw["path"], raw.get("kind", "file"), raw.get("target")
    if not isinstance(name, str) or not name:
        raise DataFileError(source, f"{where}: a raw path must be a non-empty string", line)
    if kind not in RAW_KINDS:
        raise DataFileError(source, f"{where}: kind {kind!r} is not one of {', '.join(RAW_KINDS)}", line)
    if ("link" in kind) != isinstance(target, str):
        raise DataFileError(
            source, f"{where}: a raw {kind} needs a target string exactly when it is a link", line
        )
    content, size, _ = _content(raw, source, where) if kind == "file" else (None, 0, None)
    mode = raw.get("mode")
    return Entry(
        path=name,
        type="raw",
        kind=kind,
        mode=_DEFAULT_MODE["raw"] if mode is None else parse_mode(mode, source, where, line),
        content=content,
        size=size,
        target=target,
    )


def without_raw(layers: Sequence[object], source: object = "<description>") -> list[LayerSpec]:
    """The layers with their ``raw`` members dropped: what a consumer that ignores them applies."""
    specs = [parse_layer(raw, source, f"layers[{index}]") for index, raw in enumerate(layers)]
    return [
        LayerSpec(
            tuple(e for e in spec.entries if e.type != "raw"),
            spec.compression,
            spec.media_type,
            spec.annotations,
        )
        for spec in specs
    ]


def has_raw(layers: Sequence[object], source: object = "<description>") -> bool:
    specs = [parse_layer(raw, source, f"layers[{index}]") for index, raw in enumerate(layers)]
    return any(entry.type == "raw" for spec in specs for entry in spec.entries)


def _link_target(raw: Mapping, kind: str, source: object, where: str) -> str:
    target = raw["target"]
    line = line_of(raw)
    if not isinstance(target, str) or not target:
        raise DataFileError(source, f"{where}: target must be a non-empty string", line)
    if kind == "hardlink":
        return normalize_path(target, source, f"{where} target", line, root_ok=False)
    return target


def parse_entries(raw: object, source: object = "<description>", where: str = "entries") -> tuple[Entry, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise DataFileError(source, f"{where} must be a list", line_of(raw))
    return tuple(parse_entry(item, source, f"{where}[{index}]") for index, item in enumerate(raw))


def parse_layer(raw: object, source: object = "<description>", where: str = "layer") -> LayerSpec:
    """A layer mapping (see the module docstring), a LayerSpec, or a bare list of entries."""
    if isinstance(raw, LayerSpec):
        return raw
    if not isinstance(raw, Mapping):
        return LayerSpec(parse_entries(raw, source, f"{where}.entries"))
    line = line_of(raw)
    check_keys(source, _as_dict(raw), where, {"entries"}, {"compression", "mediaType", "annotations"})
    compression = raw.get("compression", "gzip")
    if compression not in COMPRESSIONS:
        raise DataFileError(
            source, f"{where}: compression {compression!r} is not one of none, gzip, zstd", line
        )
    media_type = raw.get("mediaType")
    if media_type is not None and not mediatypes.is_valid_media_type(media_type):
        raise DataFileError(source, f"{where}: mediaType {media_type!r} is not an RFC 6838 media type", line)
    annotations = raw.get("annotations", {})
    if not isinstance(annotations, Mapping):
        raise DataFileError(source, f"{where}: annotations must be a mapping", line)
    entries = parse_entries(raw["entries"], source, f"{where}.entries")
    return LayerSpec(entries, compression, media_type, dict(annotations))
