"""Layers: compression against media type, broken streams, tar entries, DiffIDs, bounded memory."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest

from conformance.image import mediatypes as mt
from conformance.image.validator import layer_scan as validate_layers
from conformance.image.validator import validate_layout
from conformance.image.validator.findings import Collector, Report
from conformance.image.validator.layer_scan import Cursor, ZstdFrames, scan_layer
from tests.unit.image.layouts import (
    LAYER_TYPES,
    Entry,
    ImageLayout,
    directory,
    file,
    gzip_bytes,
    hardlink,
    large_layout,
    sha256,
    symlink,
    tar_bytes,
    zstd_bytes,
)

zstandard = pytest.importorskip("zstandard")

TAR = tar_bytes([directory("etc"), file("etc/a", b"a" * 1000), file("etc/b", b"b" * 3000)])


def layer_report(root: Path, blob: bytes, media_type: str, tar: bytes | None = TAR) -> Report:
    """Validate a layout whose only image has this one layer blob (DiffID: sha256 of `tar`)."""
    layout = ImageLayout(root)
    descriptor = layout.add_blob(blob, media_type)
    diff_id = sha256(tar) if tar is not None else "sha256:" + "0" * 64
    layout.write_index([layout.add_image([(descriptor, diff_id)])])
    return validate_layout(root)


def codes(report: Report) -> set[str]:
    return {f.code for f in report.findings}


def entries_report(root: Path, entries: list[Entry], compression: str = "gzip") -> Report:
    tar = tar_bytes(entries)
    blob = {"none": tar, "gzip": gzip_bytes(tar), "zstd": zstd_bytes(tar)}[compression]
    return layer_report(root, blob, LAYER_TYPES[compression], tar)


# ---------------------------------------------------------------- compression


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
@pytest.mark.parametrize("nondistributable", [False, True])
def test_each_layer_type_is_clean(tmp_path: Path, compression: str, nondistributable: bool) -> None:
    blob = {"none": TAR, "gzip": gzip_bytes(TAR), "zstd": zstd_bytes(TAR)}[compression]
    media_type = (
        LAYER_TYPES[compression].replace(".layer.", ".layer.nondistributable.") if nondistributable else None
    )
    assert layer_report(tmp_path, blob, media_type or LAYER_TYPES[compression]).findings == []


@pytest.mark.parametrize(
    ("declared", "actual"),
    [("gzip", "none"), ("none", "gzip"), ("zstd", "gzip"), ("gzip", "zstd"), ("none", "zstd")],
)
def test_compression_must_match_the_media_type(tmp_path: Path, declared: str, actual: str) -> None:
    blob = {"none": TAR, "gzip": gzip_bytes(TAR), "zstd": zstd_bytes(TAR)}[actual]
    report = layer_report(tmp_path, blob, LAYER_TYPES[declared])
    assert codes(report) == {"layer.compression-mismatch"}  # still decoded: the DiffID matches
    assert report.findings[0].where.startswith("blobs/sha256/")


def test_truncated_gzip(tmp_path: Path) -> None:
    assert codes(layer_report(tmp_path, gzip_bytes(TAR)[:-30], mt.LAYER_GZIP)) == {"layer.gzip-invalid"}


def test_gzip_cut_in_the_trailer(tmp_path: Path) -> None:
    assert codes(layer_report(tmp_path, gzip_bytes(TAR)[:-4], mt.LAYER_GZIP)) == {"layer.gzip-invalid"}


def test_corrupt_gzip(tmp_path: Path) -> None:
    blob = bytearray(gzip_bytes(TAR))
    blob[len(blob) // 2] ^= 0xFF
    assert codes(layer_report(tmp_path, bytes(blob), mt.LAYER_GZIP)) == {"layer.gzip-invalid"}


def test_gzip_with_trailing_garbage(tmp_path: Path) -> None:
    report = layer_report(tmp_path, gzip_bytes(TAR) + b"garbage", mt.LAYER_GZIP)
    assert codes(report) == {"layer.gzip-invalid"}


def test_gzip_with_zero_padding_and_several_members(tmp_path: Path) -> None:
    blob = gzip_bytes(TAR[:1000]) + gzip_bytes(TAR[1000:]) + b"\0" * 100
    assert layer_report(tmp_path, blob, mt.LAYER_GZIP).findings == []


def test_truncated_zstd(tmp_path: Path) -> None:
    blob = zstd_bytes(TAR)
    assert codes(layer_report(tmp_path, blob[:-5], mt.LAYER_ZSTD)) == {"layer.zstd-invalid"}


def test_zstd_with_trailing_garbage(tmp_path: Path) -> None:
    report = layer_report(tmp_path, zstd_bytes(TAR) + b"garbage!", mt.LAYER_ZSTD)
    assert codes(report) == {"layer.zstd-invalid"}


def test_zstd_in_several_frames(tmp_path: Path) -> None:
    blob = zstd_bytes(TAR[:1000]) + zstd_bytes(TAR[1000:])
    assert layer_report(tmp_path, blob, mt.LAYER_ZSTD).findings == []


def test_zstd_without_the_zstandard_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate_layers, "zstandard", None)
    report = layer_report(tmp_path, zstd_bytes(TAR), mt.LAYER_ZSTD)
    assert codes(report) == {"layer.zstd-unsupported"}
    assert report.ok and report.blobs_verified == 3  # the layer is still hashed


# ---------------------------------------------------------------- the tar itself


@pytest.mark.parametrize(
    ("content", "compression"),
    [
        (b"hello, not a tar", "gzip"),
        (b"\x01" * 2048, "none"),
        (b"", "none"),
        (b"", "gzip"),
        (b"x" * 600, "zstd"),
    ],
    ids=["gzip-text", "bytes", "zero-bytes", "gzip-empty", "zstd-text"],
)
def test_not_a_tar(tmp_path: Path, content: bytes, compression: str) -> None:
    blob = {"none": content, "gzip": gzip_bytes(content), "zstd": zstd_bytes(content)}[compression]
    assert codes(layer_report(tmp_path, blob, LAYER_TYPES[compression], tar=content)) == {"layer.not-tar"}


def test_empty_tar_is_fine(tmp_path: Path) -> None:
    tar = tar_bytes([])
    assert layer_report(tmp_path, gzip_bytes(tar), mt.LAYER_GZIP, tar).findings == []


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_tar_cut_inside_an_entry(tmp_path: Path, compression: str) -> None:
    tar = tar_bytes([file("big", b"x" * 5000)])[:3000]
    blob = gzip_bytes(tar) if compression == "gzip" else tar
    assert codes(layer_report(tmp_path, blob, LAYER_TYPES[compression], tar)) == {"layer.tar-truncated"}


def test_garbage_where_the_next_header_belongs(tmp_path: Path) -> None:
    tar = bytearray(tar_bytes([file("a", b"1")]))
    end = tar.index(b"\0" * 1024, 1024)  # end of archive, after the entry's data block
    tar[end : end + 512] = b"junk" * 128
    tar = bytes(tar)
    report = layer_report(tmp_path, gzip_bytes(tar), mt.LAYER_GZIP, tar)
    assert codes(report) == {"layer.not-tar"}
    assert "after 1 entries" in report.findings[0].message


def test_tar_without_end_of_archive_marker_is_accepted(tmp_path: Path) -> None:
    tar = tar_bytes([file("a", b"1")])
    tar = tar[: tar.index(b"\0" * 1024, 1024)]
    assert layer_report(tmp_path, gzip_bytes(tar), mt.LAYER_GZIP, tar).findings == []


# ---------------------------------------------------------------- entries


@pytest.mark.parametrize(
    "entries",
    [
        [file("a"), file("a")],
        [file("a"), file("./a")],
        [directory("d"), directory("d/")],
        [directory("d"), file("d/x"), directory("./d")],
        [file("a/b"), symlink("a//b", "c")],
    ],
    ids=["same", "dot-slash", "trailing-slash", "directory", "double-slash"],
)
def test_duplicate_paths(tmp_path: Path, entries: list[Entry]) -> None:
    report = entries_report(tmp_path, entries)
    assert codes(report) == {"layer.duplicate-path"}


def test_distinct_paths(tmp_path: Path) -> None:
    entries = [directory("."), directory("a"), file("a/b"), file("a/c"), file("ab"), file("A")]
    assert entries_report(tmp_path, entries).findings == []


def test_many_duplicates_are_capped(tmp_path: Path) -> None:
    names = [file(f"f{i}") for i in range(100)]
    report = entries_report(tmp_path, names + names, "none")
    duplicates = [f for f in report.findings if f.code == "layer.duplicate-path"]
    assert len(duplicates) == 21 and "80 more" in duplicates[-1].message


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([file("etc/.wh.")], "layer.whiteout-name"),
        ([file(".wh..wh.plugins")], "layer.whiteout-opaque-name"),
        ([file("a/.wh..wh..opqx")], "layer.whiteout-opaque-name"),
        ([file("a/.wh.b", b"content")], "layer.whiteout-not-empty"),
        ([directory(".wh.d")], "layer.whiteout-not-empty"),
    ],
)
def test_malformed_whiteouts(tmp_path: Path, entries: list[Entry], code: str) -> None:
    report = entries_report(tmp_path, entries)
    assert code in codes(report)


@pytest.mark.parametrize(
    "entries",
    [[file("a/.wh.b", b"")], [directory("a"), file("a/.wh..wh..opq", b"")], [file(".wh..wh..opq", b"")]],
    ids=["explicit", "opaque", "opaque-at-root"],
)
def test_well_formed_whiteouts(tmp_path: Path, entries: list[Entry]) -> None:
    assert entries_report(tmp_path, entries).findings == []


def test_whiteout_findings_are_errors_or_warnings(tmp_path: Path) -> None:
    assert not entries_report(tmp_path / "1", [file(".wh.")]).ok
    assert entries_report(tmp_path / "2", [file(".wh.x", b"data")]).ok


@pytest.mark.parametrize(
    "entry",
    [
        file("/etc/passwd"),
        file("../outside"),
        file("a/../../outside"),
        symlink("a/link", "../../outside"),
        symlink("link", ".."),
        hardlink("hard", "../outside"),
        hardlink("hard", "/etc/passwd"),
    ],
    ids=[
        "absolute",
        "dotdot",
        "inner-dotdot",
        "symlink-up",
        "symlink-parent",
        "hardlink-up",
        "hardlink-absolute",
    ],
)
def test_unsafe_entries(tmp_path: Path, entry: Entry) -> None:
    report = entries_report(tmp_path, [entry])
    assert codes(report) == {"layer.unsafe-entry"}
    assert report.ok  # a warning: the spec does not forbid them, extracting them is what is unsafe
    assert report.findings[0].path == entry.name


@pytest.mark.parametrize(
    "entry",
    [
        symlink("link", "/etc/passwd"),
        symlink("a/b/link", "../c"),
        symlink("a/link", "../a/./b"),
        hardlink("hard", "a/b"),
        file("a..b/c..d"),
    ],
    ids=["absolute-symlink", "symlink-sibling", "symlink-dot", "hardlink", "dots-in-names"],
)
def test_safe_entries(tmp_path: Path, entry: Entry) -> None:
    assert entries_report(tmp_path, [entry]).findings == []


# ---------------------------------------------------------------- pieces


def test_cursor_only_seeks_forward() -> None:
    chunks = iter([b"abc", b"defg", b""])
    cursor = Cursor(lambda: next(chunks))
    assert cursor.read(2) == b"ab"
    assert cursor.seek(5) == 5 and cursor.read(10) == b"fg"
    with pytest.raises(OSError, match="forward"):
        cursor.seek(1)
    assert cursor.total == 7 and cursor.eof


def _skippable(payload: bytes) -> bytes:
    return (0x184D2A53).to_bytes(4, "little") + len(payload).to_bytes(4, "little") + payload


@pytest.mark.parametrize(
    ("stream", "complete"),
    [
        (zstd_bytes(b"x" * 100_000), True),
        (zstandard.ZstdCompressor(write_checksum=True).compress(b"abc" * 1000), True),
        (zstandard.ZstdCompressor(write_content_size=False).compress(b"abc"), True),
        (_skippable(b"meta") + zstd_bytes(b"abc") + _skippable(b""), True),
        (zstd_bytes(b"abc")[:-1], False),
        (zstandard.ZstdCompressor(write_checksum=True).compress(b"abc")[:-2], False),
        (_skippable(b"meta"), False),
        (b"", False),
        (zstd_bytes(b"abc") + b"\0\0\0\0", False),
    ],
    ids=[
        "plain",
        "checksum",
        "no-size",
        "skippable",
        "cut",
        "cut-checksum",
        "only-skippable",
        "empty",
        "junk",
    ],
)
def test_zstd_frame_walker(stream: bytes, complete: bool) -> None:
    frames = ZstdFrames()
    for start in range(0, len(stream), 7):  # awkward chunking: headers split across feeds
        frames.feed(memoryview(stream[start : start + 7]))
    assert frames.complete is complete


def test_scan_layer_reports_both_digests() -> None:
    blob = gzip_bytes(TAR)
    scan = scan_layer(
        io.BytesIO(blob),
        declared="gzip",
        digest_algorithm="sha256",
        diff_algorithms=["sha256", "sha512"],
        where="layer",
        out=Collector(),
    )
    assert scan.digest == sha256(blob) and scan.size == len(blob)
    assert scan.diff_ids["sha256"] == sha256(TAR) and scan.diff_ids["sha512"].startswith("sha512:")
    assert scan.entries == 3 and scan.compression == "gzip"


class _FailingFile(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if self._data.tell() > 100:
            raise OSError(5, "Input/output error")
        return self._data.readinto(memoryview(buffer)[:50])


def test_scan_layer_survives_an_io_error() -> None:
    out = Collector()
    stream = io.BufferedReader(_FailingFile(gzip_bytes(TAR)), buffer_size=50)
    scan = scan_layer(
        stream, declared="gzip", digest_algorithm="sha256", diff_algorithms=["sha256"], where="x", out=out
    )
    assert scan.read_error and scan.digest is None and scan.diff_ids == {}


# ---------------------------------------------------------------- bounded memory


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_64_mib_layer_in_bounded_memory(tmp_path: Path, compression: str) -> None:
    root = large_layout(tmp_path, 64 << 20, compression)
    tracemalloc.start()
    try:
        report = validate_layout(root)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.findings == []
    assert report.bytes_hashed >= 64 << 20
    assert peak < 32 << 20, f"peak {peak >> 20} MiB"
