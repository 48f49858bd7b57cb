"""validate_document: the image schemas, the spec's own test documents and examples, and each
document-level finding both ways (a document that triggers it, a close one that must not)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.image import mediatypes as mt
from conformance.image.validator import LARGE_DOCUMENT, validate_document
from conformance.image.validator.findings import Report
from conformance.schemas import validate


def _specs_dir() -> Path:
    override = os.environ.get("OCI_SPECS_DIR")
    return Path(override) if override else Path(__file__).absolute().parents[5] / "shared" / "specs"


IMAGE_SPEC = _specs_dir() / "image-spec"
SCHEMA_TESTS = IMAGE_SPEC / "schema-test"
KIND_TYPES = {
    "config": mt.CONFIG,
    "descriptor": mt.DESCRIPTOR,
    "index": mt.INDEX,
    "layout": mt.LAYOUT_HEADER,
    "manifest": mt.MANIFEST,
}
#: The official documents a JSON schema cannot reject (specs/README.md), and the rule that does.
BEYOND_SCHEMA = {
    "config/010-bad.json": "config.env-syntax",
    "descriptor/015-bad.json": "descriptor.digest-sha256-encoding",
    "descriptor/017-bad.json": "descriptor.urls-invalid",
    "descriptor/029-bad.json": "descriptor.data-encoding",
}
SHA = "sha256:" + "a" * 64
SHA_B = "sha256:" + "b" * 64


def _official(verdict: str) -> list[Path]:
    return sorted(SCHEMA_TESTS.glob(f"*/*-{verdict}.json")) if SCHEMA_TESTS.is_dir() else []


def _doc_id(path: Path) -> str:
    return path.relative_to(SCHEMA_TESTS).as_posix()


needs_specs = pytest.mark.skipif(
    not SCHEMA_TESTS.is_dir(),
    reason=f"image-spec schema test documents not found at {SCHEMA_TESTS}; set OCI_SPECS_DIR",
)


def check(media_type: str, doc: Any) -> Report:
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return validate_document(media_type, data)


def errors(report: Report) -> set[str]:
    return {f.code for f in report.errors}


def warnings(report: Report) -> set[str]:
    return {f.code for f in report.warnings}


# ---------------------------------------------------------------- official test documents


@needs_specs
def test_official_documents_found() -> None:
    assert len(_official("good")) >= 20 and len(_official("bad")) >= 30
    assert set(BEYOND_SCHEMA) <= {_doc_id(p) for p in _official("bad")}


@needs_specs
@pytest.mark.parametrize("path", _official("good"), ids=_doc_id)
def test_official_good_document_has_no_error(path: Path) -> None:
    report = validate_document(KIND_TYPES[path.parent.name], path.read_bytes(), _doc_id(path))
    assert report.errors == []


@needs_specs
@pytest.mark.parametrize("path", _official("bad"), ids=_doc_id)
def test_official_bad_document_has_an_error(path: Path) -> None:
    report = validate_document(KIND_TYPES[path.parent.name], path.read_bytes(), _doc_id(path))
    assert report.errors, f"{_doc_id(path)} unexpectedly valid"
    if _doc_id(path) in BEYOND_SCHEMA:
        assert errors(report) == {BEYOND_SCHEMA[_doc_id(path)]}


@needs_specs
@pytest.mark.parametrize("path", _official("good") + _official("bad"), ids=_doc_id)
def test_schema_alone_agrees_with_the_official_verdict(path: Path) -> None:
    """Except the four documents the extra rules are for: the schema lets those through."""
    try:
        document = json.loads(path.read_bytes())
    except json.JSONDecodeError:
        assert path.name.endswith("-bad.json")
        return
    schema = "image/" + {"layout": "layout-header"}.get(path.parent.name, path.parent.name)
    valid = validate(schema, document) == []
    expected = path.name.endswith("-good.json") or _doc_id(path) in BEYOND_SCHEMA
    assert valid == expected


def _spec_examples() -> list[tuple[str, str, str]]:
    """(id, media type, JSON) of every example the spec's Markdown marks with a JSON media type."""
    pattern = re.compile(r"```json,title=([^&\n]*)&mediatype=([^\n]*)\n(.*?)```", re.S)
    examples = []
    for path in sorted(IMAGE_SPEC.glob("*.md")) if IMAGE_SPEC.is_dir() else []:
        for number, match in enumerate(pattern.finditer(path.read_text(encoding="utf-8"))):
            media_type = urllib.parse.unquote(match.group(2))
            if media_type in mt.JSON_DOCUMENTS:
                examples.append((f"{path.name}#{number}", media_type, match.group(3)))
    return examples


