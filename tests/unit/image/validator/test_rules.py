"""The finding codes (conformance.image.validator.rules) and the image schemas they lean on."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conformance.image import mediatypes as mt
from conformance.image.validator import validate_document, validate_layout
from conformance.image.validator.findings import Report
from conformance.image.validator.rules import RULES, STRONGER_THAN_CATALOG, Rule
from conformance.requirements import LEVELS, catalog_root, load_catalog
from conformance.schemas import load_schema
from tests.unit.image.layouts import EMPTY_DESCRIPTOR, ImageLayout, canonical, gzip_bytes, sha256

IMAGE_SCHEMAS = ["image/config", "image/descriptor", "image/index", "image/layout-header", "image/manifest"]

#: The image-spec catalog ids agreed with the catalog's author (conformance/requirements/image-spec/).
AGREED_IDS = set(
    [
        "image-layout.oci-layout.exists",
        "image-layout.oci-layout.version",
        "image-layout.index.exists",
        "image-layout.index.valid",
        "image-layout.blobs.path",
        "image-layout.blobs.content-matches",
        "image-layout.blobs.referenced-exist",
        "image-layout.blobs.unknown-algorithm",
        "descriptor.media-type.required",
        "descriptor.media-type.syntax",
        "descriptor.digest.required",
        "descriptor.digest.grammar",
        "descriptor.digest.verify",
        "descriptor.digest.sha256-encoding",
        "descriptor.digest.sha512-encoding",
        "descriptor.digest.unregistered",
        "descriptor.size.required",
        "descriptor.size.verify",
        "descriptor.urls.uri",
        "descriptor.annotations.rules",
        "descriptor.data.encoding",
        "descriptor.data.matches",
        "descriptor.media-type.unknown",
        "manifest.schema-version",
        "manifest.media-type",
        "manifest.config.required",
        "manifest.config.media-type",
        "manifest.layers.required",
        "manifest.layers.order",
        "manifest.artifact-type.empty-config",
        "manifest.empty-descriptor",
        "manifest.subject",
        "manifest.annotations",
        "image-index.schema-version",
        "image-index.media-type",
        "image-index.manifests.required",
        "image-index.manifests.platform",
        "image-index.manifests.unknown-media-type",
        "image-config.architecture.required",
        "image-config.os.required",
        "image-config.rootfs.required",
        "image-config.rootfs.type",
        "image-config.rootfs.diff-ids",
        "image-config.env.syntax",
        "image-config.history.empty-layer",
        "layer.changeset.tar",
        "layer.compression.gzip",
        "layer.compression.zstd",
        "layer.compression.media-type",
        "layer.diff-id",
        "layer.whiteout.prefix",
        "layer.whiteout.opaque",
        "layer.duplicate-paths",
        "annotations.keys.reverse-domain",
        "annotations.keys.reserved-prefix",
        "annotations.values.string",
        "annotations.unknown-keys",
        # finer entries of the catalog, each with a rule of its own
        "image-layout.oci-layout.json-object",
        "image-layout.blobs.exists",
        "image-layout.index.ref-name-scope",
        "descriptor.artifact-type.syntax",
        "descriptor.urls.scheme",
        "descriptor.digest.sha256-preferred",
        "descriptor.platform.manifest",
        "annotations.rules.map",
        "annotations.rules.empty",
        "annotations.keys.unique",
        "annotations.keys.reserved-image-namespace",
        "annotations.values.present",
        "annotations.created.format",
        "annotations.url.format",
        "annotations.documentation.format",
        "annotations.source.format",
        "annotations.licenses.format",
        "annotations.ref-name.grammar",
        "annotations.ref-name.charset",
        "annotations.ref-name.scope",
        "annotations.base-digest.format",
        "annotations.base-name.reference-format",
        "annotations.base-name.fully-qualified",
        "annotations.base-name.digest-pairing",
        "manifest.schema-version.required",
        "manifest.media-type.present",
        "manifest.artifact-type.syntax",
        "manifest.config.other-media-type-syntax",
        "manifest.config.portable-media-type",
        "manifest.layers.non-empty",
        "manifest.layers.other-media-type-syntax",
        "manifest.artifacts.config-media-type",
        "manifest.artifacts.placeholder-layer",
        "image-index.schema-version.required",
        "image-index.media-type.present",
        "image-index.artifact-type.syntax",
        "image-index.annotations.rules",
        "image-index.manifests.present",
        "image-index.manifests.portable-media-type",
        "image-index.manifests.platform-present",
        "image-index.manifests.platform.architecture",
        "image-index.manifests.platform.os",
        "image-index.manifests.platform.architecture-values",
        "image-index.manifests.platform.os-values",
        "image-index.manifests.platform.variant-values",
        "image-index.manifests.platform.os-features-windows",
        "image-index.platform-variants.go-analog",
        "image-config.rootfs.type-required",
        "image-config.architecture.values",
        "image-config.os.values",
        "image-config.variant.values",
        "image-config.os-features.windows-values",
        "image-config.created",
        "image-config.history.created",
        "layer.file-attributes.no-sparse",
        "layer.whiteout.ordering",
        "descriptor.digest.sha512-lowercase",
    ]
)


def test_table_is_keyed_by_code() -> None:
    assert all(code == rule.code for code, rule in RULES.items())
    assert all(isinstance(rule, Rule) for rule in RULES.values())


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_is_well_formed(code: str) -> None:
    rule = RULES[code]
    assert rule.level in LEVELS
    assert rule.severity == ("error" if rule.level == "MUST" else "warning")
    assert rule.title and rule.title == rule.title.strip()
    assert code.split(".")[0] in {"layout", "archive", "document", "descriptor", "annotations"} | {
        "manifest",
        "index",
        "config",
        "layer",
    }


@pytest.mark.parametrize("code", sorted(RULES))
def test_requirement_is_one_of_the_agreed_ids(code: str) -> None:
    assert RULES[code].requirement in AGREED_IDS


def test_every_code_is_exercised_by_a_test() -> None:
    """Each code is asserted by name somewhere in the validator's tests (both ways, by convention)."""
    here = Path(__file__).parent
    files = [*here.glob("test_*.py"), here.parents[1] / "cli" / "test_validate.py"]
    sources = "".join(p.read_text(encoding="utf-8") for p in files)
    untested = sorted(code for code in RULES if f'"{code}"' not in sources.replace(f'"{__file__}"', ""))
    assert untested == []


