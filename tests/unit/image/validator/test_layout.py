"""validate_layout: the layout's files, the blob store, the walk from index.json, cross checks."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conformance.image import mediatypes as mt
from conformance.image.validator import LARGE_DOCUMENT, validate_layout
from conformance.image.validator.findings import Report
from tests.unit.image.layouts import (
    EMPTY_DESCRIPTOR,
    ImageLayout,
    canonical,
    directory,
    file,
    sha256,
    simple_layout,
)

as_root = os.geteuid() == 0


def codes(report: Report) -> set[str]:
    return {f.code for f in report.findings}


def error_codes(report: Report) -> set[str]:
    return {f.code for f in report.errors}


def only(report: Report, code: str) -> None:
    """The report has findings of exactly this one code."""
    assert codes(report) == {code}, [f.line() for f in report.findings]


@pytest.fixture
def layout(tmp_path: Path) -> ImageLayout:
    return simple_layout(tmp_path / "layout")


def test_simple_layout_is_clean(layout: ImageLayout) -> None:
    report = validate_layout(layout.root)
    assert report.findings == [] and report.ok
    assert report.blobs_verified == 4  # config, manifest, two layers
    assert report.bytes_hashed > 0


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_every_compression_is_clean(tmp_path: Path, compression: str) -> None:
    assert validate_layout(simple_layout(tmp_path, compression).root).findings == []


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validate_layout(tmp_path / "nope")


def test_a_file_is_not_a_layout(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    only(validate_layout(tmp_path / "file"), "layout.not-a-directory")


def test_empty_directory(tmp_path: Path) -> None:
    report = validate_layout(tmp_path)
    assert codes(report) == {"layout.oci-layout-missing", "layout.index-missing", "layout.blobs-missing"}


# ---------------------------------------------------------------- oci-layout and index.json


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (None, "layout.oci-layout-missing"),
        (b"1.0.0", "layout.oci-layout-not-json"),
        (b'"1.0.0"', "layout.oci-layout-not-json"),
        (b"{}", "layout.oci-layout-version"),
        (b'{"imageLayoutVersion": "2.0.0"}', "layout.oci-layout-version"),
        (b'{"imageLayoutVersion": 1}', "layout.oci-layout-version"),
    ],
)
def test_oci_layout_file(layout: ImageLayout, content: bytes | None, code: str) -> None:
    (layout.root / "oci-layout").unlink()
    if content is not None:
        layout.write_file("oci-layout", content)
    only(validate_layout(layout.root), code)


def test_oci_layout_may_have_more_fields(layout: ImageLayout) -> None:
    layout.write_file("oci-layout", b'{"imageLayoutVersion": "1.0.0", "x": [1]}')
    assert validate_layout(layout.root).findings == []


def test_oci_layout_that_is_a_directory(layout: ImageLayout) -> None:
    (layout.root / "oci-layout").unlink()
    (layout.root / "oci-layout").mkdir()
    only(validate_layout(layout.root), "layout.oci-layout-unreadable")


def test_oci_layout_linking_outside(layout: ImageLayout, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").write_bytes(b'{"imageLayoutVersion": "1.0.0"}')
    (layout.root / "oci-layout").unlink()
    (layout.root / "oci-layout").symlink_to(tmp_path / "elsewhere")
    only(validate_layout(layout.root), "layout.oci-layout-unreadable")


def test_oci_layout_linking_inside_is_fine(layout: ImageLayout) -> None:
    (layout.root / "header").write_bytes((layout.root / "oci-layout").read_bytes())
    (layout.root / "oci-layout").unlink()
    (layout.root / "oci-layout").symlink_to("header")
    assert validate_layout(layout.root).findings == []


@pytest.mark.skipif(as_root, reason="root reads files whatever their mode")
def test_unreadable_oci_layout(layout: ImageLayout) -> None:
    (layout.root / "oci-layout").chmod(0)
    only(validate_layout(layout.root), "layout.oci-layout-unreadable")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (None, "layout.index-missing"),
        (b"{", "layout.index-not-json"),
        (b"[]", "layout.index-invalid"),
        (b'{"schemaVersion": 2}', "index.manifests-missing"),
        (
            b'{"schemaVersion": 1, "mediaType": "%s", "manifests": []}' % mt.INDEX.encode(),
            "index.schema-version",
        ),
    ],
)
def test_index_json(layout: ImageLayout, content: bytes | None, code: str) -> None:
    (layout.root / "index.json").unlink()
    if content is not None:
        layout.write_file("index.json", content)
    assert code in error_codes(validate_layout(layout.root))


def test_index_json_with_no_manifests_is_valid(layout: ImageLayout) -> None:
    layout.write_index([])
    assert validate_layout(layout.root).findings == []


def test_index_json_without_media_type_is_a_warning(layout: ImageLayout) -> None:
    doc = json.loads((layout.root / "index.json").read_bytes())
    del doc["mediaType"]
    layout.write_file("index.json", canonical(doc))
    report = validate_layout(layout.root)
    only(report, "index.media-type-missing")
    assert report.ok


def test_index_json_that_is_a_directory(layout: ImageLayout) -> None:
    (layout.root / "index.json").unlink()
    (layout.root / "index.json").mkdir()
    only(validate_layout(layout.root), "layout.index-unreadable")


def test_large_index_json_is_a_warning(layout: ImageLayout) -> None:
    doc = json.loads((layout.root / "index.json").read_bytes())
    doc["annotations"] = {"com.example.pad": "x" * LARGE_DOCUMENT}
    layout.write_file("index.json", canonical(doc))
    report = validate_layout(layout.root)
    only(report, "document.large")
    assert report.ok


def test_document_over_the_parse_cap_is_hashed_not_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conformance.image import validator

    layout = ImageLayout(tmp_path)
    manifest = layout.add_image(config={"author": "x" * 5000})
    layout.write_index([manifest])
    monkeypatch.setattr(validator, "MAX_DOCUMENT", 2000)
    monkeypatch.setattr(validator, "LARGE_DOCUMENT", 1000)
    report = validate_layout(tmp_path)
    config = layout.read_json(manifest["digest"])["config"]["digest"]
    assert [(f.code, f.where) for f in report.findings] == [
        ("document.too-large", f"blobs/sha256/{config[7:]}")
    ]
    assert report.ok and report.blobs_verified == 3


def test_unknown_files_are_fine(layout: ImageLayout) -> None:
    layout.write_file("manifest.json", b"[]")
    layout.write_file("extra/dir/file", b"x")
    assert validate_layout(layout.root).findings == []


# ---------------------------------------------------------------- the blob store


def test_blobs_directory_missing(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    layout.write_index([])
    (tmp_path / "blobs" / "sha256").rmdir()
    (tmp_path / "blobs").rmdir()
    only(validate_layout(tmp_path), "layout.blobs-missing")


def test_empty_blobs_directory_is_fine(tmp_path: Path) -> None:
    ImageLayout(tmp_path).write_index([])
    assert validate_layout(tmp_path).findings == []


@pytest.mark.parametrize(
    "name",
    [
        "blobs/README",
        "blobs/sha256/" + "a" * 63,
        "blobs/sha256/" + "A" * 64,
        "blobs/SHA256/" + "a" * 64,
        "blobs/sha256+/x",
        "blobs/sha256/sub/" + "a" * 64,
        "blobs/sha512/" + "a" * 64,
        "blobs/multihash+base58/Qm.x",
    ],
)
def test_badly_named_blob(layout: ImageLayout, name: str) -> None:
    layout.write_file(name, b"x")
    report = validate_layout(layout.root)
    only(report, "layout.blob-path-invalid")


def test_unknown_algorithm_directory_is_a_warning(layout: ImageLayout) -> None:
    layout.write_file("blobs/multihash+base58/QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", b"x")
    layout.write_file("blobs/multihash+base58/QmOther", b"y")
    report = validate_layout(layout.root)
    assert [f.code for f in report.findings] == ["layout.blob-algorithm-unknown"]
    assert report.ok


def test_sha512_blob(layout: ImageLayout) -> None:
    import hashlib

    data = b"some sha512 content"
    layout.write_file(f"blobs/sha512/{hashlib.sha512(data).hexdigest()}", data)
    report = validate_layout(layout.root)
    assert report.findings == [] and report.blobs_verified == 5


def test_unreferenced_blob_is_verified_too(layout: ImageLayout) -> None:
    layout.write_file("blobs/sha256/" + "0" * 64, b"not the content of 000...")
    only(validate_layout(layout.root), "layout.blob-digest-mismatch")


def test_unreferenced_good_blob_is_fine(layout: ImageLayout) -> None:
    layout.add_blob(b"spare", "text/plain")
    report = validate_layout(layout.root)
    assert report.findings == [] and report.blobs_verified == 5


@pytest.mark.parametrize("which", ["manifest", "config", "layer"])
def test_blob_content_does_not_match_its_name(tmp_path: Path, which: str) -> None:
    layout = ImageLayout(tmp_path)
    layer, diff_id = layout.add_layer([file("a")], "none")
    manifest = layout.add_image([(layer, diff_id)])
    layout.write_index([manifest])
    manifest_doc = layout.read_json(manifest["digest"])
    target = {"manifest": manifest, "config": manifest_doc["config"], "layer": layer}[which]
    path = layout.blob_path(target["digest"])
    data = bytearray(path.read_bytes())
    data[-1] ^= 1  # the tar's zero padding, or the JSON's closing brace
    path.write_bytes(bytes(data))
    report = validate_layout(layout.root)
    assert "layout.blob-digest-mismatch" in error_codes(report)
    mismatch = [f for f in report.findings if f.code == "layout.blob-digest-mismatch"]
    assert [f.where for f in mismatch] == ["blobs/sha256/" + target["digest"].split(":")[1]]


def test_blob_that_is_a_directory(layout: ImageLayout) -> None:
    manifest = json.loads((layout.root / "index.json").read_bytes())["manifests"][0]
    path = layout.blob_path(manifest["digest"])
    path.unlink()
    path.mkdir()
    report = validate_layout(layout.root)
    assert "layout.blob-path-invalid" in error_codes(report)  # a directory where a blob belongs
    assert "layout.blob-unreadable" in error_codes(report)


def test_blob_linking_outside_the_layout(layout: ImageLayout, tmp_path: Path) -> None:
    manifest = json.loads((layout.root / "index.json").read_bytes())["manifests"][0]
    path = layout.blob_path(manifest["digest"])
    outside = tmp_path / "outside"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)
    report = validate_layout(layout.root)
    assert codes(report) == {"layout.blob-outside"}
    assert report.findings[0].where == f"blobs/sha256/{manifest['digest'].split(':')[1]}"


def test_blob_linking_inside_the_layout_is_followed(layout: ImageLayout) -> None:
    manifest = json.loads((layout.root / "index.json").read_bytes())["manifests"][0]
    path = layout.blob_path(manifest["digest"])
    (layout.root / "stash").write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to("../../stash")
    assert validate_layout(layout.root).findings == []


def test_blob_link_loop(layout: ImageLayout) -> None:
    manifest = json.loads((layout.root / "index.json").read_bytes())["manifests"][0]
    path = layout.blob_path(manifest["digest"])
    path.unlink()
    path.symlink_to(path.name)
    assert "layout.blob-unreadable" in error_codes(validate_layout(layout.root))


def test_blob_that_is_a_fifo(layout: ImageLayout) -> None:
    manifest = json.loads((layout.root / "index.json").read_bytes())["manifests"][0]
    path = layout.blob_path(manifest["digest"])
    path.unlink()
    os.mkfifo(path)
    assert "layout.blob-unreadable" in error_codes(validate_layout(layout.root))


@pytest.mark.skipif(as_root, reason="root reads files whatever their mode")
def test_unreadable_blob(layout: ImageLayout) -> None:
    manifest = json.loads((layout.root / "index.json").read_bytes())["manifests"][0]
    layout.blob_path(manifest["digest"]).chmod(0)
    only(validate_layout(layout.root), "layout.blob-unreadable")


# ---------------------------------------------------------------- the walk


def test_missing_referenced_blob_is_a_warning(layout: ImageLayout) -> None:
    manifest = json.loads((layout.root / "index.json").read_bytes())["manifests"][0]
    layout.blob_path(manifest["digest"]).unlink()
    report = validate_layout(layout.root)
    assert [(f.code, f.where, f.path) for f in report.findings] == [
        ("layout.blob-missing", "index.json", "$.manifests[0]")
    ]
    assert report.ok


def test_missing_blob_is_reported_at_each_reference(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    layer = layout.add_layer([file("a")])
    manifests = [layout.add_image([layer], config={"author": name}) for name in ("a", "b")]
    layout.write_index(manifests)
    layout.blob_path(layer[0]["digest"]).unlink()
    report = validate_layout(tmp_path)
    missing = [f for f in report.findings if f.code == "layout.blob-missing"]
    assert len(missing) == 2 and len({f.where for f in missing}) == 2
    assert report.ok


def test_missing_blob_with_embedded_data_is_fine(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    embedded = dict(EMPTY_DESCRIPTOR, data="e30=")
    manifest = {"schemaVersion": 2, "mediaType": mt.MANIFEST, "artifactType": "a/b", "config": embedded}
    layout.write_index([layout.add_json({**manifest, "layers": [embedded]}, mt.MANIFEST)])
    assert not layout.blob_path(mt.EMPTY_DIGEST).exists()
    assert validate_layout(tmp_path).findings == []
    layout.write_index([layout.add_json({**manifest, "layers": [EMPTY_DESCRIPTOR]}, mt.MANIFEST)])
    only(validate_layout(tmp_path), "layout.blob-missing")


def test_embedded_manifest_is_walked(tmp_path: Path) -> None:
    import base64

    layout = ImageLayout(tmp_path)
    manifest = layout.add_image(config={"os": 7})
    data = layout.blob_path(manifest["digest"]).read_bytes()
    layout.blob_path(manifest["digest"]).unlink()
    layout.write_index([dict(manifest, data=base64.b64encode(data).decode())])
    assert codes(validate_layout(tmp_path)) == {"config.os"}  # reached through the embedded manifest


def test_shared_blob_is_hashed_once(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    shared = layout.add_layer([file("big", os.urandom(200_000))], "none")
    manifests = [layout.add_image([shared], config={"author": name}) for name in "abc"]
    layout.write_index([*manifests, manifests[0]])
    report = validate_layout(tmp_path)
    assert report.findings == []
    assert report.blobs_verified == 1 + 3 + 3  # the layer, three configs, three manifests
    assert report.bytes_hashed < 2 * 200_000 + 20_000


def test_size_mismatch_between_descriptors_of_one_blob(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    layer = layout.add_layer([file("a")])
    wrong = (dict(layer[0], size=layer[0]["size"] + 1), layer[1])
    right = layout.add_image([layer], config={"author": "right"})
    bad = layout.add_image([wrong], config={"author": "wrong"})
    layout.write_index([right, bad])
    report = validate_layout(tmp_path)
    mismatches = [f for f in report.findings if f.code == "descriptor.size-mismatch"]
    assert [(f.where, f.path) for f in mismatches] == [
        (f"blobs/sha256/{bad['digest'][7:]}", "$.layers[0].size")
    ]
    assert report.blobs_verified == 5


def test_manifest_size_mismatch(layout: ImageLayout) -> None:
    doc = json.loads((layout.root / "index.json").read_bytes())
    doc["manifests"][0]["size"] -= 1
    layout.write_file("index.json", canonical(doc))
    report = validate_layout(layout.root)
    assert [(f.code, f.where, f.path) for f in report.findings] == [
        ("descriptor.size-mismatch", "index.json", "$.manifests[0].size")
    ]


def test_nested_indexes_are_walked(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    layer = layout.add_layer([file("a")])
    manifest = layout.add_image([layer])
    inner = layout.add_json({"schemaVersion": 2, "mediaType": mt.INDEX, "manifests": [manifest]}, mt.INDEX)
    outer = layout.add_json({"schemaVersion": 2, "mediaType": mt.INDEX, "manifests": [inner]}, mt.INDEX)
    layout.write_index([outer])
    assert validate_layout(tmp_path).findings == []
    # break the layer deep inside: the walk reaches it
    layout.blob_path(layer[0]["digest"]).write_bytes(b"broken")
    assert "layout.blob-digest-mismatch" in error_codes(validate_layout(tmp_path))


def test_cycle_through_a_lying_blob(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    fake = "sha256:" + "c" * 64
    looping = {
        "schemaVersion": 2,
        "mediaType": mt.INDEX,
        "manifests": [{"mediaType": mt.INDEX, "digest": fake, "size": 1}],
    }
    layout.write_file(f"blobs/sha256/{'c' * 64}", canonical(looping))
    layout.write_index([{"mediaType": mt.INDEX, "digest": fake, "size": len(canonical(looping))}])
    report = validate_layout(tmp_path)
    assert {"layout.graph-cycle", "layout.blob-digest-mismatch"} <= error_codes(report)


def test_unknown_media_type_is_verified_not_parsed(layout: ImageLayout) -> None:
    xml = layout.add_blob(b"<not-json/>", "application/xml")  # same length as below
    doc = json.loads((layout.root / "index.json").read_bytes())
    layout.write_index([*doc["manifests"], xml])
    report = validate_layout(layout.root)
    assert report.findings == [] and report.blobs_verified == 5
    layout.blob_path(xml["digest"]).write_bytes(b"<not-JSON/>")
    assert error_codes(validate_layout(layout.root)) == {"layout.blob-digest-mismatch"}


def test_manifest_blob_that_is_not_json(layout: ImageLayout) -> None:
    junk = layout.add_blob(b"not json", mt.MANIFEST)
    layout.write_index([junk])
    report = validate_layout(layout.root)
    assert [(f.code, f.where) for f in report.findings] == [
        ("manifest.not-json", f"blobs/sha256/{junk['digest'][7:]}")
    ]


def test_manifest_that_is_really_an_index(layout: ImageLayout) -> None:
    index = layout.add_json({"schemaVersion": 2, "mediaType": mt.INDEX, "manifests": []}, mt.MANIFEST)
    layout.write_index([index])
    assert "manifest.media-type-mismatch" in error_codes(validate_layout(layout.root))


def test_artifact_with_empty_config(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    empty = layout.add_blob(b"{}", mt.EMPTY)
    payload = layout.add_blob(b"payload", "application/vnd.example.data")
    manifest = {"schemaVersion": 2, "mediaType": mt.MANIFEST, "config": empty, "layers": [payload]}
    with_type = layout.add_json({**manifest, "artifactType": "application/vnd.example"}, mt.MANIFEST)
    layout.write_index([with_type])
    assert validate_layout(tmp_path).findings == []
    without = layout.add_json(manifest, mt.MANIFEST)
    layout.write_index([without])
    only(validate_layout(tmp_path), "manifest.artifact-type-missing")


def test_empty_blob_with_other_content(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    braces = layout.add_blob(b"{ }", mt.EMPTY)
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.MANIFEST,
        "artifactType": "a/b",
        "config": braces,
        "layers": [braces],
    }
    layout.write_index([layout.add_json(manifest, mt.MANIFEST)])
    report = validate_layout(tmp_path)
    assert error_codes(report) == {"descriptor.empty-content"}


def test_config_of_unknown_type_is_not_parsed(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    config = layout.add_blob(b"\x00binary", "application/vnd.example.config")
    payload = layout.add_blob(b"payload", "application/vnd.example.data")
    manifest = {"schemaVersion": 2, "mediaType": mt.MANIFEST, "config": config, "layers": [payload]}
    layout.write_index([layout.add_json(manifest, mt.MANIFEST)])
    report = validate_layout(tmp_path)
    assert report.findings == [] and report.blobs_verified == 3


def test_invalid_config_blob(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    manifest = layout.add_image(config={"os": 1, "config": {"Env": ["NOEQUALS"]}})
    layout.write_index([manifest])
    report = validate_layout(tmp_path)
    assert error_codes(report) == {"config.os", "config.env-syntax"}
    assert all(f.where.startswith("blobs/sha256/") for f in report.findings)


# ---------------------------------------------------------------- DiffIDs and history


def _layers(layout: ImageLayout, count: int = 2) -> list[tuple[dict[str, Any], str]]:
    return [layout.add_layer([directory(f"d{i}"), file(f"d{i}/f", bytes([i]) * 10)]) for i in range(count)]


def test_diff_id_mismatch(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    layers = _layers(layout)
    manifest = layout.add_image(
        layers, config={"rootfs": {"type": "layers", "diff_ids": [layers[0][1], sha256(b"x")]}}
    )
    layout.write_index([manifest])
    report = validate_layout(tmp_path)
    assert [(f.code, f.path) for f in report.findings] == [
        ("config.diff-id-mismatch", "$.rootfs.diff_ids[1]")
    ]


def test_diff_id_is_not_the_compressed_digest(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    layers = _layers(layout, 1)
    manifest = layout.add_image(
        layers, config={"rootfs": {"type": "layers", "diff_ids": [layers[0][0]["digest"]]}}
    )
    layout.write_index([manifest])
    only(validate_layout(tmp_path), "config.diff-id-mismatch")


def test_layers_out_of_order(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    layers = _layers(layout)
    manifest = layout.add_image(
        layers[::-1], config={"rootfs": {"type": "layers", "diff_ids": [d for _, d in layers]}}
    )
    layout.write_index([manifest])
    report = validate_layout(tmp_path)
    assert [(f.code, f.path) for f in report.findings] == [
        ("manifest.layers-order", "$.layers[0]"),
        ("manifest.layers-order", "$.layers[1]"),
    ]


def test_diff_ids_count(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    layers = _layers(layout)
    manifest = layout.add_image(
        layers, config={"rootfs": {"type": "layers", "diff_ids": [layers[0][1]]}, "history": [{}]}
    )
    layout.write_index([manifest])
    report = validate_layout(tmp_path)
    assert [(f.code, f.path) for f in report.findings] == [("config.diff-ids-count", "$.rootfs.diff_ids")]


def test_sha512_diff_ids(tmp_path: Path) -> None:
    import hashlib

    from tests.unit.image.layouts import tar_bytes

    layout = ImageLayout(tmp_path)
    tar = tar_bytes([file("a", b"abc")])
    layer = layout.add_layer(tar, "gzip")
    diff_id = "sha512:" + hashlib.sha512(tar).hexdigest()
    layout.write_index([layout.add_image([(layer[0], diff_id)])])
    assert validate_layout(tmp_path).findings == []
    layout.write_index([layout.add_image([(layer[0], "sha512:" + "0" * 128)], config={"author": "x"})])
    only(validate_layout(tmp_path), "config.diff-id-mismatch")


def test_history_count_is_a_warning(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    layers = _layers(layout)
    manifest = layout.add_image(layers, config={"history": [{"created_by": "one"}]})
    layout.write_index([manifest])
    report = validate_layout(tmp_path)
    only(report, "config.history-count")
    assert report.ok


def test_non_layer_media_types_have_no_diff_id(tmp_path: Path) -> None:
    """Docker's layer type is unknown to OCI: verified, not unpacked, so no DiffID is claimed."""
    layout = ImageLayout(tmp_path)
    layer, _ = layout.add_layer([file("a")])
    docker = dict(layer, mediaType="application/vnd.docker.image.rootfs.diff.tar.gzip")
    layout.write_index([layout.add_image([(docker, "sha256:" + "0" * 64)])])
    assert validate_layout(tmp_path).findings == []


def test_report_to_json(layout: ImageLayout) -> None:
    (layout.root / "oci-layout").unlink()
    data = validate_layout(layout.root).to_json()
    assert data["ok"] is False
    assert data["findings"][0]["code"] == "layout.oci-layout-missing"
    assert data["blobs_verified"] == 4
    json.dumps(data)
