"""Faults of an image or artifact manifest document."""

from __future__ import annotations

import base64

from conformance.image import mediatypes
from conformance.image.faults.registry import fault
from conformance.image.faults.shared import first_manifest, replace_with_bytes, target
from conformance.image.generator import (
    BlobInfo,
    LayoutInfo,
    ManifestInfo,
    drop_if_unreferenced,
    rewrite_json,
    store,
)

NOT_JSON = b"this is not JSON: a manifest was expected\n"


def _first_artifact(info: LayoutInfo, fault: str) -> ManifestInfo:
    for manifest in info.manifests:
        if manifest.config.media_type == mediatypes.EMPTY:
            return manifest
    from conformance.core.errors import DataFileError

    raise DataFileError(info.source, f"fault {fault}: needs an artifact (a manifest with the empty config)")


@fault("manifest.not-json")
def fault_manifest_not_json(info: LayoutInfo) -> None:
    """The manifest blob is text that is not JSON (descriptor re-pointed to it)."""
    replace_with_bytes(info, target(info, "manifest", "manifest.not-json"), NOT_JSON)


@fault("manifest.schema-version")
def fault_manifest_schema_version(info: LayoutInfo) -> None:
    """The manifest says schemaVersion 1."""
    blob = target(info, "manifest", "manifest.schema-version")
    rewrite_json(info, blob, lambda m: m.update(schemaVersion=1))


@fault("manifest.media-type-field")
def fault_manifest_media_type_field(info: LayoutInfo) -> None:
    """The manifest's own mediaType field says image index."""
    rewrite_json(
        info,
        first_manifest(info, "manifest.media-type-field"),
        lambda m: m.update(mediaType=mediatypes.INDEX),
    )


@fault("empty-descriptor-wrong")
def fault_empty_descriptor_wrong(info: LayoutInfo) -> None:
    """An artifact's config has the empty media type but points to content other than {}."""
    manifest = _first_artifact(info, "empty-descriptor-wrong")
    digest, size, path = store(info.root, b'{"empty":false}')
    old = manifest.config
    rewrite_json(info, manifest, lambda m: m["config"].update(digest=digest, size=size))
    manifest.config = BlobInfo(digest=digest, size=size, media_type=mediatypes.EMPTY, path=path)
    drop_if_unreferenced(info, old.digest, old.path)


@fault("missing-artifact-type")
def fault_missing_artifact_type(info: LayoutInfo) -> None:
    """An artifact manifest with the empty config has no artifactType."""
    manifest = _first_artifact(info, "missing-artifact-type")
    rewrite_json(info, manifest, lambda m: m.pop("artifactType", None))
    manifest.artifact_type = None


@fault("data-mismatch")
def fault_data_mismatch(info: LayoutInfo) -> None:
    """The first manifest's config descriptor embeds `data` of the right size but other bytes."""
    manifest = first_manifest(info, "data-mismatch")
    content = manifest.config.path.read_bytes()
    other = content[::-1] if content[::-1] != content else content + b" "
    encoded = base64.b64encode(other).decode()
    rewrite_json(info, manifest, lambda m: m["config"].update(data=encoded))
