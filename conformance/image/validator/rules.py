"""Finding codes of the image validator, each tied to the catalog requirement it checks.

A code names one way content can go wrong; the requirement id links it to the image-spec
catalog (conformance/requirements/image-spec/) so a report can say which rule of the spec broke.
The level is the level of the finding: MUST findings are errors, SHOULD and MAY findings are
warnings. A few checks are heuristic (the validator cannot be sure) and are therefore reported
at SHOULD although their requirement is a MUST. A rule is never stronger than its requirement,
except where the spec's own schema tests judge a document invalid although the catalog entry
is a MAY (see STRONGER_THAN_CATALOG).
"""

from __future__ import annotations

from conformance.core.findings import Rule, rule_table

__all__ = ["RULES", "STRONGER_THAN_CATALOG", "Rule"]

_table = rule_table

RULES: dict[str, Rule] = _table(
    # -- the layout: oci-layout, index.json, blobs/
    ("layout.not-a-directory", "image-layout.oci-layout.exists", "MUST", "an image layout is a directory"),
    ("layout.oci-layout-missing", "image-layout.oci-layout.exists", "MUST", "oci-layout exists"),
    ("layout.oci-layout-unreadable", "image-layout.oci-layout.exists", "MUST", "oci-layout can be read"),
    (
        "layout.oci-layout-not-json",
        "image-layout.oci-layout.json-object",
        "MUST",
        "oci-layout is a JSON object",
    ),
    (
        "layout.oci-layout-version",
        "image-layout.oci-layout.version",
        "MUST",
        'oci-layout has imageLayoutVersion "1.0.0"',
    ),
    ("layout.index-missing", "image-layout.index.exists", "MUST", "index.json exists"),
    ("layout.index-unreadable", "image-layout.index.exists", "MUST", "index.json can be read"),
    ("layout.index-not-json", "image-layout.index.valid", "MUST", "index.json is JSON"),
    ("layout.index-invalid", "image-layout.index.valid", "MUST", "index.json is an image index object"),
    ("layout.blobs-missing", "image-layout.blobs.exists", "MUST", "the blobs directory exists"),
    (
        "layout.blob-path-invalid",
        "image-layout.blobs.path",
        "MUST",
        "blobs are files at blobs/<algorithm>/<encoded> with names in the digest grammar",
    ),
    (
        "layout.blob-algorithm-unknown",
        "image-layout.blobs.unknown-algorithm",
        "SHOULD",
        "blobs of an unregistered algorithm cannot be verified",
    ),
    (
        "layout.blob-digest-mismatch",
        "image-layout.blobs.content-matches",
        "MUST",
        "the content of blobs/<alg>/<encoded> matches the digest <alg>:<encoded>",
    ),
    ("layout.blob-unreadable", "image-layout.blobs.content-matches", "MUST", "a blob can be read"),
    ("layout.blob-outside", "image-layout.blobs.path", "MUST", "a blob lies inside the layout"),
    (
        "layout.blob-missing",
        "image-layout.blobs.referenced-exist",
        "MAY",
        "referenced blobs are present (or fulfilled by an external store)",
    ),
    (
        "layout.ref-name-nested",
        "image-layout.index.ref-name-scope",
        "SHOULD",
        "ref.name annotations count only on the descriptors of index.json, not of nested indexes",
    ),
    (
        "layout.graph-cycle",
        "image-layout.blobs.content-matches",
        "MUST",
        "content forms a Merkle DAG (a cycle proves a digest does not match)",
    ),
    # -- oci-archive tars
    ("archive.not-tar", "image-layout.oci-layout.exists", "MUST", "an oci-archive is a tar of a layout"),
    (
        "archive.unsafe-member",
        "image-layout.blobs.path",
        "SHOULD",
        "archive member names are relative and stay inside the layout",
    ),
    # -- JSON documents in general
    ("document.large", "descriptor.size.verify", "SHOULD", "a JSON document larger than 4 MiB"),
    ("document.too-large", "descriptor.size.verify", "SHOULD", "a JSON document too large to parse"),
    # -- descriptors
    ("descriptor.not-json", "descriptor.media-type.required", "MUST", "a descriptor is a JSON object"),
    ("descriptor.media-type-missing", "descriptor.media-type.required", "MUST", "mediaType is present"),
    ("descriptor.media-type-syntax", "descriptor.media-type.syntax", "MUST", "mediaType follows RFC 6838"),
    (
        "descriptor.artifact-type-syntax",
        "descriptor.artifact-type.syntax",
        "MUST",
        "artifactType follows RFC 6838",
    ),
    ("descriptor.digest-missing", "descriptor.digest.required", "MUST", "digest is present"),
    ("descriptor.digest-grammar", "descriptor.digest.grammar", "MUST", "digest matches the digest grammar"),
    (
        "descriptor.digest-sha256-encoding",
        "descriptor.digest.sha256-encoding",
        "MUST",
        "a sha256 digest is 64 lowercase hex digits",
    ),
    (
        "descriptor.digest-sha512-encoding",
        "descriptor.digest.sha512-encoding",
        "MUST",
        "a sha512 digest is 128 lowercase hex digits",
    ),
    (
        "descriptor.digest-sha512-uppercase",
        "descriptor.digest.sha512-lowercase",
        "MUST",
        "a sha512 digest has no uppercase A-F (reported beside descriptor.digest-sha512-encoding)",
    ),
    (
        "descriptor.digest-unregistered",
        "descriptor.digest.unregistered",
        "SHOULD",
        "a digest of an unregistered algorithm passes but cannot be verified",
    ),
    ("descriptor.size-missing", "descriptor.size.required", "MUST", "size is present"),
    ("descriptor.size-invalid", "descriptor.size.required", "MUST", "size is a non-negative int64"),
    ("descriptor.size-mismatch", "descriptor.size.required", "MUST", "size is the length of the content"),
    ("descriptor.urls-invalid", "descriptor.urls.uri", "MUST", "urls entries are RFC 3986 URIs"),
    ("descriptor.urls-scheme", "descriptor.urls.scheme", "SHOULD", "urls entries use http or https"),
    ("descriptor.data-encoding", "descriptor.data.encoding", "MUST", "data is padded base64 (RFC 4648)"),
    (
        "descriptor.data-mismatch",
        "descriptor.data.matches",
        "MUST",
        "decoded data matches the descriptor's digest and size",
    ),
    (
        "descriptor.digest-not-sha256",
        "descriptor.digest.sha256-preferred",
        "SHOULD",
        "content in a layout is addressed with sha256",
    ),
    (
        "descriptor.platform-missing",
        "descriptor.platform.manifest",
        "SHOULD",
        "an index entry pointing to an image manifest has a platform",
    ),
    (
        "descriptor.empty-content",
        "manifest.empty-descriptor",
        "MUST",
        "application/vnd.oci.empty.v1+json content is {} (size 2)",
    ),
    # -- annotations (descriptors, manifests, indexes, config Labels)
    ("annotations.invalid", "descriptor.annotations.rules", "MUST", "annotations are a map with unique keys"),
    ("annotations.value-not-string", "annotations.values.string", "MUST", "annotation values are strings"),
    (
        "annotations.key-not-reverse-domain",
        "annotations.keys.reverse-domain",
        "SHOULD",
        "annotation keys use reverse domain notation",
    ),
    (
        "annotations.key-reserved",
        "annotations.keys.reserved-image-namespace",
        "SHOULD",
        "org.opencontainers.image keys are only those the image-spec defines",
    ),
    (
        "annotations.key-oci-prefix",
        "annotations.keys.reserved-prefix",
        "SHOULD",
        "org.opencontainers keys are only those OCI specifications define",
    ),
    ("annotations.not-a-map", "annotations.rules.map", "MUST", "config.Labels is a map of strings"),
    ("annotations.duplicate-key", "annotations.keys.unique", "MUST", "annotation keys are unique"),
    (
        "annotations.null",
        "annotations.rules.empty",
        "MUST",
        "no annotations are written as an absent property or {}, never null",
    ),
    ("annotations.value-missing", "annotations.values.present", "MUST", "every annotation key has a value"),
    (
        "annotations.created-format",
        "annotations.created.format",
        "MUST",
        "org.opencontainers.image.created is an RFC 3339 date-time",
    ),
    ("annotations.url-format", "annotations.url.format", "MUST", "org.opencontainers.image.url is a URL"),
    (
        "annotations.documentation-format",
        "annotations.documentation.format",
        "MUST",
        "org.opencontainers.image.documentation is a URL",
    ),
    (
        "annotations.source-format",
        "annotations.source.format",
        "MUST",
        "org.opencontainers.image.source is a URL",
    ),
    (
        "annotations.licenses-format",
        "annotations.licenses.format",
        "MUST",
        "org.opencontainers.image.licenses is an SPDX license expression",
    ),
    (
        "annotations.ref-name-grammar",
        "annotations.ref-name.grammar",
        "MUST",
        "org.opencontainers.image.ref.name matches the ref grammar",
    ),
    (
        "annotations.ref-name-charset",
        "annotations.ref-name.charset",
        "SHOULD",
        "org.opencontainers.image.ref.name uses only A-Za-z0-9 and -._:@/+",
    ),
    (
        "annotations.ref-name-scope",
        "annotations.ref-name.scope",
        "SHOULD",
        "org.opencontainers.image.ref.name sits on descriptors of an index, where it counts",
    ),
    (
        "annotations.base-digest-format",
        "annotations.base-digest.format",
        "MUST",
        "org.opencontainers.image.base.digest is a digest",
    ),
    (
        "annotations.base-name-format",
        "annotations.base-name.reference-format",
        "SHOULD",
        "org.opencontainers.image.base.name is a distribution/distribution image reference",
    ),
    (
        "annotations.base-name-not-qualified",
        "annotations.base-name.fully-qualified",
        "SHOULD",
        "org.opencontainers.image.base.name names its registry",
    ),
    (
        "annotations.base-digest-pairing",
        "annotations.base-name.digest-pairing",
        "SHOULD",
        "base.name comes with the base.digest of the manifest it names",
    ),
    # -- image manifests
    ("manifest.not-json", "manifest.schema-version", "MUST", "a manifest is a JSON object"),
    ("manifest.schema-version", "manifest.schema-version", "MUST", "schemaVersion is 2"),
    (
        "manifest.schema-version-missing",
        "manifest.schema-version.required",
        "MUST",
        "schemaVersion is present",
    ),
    (
        "manifest.media-type-mismatch",
        "manifest.media-type",
        "MUST",
        "mediaType, when used, is application/vnd.oci.image.manifest.v1+json",
    ),
    ("manifest.media-type-missing", "manifest.media-type.present", "SHOULD", "mediaType should be used"),
    ("manifest.config-missing", "manifest.config.required", "MUST", "config is a descriptor"),
    (
        "manifest.config-media-type",
        "manifest.config.other-media-type-syntax",
        "MUST",
        "config mediaType follows RFC 6838",
    ),
    (
        "manifest.config-not-portable",
        "manifest.config.portable-media-type",
        "SHOULD",
        "a container image (OCI layers, no artifactType) has the OCI image config media type",
    ),
    ("manifest.layers-missing", "manifest.layers.required", "MUST", "layers is an array of descriptors"),
    ("manifest.layers-empty", "manifest.layers.non-empty", "SHOULD", "layers has at least one entry"),
    (
        "manifest.layer-media-type",
        "manifest.layers.other-media-type-syntax",
        "MUST",
        "a layer mediaType follows RFC 6838",
    ),
    (
        "manifest.layers-order",
        "manifest.layers.order",
        "MUST",
        "layers are in stack order, matching rootfs.diff_ids",
    ),
    (
        "manifest.artifact-type-missing",
        "manifest.artifact-type.empty-config",
        "MUST",
        "artifactType is set when config is the empty descriptor",
    ),
    (
        "manifest.artifact-type-syntax",
        "manifest.artifact-type.syntax",
        "MUST",
        "the manifest's artifactType follows RFC 6838",
    ),
    (
        "manifest.artifact-config-image",
        "manifest.artifacts.config-media-type",
        "SHOULD",
        "an artifact's config has the artifact's own media type or the empty one, not the image config's",
    ),
    (
        "manifest.artifact-layer-size",
        "manifest.artifacts.placeholder-layer",
        "SHOULD",
        "an artifact's single placeholder layer has a non-zero size",
    ),
    ("manifest.subject-invalid", "manifest.subject", "MUST", "subject is a descriptor"),
    (
        "manifest.annotations-invalid",
        "manifest.annotations",
        "MUST",
        "annotations follow the annotation rules",
    ),
    # -- image indexes
    ("index.not-json", "image-index.schema-version", "MUST", "an image index is a JSON object"),
    ("index.schema-version", "image-index.schema-version", "MUST", "schemaVersion is 2"),
    (
        "index.schema-version-missing",
        "image-index.schema-version.required",
        "MUST",
        "schemaVersion is present",
    ),
    (
        "index.media-type-mismatch",
        "image-index.media-type",
        "MUST",
        "mediaType, when used, is application/vnd.oci.image.index.v1+json",
    ),
    ("index.media-type-missing", "image-index.media-type.present", "SHOULD", "mediaType should be used"),
    (
        "index.artifact-type-syntax",
        "image-index.artifact-type.syntax",
        "MUST",
        "the index's artifactType follows RFC 6838",
    ),
    (
        "index.annotations-invalid",
        "image-index.annotations.rules",
        "MUST",
        "the index's annotations are a map of strings",
    ),
    (
        "index.manifests-missing",
        "image-index.manifests.required",
        "MUST",
        "manifests is present and an array of descriptors",
    ),
    ("index.manifests-omitted", "image-index.manifests.present", "MUST", "manifests is never omitted"),
    (
        "index.platform-invalid",
        "image-index.manifests.platform",
        "MUST",
        "platform has string architecture and os",
    ),
    (
        "index.platform-architecture",
        "image-index.manifests.platform.architecture",
        "MUST",
        "platform names the architecture",
    ),
    ("index.platform-os", "image-index.manifests.platform.os", "MUST", "platform names the os"),
    (
        "index.platform-architecture-unknown",
        "image-index.manifests.platform.architecture-values",
        "SHOULD",
        "platform architecture is a GOARCH value",
    ),
    (
        "index.platform-os-unknown",
        "image-index.manifests.platform.os-values",
        "SHOULD",
        "platform os is a GOOS value",
    ),
    (
        "index.platform-variant-unknown",
        "image-index.manifests.platform.variant-values",
        "SHOULD",
        "platform variant is in the Platform Variants table",
    ),
    (
        "index.platform-variant-go-analog",
        "image-index.platform-variants.go-analog",
        "SHOULD",
        "a variant outside the table resembles its Go analog (GOARM, GOAMD64, ...)",
    ),
    (
        "index.platform-os-features-unknown",
        "image-index.manifests.platform.os-features-windows",
        "SHOULD",
        "windows platforms use the listed os.features values",
    ),
    (
        "index.platform-missing",
        "image-index.manifests.platform-present",
        "SHOULD",
        "an entry whose target is a platform-specific image has a platform",
    ),
    (
        "index.manifest-media-type-not-portable",
        "image-index.manifests.portable-media-type",
        "SHOULD",
        "entries of a nested index are image manifests or image indexes",
    ),
    # -- image configurations
    ("config.not-json", "image-config.architecture.required", "MUST", "a configuration is a JSON object"),
    (
        "config.property-invalid",
        "image-config.architecture.required",
        "MUST",
        "configuration properties have the types config.md gives them",
    ),
    ("config.architecture", "image-config.architecture.required", "MUST", "architecture is a string"),
    ("config.os", "image-config.os.required", "MUST", "os is a string"),
    (
        "config.architecture-unknown",
        "image-config.architecture.values",
        "SHOULD",
        "architecture is a GOARCH value",
    ),
    ("config.os-unknown", "image-config.os.values", "SHOULD", "os is a GOOS value"),
    (
        "config.variant-unknown",
        "image-config.variant.values",
        "SHOULD",
        "variant is in the Platform Variants table",
    ),
    (
        "config.variant-go-analog",
        "image-index.platform-variants.go-analog",
        "SHOULD",
        "a variant outside the table resembles its Go analog (GOARM, GOAMD64, ...)",
    ),
    (
        "config.os-features-unknown",
        "image-config.os-features.windows-values",
        "SHOULD",
        "windows images use the listed os.features values",
    ),
    ("config.created-format", "image-config.created", "MAY", "created is an RFC 3339 date-time"),
    ("config.rootfs-missing", "image-config.rootfs.required", "MUST", "rootfs is an object"),
    ("config.rootfs-type", "image-config.rootfs.type", "MUST", 'rootfs.type is "layers"'),
    ("config.rootfs-type-missing", "image-config.rootfs.type-required", "MUST", "rootfs.type is present"),
    (
        "config.diff-ids-invalid",
        "image-config.rootfs.diff-ids",
        "MUST",
        "rootfs.diff_ids is a list of digests",
    ),
    (
        "config.diff-ids-count",
        "image-config.rootfs.diff-ids",
        "MUST",
        "rootfs.diff_ids has exactly one entry per layer",
    ),
    (
        "config.diff-id-mismatch",
        "image-config.rootfs.diff-ids",
        "MUST",
        "each DiffID is the digest of the uncompressed layer",
    ),
    ("config.env-syntax", "image-config.env.syntax", "MUST", "Env entries are VARNAME=VARVALUE"),
    (
        "config.history-created-format",
        "image-config.history.created",
        "MAY",
        "a history entry's created is an RFC 3339 date-time",
    ),
    (
        "config.history-count",
        "image-config.history.empty-layer",
        "MAY",
        "history entries without empty_layer match the layers one to one",
    ),
    # -- layers
    ("layer.not-tar", "layer.changeset.tar", "MUST", "a layer is a tar archive"),
    ("layer.tar-truncated", "layer.changeset.tar", "MUST", "a layer's tar archive is complete"),
    ("layer.gzip-invalid", "layer.compression.gzip", "MUST", "a +gzip layer is a complete gzip stream"),
    ("layer.zstd-invalid", "layer.compression.zstd", "MUST", "a +zstd layer is a complete zstd stream"),
    (
        "layer.zstd-unsupported",
        "layer.compression.zstd",
        "SHOULD",
        "zstd layers can be decompressed (the zstandard package is needed)",
    ),
    (
        "layer.compression-mismatch",
        "layer.compression.media-type",
        "MUST",
        "the layer's compression is the one its media type names",
    ),
    ("layer.duplicate-path", "layer.duplicate-paths", "MUST", "a layer has no duplicate entries for a path"),
    ("layer.whiteout-name", "layer.whiteout.prefix", "MUST", "a whiteout is .wh. followed by a name"),
    (
        "layer.whiteout-opaque-name",
        "layer.whiteout.opaque",
        "MUST",
        ".wh..wh. is only used by the opaque whiteout .wh..wh..opq",
    ),
    ("layer.whiteout-not-empty", "layer.whiteout.prefix", "SHOULD", "a whiteout is an empty regular file"),
    (
        "layer.sparse-entry",
        "layer.file-attributes.no-sparse",
        "SHOULD",
        "layers have no sparse file entries",
    ),
    (
        "layer.whiteout-order",
        "layer.whiteout.ordering",
        "SHOULD",
        "a whiteout comes before the directory entries beside it",
    ),
    (
        "layer.unsafe-entry",
        "layer.changeset.tar",
        "SHOULD",
        "entries stay inside the root: relative names without '..', links that do not escape",
    ),
)


#: Rules that are errors although the catalog entry they point to is weaker, and why.
STRONGER_THAN_CATALOG = {
    "config.env-syntax": "the spec's schema test config/010 is invalid only for an Env entry without '='",
    "index.platform-invalid": "index/004 is invalid for a platform without architecture; a platform "
    "without a string architecture or os is also reported under its own MUST code "
    "(index.platform-architecture, index.platform-os)",
    "manifest.subject-invalid": "manifest/009 and index/012 are invalid only for a subject that is not "
    "a descriptor",
    "descriptor.empty-content": "the empty media type is defined as the 2-byte blob {}; other content "
    "under that type is mislabelled",
}
