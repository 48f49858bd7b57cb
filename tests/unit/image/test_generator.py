"""Unit tests for :mod:`conformance.image.generator`: layouts, layers and faults, checked with plain
json/tarfile/hashlib (never with the suite's validator)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import re
import sys
import tarfile
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import zstandard

from conformance.core.errors import DataFileError
from conformance.image.faults import FAULTS
from conformance.image.generator import (
    build_layer,
    load_description,
    write_layout,
    write_oci_archive,
)
from conformance.image.vectors import generated_chunks

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
EMPTY = "application/vnd.oci.empty.v1+json"
EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
REF = "org.opencontainers.image.ref.name"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def decompress(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return data


def members(data: bytes) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(fileobj=io.BytesIO(decompress(data))) as tar:
        return [(m, tar.extractfile(m).read() if m.isreg() else None) for m in tar.getmembers()]


def blob(layout: Path, digest: str) -> bytes:
    algorithm, encoded = digest.split(":", 1)
    return (layout / "blobs" / algorithm / encoded).read_bytes()


def index_json(layout: Path) -> dict[str, Any]:
    return json.loads((layout / "index.json").read_bytes())


def image_documents(layout: Path, descriptor: dict[str, Any]) -> tuple[dict, dict]:
    manifest = json.loads(blob(layout, descriptor["digest"]))
    return manifest, json.loads(blob(layout, manifest["config"]["digest"]))


# --- layers --------------------------------------------------------------------------------------

ALL_TYPES = [
    {"path": "etc", "type": "dir", "mode": 0o750, "uid": 1, "gid": 2, "mtime": 1700000000},
    {"path": "etc/hello", "type": "file", "content": "hi\n", "mode": "0o4755", "uid": 3, "gid": 4},
    {"path": "bin/busybox", "type": "file", "content": b"\x7fELF"},
    {"path": "bin/sh", "type": "symlink", "target": "busybox"},
    {"path": "bin/ls", "type": "hardlink", "target": "bin/busybox"},
    {"path": "a/b", "type": "whiteout"},
    {"path": "a/.wh.c", "type": "whiteout"},
    {"path": "a", "type": "opaque"},
    {"path": ".", "type": "opaque"},
    {"path": "f", "type": "file", "content": "x", "xattrs": {"user.k": "v"}},
    {"path": "./g/", "type": "dir"},
]


def test_every_entry_type_becomes_the_member_it_claims() -> None:
    layer = build_layer(ALL_TYPES, "none")
    got = {m.name: (m, data) for m, data in members(layer.content)}
    assert list(got) == [
        "etc", "etc/hello", "bin/busybox", "bin/sh", "bin/ls", "a/.wh.b", "a/.wh.c", "a/.wh..wh..opq",
        ".wh..wh..opq", "f", "g",
    ]  # fmt: skip
    etc, _ = got["etc"]
    assert etc.isdir() and (etc.mode, etc.uid, etc.gid, etc.mtime) == (0o750, 1, 2, 1700000000)
    hello, data = got["etc/hello"]
    assert hello.isreg() and data == b"hi\n" and hello.mode == 0o4755 and (hello.uid, hello.gid) == (3, 4)
    assert got["bin/busybox"][1] == b"\x7fELF" and got["bin/busybox"][0].mode == 0o644
    assert got["bin/sh"][0].issym() and got["bin/sh"][0].linkname == "busybox"
    ls = got["bin/ls"][0]
    assert ls.islnk() and ls.linkname == "bin/busybox" and ls.mode == 0o644
    for name in ("a/.wh.b", "a/.wh.c", "a/.wh..wh..opq", ".wh..wh..opq"):
        assert got[name][0].isreg() and got[name][1] == b""
    assert got["f"][0].pax_headers["SCHILY.xattr.user.k"] == "v"
    assert got["g"][0].isdir() and got["g"][0].mode == 0o755


def test_headers_are_plain_and_uname_free() -> None:
    for member, _ in members(build_layer(ALL_TYPES, "none").content):
        assert member.uname == "" and member.gname == ""
        assert member.mtime in (0, 1700000000)


@pytest.mark.parametrize(
    ("compression", "magic", "media_type"),
    [
        ("none", b"", "application/vnd.oci.image.layer.v1.tar"),
        ("gzip", b"\x1f\x8b", "application/vnd.oci.image.layer.v1.tar+gzip"),
        ("zstd", b"\x28\xb5\x2f\xfd", "application/vnd.oci.image.layer.v1.tar+zstd"),
    ],
)
def test_compression_digest_and_diff_id(compression: str, magic: bytes, media_type: str) -> None:
    layer = build_layer(ALL_TYPES, compression)
    data = layer.content
    assert isinstance(data, bytes) and data.startswith(magic)
    assert layer.media_type == media_type and layer.size == len(data)
    assert layer.digest == sha256(data)
    assert layer.diff_id == sha256(decompress(data))
    if compression == "none":
        assert layer.digest == layer.diff_id


def test_zstd_without_its_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(DataFileError, match="pip install zstandard"):
        build_layer(ALL_TYPES, "zstd")


def test_gzip_header_is_deterministic() -> None:
    data = build_layer(ALL_TYPES, "gzip").content
    assert data[4:8] == b"\0\0\0\0", "mtime 0"
    assert data[3] & 0x08 == 0, "no file name"


def test_layer_is_written_into_a_directory_by_digest(tmp_path: Path) -> None:
    layer = build_layer(ALL_TYPES, "gzip", directory=tmp_path)
    assert layer.path == tmp_path / layer.digest.split(":")[1]
    assert sha256(layer.path.read_bytes()) == layer.digest
    assert [p.name for p in tmp_path.iterdir()] == [layer.path.name]


def test_generated_content_is_deterministic_and_sized() -> None:
    data = b"".join(generated_chunks(3 * 1024 * 1024 + 5, seed=7))
    assert len(data) == 3 * 1024 * 1024 + 5
    assert data == b"".join(generated_chunks(3 * 1024 * 1024 + 5, seed=7))
    assert data != b"".join(generated_chunks(3 * 1024 * 1024 + 5, seed=8))
    layer = build_layer([{"path": "big", "type": "file", "size": 1000, "seed": 7}], "none")
    assert members(layer.content)[0][1] == data[:1000]


def test_large_streamed_content_stays_bounded_in_memory(tmp_path: Path) -> None:
    size = 24 * 1024 * 1024
    tracemalloc.start()
    try:
        layer = build_layer(
            [{"path": "big", "type": "file", "size": size, "seed": 1}], "gzip", directory=tmp_path
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12 * 1024 * 1024, f"peak {peak} bytes while writing a {size}-byte file"
    with tarfile.open(layer.path) as tar:
        member = tar.getmember("big")
        assert member.size == size
        hasher = hashlib.sha256()
        handle = tar.extractfile(member)
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    expected = hashlib.sha256()
    for chunk in generated_chunks(size, 1):
        expected.update(chunk)
    assert hasher.hexdigest() == expected.hexdigest()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"path": "/abs", "type": "file"}, "relative"),
        ({"path": "a/../b", "type": "file"}, r"'\.\.'"),
        ({"path": "x", "type": "fiel"}, "type 'fiel'"),
        ({"path": "x", "type": "file", "colour": 1}, "unknown key"),
        ({"path": "x", "type": "symlink"}, "missing key"),
        ({"path": "x", "type": "file", "mode": "rwx"}, "octal"),
        ({"path": ".wh.x", "type": "file"}, "whiteouts"),
        ({"path": "a/.wh.", "type": "whiteout"}, "names nothing"),
        ({"path": "x", "type": "file", "content": "a", "size": 3}, "not both"),
        ({"path": ".", "type": "file"}, "root"),
    ],
)
def test_bad_entries_are_clear_errors(entry: dict, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        build_layer([entry])


# --- layouts -------------------------------------------------------------------------------------

IMAGE = {
    "layers": [
        {
            "compression": "gzip",
            "entries": [{"path": "etc", "type": "dir"}, {"path": "etc/hi", "type": "file"}],
        },
        {"compression": "zstd", "entries": [{"path": "etc/hi", "type": "whiteout"}]},
    ],
    "config": {
        "architecture": "arm64",
        "variant": "v8",
        "os": "linux",
        "config": {"Env": ["PATH=/bin"], "Entrypoint": ["/bin/sh"], "Cmd": ["-c", "true"], "User": "1:1"},
        "history": [{"created_by": "test"}, {"created_by": "test", "comment": "two"}],
    },
    "manifest": {"annotations": {"org.example.a": "b"}},
    "index": {"annotations": {"org.example.index": "yes"}, "ref": "v1"},
}


def test_one_image_layout(tmp_path: Path) -> None:
    info = write_layout(IMAGE, tmp_path)
    assert json.loads((tmp_path / "oci-layout").read_bytes()) == {"imageLayoutVersion": "1.0.0"}
    index = index_json(tmp_path)
    assert index["schemaVersion"] == 2 and index["mediaType"] == INDEX
    assert index["annotations"] == {"org.example.index": "yes"}
    [descriptor] = index["manifests"]
    assert descriptor["mediaType"] == MANIFEST and descriptor["annotations"] == {REF: "v1"}
    assert descriptor["platform"] == {"architecture": "arm64", "os": "linux", "variant": "v8"}
    raw_manifest = blob(tmp_path, descriptor["digest"])
    assert descriptor["digest"] == sha256(raw_manifest) == info.image.digest
    assert descriptor["size"] == len(raw_manifest)
    manifest, config = image_documents(tmp_path, descriptor)
    assert manifest["schemaVersion"] == 2 and manifest["mediaType"] == MANIFEST
    assert manifest["annotations"] == {"org.example.a": "b"}
    assert manifest["config"]["mediaType"] == CONFIG
    assert config["config"]["Entrypoint"] == ["/bin/sh"] and config["history"][1]["comment"] == "two"
    assert config["rootfs"]["type"] == "layers"
    for layer, diff_id, recorded in zip(
        manifest["layers"], config["rootfs"]["diff_ids"], info.layers, strict=True
    ):
        data = blob(tmp_path, layer["digest"])
        assert sha256(data) == layer["digest"] == recorded.digest and len(data) == layer["size"]
        assert sha256(decompress(data)) == diff_id == recorded.diff_id
    assert [layer["mediaType"].rsplit("+", 1)[-1] for layer in manifest["layers"]] == ["gzip", "zstd"]


def test_json_is_compact_with_sorted_keys(tmp_path: Path) -> None:
    write_layout(IMAGE, tmp_path)
    raw = (tmp_path / "index.json").read_bytes()
    document = json.loads(raw)
    assert raw == json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def test_same_description_same_digests(tmp_path: Path) -> None:
    first = write_layout(IMAGE, tmp_path / "one")
    reordered = dict(reversed(list(IMAGE.items())))
    second = write_layout(reordered, tmp_path / "two")
    assert first.image.digest == second.image.digest
    assert (tmp_path / "one" / "index.json").read_bytes() == (tmp_path / "two" / "index.json").read_bytes()
    assert sorted(p.name for p in (tmp_path / "one" / "blobs" / "sha256").iterdir()) == sorted(
        p.name for p in (tmp_path / "two" / "blobs" / "sha256").iterdir()
    )


def test_defaults_and_explicit_rootfs(tmp_path: Path) -> None:
    write_layout({"layers": [], "platform": None, "index": {"ref": None}}, tmp_path / "bare")
    [descriptor] = index_json(tmp_path / "bare")["manifests"]
    assert "platform" not in descriptor and "annotations" not in descriptor
    _, config = image_documents(tmp_path / "bare", descriptor)
    assert config == {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}
    rootfs = {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]}
    write_layout({"layers": [], "config": {"rootfs": rootfs}}, tmp_path / "given")
    _, config = image_documents(tmp_path / "given", index_json(tmp_path / "given")["manifests"][0])
    assert config["rootfs"] == rootfs
    assert index_json(tmp_path / "given")["manifests"][0]["annotations"] == {REF: "latest"}


MULTI = {
    "images": [
        {"layers": [], "config": {"architecture": "amd64"}, "ref": "amd"},
        {
            "images": [
                {"layers": [], "config": {"architecture": "arm64"}},
                {"layers": [], "config": {"architecture": "ppc64le"}, "annotations": {"org.example.k": "v"}},
            ],
            "index": {"annotations": {"org.example.nested": "1"}},
            "ref": "multi",
        },
        {"artifact": {"artifactType": "application/vnd.example.sbom", "subject": "amd"}, "ref": "sbom"},
        {
            "artifact": {
                "artifactType": "application/vnd.example.sig",
                "blobs": [
                    {
                        "content": "sig",
                        "mediaType": "application/vnd.example.sig.v1",
                        "annotations": {"a": "b"},
                    }
                ],
            }
        },
    ]
}


def test_several_images_nested_index_and_artifacts(tmp_path: Path) -> None:
    info = write_layout(MULTI, tmp_path)
    amd, nested, sbom, sig = index_json(tmp_path)["manifests"]
    assert amd["annotations"] == {REF: "amd"} and amd["platform"]["architecture"] == "amd64"
    assert (
        nested["mediaType"] == INDEX and nested["annotations"] == {REF: "multi"} and "platform" not in nested
    )
    inner = json.loads(blob(tmp_path, nested["digest"]))
    assert inner["mediaType"] == INDEX and inner["annotations"] == {"org.example.nested": "1"}
    assert [d["platform"]["architecture"] for d in inner["manifests"]] == ["arm64", "ppc64le"]
    assert inner["manifests"][1]["annotations"] == {"org.example.k": "v"}
    manifest = json.loads(blob(tmp_path, sbom["digest"]))
    assert manifest["artifactType"] == "application/vnd.example.sbom"
    assert manifest["config"] == {"mediaType": EMPTY, "digest": EMPTY_DIGEST, "size": 2}
    assert manifest["layers"] == [manifest["config"]], "no blobs: the empty descriptor as the one layer"
    assert manifest["subject"] == {"mediaType": MANIFEST, "digest": amd["digest"], "size": amd["size"]}
    assert blob(tmp_path, EMPTY_DIGEST) == b"{}"
    signed = json.loads(blob(tmp_path, sig["digest"]))
    assert signed["layers"][0]["mediaType"] == "application/vnd.example.sig.v1"
    assert blob(tmp_path, signed["layers"][0]["digest"]) == b"sig"
    assert len(info.manifests) == 5 and len(info.indexes) == 1
    assert [m.kind for m in info.manifests].count("artifact") == 2


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ({"layers": [], "colour": 1}, "unknown key"),
        ({"layers": [], "images": []}, "exactly one of"),
        ({}, "exactly one of"),
        ({"layers": [], "config": {"Entrypoint": []}}, "unknown key"),
        ({"layers": [], "config": {"config": {"Entrypiont": []}}}, "unknown key"),
        ({"layers": [{"compression": "lz4", "entries": []}]}, "compression"),
        ({"layers": [], "faults": ["no-such-fault"]}, "unknown fault"),
        ({"layers": [], "ref": "x"}, "index.ref"),
        ({"images": [], "index": {"ref": "x"}}, "unknown key"),
        ({"artifact": {"artifactType": "not a type"}}, "artifactType"),
        ({"layers": [], "manifest": {"subject": "nothing-earlier"}}, "subject"),
    ],
)
def test_bad_descriptions_are_clear_errors(tmp_path: Path, description: dict, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        write_layout(description, tmp_path)


def test_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "vector.yaml"
    path.write_text("layers:\n  - entries:\n      - {path: a, type: file}\n      - {path: b, type: fiel}\n")
    with pytest.raises(DataFileError, match=r"vector\.yaml:4: .*entries\[1\]: type 'fiel'"):
        write_layout(load_description(path), tmp_path / "out", source=path)


def test_oci_archive_has_the_layout_at_its_root(tmp_path: Path) -> None:
    write_layout(IMAGE, tmp_path / "layout")
    write_oci_archive(tmp_path / "layout", tmp_path / "image.tar")
    with tarfile.open(tmp_path / "image.tar") as tar:
        names = tar.getnames()
        assert names[:2] == ["oci-layout", "index.json"]
        files = {p.relative_to(tmp_path / "layout").as_posix() for p in (tmp_path / "layout").rglob("*")}
        assert set(names) == files
        for name in files:
            if (tmp_path / "layout" / name).is_file():
                assert tar.extractfile(name).read() == (tmp_path / "layout" / name).read_bytes()
    first = (tmp_path / "image.tar").read_bytes()
    write_oci_archive(tmp_path / "layout", tmp_path / "again.tar")
    assert (tmp_path / "again.tar").read_bytes() == first


# --- faults --------------------------------------------------------------------------------------

BASE = {
    "images": [
        {
            "layers": [
                {
                    "compression": "gzip",
                    "entries": [
                        {"path": "bin", "type": "dir"},
                        {"path": "bin/busybox", "type": "file", "content": "bb" * 1000, "mode": 0o755},
                        {"path": "bin/sh", "type": "symlink", "target": "busybox"},
                        {"path": "bin/ls", "type": "hardlink", "target": "bin/busybox"},
                    ],
                },
                {"compression": "none", "entries": [{"path": "bin/ls", "type": "whiteout"}]},
            ],
            "config": {"config": {"Env": ["PATH=/bin"]}},
            "ref": "latest",
        },
        {
            "artifact": {"artifactType": "application/vnd.example.sbom", "blobs": [{"content": "{}"}]},
            "ref": "a",
        },
    ]
}
GRAMMAR = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")


def _verify(data: bytes, digest: str, problems: set[str]) -> None:
    algorithm, encoded = digest.split(":", 1)
    algorithm = algorithm.lower()  # letter case is a grammar problem, not a mismatch
    raw = hashlib.sha256(data).digest()
    actual = {
        "sha256": (raw.hex(), encoded.lower()),
        "sha512": (hashlib.sha512(data).hexdigest(), encoded.lower()),
        "sha256+b64u": (base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), encoded),
    }
    if algorithm in actual and actual[algorithm][0] != actual[algorithm][1]:
        problems.add("digest")


def _check_layer(data: bytes, media_type: str, diff_id: str | None, problems: set[str]) -> None:
    if not media_type.startswith("application/vnd.oci.image.layer."):
        problems.add("unknown-media-type")
    if (media_type.endswith("+gzip") and data[:2] != b"\x1f\x8b") or (
        media_type.endswith("+zstd") and data[:4] != b"\x28\xb5\x2f\xfd"
    ):
        problems.add("compression")
        return
    try:
        tar = decompress(data)
        listed = members(data)
    except (EOFError, OSError, tarfile.TarError):
        problems.add("corrupt-layer")
        return
    if diff_id is not None and sha256(tar) != diff_id:
        problems.add("diff-id")
    names: list[str] = []
    symlinks: set[str] = set()
    for member, _ in listed:
        name = member.name
        if name.startswith("/"):
            problems.add("unsafe-absolute")
        if ".." in name.split("/"):
            problems.add("unsafe-dotdot")
        if any(name.startswith(link + "/") for link in symlinks):
            problems.add("unsafe-symlink")
        if member.islnk() and (member.linkname.startswith("/") or ".." in member.linkname.split("/")):
            problems.add("unsafe-hardlink")
        if name.rsplit("/", 1)[-1] == ".wh.":
            problems.add("malformed-whiteout")
        if member.issym():
            symlinks.add(name)
        names.append(name)
    if len(names) != len(set(names)):
        problems.add("duplicate")


def _check_descriptor(layout: Path, d: dict[str, Any], problems: set[str]) -> bytes | None:
    digest = d["digest"]
    algorithm, encoded = digest.split(":", 1)
    if not GRAMMAR.match(digest) or (algorithm == "sha256" and not re.fullmatch("[a-f0-9]{64}", encoded)):
        problems.add("digest-grammar")
    if algorithm.lower() not in ("sha256", "sha512"):
        problems.add("unregistered-algorithm")
    elif algorithm == "sha512":
        problems.add("sha512")
    path = layout / "blobs" / algorithm / encoded
    if not path.exists():
        problems.add("missing-blob")
        return None
    data = path.read_bytes()
    if len(data) != d["size"]:
        problems.add("size")
    _verify(data, digest, problems)
    if "data" in d and base64.b64decode(d["data"]) != data:
        problems.add("data")
    return data


def _parse(data: bytes, problems: set[str]) -> dict[str, Any] | None:
    try:
        document = json.loads(data)
    except ValueError:
        problems.add("not-json")
        return None
    if document.get("schemaVersion") != 2:
        problems.add("schema-version")
    return document


def _check_manifest(layout: Path, data: bytes, problems: set[str]) -> None:
    manifest = _parse(data, problems)
    if manifest is None:
        return
    if manifest.get("mediaType") != MANIFEST:
        problems.add("manifest-media-type")
    config_data = _check_descriptor(layout, manifest["config"], problems)
    if manifest["config"]["mediaType"] not in (CONFIG, EMPTY):
        problems.add("unknown-media-type")
    if manifest["config"]["mediaType"] == EMPTY:
        if config_data is not None and config_data != b"{}":
            problems.add("empty-content")
        if "artifactType" not in manifest:
            problems.add("artifact-type")
        for layer in manifest["layers"]:
            _check_descriptor(layout, layer, problems)
        return
    try:
        config = (
            json.loads(config_data) if config_data is not None else {"rootfs": {"diff_ids": []}, "config": {}}
        )
    except ValueError:
        problems.add("not-json")
        config = {"rootfs": {"diff_ids": [None] * len(manifest["layers"])}, "config": {}}
    built = [h for h in config.get("history", []) if not h.get("empty_layer")]
    if "history" in config and len(built) != len(manifest["layers"]):
        problems.add("history-count")
    if any("=" not in item for item in config.get("config", {}).get("Env", [])):
        problems.add("env")
    diff_ids = config["rootfs"]["diff_ids"]
    if config_data is not None and len(diff_ids) != len(manifest["layers"]):
        problems.add("diff-ids-count")
    for position, layer in enumerate(manifest["layers"]):
        layer_data = _check_descriptor(layout, layer, problems)
        diff_id = diff_ids[position] if position < len(diff_ids) else None
        if layer_data is not None:
            _check_layer(layer_data, layer["mediaType"], diff_id, problems)


def integrity_problems(layout: Path) -> set[str]:
    """Every problem class the faults claim to introduce, found with plain json/tarfile/hashlib."""
    problems: set[str] = set()
    if not (layout / "oci-layout").exists():
        problems.add("missing-oci-layout")
    elif (layout / "oci-layout").read_bytes() != b'{"imageLayoutVersion":"1.0.0"}':
        problems.add("layout-version")
    if not (layout / "index.json").exists():
        return problems | {"missing-index"}
    try:
        top = json.loads((layout / "index.json").read_bytes())
    except ValueError:
        return problems | {"index-not-json"}
    if top.get("schemaVersion") != 2:
        problems.add("index-schema-version")
    if top.get("mediaType") != INDEX:
        problems.add("index-media-type")
    pending = list(top["manifests"])
    while pending:
        descriptor = pending.pop(0)
        data = _check_descriptor(layout, descriptor, problems)
        if data is None:
            continue
        if descriptor["mediaType"] == INDEX:
            nested = _parse(data, problems)
            if nested is not None and nested.get("mediaType") != INDEX:
                problems.add("index-media-type")
            pending += (nested or {}).get("manifests", [])
        else:
            _check_manifest(layout, data, problems)
    return problems


EXPECTED_PROBLEMS = {
    "bad-layout-version": {"layout-version"},
    "oci-layout-not-json": {"layout-version"},
    "index.not-json": {"index-not-json"},
    "index.schema-version": {"index-schema-version"},
    "index.media-type-field": {"index-media-type"},
    "bad-diff-id": {"diff-id"},
    "missing-oci-layout": {"missing-oci-layout"},
    "missing-index": {"missing-index"},
    "manifest.media-type-field": {"manifest-media-type"},
    "nested.media-type-field": {"index-media-type"},
    "manifest.not-json": {"not-json"},
    "nested.not-json": {"not-json"},
    "config.not-json": {"not-json"},
    "manifest.schema-version": {"schema-version"},
    "nested.schema-version": {"schema-version"},
    "config.unknown-media-type": {"unknown-media-type"},
    "history-count": {"history-count"},
    "truncated-layer": {"corrupt-layer"},
    "truncated-layer-stale-digest": {"corrupt-layer", "digest"},
    "layer.gzip-says-zstd": {"compression"},
    "layer.unknown-media-type": {"unknown-media-type"},
    "wrong-compression": {"compression"},
    "diff-ids-count": {"diff-ids-count"},
    "duplicate-path": {"duplicate"},
    "unsafe-absolute": {"unsafe-absolute"},
    "unsafe-dotdot": {"unsafe-dotdot"},
    "unsafe-symlink-escape": {"unsafe-symlink"},
    "unsafe-hardlink-escape": {"unsafe-hardlink"},
    "malformed-whiteout": {"malformed-whiteout"},
    "env-syntax": {"env"},
    "empty-descriptor-wrong": {"empty-content"},
    "missing-artifact-type": {"artifact-type"},
    "data-mismatch": {"data"},
}


#: What each kind of blob fault (registered per level) introduces.
BLOB_FAULT_PROBLEMS = {
    "reencoded": {"digest"},
    "bad-size": {"size"},
    "missing-blob": {"missing-blob"},
    "uppercase-digest": {"digest-grammar"},
    "algorithm-grammar": {"digest-grammar"},
    "sha512": {"sha512"},
    "unregistered-algorithm": {"unregistered-algorithm"},
}
for _level in ("nested", "manifest", "config", "layer"):
    EXPECTED_PROBLEMS.update({f"{_level}.{kind}": p for kind, p in BLOB_FAULT_PROBLEMS.items()})
#: BASE with its image behind a nested index, for the faults of nested indexes.
NESTED = {"images": [{"images": [BASE["images"][0]], "ref": "latest"}, BASE["images"][1]]}


def test_every_fault_has_a_claim() -> None:
    assert set(FAULTS) == set(EXPECTED_PROBLEMS)


def test_the_base_layout_is_clean(tmp_path: Path) -> None:
    write_layout(BASE, tmp_path)
    assert integrity_problems(tmp_path) == set()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_introduces_exactly_its_problem(tmp_path: Path, fault: str) -> None:
    info = write_layout({**(NESTED if fault.startswith("nested.") else BASE), "faults": [fault]}, tmp_path)
    assert info.faults == [fault]
    assert integrity_problems(tmp_path) == EXPECTED_PROBLEMS[fault]
    leftovers = [p.name for p in (tmp_path / "blobs").rglob(".*")]
    assert leftovers == [], "no temporary files are left behind"


def test_faults_keep_the_info_in_step_with_the_files(tmp_path: Path) -> None:
    info = write_layout({**BASE, "faults": ["duplicate-path"]}, tmp_path)
    [descriptor, _] = index_json(tmp_path)["manifests"]
    assert descriptor["digest"] == info.image.digest
    manifest, config = image_documents(tmp_path, descriptor)
    assert [layer["digest"] for layer in manifest["layers"]] == [layer.digest for layer in info.layers]
    assert config["rootfs"]["diff_ids"] == info.image.diff_ids
    assert manifest["config"]["digest"] == info.config.digest


def test_rewritten_documents_replace_their_old_versions(tmp_path: Path) -> None:
    clean = write_layout(BASE, tmp_path / "clean")
    write_layout({**BASE, "faults": ["env-syntax"]}, tmp_path / "faulty")
    assert not (tmp_path / "faulty" / "blobs" / "sha256" / clean.config.digest.split(":")[1]).exists()
    assert not (tmp_path / "faulty" / "blobs" / "sha256" / clean.image.digest.split(":")[1]).exists()


def test_specific_fault_details(tmp_path: Path) -> None:
    info = write_layout({**BASE, "faults": ["layer.uppercase-digest"]}, tmp_path / "grammar")
    encoded = info.layers[0].digest.split(":")[1]
    assert encoded == encoded.upper() != encoded.lower()
    assert info.layers[0].path.name == encoded
    info = write_layout({**BASE, "faults": ["wrong-compression"]}, tmp_path / "compression")
    data = info.layers[0].path.read_bytes()
    assert info.layers[0].media_type.endswith("+gzip") and tarfile.is_tarfile(io.BytesIO(data))
    info = write_layout({**BASE, "faults": ["layer.unregistered-algorithm"]}, tmp_path / "alg")
    assert info.layers[0].digest.startswith("sha256+b64u:")
    info = write_layout({**BASE, "faults": ["unsafe-symlink-escape"]}, tmp_path / "symlink")
    names = {m.name: m for m, _ in members(info.layers[0].path.read_bytes())}
    assert names["escape-link"].linkname == "../../.." and "escape-link/escape" in names


def test_faults_needing_a_part_the_description_lacks_say_so(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="needs an artifact"):
        write_layout({"layers": [], "faults": ["missing-artifact-type"]}, tmp_path / "a")
    with pytest.raises(DataFileError, match="at least one layer"):
        write_layout({"layers": [], "faults": ["truncated-layer"]}, tmp_path / "b")
