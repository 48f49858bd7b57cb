"""The finding codes (conformance.image.rules) and the image schemas they lean on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conformance.image.rules import RULES, STRONGER_THAN_CATALOG, Rule
from conformance.requirements import LEVELS, catalog_root, load_catalog
from conformance.schemas import load_schema

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
    sources = "".join(
        p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_validator_*.py")
    )
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


def _undescribed(node: Any, where: str) -> Iterator[str]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _undescribed(item, f"{where}/{index}")
        return
    if not isinstance(node, dict):
        return
    if (node.get("type") == "object" or "properties" in node) and "description" not in node:
        yield where
    for key in ("properties", "$defs"):
        for child_name, child in node.get(key, {}).items():
            if "description" not in child:
                yield f"{where}/{key}/{child_name}"
    for key, child in node.items():
        if key not in ("enum", "required", "const"):
            yield from _undescribed(child, f"{where}/{key}")


@pytest.mark.parametrize("name", IMAGE_SCHEMAS)
def test_every_object_and_property_is_described(name: str) -> None:
    assert list(_undescribed(load_schema(name), "#")) == []
