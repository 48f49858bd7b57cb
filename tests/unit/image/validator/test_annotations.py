"""The annotation rules (annotations.md) each way: a document that breaks one, and a close one that
must not; the pure value checks behind them (validate_values) on their own."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from conformance.image import mediatypes as mt
from conformance.image.validator import validate_document
from conformance.image.validator.findings import Report
from conformance.image.validator.values import (
    annotation_value_problems,
    is_date_time,
    is_spdx_expression,
    parse_reference,
)

SHA = "sha256:" + "a" * 64
SHA_B = "sha256:" + "b" * 64
PREFIX = "org.opencontainers.image."
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
    "config": {"Env": ["PATH=/bin"]},
    "rootfs": {"type": "layers", "diff_ids": [SHA]},
}
BASES = {mt.DESCRIPTOR: DESCRIPTOR, mt.MANIFEST: MANIFEST, mt.INDEX: INDEX, mt.CONFIG: CONFIG}


def report_of(media_type: str, annotations: Any, where: str = "") -> Report:
    """The base document of `media_type` with `annotations` as the annotations of the object at
    `where` (a dot-separated path; "" is the document itself, whose annotations are a config's Labels)."""
    doc = copy.deepcopy(BASES[media_type])
    target = doc
    for part in where.split(".") if where else []:
        target = target[int(part)] if part.isdigit() else target[part]
    if media_type == mt.CONFIG:
        target["config"]["Labels"] = annotations
    else:
        target["annotations"] = annotations
    return validate_document(media_type, json.dumps(doc).encode())


def errors(report: Report) -> set[str]:
    return {f.code for f in report.errors}


def warnings(report: Report) -> set[str]:
    return {f.code for f in report.warnings}


# (id, media type, where the map is, bad annotations, close good annotations, code)
ERROR_CASES: list[tuple[str, str, str, Any, Any, str]] = [
    ("labels-not-a-map", mt.CONFIG, "", ["a"], {}, "annotations.not-a-map"),
    ("index-not-a-map", mt.INDEX, "", "x", {}, "index.annotations-invalid"),
    ("descriptor-null", mt.DESCRIPTOR, "", None, {}, "annotations.null"),
    ("manifest-null", mt.MANIFEST, "", None, {}, "annotations.null"),
    ("index-null", mt.INDEX, "", None, {}, "annotations.null"),
    ("layer-null", mt.MANIFEST, "layers.0", None, {}, "annotations.null"),
    (
        "value-null",
        mt.DESCRIPTOR,
        "",
        {"com.example.a": None},
        {"com.example.a": ""},
        "annotations.value-missing",
    ),
    (
        "label-null",
        mt.CONFIG,
        "",
        {"com.example.a": None},
        {"com.example.a": ""},
        "annotations.value-missing",
    ),
    (
        "created-date-only",
        mt.MANIFEST,
        "",
        {PREFIX + "created": "2024-01-02"},
        {PREFIX + "created": "2024-01-02T03:04:05Z"},
        "annotations.created-format",
    ),
    (
        "created-out-of-range",
        mt.INDEX,
        "",
        {PREFIX + "created": "2024-02-30T03:04:05+01:00"},
        {PREFIX + "created": "2024-02-29T03:04:05.123+01:00"},
        "annotations.created-format",
    ),
    (
        "url-no-scheme",
        mt.MANIFEST,
        "",
        {PREFIX + "url": "example.com/app"},
        {PREFIX + "url": "https://example.com/app"},
        "annotations.url-format",
    ),
    (
        "documentation-space",
        mt.DESCRIPTOR,
        "",
        {PREFIX + "documentation": "https://example.com/app docs"},
        {PREFIX + "documentation": "https://example.com/app%20docs"},
        "annotations.documentation-format",
    ),
    (
        "source-scp-like",
        mt.CONFIG,
        "",
        {PREFIX + "source": "git@github.com:example/app.git"},
        {PREFIX + "source": "git+ssh://git@github.com/example/app.git"},
        "annotations.source-format",
    ),
    (
        "licenses-list",
        mt.MANIFEST,
        "",
        {PREFIX + "licenses": "MIT, Apache-2.0"},
        {PREFIX + "licenses": "MIT OR Apache-2.0"},
        "annotations.licenses-format",
    ),
    (
        "licenses-and-only",
        mt.MANIFEST,
        "",
        {PREFIX + "licenses": "AND"},
        {PREFIX + "licenses": "LicenseRef-proprietary"},
        "annotations.licenses-format",
    ),
    (
        "ref-name-double-dot",
        mt.INDEX,
        "manifests.0",
        {PREFIX + "ref.name": "v1..0"},
        {PREFIX + "ref.name": "v1.0"},
        "annotations.ref-name-grammar",
    ),
    (
        "ref-name-trailing-slash",
        mt.DESCRIPTOR,
        "",
        {PREFIX + "ref.name": "example/"},
        {PREFIX + "ref.name": "example/app--debug"},
        "annotations.ref-name-grammar",
    ),
    (
        "base-digest",
        mt.MANIFEST,
        "",
        {PREFIX + "base.digest": "sha256:1234"},
        {PREFIX + "base.digest": SHA},
        "annotations.base-digest-format",
    ),
]

WARNING_CASES: list[tuple[str, str, str, Any, Any, str]] = [
    (
        "oci-prefix",
        mt.MANIFEST,
        "",
        {"org.opencontainers.example": "v"},
        {"org.opencontainers.referrers.filtersApplied": "artifactType"},
        "annotations.key-oci-prefix",
    ),
    (
        "implied-annotation-key",
        mt.CONFIG,
        "",
        {PREFIX + "colour": "blue"},
        {PREFIX + "stopSignal": "SIGTERM"},
        "annotations.key-reserved",
    ),
    (
        "ref-name-on-manifest",
        mt.MANIFEST,
        "",
        {PREFIX + "ref.name": "v1"},
        {PREFIX + "title": "v1"},
        "annotations.ref-name-scope",
    ),
    (
        "ref-name-on-layer",
        mt.MANIFEST,
        "layers.0",
        {PREFIX + "ref.name": "v1"},
        {PREFIX + "title": "v1"},
        "annotations.ref-name-scope",
    ),
    (
        "ref-name-on-the-index",
        mt.INDEX,
        "",
        {PREFIX + "ref.name": "v1"},
        {"com.example.ref": "v1"},
        "annotations.ref-name-scope",
    ),
    (
        "base-name-syntax",
        mt.MANIFEST,
        "",
        {PREFIX + "base.name": "Registry.example.com/App:1", PREFIX + "base.digest": SHA},
        {PREFIX + "base.name": "registry.example.com/app:1", PREFIX + "base.digest": SHA},
        "annotations.base-name-format",
    ),
    (
        "base-name-no-registry",
        mt.MANIFEST,
        "",
        {PREFIX + "base.name": "my-org/my-image:tag", PREFIX + "base.digest": SHA},
        {PREFIX + "base.name": "registry.example.com/my-org/my-image:tag", PREFIX + "base.digest": SHA},
        "annotations.base-name-not-qualified",
    ),
    (
        "base-name-without-digest",
        mt.MANIFEST,
        "",
        {PREFIX + "base.name": "registry.example.com/app:1"},
        {PREFIX + "base.name": "registry.example.com/app:1", PREFIX + "base.digest": SHA},
        "annotations.base-digest-pairing",
    ),
    (
        "base-name-other-digest",
        mt.MANIFEST,
        "",
        {PREFIX + "base.name": f"registry.example.com/app@{SHA_B}", PREFIX + "base.digest": SHA},
        {PREFIX + "base.name": f"registry.example.com/app@{SHA}", PREFIX + "base.digest": SHA},
        "annotations.base-digest-pairing",
    ),
]


@pytest.mark.parametrize(
    ("name", "media_type", "where", "bad", "good", "code"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
def test_error_both_ways(name: str, media_type: str, where: str, bad: Any, good: Any, code: str) -> None:
    assert code in errors(report_of(media_type, bad, where))
    assert report_of(media_type, good, where).errors == []


@pytest.mark.parametrize(
    ("name", "media_type", "where", "bad", "good", "code"), WARNING_CASES, ids=[c[0] for c in WARNING_CASES]
)
def test_warning_both_ways(name: str, media_type: str, where: str, bad: Any, good: Any, code: str) -> None:
    report = report_of(media_type, bad, where)
    assert code in warnings(report)
    assert report.ok
    assert report_of(media_type, good, where).findings == []


def test_ref_name_on_index_entries_counts() -> None:
    doc = copy.deepcopy(INDEX)
    doc["manifests"][0]["annotations"] = {PREFIX + "ref.name": "v1.0.0-vendor.0"}
    assert validate_document(mt.INDEX, json.dumps(doc).encode()).findings == []


def test_ref_name_outside_the_charset_is_a_warning_beside_the_grammar_error() -> None:
    report = report_of(mt.DESCRIPTOR, {PREFIX + "ref.name": "grüße"})
    assert warnings(report) == {"annotations.ref-name-charset"}
    assert errors(report) == {"annotations.ref-name-grammar"}
    assert "annotations.ref-name-charset" not in warnings(
        report_of(mt.DESCRIPTOR, {PREFIX + "ref.name": "a..b"})
    )


def test_duplicate_keys_outside_descriptors() -> None:
    """Descriptors report them as annotations.invalid (their own rule); other maps by the general one."""
    manifest = json.dumps(MANIFEST)[:-1] + ', "annotations": {"com.x.a": "1", "com.x.a": "2"}}'
    assert errors(validate_document(mt.MANIFEST, manifest.encode())) == {"annotations.duplicate-key"}
    index = json.dumps(INDEX)[:-1] + ', "annotations": {"com.x.a": "1", "com.x.b": "2"}}'
    assert validate_document(mt.INDEX, index.encode()).findings == []
    labels = json.dumps(CONFIG).replace('"Env"', '"Labels": {"com.x.a": "1", "com.x.a": "1"}, "Env"')
    assert errors(validate_document(mt.CONFIG, labels.encode())) == {"annotations.duplicate-key"}


def test_finding_names_the_key() -> None:
    [finding] = report_of(mt.MANIFEST, {PREFIX + "url": "nope"}).findings
    assert (finding.path, finding.requirement, finding.severity) == (
        "$.annotations['org.opencontainers.image.url']",
        "annotations.url.format",
        "error",
    )


# ---------------------------------------------------------------- the value checks alone


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2015-10-31T22:22:56.015925234Z", True),
        ("2024-01-02t03:04:05z", True),
        ("2024-01-02 03:04:05+05:30", True),
        ("2016-12-31T23:59:60Z", True),
        ("2024-01-02T03:04:05", False),
        ("2024-01-02T24:00:00Z", False),
        ("2024-01-02T03:04:05+25:00", False),
        ("02/01/2024", False),
    ],
)
def test_date_time(value: str, valid: bool) -> None:
    assert is_date_time(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("MIT", True),
        ("GPL-2.0-or-later", True),
        ("GPL-2.0+", True),
        ("(MIT OR Apache-2.0) AND BSD-3-Clause", True),
        ("GPL-2.0-only WITH Classpath-exception-2.0", True),
        ("DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2", True),
        ("mit and apache-2.0", True),
        ("MIT AND", False),
        ("(MIT", False),
        ("MIT OR OR Apache-2.0", False),
        ("MIT WITH Exception+", False),
        ("MIT/Apache-2.0", False),
        ("", False),
    ],
)
def test_spdx_expression(value: str, valid: bool) -> None:
    assert is_spdx_expression(value) is valid


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("registry.example.com/my-org/my-image:tag", "registry.example.com"),
        ("localhost:5000/app@" + SHA, "localhost:5000"),
        ("docker.io/library/ubuntu:22.04", "docker.io"),
        ("ubuntu", None),
    ],
)
def test_reference_syntax(value: str, domain: str | None) -> None:
    match = parse_reference(value)
    assert match is not None and match.group("domain") == domain


@pytest.mark.parametrize("value", ["Ubuntu", "app:", "app:-tag", "a" * 256, "app@sha256:xyz"])
def test_not_a_reference(value: str) -> None:
    assert parse_reference(value) is None


@pytest.mark.parametrize("key", ["created", "url", "licenses", "ref.name", "base.digest", "base.name"])
def test_an_empty_value_is_allowed_for_every_key(key: str) -> None:
    """annotations.md: a value MAY be the empty string (buildah writes base.digest "" from scratch)."""
    assert annotation_value_problems(PREFIX + key, "") == []
    assert annotation_value_problems(PREFIX + key, "?") != []


def test_keys_without_a_format_are_not_judged() -> None:
    assert annotation_value_problems(PREFIX + "title", "") == []
    assert annotation_value_problems("com.example.created", "yesterday") == []
