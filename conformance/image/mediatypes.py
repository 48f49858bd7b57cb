"""Media types image-spec v1.1.1 defines, and what each one holds."""

from __future__ import annotations

import re

DESCRIPTOR = "application/vnd.oci.descriptor.v1+json"
LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
EMPTY = "application/vnd.oci.empty.v1+json"
LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
NONDIST_TAR = "application/vnd.oci.image.layer.nondistributable.v1.tar"
NONDIST_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
NONDIST_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

#: JSON documents, by media type (what `validate --media-type` accepts).
JSON_DOCUMENTS = (DESCRIPTOR, LAYOUT_HEADER, INDEX, MANIFEST, CONFIG, EMPTY)

#: Layer media types -> compression ("none", "gzip", "zstd").
LAYER_COMPRESSION = {
    LAYER_TAR: "none",
    LAYER_GZIP: "gzip",
    LAYER_ZSTD: "zstd",
    NONDIST_TAR: "none",
    NONDIST_GZIP: "gzip",
    NONDIST_ZSTD: "zstd",
}

#: The empty JSON blob `{}` and its descriptor fields.
EMPTY_BLOB = b"{}"
EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

# RFC 6838 section 4.2: type "/" subtype, restricted-name characters, optional parameters ignored.
_RESTRICTED_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
MEDIA_TYPE = re.compile(rf"^{_RESTRICTED_NAME}/{_RESTRICTED_NAME}\Z")


def is_valid_media_type(value: object) -> bool:
    """RFC 6838 syntax (the spec requires media types to comply with it)."""
    return isinstance(value, str) and MEDIA_TYPE.match(value) is not None
