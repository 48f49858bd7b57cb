"""Checks of one JSON document: the bundled image schemas, then the rules a schema cannot express.

Schema violations are turned into findings whose code depends on where in the document they
are (a descriptor's digest, a platform, rootfs.type, ...), so each one names the requirement it
breaks. The extra rules cover digest encodings of registered algorithms, URIs, padded base64 and
its content, annotation keys and the formats of the pre-defined ones, Env syntax, the empty
descriptor, artifactType, missing mediaType fields, platform values (GOOS, GOARCH, the Platform
Variants table), created dates, the portability SHOULDs of manifests and history versus diff_ids.

A missing REQUIRED field the schema reports under its value rule (schemaVersion is 2, platform
has architecture and os, manifests is an array) is also reported under its presence rule, as
the catalog has an entry for each.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from conformance.image import mediatypes as mt
from conformance.image.digest import DIGEST_GRAMMAR, REGISTERED, DigestError, digest_bytes, parse_digest
from conformance.image.validator.findings import Collector
from conformance.image.validator.values import (
    REF_NAME,
    annotation_value_problems,
    base_pairing_problems,
    is_date_time,
    platform_problems,
)
from conformance.schemas import SchemaViolation, validate

SCHEMAS = {
    mt.DESCRIPTOR: "image/descriptor",
    mt.LAYOUT_HEADER: "image/layout-header",
    mt.INDEX: "image/index",
    mt.MANIFEST: "image/manifest",
    mt.CONFIG: "image/config",
}
#: The code reported when a document of this type is not JSON, or not even an object.
NOT_JSON = {
    mt.DESCRIPTOR: "descriptor.not-json",
    mt.LAYOUT_HEADER: "layout.oci-layout-not-json",
    mt.INDEX: "index.not-json",
    mt.MANIFEST: "manifest.not-json",
    mt.CONFIG: "config.not-json",
    mt.EMPTY: "descriptor.empty-content",
}
#: Keys the image-spec defines in its reserved org.opencontainers.image namespace: annotations.md's
#: pre-defined keys, and the implied annotations conversion.md sets in runtime configurations
#: (which Config.Labels may set to take precedence).
PREDEFINED_ANNOTATIONS = frozenset(
    "org.opencontainers.image." + key
    for key in (
        *("created", "authors", "url", "documentation", "source", "version", "revision", "vendor"),
        *("licenses", "ref.name", "title", "description", "base.digest", "base.name"),
        *("os", "architecture", "variant", "os.version", "os.features", "author"),
        *("exposedPorts", "stopSignal"),
    )
)
#: org.opencontainers keys other OCI specifications define (distribution-spec's referrers API, and
#: the artifact keys of the archived OCI artifacts specification).
OTHER_OCI_ANNOTATIONS = frozenset(
    {
        "org.opencontainers.referrers.filtersApplied",
        "org.opencontainers.artifact.created",
        "org.opencontainers.artifact.description",
    }
)
#: Codes of an annotations property that is not a map, by place; a null one is annotations.null.
_ANNOTATION_MAP_CODES = {"annotations.invalid", "manifest.annotations-invalid", "index.annotations-invalid"}
#: Finding codes of a config and of an index's platform object, by kind of platform problem.
_PLATFORM_CODES = {
    "config": {
        "architecture": "config.architecture-unknown",
        "os": "config.os-unknown",
        "variant": "config.variant-unknown",
        "go-analog": "config.variant-go-analog",
        "os-features": "config.os-features-unknown",
    },
    "index": {
        "architecture": "index.platform-architecture-unknown",
        "os": "index.platform-os-unknown",
        "variant": "index.platform-variant-unknown",
        "go-analog": "index.platform-variant-go-analog",
        "os-features": "index.platform-os-features-unknown",
    },
}
_REVERSE_DOMAIN = re.compile(r"[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[^.]+")
#: RFC 3986 URI (absolute: the scheme is required), restricted to the characters it allows.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
#: RFC 4648 section 4 base64 with its padding.
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_PATH_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]")
_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_PATTERN = re.compile(r" does not match '.*'$")


class JsonObject(dict):
    """A parsed JSON object that remembers keys it saw twice (annotation keys must be unique)."""

    duplicates: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> JsonObject:
    obj = JsonObject(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        duplicates = []
        for key, _ in pairs:
            if key in seen:
                duplicates.append(key)
            seen.add(key)
        obj.duplicates = tuple(duplicates)
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes) -> Any:
    """Parse strict JSON (no NaN/Infinity); ValueError says why it is not JSON."""
    try:
        return json.loads(data, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def clean_text(value: str) -> bool:
    """No trailing newline: `$` in the shared grammars would let one through."""
    return "\n" not in value


def valid_media_type(value: object) -> bool:
    return mt.is_valid_media_type(value) and clean_text(str(value))


#: Media type -> the rule kinds (code prefixes) a document of it is examined for.
_KINDS = {mt.MANIFEST: ("manifest",), mt.INDEX: ("index",), mt.CONFIG: ("config",)}


def check_document(
    media_type: str, doc: Any, where: str, out: Collector, root_code: str | None = None
) -> None:
    """Every check of a parsed document of `media_type` (one of SCHEMAS)."""
    out.examine("document", *_KINDS.get(media_type, ()))
    for violation in validate(SCHEMAS[media_type], doc):
        code = schema_code(media_type, violation, root_code)
        nullable = code in _ANNOTATION_MAP_CODES or code == "annotations.value-not-string"
        if nullable and _value_at(doc, violation.path) is None:  # null: no annotations, or no value
            code = "annotations.null" if code in _ANNOTATION_MAP_CODES else "annotations.value-missing"
        out.add(
            code, where, violation.path, _PATTERN.sub(" does not have the required syntax", violation.message)
        )
    if not isinstance(doc, dict):
        return
    if "annotations" in doc:
        out.examine("annotations")
    for path, descriptor in descriptors_of(media_type, doc):
        out.examine("descriptor", *(("annotations",) if "annotations" in descriptor else ()))
        check_descriptor(descriptor, where, path, out)
    if media_type == mt.MANIFEST:
        _check_manifest(doc, where, out)
    elif media_type == mt.INDEX:
        _check_index(doc, where, out)
    elif media_type == mt.CONFIG:
        _check_config(doc, where, out)


def descriptors_of(media_type: str, doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(JSON path, descriptor) of each descriptor object the document holds."""
    if media_type == mt.DESCRIPTOR:
        yield "$", doc
        return
    if media_type == mt.MANIFEST:
        yield from _object_at(doc, "config")
        yield from _objects_in(doc, "layers")
    elif media_type == mt.INDEX:
        yield from _objects_in(doc, "manifests")
    if media_type in (mt.MANIFEST, mt.INDEX):
        yield from _object_at(doc, "subject")