def _image_catalog() -> Any:
    if not (catalog_root() / "image-spec").is_dir():
        pytest.skip(
            f"the image-spec catalog ({catalog_root() / 'image-spec'}) is not written yet; "
            "its ids are checked against the agreed list meanwhile"
        )
    return load_catalog()


def test_every_requirement_is_in_the_catalog() -> None:
    catalog = _image_catalog()
    missing = sorted({r.requirement for r in RULES.values()} - {r.id for r in catalog})
    assert missing == [], f"rule requirements missing from the catalog: {missing}"


def test_no_rule_is_stronger_than_its_requirement() -> None:
    """A finding is an error only for a MUST, and a warning never outranks its requirement."""
    catalog = _image_catalog()
    stronger = sorted(
        code
        for code, rule in RULES.items()
        if rule.requirement in catalog
        and LEVELS.index(rule.level) < LEVELS.index(catalog.get(rule.requirement).level)
        and code not in STRONGER_THAN_CATALOG
    )
    assert stronger == [], f"rules stronger than their requirement: {stronger}"


def test_deliberately_stronger_rules_are_explained() -> None:
    assert set(STRONGER_THAN_CATALOG) <= set(RULES)
    assert all(reason.strip() for reason in STRONGER_THAN_CATALOG.values())


# ---------------------------------------------------------------- the image schemas


@pytest.mark.parametrize("name", IMAGE_SCHEMAS)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.mark.parametrize("name", IMAGE_SCHEMAS)
def test_schema_is_self_contained(name: str) -> None:
    schema = load_schema(name)
    for ref in _refs(schema):
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/") in schema["$defs"], ref


@pytest.mark.parametrize("name", IMAGE_SCHEMAS)
def test_every_object_and_property_is_described(name: str, undescribed) -> None:
    assert undescribed(load_schema(name)) == []


# ---------------------------------------------------------------- rules for the finer catalog entries
#
# Each rule both ways: a document (or layout) that triggers it, and a close one that must not.

