"""Reading a layer once: its digest, decompression, DiffID and tar inspection in a single pass.

The blob flows storage -> RawTee (hashes the stored bytes) -> decoder (gzip or zstd, bounded
output per call) -> Cursor (hashes the uncompressed bytes) -> tarfile. tarfile sees a forward-only
file: skipping a member's data is a seek, which pulls (and so hashes) the data without copying it
anywhere. Nothing holds more than a couple of 1 MiB chunks, whatever the layer's size.
"""

from __future__ import annotations

import hashlib
import posixpath
import tarfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from conformance.image.digest import CHUNK
from conformance.image.validator.findings import Collector

try:  # zstd layers need it; without it they are hashed but not inspected
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


class DecodeFailed(Exception):
    """The compressed stream is broken; `code` is the finding to report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ReadFailed(Exception):
    """Storage failed in the middle of the blob (I/O error, truncated archive member)."""


def detect_compression(head: bytes) -> str:
    """What the first bytes say: "gzip", "zstd", or "none" (then it should be a tar)."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return "none"


class RawTee:
    """The blob as stored; each byte is hashed exactly once, as it passes."""

    def __init__(self, fileobj: BinaryIO, hashers: list[Any]) -> None:
        self._file = fileobj
        self.hashers = hashers
        self.watch: Callable[[memoryview], None] | None = None
        self.size = 0
        self._pending = b""

    def _account(self, view: memoryview) -> None:
        for hasher in self.hashers:
            hasher.update(view)
        if self.watch is not None:
            self.watch(view)
        self.size += len(view)

    def _raw_read(self, n: int) -> bytes:
        try:
            return self._file.read(n)
        except (OSError, EOFError, tarfile.TarError) as exc:
            raise ReadFailed(str(exc) or type(exc).__name__) from exc

    def head(self, n: int) -> bytes:
        """The first `n` bytes, kept to be handed out again by the next reads."""
        while len(self._pending) < n:
            data = self._raw_read(CHUNK)
            if not data:
                break
            self._account(memoryview(data))
            self._pending += data
        return self._pending[:n]

    @property
    def pending(self) -> bytes:
        return self._pending

    def read(self, n: int = -1) -> bytes:
        if self._pending:
            n = len(self._pending) if n < 0 else n
            data, self._pending = self._pending[:n], self._pending[n:]
            return data
        data = self._raw_read(CHUNK if n < 0 else n)
        if data:
            self._account(memoryview(data))
        return data

    def readinto(self, buffer: bytearray) -> int:
        if self._pending:
            count = min(len(buffer), len(self._pending))
            buffer[:count] = self._pending[:count]
            self._pending = self._pending[count:]
            return count
        try:
            count = self._file.readinto(buffer) or 0  # type: ignore[attr-defined]
        except (OSError, EOFError, tarfile.TarError) as exc:
            raise ReadFailed(str(exc) or type(exc).__name__) from exc
        if count:
            self._account(memoryview(buffer)[:count])
        return count

    def drain(self) -> None:
        """Read (and hash) whatever the decoder left unread."""
        buffer = bytearray(CHUNK)
        while self.readinto(buffer):
            pass


class Cursor:
    """A forward-only file over decoded chunks, for tarfile: seeking ahead skips data."""

    def __init__(self, pull: Callable[[], bytes | memoryview]) -> None:
        self._pull = pull
        self._chunk = memoryview(b"")
        self._at = 0
        self.pos = 0
        self.total = 0
        self.eof = False

    def _next(self) -> bool:
        if self.eof:
            return False
        chunk = self._pull()
        if not chunk:
            self.eof = True
            return False
        self._chunk = memoryview(chunk)
        self._at = 0
        self.total += len(chunk)
        return True

    def read(self, n: int = -1) -> bytes:
        parts = []
        while n:
            available = len(self._chunk) - self._at
            if not available:
                if not self._next():
                    break
                continue
            take = available if n < 0 else min(n, available)
            parts.append(self._chunk[self._at : self._at + take].tobytes())
            self._at += take
            self.pos += take
            n -= take if n > 0 else 0
        return b"".join(parts)

    def seek(self, pos: int, whence: int = 0) -> int:
        target = pos + self.pos if whence == 1 else pos
        if whence not in (0, 1) or target < self.pos:
            raise OSError("a layer stream only seeks forward")
        need = target - self.pos
        while need:
            available = len(self._chunk) - self._at
            if not available:
                if not self._next():
                    break
                continue
            take = min(need, available)
            self._at += take
            self.pos += take
            need -= take
        return self.pos

    def tell(self) -> int:
        return self.pos

    def drain(self) -> None:
        while self._next():
            pass
        self._at = len(self._chunk)