SPEC_EXAMPLES = _spec_examples()


@needs_specs
@pytest.mark.parametrize(("name", "media_type", "text"), SPEC_EXAMPLES, ids=[e[0] for e in SPEC_EXAMPLES])
def test_spec_example_is_valid_without_warnings(name: str, media_type: str, text: str) -> None:
    report = validate_document(media_type, text.encode(), name)
    assert report.findings == []


# ---------------------------------------------------------------- documents to break

DESCRIPTOR = {"mediaType": mt.MANIFEST, "digest": SHA, "size": 7682}
MANIFEST = {
    "schemaVersion": 2,
    "mediaType": mt.MANIFEST,
    "config": {"mediaType": mt.CONFIG, "digest": SHA, "size": 100},
    "layers": [{"mediaType": mt.LAYER_GZIP, "digest": SHA_B, "size": 200}],
}
INDEX = {
    "schemaVersion": 2,
    "mediaType": mt.INDEX,
    "manifests": [{**DESCRIPTOR, "platform": {"architecture": "amd64", "os": "linux"}}],
}
CONFIG = {
    "architecture": "amd64",
    "os": "linux",
    "config": {"Env": ["PATH=/bin", "EMPTY="], "Labels": {"com.example.a": "b"}},
    "rootfs": {"type": "layers", "diff_ids": [SHA]},
    "history": [{"created_by": "a"}, {"created_by": "b", "empty_layer": True}],
}
BASES = {mt.DESCRIPTOR: DESCRIPTOR, mt.MANIFEST: MANIFEST, mt.INDEX: INDEX, mt.CONFIG: CONFIG}
DATA = b"https://github.com/opencontainers\n"
DATA_DIGEST = "sha256:2690af59371e9eca9453dc29882643f46e5ca47ec2862bd517b5e17351325153"


def setter(path: str, value: Any) -> Callable[[Any], None]:
    """A mutation that sets (or, with value DELETE, removes) the value at a dotted path."""

    def mutate(doc: Any) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        for part in parents:
            doc = doc[part]
        if value is DELETE:
            del doc[last]
        else:
            doc[last] = value

    return mutate


DELETE = object()


def both(*mutations: Callable[[Any], None]) -> Callable[[Any], None]:
    def mutate(doc: Any) -> None:
        for mutation in mutations:
            mutation(doc)

    return mutate


SLASH_DIGEST = "sha256:" + hashlib.sha256(b"\xfb\xff").hexdigest()  # base64 "+/8="
EMPTY_DATA = both(setter("data", "e30="), setter("digest", mt.EMPTY_DIGEST), setter("size", 2))

