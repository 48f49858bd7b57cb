"""validate_archive: an oci-archive (a layout in a tar) is read in place, never extracted."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tarfile
import tracemalloc
from pathlib import Path

import pytest

from conformance.image.validator import validate_archive, validate_layout
from conformance.image.validator.findings import Report
from tests.unit.image.layouts import archive_of, large_layout, simple_layout


def codes(report: Report) -> set[str]:
    return {f.code for f in report.findings}


@pytest.fixture
def layout_dir(tmp_path: Path) -> Path:
    return simple_layout(tmp_path / "layout").root


def _add(
    archive: tarfile.TarFile, name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = ""
) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, link, len(data)
    archive.addfile(info, io.BytesIO(data) if data else None)


def _rewrite(source: Path, target: Path, change: dict[str, tuple[bytes, bytes] | None]) -> Path:
    """Copy an archive, replacing members named in `change` by (type, linkname-or-data) or dropping them."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old.getmembers():
            if member.name not in change:
                new.addfile(member, old.extractfile(member) if member.isfile() else None)
            elif change[member.name] is not None:
                kind, value = change[member.name]  # type: ignore[misc]
                if kind == tarfile.REGTYPE:
                    _add(new, member.name, value)
                else:
                    _add(new, member.name, kind=kind, link=value.decode())
    return target


@pytest.mark.parametrize("prefix", ["", "./"])
def test_archive_matches_the_directory(layout_dir: Path, tmp_path: Path, prefix: str) -> None:
    report = validate_archive(archive_of(layout_dir, tmp_path / "image.tar", prefix))
    assert report.findings == []
    direct = validate_layout(layout_dir)
    assert (report.blobs_verified, report.bytes_hashed) == (direct.blobs_verified, direct.bytes_hashed)


def test_gzip_compressed_archive(layout_dir: Path, tmp_path: Path) -> None:
    plain = archive_of(layout_dir, tmp_path / "image.tar")
    packed = tmp_path / "image.tar.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert validate_archive(packed).findings == []


def test_nothing_is_extracted(layout_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the validator must read members in place, not extract them")

    monkeypatch.setattr(tarfile.TarFile, "extract", refuse)
    monkeypatch.setattr(tarfile.TarFile, "extractall", refuse)
    work = tmp_path / "work"
    work.mkdir()
    assert validate_archive(archive_of(layout_dir, work / "image.tar")).findings == []
    assert os.listdir(work) == ["image.tar"]


def test_missing_archive_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validate_archive(tmp_path / "nope.tar")


@pytest.mark.parametrize(
    "content",
    [b"", b"not a tar at all" * 100, gzip.compress(b"junk" * 300, mtime=0)],
    ids=["empty", "text", "gzip"],
)
def test_not_a_tar(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "x.tar").write_bytes(content)
    report = validate_archive(tmp_path / "x.tar")
    assert codes(report) == {"archive.not-tar"} and not report.ok


def test_a_directory_is_not_an_archive(tmp_path: Path) -> None:
    assert codes(validate_archive(tmp_path)) == {"archive.not-tar"}


def test_truncated_archive(layout_dir: Path, tmp_path: Path) -> None:
    archive = archive_of(layout_dir, tmp_path / "image.tar")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    report = validate_archive(archive)
    assert "archive.not-tar" in codes(report) and not report.ok


def test_archive_without_index(layout_dir: Path, tmp_path: Path) -> None:
    archive = _rewrite(archive_of(layout_dir, tmp_path / "a.tar"), tmp_path / "b.tar", {"index.json": None})
    assert codes(validate_archive(archive)) == {"layout.index-missing"}


def test_unsafe_member_names_are_ignored_with_a_warning(layout_dir: Path, tmp_path: Path) -> None:
    archive = archive_of(layout_dir, tmp_path / "image.tar")
    with tarfile.open(archive, "a") as extra:
        _add(extra, "/etc/evil", b"x")
        _add(extra, "../evil", b"x")
    report = validate_archive(archive)
    assert [(f.code, f.path) for f in report.findings] == [
        ("archive.unsafe-member", "/etc/evil"),
        ("archive.unsafe-member", "../evil"),
    ]
    assert report.ok


def _manifest_member(layout_dir: Path) -> str:
    import json

    digest = json.loads((layout_dir / "index.json").read_bytes())["manifests"][0]["digest"]
    return "blobs/sha256/" + digest.split(":")[1]


def test_blob_linking_outside_the_archive(layout_dir: Path, tmp_path: Path) -> None:
    name = _manifest_member(layout_dir)
    archive = _rewrite(
        archive_of(layout_dir, tmp_path / "a.tar"),
        tmp_path / "b.tar",
        {name: (tarfile.SYMTYPE, b"../../../etc/passwd")},
    )
    report = validate_archive(archive)
    assert codes(report) == {"layout.blob-outside"}


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_blob_linking_inside_the_archive(layout_dir: Path, tmp_path: Path, kind: bytes) -> None:
    name = _manifest_member(layout_dir)
    shutil.copy(layout_dir / name, layout_dir / "stash")
    target = b"../../stash" if kind == tarfile.SYMTYPE else b"stash"
    archive = _rewrite(archive_of(layout_dir, tmp_path / "a.tar"), tmp_path / "b.tar", {name: (kind, target)})
    assert validate_archive(archive).findings == []


def test_blob_link_to_nothing(layout_dir: Path, tmp_path: Path) -> None:
    name = _manifest_member(layout_dir)
    archive = _rewrite(
        archive_of(layout_dir, tmp_path / "a.tar"), tmp_path / "b.tar", {name: (tarfile.SYMTYPE, b"gone")}
    )
    report = validate_archive(archive)
    assert codes(report) == {"layout.blob-missing"} and report.ok


def test_later_member_replaces_an_earlier_one(layout_dir: Path, tmp_path: Path) -> None:
    name = _manifest_member(layout_dir)
    archive = tmp_path / "image.tar"
    with tarfile.open(archive, "w") as out:
        _add(out, name, b"stale content")
    with tarfile.open(archive, "a") as out:
        for path in sorted(layout_dir.rglob("*")):
            out.add(path, arcname=path.relative_to(layout_dir).as_posix(), recursive=False)
    assert validate_archive(archive).findings == []


def test_broken_content_inside_an_archive(layout_dir: Path, tmp_path: Path) -> None:
    name = _manifest_member(layout_dir)
    data = bytearray((layout_dir / name).read_bytes())
    data[-1:] = b" "
    archive = _rewrite(
        archive_of(layout_dir, tmp_path / "a.tar"), tmp_path / "b.tar", {name: (tarfile.REGTYPE, bytes(data))}
    )
    assert "layout.blob-digest-mismatch" in codes(validate_archive(archive))


def test_64_mib_layer_archive_in_bounded_memory(tmp_path: Path) -> None:
    root = large_layout(tmp_path / "layout", 64 << 20, "none")
    archive = archive_of(root, tmp_path / "image.tar")
    shutil.rmtree(root)
    tracemalloc.start()
    try:
        report = validate_archive(archive)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.findings == []
    assert peak < 32 << 20, f"peak {peak >> 20} MiB"