class GzipDecoder:
    """gzip (RFC 1952, several members allowed) with bounded output; truncation is an error."""

    def __init__(self, source: RawTee) -> None:
        self._source = source
        self._inflater = zlib.decompressobj(31)
        self._done = False

    def read(self, n: int = CHUNK) -> bytes:
        try:
            return self._read(n)
        except zlib.error as exc:
            raise DecodeFailed("layer.gzip-invalid", f"corrupt gzip data: {exc}") from None

    def _read(self, n: int) -> bytes:
        while not self._done:
            inflater = self._inflater
            if inflater.unconsumed_tail:
                out = inflater.decompress(inflater.unconsumed_tail, n)
            elif inflater.eof:
                out = self._next_member(n)
            else:
                data = self._source.read(CHUNK)
                if not data:
                    raise DecodeFailed(
                        "layer.gzip-invalid", "the gzip stream is truncated (no end of stream)"
                    )
                out = inflater.decompress(data, n)
            if out:
                return out
        return b""

    def _next_member(self, n: int) -> bytes:
        rest = self._inflater.unused_data
        while len(rest) < len(GZIP_MAGIC):
            data = self._source.read(CHUNK)
            if not data:
                break
            rest += data
        if not rest.strip(b"\0"):
            self._check_padding()
            return b""
        if not rest.startswith(GZIP_MAGIC):
            raise DecodeFailed(
                "layer.gzip-invalid", "data after the end of the gzip stream is not a gzip member"
            )
        self._inflater = zlib.decompressobj(31)
        return self._inflater.decompress(rest, n)

    def _check_padding(self) -> None:
        """Zero padding after the last member is tolerated (as gzip(1) does); anything else is not."""
        while data := self._source.read(CHUNK):
            if data.strip(b"\0"):
                raise DecodeFailed(
                    "layer.gzip-invalid", "data after the end of the gzip stream is not a gzip member"
                )
        self._done = True