def _object_at(doc: dict[str, Any], key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(doc.get(key), dict):
        yield f"$.{key}", doc[key]


def _objects_in(doc: dict[str, Any], key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    items = doc.get(key)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield f"$.{key}[{index}]", item


# ------------------------------------------------------------------ descriptors


def check_descriptor(d: dict[str, Any], where: str, path: str, out: Collector) -> None:
    """The descriptor rules beyond the schema (which already checked presence and types)."""
    digest = d.get("digest")
    if isinstance(digest, str) and clean_text(digest):
        _check_digest_encoding(digest, where, f"{path}.digest", out)
    urls = d.get("urls")
    if isinstance(urls, list):
        for index, url in enumerate(urls):
            if isinstance(url, str):
                _check_url(url, where, f"{path}.urls[{index}]", out)
    if isinstance(d.get("data"), str):
        _check_data(d, where, path, out)
    if isinstance(d.get("annotations"), dict):
        # ref.name counts on index entries (and a lone descriptor may be one); duplicate keys of a
        # descriptor are reported under the descriptor's own annotation rule
        check_annotations(
            d["annotations"],
            where,
            f"{path}.annotations",
            out,
            duplicate_code="annotations.invalid",
            ref_name_here=path == "$" or path.startswith("$.manifests["),
        )
    if d.get("mediaType") == mt.EMPTY:
        _check_empty_descriptor(d, where, path, out)


def _check_digest_encoding(digest: str, where: str, path: str, out: Collector) -> None:
    if not DIGEST_GRAMMAR.match(digest):
        return  # the schema reports grammar errors
    algorithm = digest.split(":", 1)[0]
    try:
        parse_digest(digest)
    except DigestError as exc:
        out.add(f"descriptor.digest-{algorithm}-encoding", where, path, str(exc))
        encoded = digest.split(":", 1)[1]
        if (
            algorithm == "sha512"
            and encoded != encoded.lower()
            and REGISTERED["sha512"].match(encoded.lower())
        ):
            # descriptor.md's "[A-F] MUST NOT be used" is a catalog entry of its own; for sha256
            # the same sentence is tested on tools (fault case uppercase-digest) and reported once
            message = "uppercase hex letters A-F are not used in a sha512 digest"
            out.add("descriptor.digest-sha512-uppercase", where, path, message)
        return
    if algorithm not in REGISTERED:
        out.add(
            "descriptor.digest-unregistered",
            where,
            path,
            f"algorithm {algorithm!r} is not registered (sha256, sha512): the content cannot be verified",
        )


def _check_url(url: str, where: str, path: str, out: Collector) -> None:
    if not _URI.fullmatch(url):
        out.add("descriptor.urls-invalid", where, path, f"{url!r} is not an absolute RFC 3986 URI")
    elif url.split(":", 1)[0].lower() not in ("http", "https"):
        out.add("descriptor.urls-scheme", where, path, f"{url!r} does not use the http or https scheme")


def _check_data(d: dict[str, Any], where: str, path: str, out: Collector) -> None:
    text: str = d["data"]
    if not _BASE64.fullmatch(text):
        out.add(
            "descriptor.data-encoding",
            where,
            f"{path}.data",
            "data is not padded base64 (RFC 4648 section 4)",
        )
        return
    try:
        content = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        out.add("descriptor.data-encoding", where, f"{path}.data", f"data is not base64: {exc}")
        return
    size = d.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size != len(content):
        out.add(
            "descriptor.data-mismatch",
            where,
            f"{path}.data",
            f"data decodes to {len(content)} bytes, size is {size}",
        )
    digest = d.get("digest")
    try:
        parsed = parse_digest(digest)
    except DigestError:
        return
    if parsed.registered and clean_text(str(digest)):
        actual = f"{parsed.algorithm}:{hashlib.new(parsed.algorithm, content).hexdigest()}"
        out.bytes_hashed += len(content)
        if actual != digest:
            out.add(
                "descriptor.data-mismatch", where, f"{path}.data", f"data has digest {actual}, not {digest}"
            )


def _check_empty_descriptor(d: dict[str, Any], where: str, path: str, out: Collector) -> None:
    if d.get("size") != len(mt.EMPTY_BLOB) or isinstance(d.get("size"), bool):
        out.add(
            "descriptor.empty-content",
            where,
            f"{path}.size",
            f"the empty descriptor has size 2, not {d.get('size')!r}",
        )
    digest = d.get("digest")
    try:
        parsed = parse_digest(digest)
    except DigestError:
        return
    if parsed.registered and digest != digest_bytes(mt.EMPTY_BLOB, parsed.algorithm):
        out.add("descriptor.empty-content", where, f"{path}.digest", f"{digest} is not the digest of {{}}")


# ------------------------------------------------------------------ annotations


def check_annotations(
    annotations: dict[str, Any],
    where: str,
    path: str,
    out: Collector,
    *,
    duplicate_code: str = "annotations.duplicate-key",
    ref_name_here: bool = False,
) -> None:
    """Key rules and the formats of pre-defined keys; value types are the schema's job.

    `ref_name_here` says whether an org.opencontainers.image.ref.name annotation counts where
    this map is (on the descriptors of an index).
    """
    for key in getattr(annotations, "duplicates", ()):
        out.add(duplicate_code, where, path, f"key {key!r} appears more than once")
    for key, value in annotations.items():
        key_path = _child_path(path, key)
        if isinstance(value, str):
            for code, message in annotation_value_problems(key, value):
                out.add(code, where, key_path, message)
        if key == REF_NAME and not ref_name_here:
            out.add(
                "annotations.ref-name-scope",
                where,
                key_path,
                f"{REF_NAME} only counts on the descriptors listed in an image layout's index.json",
            )
        if key.startswith("org.opencontainers.image.") and key not in PREDEFINED_ANNOTATIONS:
            out.add(
                "annotations.key-reserved",
                where,
                key_path,
                f"{key!r} is in the reserved org.opencontainers.image namespace but image-spec v1.1.1 "
                "does not define it",
            )
        elif (
            key.startswith("org.opencontainers.")
            and not key.startswith("org.opencontainers.image.")
            and key not in OTHER_OCI_ANNOTATIONS
        ):
            out.add(
                "annotations.key-oci-prefix",
                where,
                key_path,
                f"{key!r} uses the org.opencontainers prefix, reserved for keys OCI specifications "
                "define, but no OCI specification known to this validator defines it",
            )
        elif not _REVERSE_DOMAIN.fullmatch(key):
            out.add(
                "annotations.key-not-reverse-domain",
                where,
                key_path,
                f"{key!r} is not in reverse domain notation",
            )
    for code, message in base_pairing_problems(annotations):
        out.add(code, where, path, message)


def _child_path(path: str, key: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{path}.{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{escaped}']"


# ------------------------------------------------------------------ manifests, indexes, configs


def _check_manifest(doc: dict[str, Any], where: str, out: Collector) -> None:
    if "schemaVersion" not in doc:
        out.add("manifest.schema-version-missing", where, "$", "a manifest has a schemaVersion field")
    if "mediaType" not in doc:
        out.add("manifest.media-type-missing", where, "$", f"mediaType should be used and be {mt.MANIFEST}")
    if "artifactType" in doc and not valid_media_type(doc["artifactType"]):
        message = f"artifactType {doc['artifactType']!r} is not an RFC 6838 media type"
        out.add("manifest.artifact-type-syntax", where, "$.artifactType", message)
    _check_manifest_portability(doc, where, out)
    config = doc.get("config")
    if isinstance(config, dict) and config.get("mediaType") == mt.EMPTY and doc.get("artifactType") is None:
        out.add(
            "manifest.artifact-type-missing",
            where,
            "$",
            "config is the empty descriptor, so artifactType must be set",
        )
    if isinstance(doc.get("annotations"), dict):
        check_annotations(doc["annotations"], where, "$.annotations", out)


def _check_manifest_portability(doc: dict[str, Any], where: str, out: Collector) -> None:
    """The SHOULDs for portable images and artifacts (heuristics: a finding is a warning)."""
    config, layers = doc.get("config"), doc.get("layers")
    config_type = config.get("mediaType") if isinstance(config, dict) else None
    if layers == []:
        out.add("manifest.layers-empty", where, "$.layers", "for portability, layers has at least one entry")
    looks_like_image = (
        isinstance(layers, list)
        and bool(layers)
        and all(isinstance(item, dict) and item.get("mediaType") in mt.LAYER_COMPRESSION for item in layers)
    )
    if (
        valid_media_type(config_type)
        and config_type not in (mt.CONFIG, mt.EMPTY)
        and doc.get("artifactType") is None
        and looks_like_image
    ):
        message = (
            f"a container image (its layers are OCI layers) with config type {config_type!r}: "
            f"portable images use {mt.CONFIG}"
        )
        out.add("manifest.config-not-portable", where, "$.config.mediaType", message)
    if doc.get("artifactType") is not None and config_type == mt.CONFIG:
        message = (
            "an artifact (artifactType is set) whose config is an image config: an artifact's config "
            "has a media type of its own or the empty one"
        )
        out.add("manifest.artifact-config-image", where, "$.config.mediaType", message)
    if config_type == mt.EMPTY and isinstance(layers, list) and len(layers) == 1:
        size = layers[0].get("size") if isinstance(layers[0], dict) else None
        if size == 0 and not isinstance(size, bool):
            message = "an artifact's one placeholder layer has a non-zero size (the empty descriptor {})"
            out.add("manifest.artifact-layer-size", where, "$.layers[0].size", message)


def _check_index(doc: dict[str, Any], where: str, out: Collector) -> None:
    if "schemaVersion" not in doc:
        out.add("index.schema-version-missing", where, "$", "an image index has a schemaVersion field")
    if "manifests" not in doc:
        out.add("index.manifests-omitted", where, "$", "the manifests field is never omitted")
    if "mediaType" not in doc:
        out.add("index.media-type-missing", where, "$", f"mediaType should be used and be {mt.INDEX}")
    if isinstance(doc.get("annotations"), dict):
        check_annotations(doc["annotations"], where, "$.annotations", out)
    for path, entry in _objects_in(doc, "manifests"):
        if isinstance(entry.get("platform"), dict):
            _check_platform(entry["platform"], where, f"{path}.platform", out)


def _check_platform(platform: dict[str, Any], where: str, path: str, out: Collector) -> None:
    for field, code in (("architecture", "index.platform-architecture"), ("os", "index.platform-os")):
        if not isinstance(platform.get(field), str):
            out.add(code, where, f"{path}.{field}", f"a platform names the {field} in a string")
    for kind, field, message in platform_problems(platform):
        out.add(_PLATFORM_CODES["index"][kind], where, _child_path(path, field), message)


def _check_config(doc: dict[str, Any], where: str, out: Collector) -> None:
    for kind, field, message in platform_problems(doc):
        out.add(_PLATFORM_CODES["config"][kind], where, _child_path("$", field), message)
    created = doc.get("created")
    if isinstance(created, str) and not is_date_time(created):
        out.add("config.created-format", where, "$.created", f"{created!r} is not an RFC 3339 date-time")
    rootfs = doc.get("rootfs")
    if isinstance(rootfs, dict) and "type" not in rootfs:
        out.add("config.rootfs-type-missing", where, "$.rootfs", "rootfs has a type field")
    execution = doc.get("config")
    if isinstance(execution, dict):
        env = execution.get("Env")
        if isinstance(env, list):
            for index, entry in enumerate(env):
                if isinstance(entry, str) and not re.fullmatch(r"[^=]+=.*", entry, re.DOTALL):
                    out.add(
                        "config.env-syntax",
                        where,
                        f"$.config.Env[{index}]",
                        f"{entry!r} is not VARNAME=VARVALUE",
                    )
        if isinstance(execution.get("Labels"), dict):
            check_annotations(execution["Labels"], where, "$.config.Labels", out)
    _check_history(doc, where, out)


def _check_history(doc: dict[str, Any], where: str, out: Collector) -> None:
    history, rootfs = doc.get("history"), doc.get("rootfs")
    for path, entry in _objects_in(doc, "history"):
        created = entry.get("created")
        if isinstance(created, str) and not is_date_time(created):
            message = f"{created!r} is not an RFC 3339 date-time"
            out.add("config.history-created-format", where, f"{path}.created", message)
    if not isinstance(history, list) or not history or not isinstance(rootfs, dict):
        return
    diff_ids = rootfs.get("diff_ids")
    if not isinstance(diff_ids, list):
        return
    layers = sum(1 for h in history if isinstance(h, dict) and h.get("empty_layer") is not True)
    if layers != len(diff_ids):
        out.add(
            "config.history-count",
            where,
            "$.history",
            f"{layers} history entries are not empty_layer but rootfs.diff_ids has {len(diff_ids)} layers",
        )


# ------------------------------------------------------------------ schema violation -> code


def _tokens(path: str) -> list[str | int]:
    tokens: list[str | int] = []
    for name, index, quoted in _PATH_TOKEN.findall(path[1:]):
        if index:
            tokens.append(int(index))
        else:
            tokens.append(name or re.sub(r"\\(.)", r"\1", quoted))
    return tokens


def _value_at(doc: Any, path: str) -> Any:
    """The value at a JSON path of `doc` (as schema violations give it); None when it is absent."""
    current = doc
    for token in _tokens(path):
        if isinstance(current, dict) and isinstance(token, str):
            current = current.get(token)
        elif isinstance(current, list) and isinstance(token, int) and token < len(current):
            current = current[token]
        else:
            return None
    return current


def schema_code(media_type: str, violation: SchemaViolation, root_code: str | None = None) -> str:
    """The finding code for a schema violation, chosen by where in the document it is."""
    tokens = _tokens(violation.path)
    required = _REQUIRED.match(violation.message)
    if required:
        tokens.append(required.group(1))
    missing = required is not None
    if not tokens:
        return root_code or NOT_JSON[media_type]
    chooser = {
        mt.DESCRIPTOR: _descriptor_code,
        mt.LAYOUT_HEADER: lambda t, m: "layout.oci-layout-version",
        mt.INDEX: _index_code,
        mt.MANIFEST: _manifest_code,
        mt.CONFIG: _config_code,
    }[media_type]
    return chooser(tokens, missing)


_DESCRIPTOR_FIELDS = {
    "mediaType": ("descriptor.media-type-missing", "descriptor.media-type-syntax"),
    "digest": ("descriptor.digest-missing", "descriptor.digest-grammar"),
    "size": ("descriptor.size-missing", "descriptor.size-invalid"),
    "urls": ("descriptor.urls-invalid", "descriptor.urls-invalid"),
    "data": ("descriptor.data-encoding", "descriptor.data-encoding"),
    "artifactType": ("descriptor.artifact-type-syntax", "descriptor.artifact-type-syntax"),
}


def _descriptor_code(tokens: list[str | int], missing: bool, fallback: str = "descriptor.not-json") -> str:
    field = tokens[0]
    if field == "annotations":
        return "annotations.value-not-string" if len(tokens) > 1 else "annotations.invalid"
    if field == "platform":
        return "index.platform-invalid"
    if isinstance(field, str) and field in _DESCRIPTOR_FIELDS:
        return _DESCRIPTOR_FIELDS[field][0 if missing else 1]
    return fallback


def _index_code(tokens: list[str | int], missing: bool) -> str:
    head = tokens[0]
    if head == "manifests":
        if len(tokens) <= 2:
            return "index.manifests-missing"
        return _descriptor_code(tokens[2:], missing, "index.manifests-missing")
    return _common_root_code(tokens, missing, "index")


def _manifest_code(tokens: list[str | int], missing: bool) -> str:
    head = tokens[0]
    if head == "config":
        if len(tokens) == 1:
            return "manifest.config-missing"
        if tokens[1] == "mediaType" and not missing:
            return "manifest.config-media-type"
        return _descriptor_code(tokens[1:], missing, "manifest.config-missing")
    if head == "layers":
        if len(tokens) <= 2:
            return "manifest.layers-missing"
        if tokens[2] == "mediaType" and not missing:
            return "manifest.layer-media-type"
        return _descriptor_code(tokens[2:], missing, "manifest.layers-missing")
    return _common_root_code(tokens, missing, "manifest")


def _common_root_code(tokens: list[str | int], missing: bool, kind: str) -> str:
    """Fields manifests and indexes share."""
    head = tokens[0]
    if head == "subject":
        return "manifest.subject-invalid" if len(tokens) == 1 else _descriptor_code(tokens[1:], missing)
    if head == "annotations":
        if len(tokens) > 1:
            return "annotations.value-not-string"
        return f"{kind}.annotations-invalid"
    if head == "artifactType":
        # a manifest's is also reported as manifest.artifact-type-syntax (_check_manifest)
        return "descriptor.artifact-type-syntax" if kind == "manifest" else "index.artifact-type-syntax"
    if head == "mediaType":
        return f"{kind}.media-type-mismatch"
    return f"{kind}.schema-version"


_CONFIG_FIELDS = {
    "architecture": "config.architecture",
    "variant": "config.architecture",
    "os": "config.os",
    "os.version": "config.os",
    "os.features": "config.os",
}


def _config_code(tokens: list[str | int], missing: bool) -> str:
    head = tokens[0]
    if isinstance(head, str) and head in _CONFIG_FIELDS:
        return _CONFIG_FIELDS[head]
    if head == "rootfs":
        if len(tokens) == 1:
            return "config.rootfs-missing"
        return "config.rootfs-type" if tokens[1] == "type" else "config.diff-ids-invalid"
    if head == "config" and len(tokens) > 1:
        if tokens[1] == "Env":
            return "config.env-syntax"
        if tokens[1] == "Labels":
            return "annotations.value-not-string" if len(tokens) > 2 else "annotations.not-a-map"
    return "config.property-invalid"