SHA = "sha256:" + "a" * 64
SHA_B = "sha256:" + "b" * 64
PLATFORM = {"architecture": "amd64", "os": "linux"}
BASE_DOCUMENTS = {
    mt.MANIFEST: {
        "schemaVersion": 2,
        "mediaType": mt.MANIFEST,
        "config": {"mediaType": mt.CONFIG, "digest": SHA, "size": 100},
        "layers": [{"mediaType": mt.LAYER_GZIP, "digest": SHA_B, "size": 200}],
    },
    mt.INDEX: {
        "schemaVersion": 2,
        "mediaType": mt.INDEX,
        "manifests": [{"mediaType": mt.MANIFEST, "digest": SHA, "size": 7682, "platform": PLATFORM}],
    },
    mt.CONFIG: {
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [SHA]},
        "history": [{"created": "2024-01-02T03:04:05Z", "created_by": "COPY . /"}],
    },
}
ARTIFACT = {
    "schemaVersion": 2,
    "mediaType": mt.MANIFEST,
    "artifactType": "application/vnd.example",
    "config": {"mediaType": mt.EMPTY, "digest": mt.EMPTY_DIGEST, "size": 2},
    "layers": [{"mediaType": mt.EMPTY, "digest": mt.EMPTY_DIGEST, "size": 2}],
}


def _set(path: str, value: Any) -> Callable[[Any], None]:
    """Set (or with _DELETE remove) the value at a dotted path."""

    def mutate(doc: Any) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        for part in parents:
            doc = doc[part]
        if value is _DELETE:
            del doc[last]
        else:
            doc[last] = value

    return mutate


_DELETE = object()


def both_(*mutations: Callable[[Any], None]) -> Callable[[Any], None]:
    def mutate(doc: Any) -> None:
        for mutation in mutations:
            mutation(doc)

    return mutate


def _document(media_type: str, mutate: Callable[[Any], None], base: Any = None) -> Report:
    doc = copy.deepcopy(BASE_DOCUMENTS[media_type] if base is None else base)
    mutate(doc)
    return validate_document(media_type, json.dumps(doc).encode())


# (id, media type, bad mutation, close good mutation, code)
DOCUMENT_ERRORS: list[tuple[str, str, Callable[[Any], None], Callable[[Any], None], str]] = [
    (
        "manifest-schema-version-missing",
        mt.MANIFEST,
        _set("schemaVersion", _DELETE),
        _set("schemaVersion", 2),
        "manifest.schema-version-missing",
    ),
    (
        "manifest-artifact-type",
        mt.MANIFEST,
        _set("artifactType", "application"),
        _set("artifactType", "application/vnd.example"),
        "manifest.artifact-type-syntax",
    ),
    (
        "manifest-layer-media-type",
        mt.MANIFEST,
        _set("layers.0.mediaType", "tar+gzip"),
        _set("layers.0.mediaType", "application/vnd.example.layer"),
        "manifest.layer-media-type",
    ),
    (
        "manifest-config-media-type",
        mt.MANIFEST,
        _set("config.mediaType", "config/"),
        _set("config.mediaType", "application/vnd.example.config"),
        "manifest.config-media-type",
    ),
    (
        "index-schema-version-missing",
        mt.INDEX,
        _set("schemaVersion", _DELETE),
        _set("schemaVersion", 2),
        "index.schema-version-missing",
    ),
    (
        "index-manifests-omitted",
        mt.INDEX,
        _set("manifests", _DELETE),
        _set("manifests", []),
        "index.manifests-omitted",
    ),
    (
        "index-artifact-type",
        mt.INDEX,
        _set("artifactType", "x"),
        _set("artifactType", "application/vnd.example"),
        "index.artifact-type-syntax",
    ),
    (
        "index-annotations",
        mt.INDEX,
        _set("annotations", ["com.example.a"]),
        _set("annotations", {"com.example.a": "b"}),
        "index.annotations-invalid",
    ),
    (
        "platform-architecture-missing",
        mt.INDEX,
        _set("manifests.0.platform.architecture", _DELETE),
        _set("manifests.0.platform.architecture", "arm64"),
        "index.platform-architecture",
    ),
    (
        "platform-architecture-type",
        mt.INDEX,
        _set("manifests.0.platform.architecture", 64),
        _set("manifests.0.platform.architecture", "riscv64"),
        "index.platform-architecture",
    ),
    (
        "platform-os-missing",
        mt.INDEX,
        _set("manifests.0.platform.os", _DELETE),
        _set("manifests.0.platform.os", "windows"),
        "index.platform-os",
    ),
    (
        "config-rootfs-type-missing",
        mt.CONFIG,
        _set("rootfs.type", _DELETE),
        _set("rootfs.type", "layers"),
        "config.rootfs-type-missing",
    ),
]