class ZstdFrames:
    """Follows the frame structure of a zstd stream (RFC 8878) to tell a complete one from a cut one.

    zstandard's stream reader ends quietly on truncated input, so the raw bytes are walked here:
    frame headers and block headers are parsed, block contents skipped.
    """

    def __init__(self) -> None:
        self._state = "magic"
        self._need = 4
        self._buffer = bytearray()
        self._skip = 0
        self._checksum = False
        self.frames = 0
        self.error: str | None = None

    @property
    def complete(self) -> bool:
        return (
            self.error is None
            and self.frames > 0
            and self._state == "magic"
            and not self._buffer
            and not self._skip
        )

    def feed(self, data: memoryview) -> None:
        pos, end = 0, len(data)
        while pos < end and self.error is None:
            if self._skip:
                take = min(self._skip, end - pos)
                self._skip -= take
                pos += take
                continue
            take = min(self._need - len(self._buffer), end - pos)
            self._buffer += data[pos : pos + take]
            pos += take
            if len(self._buffer) == self._need:
                header = bytes(self._buffer)
                self._buffer.clear()
                self._advance(header)

    def _expect(self, state: str, need: int, skip: int = 0) -> None:
        self._state, self._need, self._skip = state, need, skip

    def _advance(self, header: bytes) -> None:
        if self._state == "magic":
            magic = int.from_bytes(header, "little")
            if header == ZSTD_MAGIC:
                self._expect("descriptor", 1)
            elif magic & 0xFFFFFFF0 == 0x184D2A50:
                self._expect("skippable", 4)
            else:
                self.error = "data after the last frame is not a zstd frame"
        elif self._state == "descriptor":
            flags = header[0]
            single_segment = bool(flags & 0x20)
            content_size = (0, 2, 4, 8)[flags >> 6] or (1 if single_segment else 0)
            dictionary = (0, 1, 2, 4)[flags & 0x03]
            self._checksum = bool(flags & 0x04)
            rest = (0 if single_segment else 1) + dictionary + content_size
            self._expect("header", rest) if rest else self._expect("block", 3)
        elif self._state == "header":
            self._expect("block", 3)
        elif self._state == "block":
            self._block(int.from_bytes(header, "little"))
        elif self._state == "checksum":
            self.frames += 1
            self._expect("magic", 4)
        elif self._state == "skippable":
            self._expect("magic", 4, int.from_bytes(header, "little"))

    def _block(self, header: int) -> None:
        last, kind, size = header & 1, (header >> 1) & 3, header >> 3
        if kind == 3:
            self.error = "reserved zstd block type"
            return
        payload = 1 if kind == 1 else size
        if not last:
            self._expect("block", 3, payload)
        elif self._checksum:
            self._expect("checksum", 4, payload)
        else:
            self.frames += 1
            self._expect("magic", 4, payload)


# ------------------------------------------------------------------ tar entries