# (id, media type, the mutation that triggers the code, a close mutation that must not, code)
CASES: list[tuple[str, str, Callable[[Any], None], Callable[[Any], None], str]] = [
    (
        "media-type-missing",
        mt.DESCRIPTOR,
        setter("mediaType", DELETE),
        setter("mediaType", "a/b"),
        "descriptor.media-type-missing",
    ),
    (
        "media-type-syntax",
        mt.DESCRIPTOR,
        setter("mediaType", "text"),
        setter("mediaType", "text/plain"),
        "descriptor.media-type-syntax",
    ),
    (
        "media-type-newline",
        mt.DESCRIPTOR,
        setter("mediaType", "text/plain\n"),
        setter("mediaType", "text/x.y"),
        "descriptor.media-type-syntax",
    ),
    (
        "artifact-type",
        mt.DESCRIPTOR,
        setter("artifactType", "a/.b"),
        setter("artifactType", "a/b.c"),
        "descriptor.artifact-type-syntax",
    ),
    (
        "digest-missing",
        mt.DESCRIPTOR,
        setter("digest", DELETE),
        setter("digest", SHA_B),
        "descriptor.digest-missing",
    ),
    (
        "digest-grammar",
        mt.DESCRIPTOR,
        setter("digest", "sha256+:" + "a" * 64),
        setter("digest", "sha256+x:a"),
        "descriptor.digest-grammar",
    ),
    (
        "digest-newline",
        mt.DESCRIPTOR,
        setter("digest", SHA + "\n"),
        setter("digest", SHA),
        "descriptor.digest-grammar",
    ),
    (
        "sha256-hex",
        mt.DESCRIPTOR,
        setter("digest", "sha256:" + "A" * 64),
        setter("digest", "sha256:" + "f" * 64),
        "descriptor.digest-sha256-encoding",
    ),
    (
        "sha256-length",
        mt.DESCRIPTOR,
        setter("digest", "sha256:" + "a" * 63),
        setter("digest", "sha256:" + "a" * 64),
        "descriptor.digest-sha256-encoding",
    ),
    (
        "sha512-hex",
        mt.DESCRIPTOR,
        setter("digest", "sha512:" + "a" * 64),
        setter("digest", "sha512:" + "a" * 128),
        "descriptor.digest-sha512-encoding",
    ),
    ("size-missing", mt.DESCRIPTOR, setter("size", DELETE), setter("size", 0), "descriptor.size-missing"),
    (
        "size-negative",
        mt.DESCRIPTOR,
        setter("size", -1),
        setter("size", 2**63 - 1),
        "descriptor.size-invalid",
    ),
    ("size-string", mt.DESCRIPTOR, setter("size", "1"), setter("size", 1), "descriptor.size-invalid"),
    (
        "urls-relative",
        mt.DESCRIPTOR,
        setter("urls", ["example.com/x"]),
        setter("urls", ["https://example.com/x"]),
        "descriptor.urls-invalid",
    ),
    (
        "urls-space",
        mt.DESCRIPTOR,
        setter("urls", ["https://e.com/a b"]),
        setter("urls", ["https://e.com/a%20b"]),
        "descriptor.urls-invalid",
    ),
    (
        "urls-type",
        mt.DESCRIPTOR,
        setter("urls", "https://e.com"),
        setter("urls", []),
        "descriptor.urls-invalid",
    ),
    (
        "data-unpadded",
        mt.DESCRIPTOR,
        setter("data", "e30"),
        EMPTY_DATA,
        "descriptor.data-encoding",
    ),
    (
        "data-alphabet",
        mt.DESCRIPTOR,
        setter("data", "+/8-"),
        both(setter("data", "+/8="), setter("digest", SLASH_DIGEST), setter("size", 2)),
        "descriptor.data-encoding",
    ),
    (
        "annotations-map",
        mt.DESCRIPTOR,
        setter("annotations", ["a"]),
        setter("annotations", {}),
        "annotations.invalid",
    ),
    (
        "annotation-value",
        mt.DESCRIPTOR,
        setter("annotations", {"com.example.a": 1}),
        setter("annotations", {"com.example.a": ""}),
        "annotations.value-not-string",
    ),
    (
        "manifest-schema-version",
        mt.MANIFEST,
        setter("schemaVersion", 1),
        setter("schemaVersion", 2.0),
        "manifest.schema-version",
    ),
    (
        "manifest-schema-version-missing",
        mt.MANIFEST,
        setter("schemaVersion", DELETE),
        setter("annotations", {}),
        "manifest.schema-version",
    ),
    (
        "manifest-media-type",
        mt.MANIFEST,
        setter("mediaType", mt.INDEX),
        setter("mediaType", mt.MANIFEST),
        "manifest.media-type-mismatch",
    ),
    (
        "manifest-config",
        mt.MANIFEST,
        setter("config", DELETE),
        setter("config.urls", []),
        "manifest.config-missing",
    ),
    (
        "manifest-config-type",
        mt.MANIFEST,
        setter("config.mediaType", "config"),
        setter("config.mediaType", "a/config"),
        "manifest.config-media-type",
    ),
    (
        "manifest-layers",
        mt.MANIFEST,
        setter("layers", DELETE),
        setter("layers.0.urls", []),
        "manifest.layers-missing",
    ),
    (
        "manifest-layers-empty",
        mt.MANIFEST,
        setter("layers", []),
        setter("layers.0.size", 0),
        "manifest.layers-missing",
    ),
    (
        "manifest-layer-item",
        mt.MANIFEST,
        setter("layers.0", "x"),
        setter("layers.0.size", 1),
        "manifest.layers-missing",
    ),
    (
        "manifest-layer-digest",
        mt.MANIFEST,
        setter("layers.0.digest", "x"),
        setter("layers.0.digest", SHA),
        "descriptor.digest-grammar",
    ),
    (
        "manifest-subject",
        mt.MANIFEST,
        setter("subject", "x"),
        setter("subject", DESCRIPTOR),
        "manifest.subject-invalid",
    ),
    (
        "manifest-subject-size",
        mt.MANIFEST,
        setter("subject", {**DESCRIPTOR, "size": "1"}),
        setter("subject", DESCRIPTOR),
        "descriptor.size-invalid",
    ),
    (
        "manifest-annotations",
        mt.MANIFEST,
        setter("annotations", "x"),
        setter("annotations", {"com.example.x": "y"}),
        "manifest.annotations-invalid",
    ),
    (
        "manifest-artifact-type",
        mt.MANIFEST,
        setter("artifactType", "x"),
        setter("artifactType", "a/b"),
        "descriptor.artifact-type-syntax",
    ),
    (
        "index-schema-version",
        mt.INDEX,
        setter("schemaVersion", "2"),
        setter("schemaVersion", 2),
        "index.schema-version",
    ),
    (
        "index-media-type",
        mt.INDEX,
        setter("mediaType", mt.MANIFEST),
        setter("mediaType", mt.INDEX),
        "index.media-type-mismatch",
    ),
    (
        "index-manifests",
        mt.INDEX,
        setter("manifests", DELETE),
        setter("manifests", []),
        "index.manifests-missing",
    ),
    (
        "index-manifests-type",
        mt.INDEX,
        setter("manifests", {}),
        setter("manifests", []),
        "index.manifests-missing",
    ),
    (
        "index-platform-os",
        mt.INDEX,
        setter("manifests.0.platform.os", DELETE),
        setter("manifests.0.platform.variant", "v2"),
        "index.platform-invalid",
    ),
    (
        "index-platform-arch",
        mt.INDEX,
        setter("manifests.0.platform.architecture", 1),
        setter("manifests.0.platform.variant", "v8"),
        "index.platform-invalid",
    ),
    (
        "index-subject",
        mt.INDEX,
        setter("subject", []),
        setter("subject", DESCRIPTOR),
        "manifest.subject-invalid",
    ),
    (
        "index-entry-media-type",
        mt.INDEX,
        setter("manifests.0.mediaType", ""),
        setter("manifests.0.mediaType", "application/xml"),
        "descriptor.media-type-syntax",
    ),
    (
        "config-architecture",
        mt.CONFIG,
        setter("architecture", DELETE),
        setter("variant", "v8"),
        "config.architecture",
    ),
    ("config-os", mt.CONFIG, setter("os", None), setter("os", "windows"), "config.os"),
    (
        "config-rootfs",
        mt.CONFIG,
        setter("rootfs", DELETE),
        setter("rootfs.diff_ids", [SHA]),
        "config.rootfs-missing",
    ),
    (
        "config-rootfs-type",
        mt.CONFIG,
        setter("rootfs.type", "layer"),
        setter("rootfs.type", "layers"),
        "config.rootfs-type",
    ),
    (
        "config-diff-ids",
        mt.CONFIG,
        setter("rootfs.diff_ids", ["x"]),
        setter("rootfs.diff_ids", [SHA_B]),
        "config.diff-ids-invalid",
    ),
    (
        "config-env",
        mt.CONFIG,
        setter("config.Env", ["=x"]),
        setter("config.Env", ["X=a=b"]),
        "config.env-syntax",
    ),
    (
        "config-env-type",
        mt.CONFIG,
        setter("config.Env", "A=b"),
        setter("config.Env", None),
        "config.env-syntax",
    ),
    (
        "config-user",
        mt.CONFIG,
        setter("config.User", 0),
        setter("config.User", "0:0"),
        "config.property-invalid",
    ),
    (
        "config-labels",
        mt.CONFIG,
        setter("config.Labels", {"com.example.a": 1}),
        setter("config.Labels", None),
        "annotations.value-not-string",
    ),
    ("config-created", mt.CONFIG, setter("created", 1), setter("created", None), "config.property-invalid"),
]

