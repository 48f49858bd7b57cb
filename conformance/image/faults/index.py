"""Faults of a nested image index (an index blob that index.json points to)."""

from __future__ import annotations

from conformance.image import mediatypes
from conformance.image.faults.registry import fault
from conformance.image.faults.shared import replace_with_bytes, target
from conformance.image.generator import LayoutInfo, rewrite_json

NOT_JSON = b"this is not JSON: an index was expected\n"


@fault("nested.not-json")
def fault_nested_not_json(info: LayoutInfo) -> None:
    """The nested index blob is text that is not JSON (descriptor re-pointed to it)."""
    replace_with_bytes(info, target(info, "nested", "nested.not-json"), NOT_JSON)


@fault("nested.schema-version")
def fault_nested_schema_version(info: LayoutInfo) -> None:
    """The nested index says schemaVersion 1."""
    rewrite_json(info, target(info, "nested", "nested.schema-version"), lambda i: i.update(schemaVersion=1))


@fault("nested.media-type-field")
def fault_nested_media_type_field(info: LayoutInfo) -> None:
    """The nested index's own mediaType field says image manifest."""
    blob = target(info, "nested", "nested.media-type-field")
    rewrite_json(info, blob, lambda i: i.update(mediaType=mediatypes.MANIFEST))