DOCUMENT_WARNINGS: list[tuple[str, str, Callable[[Any], None], Callable[[Any], None], str]] = [
    (
        "manifest-layers-empty",
        mt.MANIFEST,
        _set("layers", []),
        _set("layers.0.size", 0),
        "manifest.layers-empty",
    ),
    (
        "config-not-portable",
        mt.MANIFEST,
        _set("config.mediaType", "application/vnd.docker.container.image.v1+json"),
        _set("artifactType", "application/vnd.example"),
        "manifest.config-not-portable",
    ),
    (
        "artifact-with-image-config",
        mt.MANIFEST,
        _set("artifactType", "application/vnd.example"),
        _set("annotations", {"com.example.artifactType": "application/vnd.example"}),
        "manifest.artifact-config-image",
    ),
    (
        "platform-architecture-not-goarch",
        mt.INDEX,
        _set("manifests.0.platform.architecture", "x86_64"),
        _set("manifests.0.platform.architecture", "ppc64le"),
        "index.platform-architecture-unknown",
    ),
    (
        "platform-os-not-goos",
        mt.INDEX,
        _set("manifests.0.platform.os", "Linux"),
        _set("manifests.0.platform.os", "freebsd"),
        "index.platform-os-unknown",
    ),
    (
        "platform-variant-not-listed",
        mt.INDEX,
        _set("manifests.0.platform", {"architecture": "arm64", "os": "linux", "variant": "armv8"}),
        _set("manifests.0.platform", {"architecture": "arm64", "os": "linux", "variant": "v8.2"}),
        "index.platform-variant-unknown",
    ),
    (
        "platform-variant-unlike-go",
        mt.INDEX,
        _set("manifests.0.platform.variant", "haswell"),
        _set("manifests.0.platform.variant", "v3"),
        "index.platform-variant-go-analog",
    ),
    (
        "platform-windows-feature",
        mt.INDEX,
        _set("manifests.0.platform", {"architecture": "amd64", "os": "windows", "os.features": ["win32"]}),
        _set("manifests.0.platform", {"architecture": "amd64", "os": "windows", "os.features": ["win32k"]}),
        "index.platform-os-features-unknown",
    ),
    (
        "config-architecture-not-goarch",
        mt.CONFIG,
        _set("architecture", "aarch64"),
        _set("architecture", "arm64"),
        "config.architecture-unknown",
    ),
    ("config-os-not-goos", mt.CONFIG, _set("os", "macos"), _set("os", "darwin"), "config.os-unknown"),
    (
        "config-variant-not-listed",
        mt.CONFIG,
        _set("variant", "baseline"),
        _set("variant", "v2"),
        "config.variant-unknown",
    ),
    (
        "config-variant-unlike-go",
        mt.CONFIG,
        both_(_set("architecture", "arm"), _set("variant", "armhf")),
        both_(_set("architecture", "s390x"), _set("variant", "z15")),
        "config.variant-go-analog",
    ),
    (
        "config-windows-feature",
        mt.CONFIG,
        lambda doc: doc.update({"os": "windows", "os.features": ["win32k", "hyperv"]}),
        lambda doc: doc.update({"os": "linux", "os.features": ["hyperv"]}),
        "config.os-features-unknown",
    ),
    (
        "config-created",
        mt.CONFIG,
        _set("created", "2024-01-02"),
        _set("created", "2024-01-02T00:00:00Z"),
        "config.created-format",
    ),
    (
        "history-created",
        mt.CONFIG,
        _set("history.0.created", "last tuesday"),
        _set("history.0.created", "2024-01-02T03:04:05.5-07:00"),
        "config.history-created-format",
    ),
]


@pytest.mark.parametrize(
    ("name", "media_type", "bad", "good", "code"), DOCUMENT_ERRORS, ids=[c[0] for c in DOCUMENT_ERRORS]
)
def test_document_error_both_ways(name: str, media_type: str, bad: Any, good: Any, code: str) -> None:
    assert code in {f.code for f in _document(media_type, bad).errors}
    assert _document(media_type, good).errors == []


@pytest.mark.parametrize(
    ("name", "media_type", "bad", "good", "code"), DOCUMENT_WARNINGS, ids=[c[0] for c in DOCUMENT_WARNINGS]
)
def test_document_warning_both_ways(name: str, media_type: str, bad: Any, good: Any, code: str) -> None:
    report = _document(media_type, bad)
    assert code in {f.code for f in report.warnings}
    assert code not in {f.code for f in _document(media_type, good).findings}