WARNING_CASES: list[tuple[str, str, Callable[[Any], None], Callable[[Any], None], str]] = [
    (
        "digest-unregistered",
        mt.DESCRIPTOR,
        setter("digest", "sha256+b64u:LCa0a2j_xo"),
        setter("digest", SHA),
        "descriptor.digest-unregistered",
    ),
    (
        "urls-scheme",
        mt.DESCRIPTOR,
        setter("urls", ["ftp://e.com/x"]),
        setter("urls", ["HTTP://e.com/x"]),
        "descriptor.urls-scheme",
    ),
    (
        "reverse-domain",
        mt.DESCRIPTOR,
        setter("annotations", {"myKey": "v"}),
        setter("annotations", {"com.example.myKey": "v"}),
        "annotations.key-not-reverse-domain",
    ),
    (
        "reverse-domain-dots",
        mt.DESCRIPTOR,
        setter("annotations", {"com..x": "v"}),
        setter("annotations", {"io.k8s.x": "v"}),
        "annotations.key-not-reverse-domain",
    ),
    (
        "reserved-key",
        mt.MANIFEST,
        setter("annotations", {"org.opencontainers.image.colour": "v"}),
        setter("annotations", {"org.opencontainers.image.title": "v"}),
        "annotations.key-reserved",
    ),
    (
        "labels-key",
        mt.CONFIG,
        setter("config.Labels", {"version": "1"}),
        setter("config.Labels", {"org.label-schema.version": "1"}),
        "annotations.key-not-reverse-domain",
    ),
    (
        "manifest-media-type",
        mt.MANIFEST,
        setter("mediaType", DELETE),
        setter("mediaType", mt.MANIFEST),
        "manifest.media-type-missing",
    ),
    (
        "index-media-type",
        mt.INDEX,
        setter("mediaType", DELETE),
        setter("mediaType", mt.INDEX),
        "index.media-type-missing",
    ),
    (
        "history-count",
        mt.CONFIG,
        setter("history.1.empty_layer", False),
        setter("history.1.empty_layer", True),
        "config.history-count",
    ),
    (
        "history-empty",
        mt.CONFIG,
        setter("rootfs.diff_ids", [SHA, SHA_B]),
        setter("history", []),
        "config.history-count",
    ),
]