class _EndAwareTarInfo(tarfile.TarInfo):
    """Remembers why tarfile stopped: a zero block ends an archive, an invalid header does not."""

    @classmethod
    def fromtarfile(cls, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        try:
            return super().fromtarfile(tarfile_)
        except tarfile.HeaderError as exc:
            tarfile_.oci_end = exc  # type: ignore[attr-defined]
            raise


@dataclass
class EntryChecker:
    """Per-entry rules: duplicates, whiteout names and order, sparse files, entries escaping the root."""

    where: str
    out: Collector
    seen: set[str] = field(default_factory=set)
    entries: int = 0
    with_directories: set[str] = field(default_factory=set)
    """Directories in which a directory entry has been seen (whiteouts there come too late)."""

    def check(self, member: tarfile.TarInfo) -> None:
        self.entries += 1
        name = member.name
        parts = name.split("/")
        key = posixpath.normpath("./" + name.lstrip("/"))
        if key in self.seen:
            self.out.add(
                "layer.duplicate-path", self.where, name, f"{name!r} appears more than once in the layer"
            )
        else:
            self.seen.add(key)
        if name.startswith("/") or ".." in parts:
            self.out.add(
                "layer.unsafe-entry", self.where, name, "entry name is absolute or has a '..' component"
            )
        if member.issparse():
            self.out.add(
                "layer.sparse-entry",
                self.where,
                name,
                "a sparse file entry: tar implementations handle them inconsistently",
            )
        self._check_link(member, key)
        self._check_whiteout(member, posixpath.basename(key))
        self._check_order(member, key)

    def _check_order(self, member: tarfile.TarInfo, key: str) -> None:
        parent = posixpath.dirname(key)
        if posixpath.basename(key).startswith(WHITEOUT) and parent in self.with_directories:
            self.out.add(
                "layer.whiteout-order",
                self.where,
                member.name,
                f"whiteout after a directory entry in {parent or '/'!r}: whiteouts go before their sibling "
                "directories",
            )
        elif member.isdir() and key != ".":
            self.with_directories.add(parent)

    def _check_link(self, member: tarfile.TarInfo, key: str) -> None:
        target = member.linkname
        if member.issym():
            resolved = target if target.startswith("/") else posixpath.join(posixpath.dirname(key), target)
            kind = "symlink"
        elif member.islnk():
            resolved, kind = target, "hardlink"
            if target.startswith("/"):
                resolved = ".."  # an absolute hardlink target is not a member name
        else:
            return
        normal = posixpath.normpath(resolved.lstrip("/") if resolved.startswith("/") else resolved)
        if normal == ".." or normal.startswith("../"):
            self.out.add(
                "layer.unsafe-entry", self.where, member.name, f"{kind} target {target!r} escapes the root"
            )

    def _check_whiteout(self, member: tarfile.TarInfo, base: str) -> None:
        if not base.startswith(WHITEOUT):
            return
        if base == WHITEOUT:
            self.out.add("layer.whiteout-name", self.where, member.name, "whiteout '.wh.' names no file")
        elif base.startswith(WHITEOUT + WHITEOUT) and base != OPAQUE:
            self.out.add(
                "layer.whiteout-opaque-name",
                self.where,
                member.name,
                f"{base!r}: '.wh..wh.' is reserved for the opaque whiteout {OPAQUE!r}",
            )
        if not member.isfile() or member.size:
            self.out.add(
                "layer.whiteout-not-empty", self.where, member.name, "a whiteout should be an empty file"
            )


def walk_tar(cursor: Cursor, checker: EntryChecker) -> None:
    """Check every entry; raise tarfile.ReadError when the stream is not (all) a tar archive."""
    with tarfile.open(fileobj=cursor, mode="r:", tarinfo=_EndAwareTarInfo) as archive:  # type: ignore[call-overload]
        while (member := archive.next()) is not None:
            checker.check(member)
            archive.members.clear()  # nothing goes back; keep memory flat on huge layers
        end = getattr(archive, "oci_end", None)
        if isinstance(end, tarfile.InvalidHeaderError | tarfile.TruncatedHeaderError):
            raise tarfile.ReadError(f"no valid tar header at offset {archive.offset}: {end}")


# ------------------------------------------------------------------ one layer


@dataclass
class LayerScan:
    size: int = 0
    digest: str | None = None
    """Digest of the stored bytes, in the requested algorithm (None: not computed or read failed)."""
    diff_ids: dict[str, str] = field(default_factory=dict)
    """Algorithm -> digest of the uncompressed stream, when it was decoded completely."""
    compression: str = "none"
    read_error: str | None = None
    entries: int = 0


@dataclass
class _Layer:
    """The state of one scan, so the steps can be small functions."""

    raw: RawTee
    where: str
    out: Collector
    digest_algorithm: str | None
    diff_algorithms: list[str]
    diff_hashers: dict[str, Any] = field(default_factory=dict)
    frames: ZstdFrames | None = None
    uncompressed: int = 0
    decoded: bool = False


def scan_layer(
    fileobj: BinaryIO,
    *,
    declared: str,
    digest_algorithm: str | None,
    diff_algorithms: Iterable[str],
    where: str,
    out: Collector,
) -> LayerScan:
    """Read the layer once; report its compression, tar and entry problems under `where`.

    `declared` is the compression the media type names ("none", "gzip", "zstd").
    """
    hashers = [hashlib.new(digest_algorithm)] if digest_algorithm else []
    layer = _Layer(RawTee(fileobj, hashers), where, out, digest_algorithm, sorted(set(diff_algorithms)))
    scan = LayerScan()
    try:
        scan.compression = detect_compression(layer.raw.head(len(ZSTD_MAGIC)))
        if scan.compression != declared:
            out.add(
                "layer.compression-mismatch",
                where,
                "",
                f"the media type says {declared!r} compression but the content is {scan.compression!r}",
            )
        scan.entries = _decode_and_walk(layer, scan.compression)
        layer.raw.drain()
    except ReadFailed as exc:
        scan.read_error = str(exc)
        layer.decoded = False
    scan.size = layer.raw.size
    out.bytes_hashed += layer.raw.size * len(hashers) + layer.uncompressed * len(layer.diff_hashers)
    if hashers and scan.read_error is None:
        scan.digest = f"{digest_algorithm}:{hashers[0].hexdigest()}"
    if layer.decoded and scan.read_error is None:
        scan.diff_ids = _diff_ids(layer, scan)
    return scan


def _diff_ids(layer: _Layer, scan: LayerScan) -> dict[str, str]:
    result = {alg: f"{alg}:{hasher.hexdigest()}" for alg, hasher in layer.diff_hashers.items()}
    if scan.compression == "none" and scan.digest and layer.digest_algorithm in layer.diff_algorithms:
        result[layer.digest_algorithm] = scan.digest  # type: ignore[index]
    return result


def _decode_and_walk(layer: _Layer, compression: str) -> int:
    """Decode per the detected compression and walk the tar; returns the number of entries.

    A tar error is only reported once the compressed stream is known to be whole: a cut
    zstd stream decodes quietly to a cut tar, and the compression is what is broken then.
    """
    pull = _puller(layer, compression)
    if pull is None:
        return 0
    cursor = Cursor(pull)
    checker = EntryChecker(layer.where, layer.out)
    tar_error: BaseException | None = None
    try:
        walk_tar(cursor, checker)
    except (tarfile.TarError, EOFError, OSError) as exc:
        tar_error = exc
    except DecodeFailed as exc:
        layer.out.add(exc.code, layer.where, "", str(exc))
        return checker.entries
    try:
        cursor.drain()
    except DecodeFailed as exc:
        layer.out.add(exc.code, layer.where, "", str(exc))
        return checker.entries
    if layer.frames is not None:
        layer.raw.drain()
        if not layer.frames.complete:
            message = layer.frames.error or "the zstd stream is truncated"
            layer.out.add("layer.zstd-invalid", layer.where, "", message)
            return checker.entries
    layer.decoded = True
    if tar_error is not None:
        _report_tar_error(layer, checker, tar_error)
    return checker.entries


def _report_tar_error(layer: _Layer, checker: EntryChecker, exc: BaseException) -> None:
    message = str(exc) or type(exc).__name__
    if "unexpected end of data" in message:
        layer.out.add("layer.tar-truncated", layer.where, "", "the tar archive ends inside an entry's data")
    elif checker.entries:
        layer.out.add("layer.not-tar", layer.where, "", f"after {checker.entries} entries: {message}")
    else:
        layer.out.add("layer.not-tar", layer.where, "", f"not a tar archive: {message}")


def _puller(layer: _Layer, compression: str) -> Callable[[], bytes | memoryview] | None:
    """The function that yields the next uncompressed chunk (hashing it for the DiffIDs)."""
    raw = layer.raw
    if compression == "none":
        for algorithm in layer.diff_algorithms:
            if algorithm != layer.digest_algorithm:
                hasher = hashlib.new(algorithm)
                raw.hashers.append(hasher)
                layer.diff_hashers[algorithm] = hasher
        buffer = bytearray(CHUNK)
        return lambda: memoryview(buffer)[: raw.readinto(buffer)]
    if compression == "zstd":
        if zstandard is None:
            layer.out.add(
                "layer.zstd-unsupported",
                layer.where,
                "",
                "the zstandard package is not installed: the zstd layer was hashed but not decompressed",
            )
            return None
        layer.frames = ZstdFrames()
        decoder = _zstd_decoder(raw, layer.frames)
    else:
        decoder = GzipDecoder(raw).read
    layer.diff_hashers = {alg: hashlib.new(alg) for alg in layer.diff_algorithms}

    def pull() -> bytes:
        data = decoder(CHUNK)
        for hasher in layer.diff_hashers.values():
            hasher.update(data)
        layer.uncompressed += len(data)
        return data

    return pull


def _zstd_decoder(raw: RawTee, frames: ZstdFrames) -> Callable[[int], bytes]:
    frames.feed(memoryview(raw.pending))
    raw.watch = frames.feed
    reader = zstandard.ZstdDecompressor().stream_reader(raw, read_size=CHUNK, read_across_frames=True)

    def read(n: int) -> bytes:
        try:
            return reader.read(n)
        except zstandard.ZstdError as exc:
            raise DecodeFailed("layer.zstd-invalid", f"corrupt zstd data: {exc}") from None

    return read