def test_uppercase_sha512_digest() -> None:
    descriptor = {"mediaType": "text/plain", "digest": "sha512:" + "A" * 128, "size": 1}
    report = validate_document(mt.DESCRIPTOR, json.dumps(descriptor).encode())
    assert {f.code for f in report.errors} == {
        "descriptor.digest-sha512-encoding",
        "descriptor.digest-sha512-uppercase",
    }
    short = validate_document(
        mt.DESCRIPTOR, json.dumps({**descriptor, "digest": "sha512:" + "A" * 64}).encode()
    )
    assert {f.code for f in short.errors} == {"descriptor.digest-sha512-encoding"}  # wrong length first
    good = validate_document(
        mt.DESCRIPTOR, json.dumps({**descriptor, "digest": "sha512:" + "a" * 128}).encode()
    )
    assert good.findings == []


def test_artifact_placeholder_layer_has_a_size() -> None:
    zero = {"mediaType": "application/vnd.example.placeholder", "digest": sha256(b""), "size": 0}
    report = _document(mt.MANIFEST, _set("layers", [zero]), ARTIFACT)
    assert {f.code for f in report.findings} == {"manifest.artifact-layer-size"} and report.ok
    assert _document(mt.MANIFEST, lambda doc: None, ARTIFACT).findings == []
    two = _document(mt.MANIFEST, _set("layers", [zero, EMPTY_DESCRIPTOR]), ARTIFACT)
    assert "manifest.artifact-layer-size" not in {f.code for f in two.findings}  # real content


def test_a_variant_like_its_go_analog_is_only_unlisted() -> None:
    """arm/v5 is GOARM=5: not in the table, but not unlike Go either."""
    report = _document(mt.CONFIG, both_(_set("architecture", "arm"), _set("variant", "v5")))
    assert {f.code for f in report.findings} == {"config.variant-unknown"}


def test_missing_fields_are_reported_with_their_presence_rule_too() -> None:
    """The value rule (schemaVersion is 2, platform has architecture) and the presence rule."""
    manifest = _document(mt.MANIFEST, _set("schemaVersion", _DELETE))
    assert {"manifest.schema-version", "manifest.schema-version-missing"} <= {f.code for f in manifest.errors}
    index = _document(mt.INDEX, _set("manifests.0.platform.os", _DELETE))
    assert {"index.platform-invalid", "index.platform-os"} <= {f.code for f in index.errors}


# ---------------------------------------------------------------- rules that need the whole layout


def _image_layout(root: Path, *, platform: bool = True, index_extra: list[Any] | None = None) -> ImageLayout:
    layout = ImageLayout(root)
    manifest = layout.add_image()
    if not platform:
        del manifest["platform"]
    layout.write_index([manifest, *(index_extra or [])])
    return layout


def _codes(report: Report) -> set[str]:
    return {f.code for f in report.findings}


def test_image_entry_without_platform(tmp_path: Path) -> None:
    report = validate_layout(_image_layout(tmp_path / "bad", platform=False).root)
    assert _codes(report) == {"descriptor.platform-missing", "index.platform-missing"} and report.ok
    assert [f.path for f in report.findings] == ["$.manifests[0]", "$.manifests[0]"]
    assert validate_layout(_image_layout(tmp_path / "good").root).findings == []