def _run_case(media_type: str, mutate: Callable[[Any], None]) -> Report:
    doc = copy.deepcopy(BASES[media_type])
    mutate(doc)
    return check(media_type, doc)


@pytest.mark.parametrize("media_type", sorted(BASES))
def test_base_documents_are_clean(media_type: str) -> None:
    assert check(media_type, BASES[media_type]).findings == []


@pytest.mark.parametrize(("name", "media_type", "bad", "good", "code"), CASES, ids=[c[0] for c in CASES])
def test_error_both_ways(name: str, media_type: str, bad: Any, good: Any, code: str) -> None:
    assert code in errors(_run_case(media_type, bad))
    assert _run_case(media_type, good).errors == []


@pytest.mark.parametrize(
    ("name", "media_type", "bad", "good", "code"), WARNING_CASES, ids=[c[0] for c in WARNING_CASES]
)
def test_warning_both_ways(name: str, media_type: str, bad: Any, good: Any, code: str) -> None:
    report = _run_case(media_type, bad)
    assert code in warnings(report)
    assert report.ok
    assert code not in warnings(_run_case(media_type, good))


def test_finding_points_at_the_offending_value() -> None:
    doc = copy.deepcopy(INDEX)
    doc["manifests"][0]["digest"] = "sha256:" + "A" * 64
    [finding] = check(mt.INDEX, doc).findings
    assert (finding.code, finding.path, finding.where) == (
        "descriptor.digest-sha256-encoding",
        "$.manifests[0].digest",
        "<document>",
    )
    assert (finding.requirement, finding.level, finding.severity) == (
        "descriptor.digest.sha256-encoding",
        "MUST",
        "error",
    )


# ---------------------------------------------------------------- embedded data and the empty descriptor


def test_data_that_matches_digest_and_size() -> None:
    doc = {
        "mediaType": "text/plain",
        "digest": DATA_DIGEST,
        "size": len(DATA),
        "data": base64.b64encode(DATA).decode(),
    }
    assert check(mt.DESCRIPTOR, doc).findings == []


@pytest.mark.parametrize(
    "change",
    [{"size": len(DATA) + 1}, {"digest": SHA}, {"data": base64.b64encode(DATA + b"!").decode()}],
    ids=["size", "digest", "content"],
)
def test_data_that_does_not_match(change: dict[str, Any]) -> None:
    doc = {
        "mediaType": "text/plain",
        "digest": DATA_DIGEST,
        "size": len(DATA),
        "data": base64.b64encode(DATA).decode(),
    }
    assert errors(check(mt.DESCRIPTOR, {**doc, **change})) == {"descriptor.data-mismatch"}


def test_data_with_unregistered_digest_is_not_compared() -> None:
    doc = {"mediaType": "text/plain", "digest": "sha256+b64u:LCa0a2j_xo", "size": 2, "data": "e30="}
    assert check(mt.DESCRIPTOR, doc).ok


EMPTY = {"mediaType": mt.EMPTY, "digest": mt.EMPTY_DIGEST, "size": 2}


