"""Faults of the layout's own files: oci-layout and index.json (the entry point)."""

from __future__ import annotations

import json

from conformance.image import mediatypes
from conformance.image.faults.registry import fault
from conformance.image.generator import LayoutInfo, dumps


@fault("missing-oci-layout")
def fault_missing_oci_layout(info: LayoutInfo) -> None:
    """No oci-layout file."""
    info.oci_layout_path.unlink()


@fault("bad-layout-version")
def fault_bad_layout_version(info: LayoutInfo) -> None:
    """oci-layout names a version other than 1.0.0."""
    info.oci_layout_path.write_bytes(dumps({"imageLayoutVersion": "2.0.0"}))


@fault("oci-layout-not-json")
def fault_oci_layout_not_json(info: LayoutInfo) -> None:
    """oci-layout holds text that is not JSON."""
    info.oci_layout_path.write_bytes(b"imageLayoutVersion = 1.0.0\n")


@fault("missing-index")
def fault_missing_index(info: LayoutInfo) -> None:
    """No index.json."""
    info.index_path.unlink()


@fault("index.not-json")
def fault_index_not_json(info: LayoutInfo) -> None:
    """index.json holds text that is not JSON (its first descriptor's digest still in it)."""
    index = json.loads(info.index_path.read_bytes())
    info.index_path.write_bytes(b"manifests: " + index["manifests"][0]["digest"].encode() + b"\n")


@fault("index.schema-version")
def fault_index_schema_version(info: LayoutInfo) -> None:
    """index.json says schemaVersion 1."""
    index = json.loads(info.index_path.read_bytes())
    info.index_path.write_bytes(dumps({**index, "schemaVersion": 1}))


@fault("index.media-type-field")
def fault_index_media_type_field(info: LayoutInfo) -> None:
    """index.json's own mediaType field says image manifest."""
    index = json.loads(info.index_path.read_bytes())
    info.index_path.write_bytes(dumps({**index, "mediaType": mediatypes.MANIFEST}))