def test_artifact_entry_without_platform_is_fine(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    empty = layout.add_blob(b"{}", mt.EMPTY)
    artifact = {**ARTIFACT, "config": empty, "layers": [empty]}
    layout.write_index([layout.add_json(artifact, mt.MANIFEST)])
    assert validate_layout(tmp_path).findings == []


def _nested(root: Path, entry_extra: dict[str, Any], media_type: str | None = None) -> Report:
    """index.json -> an index blob -> one image manifest (plus `entry_extra` on that entry)."""
    layout = ImageLayout(root)
    manifest = layout.add_image()
    if media_type is not None:
        manifest = {**manifest, "mediaType": media_type}
    inner = {"schemaVersion": 2, "mediaType": mt.INDEX, "manifests": [{**manifest, **entry_extra}]}
    layout.write_index([layout.add_json(inner, mt.INDEX)])
    return validate_layout(root)


def test_ref_name_in_a_nested_index(tmp_path: Path) -> None:
    ref = {"annotations": {"org.opencontainers.image.ref.name": "v1"}}
    report = _nested(tmp_path / "nested", ref)
    assert _codes(report) == {"layout.ref-name-nested"} and report.ok
    assert validate_layout(_image_layout(tmp_path / "top").root).findings == []
    layout = ImageLayout(tmp_path / "top-ref")
    layout.write_index([{**layout.add_image(), **ref}])
    assert validate_layout(layout.root).findings == []


def test_nested_index_entries_of_other_types(tmp_path: Path) -> None:
    report = _nested(tmp_path / "nested", {}, "application/xml")
    assert "index.manifest-media-type-not-portable" in _codes(report) and report.ok
    assert _nested(tmp_path / "image", {}).findings == []
    layout = ImageLayout(tmp_path / "top")
    xml = layout.add_blob(b"<x/>", "application/xml")
    layout.write_index([layout.add_image(), xml])  # index.json may list other types
    assert validate_layout(layout.root).findings == []


def test_content_addressed_with_sha512(tmp_path: Path) -> None:
    layout = ImageLayout(tmp_path)
    config = canonical({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}})
    digest = "sha512:" + hashlib.sha512(config).hexdigest()
    layout.write_file(f"blobs/sha512/{digest[7:]}", config)
    config_descriptor = {"mediaType": mt.CONFIG, "digest": digest, "size": len(config)}
    manifest = {"schemaVersion": 2, "mediaType": mt.MANIFEST, "config": config_descriptor, "layers": []}
    manifest_descriptor = layout.add_json(manifest, mt.MANIFEST, platform=PLATFORM)
    layout.write_index([manifest_descriptor])
    report = validate_layout(tmp_path)
    assert "descriptor.digest-not-sha256" in {f.code for f in report.warnings}
    assert [f.path for f in report.findings if f.code == "descriptor.digest-not-sha256"] == [
        "$.config.digest"
    ]
    assert "descriptor.digest-not-sha256" not in _codes(validate_layout(_image_layout(tmp_path / "b").root))


def _layer_report(root: Path, members: list[tarfile.TarInfo | tuple[tarfile.TarInfo, bytes]]) -> Report:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for item in members:
            info, data = item if isinstance(item, tuple) else (item, b"")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data else None)
    tar = buffer.getvalue()
    layout = ImageLayout(root)
    layer = layout.add_blob(gzip_bytes(tar), mt.LAYER_GZIP)
    layout.write_index([layout.add_image([(layer, sha256(tar))])])
    return validate_layout(root)


def _member(name: str, kind: bytes = tarfile.REGTYPE, **pax: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.pax_headers = dict(pax)
    return info


def test_sparse_file_entry(tmp_path: Path) -> None:
    sparse = _member("holes", **{"GNU.sparse.map": "0,4", "GNU.sparse.size": "4096"})
    report = _layer_report(tmp_path / "sparse", [(sparse, b"data")])
    assert _codes(report) == {"layer.sparse-entry"} and report.ok
    assert _layer_report(tmp_path / "plain", [(_member("holes"), b"data")]).findings == []


@pytest.mark.parametrize(
    ("names", "warned"),
    [
        (
            [("etc/", tarfile.DIRTYPE), ("etc/conf.d/", tarfile.DIRTYPE), ("etc/.wh.old", tarfile.REGTYPE)],
            True,
        ),
        ([("sub/", tarfile.DIRTYPE), (".wh..wh..opq", tarfile.REGTYPE)], True),
        (
            [("etc/", tarfile.DIRTYPE), ("etc/.wh.old", tarfile.REGTYPE), ("etc/conf.d/", tarfile.DIRTYPE)],
            False,
        ),
        ([("a/", tarfile.DIRTYPE), ("b/", tarfile.DIRTYPE), ("a/.wh.x", tarfile.REGTYPE)], False),
    ],
    ids=["after-sibling-dir", "opaque-after-sibling-dir", "before-sibling-dir", "other-directory"],
)
def test_whiteout_order(tmp_path: Path, names: list[tuple[str, bytes]], warned: bool) -> None:
    report = _layer_report(tmp_path, [_member(name, kind) for name, kind in names])
    assert ("layer.whiteout-order" in _codes(report)) is warned
    assert report.ok
    if not warned:
        assert report.findings == []