@pytest.mark.parametrize("change", [{"size": 3}, {"digest": SHA}], ids=["size", "digest"])
def test_empty_descriptor_must_describe_the_empty_blob(change: dict[str, Any]) -> None:
    assert errors(check(mt.DESCRIPTOR, {**EMPTY, **change})) == {"descriptor.empty-content"}
    assert check(mt.DESCRIPTOR, {**EMPTY, "data": "e30="}).findings == []


def test_empty_descriptor_of_sha512_is_accepted() -> None:
    digest = "sha512:" + hashlib.sha512(b"{}").hexdigest()
    assert check(mt.DESCRIPTOR, {**EMPTY, "digest": digest}).findings == []


def test_empty_config_needs_artifact_type() -> None:
    manifest = {**copy.deepcopy(MANIFEST), "config": EMPTY}
    assert "manifest.artifact-type-missing" in errors(check(mt.MANIFEST, manifest))
    assert check(mt.MANIFEST, {**manifest, "artifactType": "application/vnd.example"}).findings == []


def test_empty_blob_document() -> None:
    assert validate_document(mt.EMPTY, b"{}").findings == []
    for content in (b"{ }", b"{}\n", b"[]", b""):
        assert errors(validate_document(mt.EMPTY, content)) == {"descriptor.empty-content"}


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"\xff\xfe{}", b'{"a": NaN}', b"[" * 100_000],
    ids=["empty", "cut", "bytes", "nan", "deep"],
)
@pytest.mark.parametrize("media_type", [mt.MANIFEST, mt.INDEX, mt.CONFIG, mt.DESCRIPTOR, mt.LAYOUT_HEADER])
def test_not_json_is_one_finding(media_type: str, data: bytes) -> None:
    report = validate_document(media_type, data)
    assert len(report.findings) == 1 and report.findings[0].message.startswith("not JSON")
    assert report.findings[0].code == NOT_JSON_CODES[media_type]


NOT_JSON_CODES = {
    mt.MANIFEST: "manifest.not-json",
    mt.INDEX: "index.not-json",
    mt.CONFIG: "config.not-json",
    mt.DESCRIPTOR: "descriptor.not-json",
    mt.LAYOUT_HEADER: "layout.oci-layout-not-json",
}


@pytest.mark.parametrize("media_type", [mt.MANIFEST, mt.INDEX, mt.CONFIG, mt.DESCRIPTOR, mt.LAYOUT_HEADER])
def test_json_that_is_not_an_object(media_type: str) -> None:
    report = check(media_type, [1, 2])
    assert [(f.code, f.path) for f in report.errors] == [(NOT_JSON_CODES[media_type], "$")]


def test_duplicate_annotation_keys() -> None:
    data = b'{"mediaType": "a/b", "digest": "%s", "size": 1, "annotations": {"com.x.a": "1", "com.x.a": "2"}}'
    report = validate_document(mt.DESCRIPTOR, data % SHA.encode())
    assert errors(report) == {"annotations.invalid"}
    assert check(mt.DESCRIPTOR, {**DESCRIPTOR, "annotations": {"com.x.a": "1", "com.x.b": "2"}}).ok


def test_layout_header() -> None:
    assert validate_document(mt.LAYOUT_HEADER, b'{"imageLayoutVersion": "1.0.0", "extra": 1}').findings == []
    assert errors(validate_document(mt.LAYOUT_HEADER, b'{"imageLayoutVersion": "1.1.0"}')) == {
        "layout.oci-layout-version"
    }
    assert errors(validate_document(mt.LAYOUT_HEADER, b"{}")) == {"layout.oci-layout-version"}


def test_large_document_is_a_warning() -> None:
    doc = copy.deepcopy(CONFIG)
    doc["config"]["Env"] = [f"V{i}=" + "x" * 1000 for i in range(LARGE_DOCUMENT // 1000 + 10)]
    report = check(mt.CONFIG, doc)
    assert warnings(report) == {"document.large"} and report.ok


def test_unknown_media_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="not a JSON document type"):
        validate_document("application/xml", b"{}")


def test_report_json_shape() -> None:
    report = check(mt.DESCRIPTOR, {**DESCRIPTOR, "size": "x"})
    data = report.to_json()
    assert data["ok"] is False and data["blobs_verified"] == 0
    assert set(data["findings"][0]) == {
        "code",
        "requirement",
        "level",
        "severity",
        "where",
        "path",
        "message",
    }
    json.dumps(data)
