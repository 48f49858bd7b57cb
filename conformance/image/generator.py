"""Write OCI image layouts (test vectors) from a small declarative description.

The description is a mapping, as loaded from YAML (conformance.core.datafile.load_yaml keeps line numbers
for error messages). Unknown keys are errors. It has one of three forms, plus ``index`` and ``faults``::

    # 1. one image (index.json -> manifest -> config + layers)
    layers: [<layer>, ...]          # bottom first; a layer and its entries: conformance.image.vectors
    config:                         # optional; keys of config.md, written as given, except that
      architecture: amd64           #   architecture/os default to amd64/linux and
      os: linux                     #   rootfs defaults to {type: layers, diff_ids: <computed>}
      config: {Env: [...], Entrypoint: [...], Cmd: [...], User: ..., WorkingDir: ..., Labels: {...},
               ExposedPorts: {...}, Volumes: {...}, StopSignal: ...}
      history: [...]
    manifest: {annotations: {...}, artifactType: ..., subject: <ref> | <descriptor>}   # optional
    platform: {architecture: ..., os: ..., variant: ...} | null   # on the descriptor; default:
                                                                  # from config; null: none
    # 2. several nodes, each a descriptor in index.json
    images: [<node>, ...]
    # 3. one artifact manifest (config is the empty descriptor)
    artifact: {artifactType: ..., blobs: [{content: ..., mediaType: ..., annotations: {...}}],
               annotations: {...}, subject: <ref> | <descriptor>}

    index: {annotations: {...}, ref: latest}   # index.json annotations; for forms 1 and 3 the
                                               # org.opencontainers.image.ref.name of the one
                                               # descriptor (default "latest", null for none)
    faults: [<name>, ...]                      # see conformance.image.faults; applied in
                                               # order after writing

A ``<node>`` (item of ``images``) is an image ``{layers, config, manifest, platform}``, an
artifact ``{artifact}``, or a nested index ``{images: [<node>...], index: {annotations,
artifactType}, platform}``; each may also have ``ref`` (the ref.name annotation on its descriptor)
and ``annotations`` (other annotations on its descriptor). A ``subject`` given as a string names
the ``ref`` of a node written earlier. An artifact without blobs gets the empty descriptor as its
one layer (manifest.md's guidance).

Output is deterministic, so one description always gives the same digests: tar headers carry the
described mtimes/owners and empty user/group names, gzip headers have mtime 0 and no file name
(level 6), zstd uses level 3 without a content size, and every JSON document is written with
sorted keys and compact separators (``,`` and ``:``), UTF-8, no trailing newline. Sorted keys make
digests independent of the key order of the description; Go tools write struct order instead. Both
are valid: config.md makes whitespace optional, and JSON gives member order no meaning.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from conformance.core.datafile import check_keys, line_of, load_yaml
from conformance.core.errors import DataFileError
from conformance.image import mediatypes
from conformance.image.digest import digest_bytes
from conformance.image.vectors import (
    COMPRESSIONS,
    LAYER_MEDIA_TYPES,
    ChunkReader,
    Entry,
    LayerSpec,
    parse_entries,
    parse_layer,
)

REF_NAME = "org.opencontainers.image.ref.name"
LAYOUT_VERSION = "1.0.0"
GZIP_LEVEL = 6
ZSTD_LEVEL = 3
OCTET_STREAM = "application/octet-stream"
CONFIG_KEYS = {
    "created", "author", "architecture", "os", "os.version", "os.features", "variant",
    "config", "rootfs", "history",
}  # fmt: skip
CONFIG_CONFIG_KEYS = {
    "User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels",
    "StopSignal", "ArgsEscaped", "Memory", "MemorySwap", "CpuShares", "Healthcheck",
}  # fmt: skip
PLATFORM_KEYS = {"architecture", "os", "os.version", "os.features", "variant", "features"}
_AUTO = "auto"


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerBlob:
    """A built layer: in memory (`data`) or already stored as a file (`path`)."""

    digest: str
    diff_id: str
    size: int
    media_type: str
    compression: str
    data: bytes | None = None
    path: Path | None = None

    @property
    def content(self) -> Path | bytes:
        """What apply_layers takes."""
        return self.path if self.path is not None else self.data or b""


@dataclass(kw_only=True)
class BlobInfo:
    """One written blob; `diff_id` is set for image layers (digest of the uncompressed tar)."""

    digest: str
    size: int
    media_type: str
    path: Path
    diff_id: str | None = None


@dataclass(kw_only=True)
class ManifestInfo(BlobInfo):
    kind: str  # "image" or "artifact"
    config: BlobInfo
    layers: list[BlobInfo]
    ref: str | None = None
    artifact_type: str | None = None

    @property
    def diff_ids(self) -> list[str | None]:
        return [layer.diff_id for layer in self.layers]


@dataclass(kw_only=True)
class IndexInfo(BlobInfo):
    ref: str | None = None


@dataclass
class LayoutInfo:
    """What write_layout wrote (after faults): every manifest, index blob, config and layer."""

    root: Path
    manifests: list[ManifestInfo] = field(default_factory=list)
    indexes: list[IndexInfo] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    source: object = "<description>"

    @property
    def index_path(self) -> Path:
        return self.root / "index.json"

    @property
    def oci_layout_path(self) -> Path:
        return self.root / "oci-layout"

    @property
    def images(self) -> list[ManifestInfo]:
        return [manifest for manifest in self.manifests if manifest.kind == "image"]

    @property
    def image(self) -> ManifestInfo:
        """The first image manifest (the only one for a one-image description)."""
        if not self.images:
            raise DataFileError(self.source, "the description has no image")
        return self.images[0]

    @property
    def layers(self) -> list[BlobInfo]:
        return self.image.layers

    @property
    def config(self) -> BlobInfo:
        return self.image.config

    def json_documents(self) -> list[BlobInfo]:
        """Manifests and index blobs: every document whose descriptors may need re-pointing."""
        return [*self.manifests, *self.indexes]

    def records(self) -> Iterator[BlobInfo]:
        for manifest in self.manifests:
            yield manifest
            yield manifest.config
            yield from manifest.layers
        yield from self.indexes


# --- layers --------------------------------------------------------------------------------------


class _Hasher:
    """A write-through sink that hashes and counts what passes (tarfile also asks it for tell())."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        self.sink.write(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.sink.flush()

    @property
    def digest(self) -> str:
        return f"sha256:{self.hash.hexdigest()}"


def _zstd_writer(sink: _Hasher) -> Any:
    try:
        import zstandard
    except ImportError:
        message = "zstd layers need the 'zstandard' package (pip install zstandard)"
        raise DataFileError("<description>", message) from None
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL).stream_writer(sink, closefd=False)


def _compressor(compression: str, sink: _Hasher) -> Any:
    if compression == "gzip":
        return gzip.GzipFile(filename="", mode="wb", compresslevel=GZIP_LEVEL, fileobj=sink, mtime=0)
    if compression == "zstd":
        return _zstd_writer(sink)
    return None


class LayerWriter:
    """tar -> hash (diff_id) -> compressor -> hash (digest) -> memory or a file in `directory`."""

    def __init__(self, compression: str, directory: Path | None = None) -> None:
        if compression not in COMPRESSIONS:
            raise DataFileError("<description>", f"unknown compression {compression!r}")
        self.compression = compression
        self.directory = directory
        self.temp: Path | None = None
        if directory is None:
            self.sink: BinaryIO = io.BytesIO()
        else:
            handle, name = tempfile.mkstemp(dir=directory, prefix=".layer-")
            self.sink, self.temp = os.fdopen(handle, "wb"), Path(name)
        self.compressed = _Hasher(self.sink)
        self.compressor = _compressor(compression, self.compressed)
        self.uncompressed = _Hasher(self.compressor or self.compressed)
        self.tar = tarfile.open(fileobj=self.uncompressed, mode="w", format=tarfile.PAX_FORMAT)  # noqa: SIM115

    def close(self, media_type: str | None = None) -> LayerBlob:
        self.tar.close()
        if self.compressor is not None:
            self.compressor.close()
        digest = self.compressed.digest
        fields = {
            "digest": digest,
            "diff_id": self.uncompressed.digest,
            "size": self.compressed.size,
            "media_type": media_type or LAYER_MEDIA_TYPES[self.compression],
            "compression": self.compression,
        }
        if self.temp is None:
            return LayerBlob(**fields, data=self.sink.getvalue())
        self.sink.close()
        path = self.temp.with_name(digest.split(":", 1)[1])
        self.temp.replace(path)
        return LayerBlob(**fields, path=path)

    def abort(self) -> None:
        if self.temp is not None:
            self.sink.close()
            self.temp.unlink(missing_ok=True)


_TAR_TYPES = {
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "fifo": tarfile.FIFOTYPE,
    "char": tarfile.CHRTYPE,
    "block": tarfile.BLKTYPE,
}


def _header(entry: Entry, same_layer: Mapping[str, Entry]) -> tarfile.TarInfo:
    info = tarfile.TarInfo(entry.member_name)
    source = entry
    if entry.type == "hardlink" and entry.mode is None and entry.target in same_layer:
        source = same_layer[entry.target]  # a link's header repeats its target's attributes
    info.mode = 0o644 if source.mode is None else source.mode
    info.uid, info.gid, info.mtime = source.uid, source.gid, source.mtime
    info.uname = info.gname = ""
    kind = entry.kind if entry.type == "raw" else entry.type
    info.type = _TAR_TYPES.get(kind or "file", tarfile.REGTYPE)
    if kind in ("symlink", "hardlink"):
        info.linkname = entry.target or ""
    elif kind == "file":
        info.size = entry.size
    elif kind in ("char", "block"):
        info.devmajor, info.devminor = entry.major, entry.minor
    if entry.xattrs:
        info.pax_headers = {f"SCHILY.xattr.{name}": value for name, value in entry.xattrs}
    return info


def _write_entries(tar: tarfile.TarFile, entries: Sequence[Entry]) -> None:
    same_layer = {entry.path: entry for entry in entries}
    for entry in entries:
        header = _header(entry, same_layer)
        data = entry.type == "file" or (entry.type == "raw" and entry.kind == "file")
        tar.addfile(header, ChunkReader(entry.chunks()) if data else None)


def build_layer(
    entries: Sequence[Mapping | Entry],
    compression: str = "gzip",
    *,
    directory: Path | None = None,
    media_type: str | None = None,
) -> LayerBlob:
    """A layer blob from entries, in their order; written into `directory` (named by digest) if given.

    Content is streamed a chunk at a time, so a generated file of any size stays bounded in memory
    when `directory` is given.
    """
    writer = LayerWriter(compression, directory)
    try:
        _write_entries(writer.tar, parse_entries(list(entries)))
        return writer.close(media_type)
    except BaseException:
        writer.abort()
        raise


# --- the description -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Image:
    layers: tuple[LayerSpec, ...]
    config: Mapping[str, Any]
    manifest: Mapping[str, Any]
    platform: Any
    ref: str | None
    annotations: Mapping[str, str]


@dataclass(frozen=True)
class _Artifact:
    artifact: Mapping[str, Any]
    ref: str | None
    annotations: Mapping[str, str]


@dataclass(frozen=True)
class _Index:
    children: tuple[Any, ...]
    index: Mapping[str, Any]
    platform: Any
    ref: str | None
    annotations: Mapping[str, str]


@dataclass(frozen=True)
class _Description:
    root: _Image | _Artifact | _Index
    annotations: Mapping[str, str]
    faults: tuple[str, ...]


class _Parser:
    """Checks a description and turns it into the _Image/_Artifact/_Index tree."""

    def __init__(self, source: object) -> None:
        self.source = source

    def fail(self, where: str, message: str, value: object = None) -> DataFileError:
        return DataFileError(self.source, f"{where}: {message}", line_of(value))

    def mapping(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"must be a mapping, got {type(value).__name__}", value)
        return value

    def keys(self, value: Mapping, where: str, required: set[str], optional: set[str]) -> None:
        check_keys(self.source, value if isinstance(value, dict) else dict(value), where, required, optional)

    def strings(self, value: object, where: str) -> dict[str, str]:
        mapping = self.mapping(value, where)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            raise self.fail(where, "must map strings to strings", value)
        return dict(mapping)

    def listing(self, value: object, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"must be a list, got {type(value).__name__}", value)
        return value

    def description(self, raw: object) -> _Description:
        top = dict(self.mapping(raw, "description"))
        index = self.mapping(top.pop("index", {}) or {}, "index")
        faults = tuple(self.faults(top.pop("faults", []) or []))
        kind = self.kind(top, "description")
        self.keys(index, "index", set(), {"annotations"} | ({"ref"} if kind != "images" else set()))
        for key in ("ref", "annotations") + (("platform",) if kind == "images" else ()):
            if key in top:
                raise self.fail("description", f"{key}: at the top level, use index.{key}", raw)
        ref = index.get("ref", "latest")
        if ref is not None and not isinstance(ref, str):
            raise self.fail("index.ref", "must be a string or null", index)
        node = self.node({**top, "ref": ref} if kind != "images" else top, "description")
        return _Description(node, self.strings(index.get("annotations", {}), "index.annotations"), faults)

    def kind(self, raw: Mapping, where: str) -> str:
        found = [key for key in ("layers", "images", "artifact") if key in raw]
        if len(found) != 1:
            raise self.fail(where, "needs exactly one of layers, images, artifact", raw)
        return found[0]

    def node(self, raw: Mapping, where: str) -> _Image | _Artifact | _Index:
        kind = self.kind(raw, where)
        extra = {"annotations", "ref"}
        ref = raw.get("ref")
        if ref is not None and not isinstance(ref, str):
            raise self.fail(f"{where}.ref", "must be a string", raw)
        annotations = self.strings(raw.get("annotations", {}), f"{where}.annotations")
        if kind == "layers":
            self.keys(raw, where, {"layers"}, {"config", "manifest", "platform"} | extra)
            return self.image(raw, where, ref, annotations)
        if kind == "artifact":
            self.keys(raw, where, {"artifact"}, extra)
            return _Artifact(self.artifact(raw["artifact"], f"{where}.artifact"), ref, annotations)
        self.keys(raw, where, {"images"}, {"index", "platform"} | extra)
        children = tuple(
            self.node(self.mapping(child, f"{where}.images[{i}]"), f"{where}.images[{i}]")
            for i, child in enumerate(self.listing(raw["images"], f"{where}.images"))
        )
        index = self.mapping(raw.get("index", {}), f"{where}.index")
        self.keys(index, f"{where}.index", set(), {"annotations", "artifactType"})
        return _Index(children, index, self.platform(raw, where), ref, annotations)

    def image(self, raw: Mapping, where: str, ref: str | None, annotations: dict[str, str]) -> _Image:
        layers = tuple(
            parse_layer(layer, self.source, f"{where}.layers[{i}]")
            for i, layer in enumerate(self.listing(raw["layers"], f"{where}.layers"))
        )
        config = self.mapping(raw.get("config", {}), f"{where}.config")
        self.keys(config, f"{where}.config", set(), CONFIG_KEYS)
        inner = self.mapping(config.get("config", {}), f"{where}.config.config")
        self.keys(inner, f"{where}.config.config", set(), CONFIG_CONFIG_KEYS)
        manifest = self.mapping(raw.get("manifest", {}), f"{where}.manifest")
        self.keys(manifest, f"{where}.manifest", set(), {"annotations", "artifactType", "subject"})
        self.strings(manifest.get("annotations", {}), f"{where}.manifest.annotations")
        return _Image(layers, config, manifest, self.platform(raw, where), ref, annotations)

    def platform(self, raw: Mapping, where: str) -> Any:
        if "platform" not in raw:
            return _AUTO
        if raw["platform"] is None:
            return None
        platform = self.mapping(raw["platform"], f"{where}.platform")
        self.keys(platform, f"{where}.platform", {"architecture", "os"}, PLATFORM_KEYS)
        return dict(platform)

    def artifact(self, raw: object, where: str) -> Mapping[str, Any]:
        artifact = self.mapping(raw, where)
        self.keys(artifact, where, {"artifactType"}, {"blobs", "annotations", "subject"})
        if not mediatypes.is_valid_media_type(artifact["artifactType"]):
            raise self.fail(where, f"artifactType {artifact['artifactType']!r} is not a media type", raw)
        for i, blob in enumerate(self.listing(artifact.get("blobs", []), f"{where}.blobs")):
            blob = self.mapping(blob, f"{where}.blobs[{i}]")
            self.keys(blob, f"{where}.blobs[{i}]", {"content"}, {"mediaType", "annotations"})
            if not isinstance(blob["content"], str | bytes):
                raise self.fail(f"{where}.blobs[{i}]", "content must be a string or bytes", blob)
        return artifact

    def faults(self, raw: object) -> list[str]:
        from conformance.image.faults import FAULTS  # the faults module builds on this one

        names = self.listing(raw, "faults")
        for name in names:
            if name not in FAULTS:
                raise self.fail("faults", f"unknown fault {name!r} (known: {', '.join(FAULTS)})", raw)
        return names


# --- writing -------------------------------------------------------------------------------------


def dumps(document: Any) -> bytes:
    """The one JSON serialization of the generator (see the module docstring)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def blob_path(root: Path, digest: str) -> Path:
    """blobs/<alg>/<encoded>, without judging the digest (faults write deliberately odd ones)."""
    algorithm, _, encoded = digest.partition(":")
    return root / "blobs" / algorithm / encoded


def store(root: Path, data: bytes) -> tuple[str, int, Path]:
    digest = digest_bytes(data)
    path = blob_path(root, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(data)
    return digest, len(data), path


def _descriptor(media_type: str, digest: str, size: int, **extra: Any) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": digest, "size": size, **{k: v for k, v in extra.items() if v}}


class _Writer:
    """Writes nodes bottom-up and records them in a LayoutInfo."""

    def __init__(self, root: Path, source: object) -> None:
        self.root = root
        self.info = LayoutInfo(root, source=source)
        self.refs: dict[str, dict[str, Any]] = {}
        (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)

    def json_blob(self, document: Any, media_type: str) -> BlobInfo:
        digest, size, path = store(self.root, dumps(document))
        return BlobInfo(digest=digest, size=size, media_type=media_type, path=path)

    def descriptor_of(self, blob: BlobInfo, node: Any, platform: Any = None) -> dict[str, Any]:
        annotations = dict(node.annotations)
        if node.ref is not None:
            annotations[REF_NAME] = node.ref
        descriptor = _descriptor(blob.media_type, blob.digest, blob.size, platform=platform)
        if annotations:
            descriptor["annotations"] = annotations
        if node.ref is not None:
            self.refs[node.ref] = _descriptor(blob.media_type, blob.digest, blob.size)
        return descriptor

    def node(self, node: _Image | _Artifact | _Index) -> dict[str, Any]:
        if isinstance(node, _Image):
            return self.image(node)
        if isinstance(node, _Artifact):
            return self.artifact(node)
        return self.index(node)

    def subject(self, value: Any, where: str) -> dict[str, Any]:
        if isinstance(value, Mapping):
            return dict(value)
        if value not in self.refs:
            raise DataFileError(
                self.info.source, f"{where}: subject {value!r} is not the ref of an earlier node"
            )
        return dict(self.refs[value])

    def layer(self, spec: LayerSpec) -> BlobInfo:
        blob = build_layer(
            spec.entries,
            spec.compression,
            directory=self.root / "blobs" / "sha256",
            media_type=spec.media_type,
        )
        return BlobInfo(
            digest=blob.digest,
            size=blob.size,
            media_type=blob.media_type,
            path=blob.path,
            diff_id=blob.diff_id,
        )

    def image(self, node: _Image) -> dict[str, Any]:
        layers = [self.layer(spec) for spec in node.layers]
        config_doc = {"architecture": "amd64", "os": "linux", **copy.deepcopy(dict(node.config))}
        config_doc.setdefault("rootfs", {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]})
        config = self.json_blob(config_doc, mediatypes.CONFIG)
        descriptors = [
            _descriptor(layer.media_type, layer.digest, layer.size, annotations=spec.annotations)
            for layer, spec in zip(layers, node.layers, strict=True)
        ]
        manifest_doc = {
            "schemaVersion": 2,
            "mediaType": mediatypes.MANIFEST,
            "config": _descriptor(config.media_type, config.digest, config.size),
            "layers": descriptors,
            **copy.deepcopy(dict(node.manifest)),
        }
        if "subject" in node.manifest:
            manifest_doc["subject"] = self.subject(node.manifest["subject"], "manifest.subject")
        blob = self.json_blob(manifest_doc, mediatypes.MANIFEST)
        self.info.manifests.append(
            ManifestInfo(**vars(blob), kind="image", config=config, layers=layers, ref=node.ref)
        )
        return self.descriptor_of(blob, node, self.platform(node.platform, config_doc))

    @staticmethod
    def platform(platform: Any, config: Mapping[str, Any]) -> Any:
        if platform != _AUTO:
            return platform
        keys = ("architecture", "os", "os.version", "os.features", "variant")
        return {key: config[key] for key in keys if key in config}

    def artifact(self, node: _Artifact) -> dict[str, Any]:
        spec = node.artifact
        empty = self.json_blob({}, mediatypes.EMPTY)
        layers = []
        for blob in spec.get("blobs", []):
            data = blob["content"].encode() if isinstance(blob["content"], str) else blob["content"]
            digest, size, path = store(self.root, data)
            media_type = blob.get("mediaType", OCTET_STREAM)
            layers.append((BlobInfo(digest=digest, size=size, media_type=media_type, path=path), blob))
        manifest_doc: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": mediatypes.MANIFEST,
            "artifactType": spec["artifactType"],
            "config": _descriptor(mediatypes.EMPTY, empty.digest, empty.size),
            "layers": [
                _descriptor(b.media_type, b.digest, b.size, annotations=raw.get("annotations"))
                for b, raw in layers
            ]
            or [_descriptor(mediatypes.EMPTY, empty.digest, empty.size)],
        }
        if spec.get("annotations"):
            manifest_doc["annotations"] = dict(spec["annotations"])
        if "subject" in spec:
            manifest_doc["subject"] = self.subject(spec["subject"], "artifact.subject")
        blob = self.json_blob(manifest_doc, mediatypes.MANIFEST)
        info = ManifestInfo(
            **vars(blob),
            kind="artifact",
            config=empty,
            layers=[b for b, _ in layers] or [empty],
            ref=node.ref,
            artifact_type=spec["artifactType"],
        )
        self.info.manifests.append(info)
        return self.descriptor_of(blob, node)

    def index_document(self, children: Sequence[Any], extras: Mapping[str, Any]) -> dict[str, Any]:
        document = {
            "schemaVersion": 2,
            "mediaType": mediatypes.INDEX,
            "manifests": [self.node(c) for c in children],
        }
        return {**document, **{k: copy.deepcopy(v) for k, v in extras.items() if v}}

    def index(self, node: _Index) -> dict[str, Any]:
        blob = self.json_blob(self.index_document(node.children, node.index), mediatypes.INDEX)
        self.info.indexes.append(IndexInfo(**vars(blob), ref=node.ref))
        return self.descriptor_of(blob, node, None if node.platform == _AUTO else node.platform)


def write_layout(description: Mapping, target: Path, *, source: object = "<description>") -> LayoutInfo:
    """Write the described layout into `target` (created if needed), then apply its faults."""
    parsed = _Parser(source).description(description)
    target.mkdir(parents=True, exist_ok=True)
    writer = _Writer(target, source)
    if isinstance(parsed.root, _Index):
        index = writer.index_document(parsed.root.children, {"annotations": parsed.annotations})
    else:
        index = writer.index_document([parsed.root], {"annotations": parsed.annotations})
    writer.info.oci_layout_path.write_bytes(dumps({"imageLayoutVersion": LAYOUT_VERSION}))
    writer.info.index_path.write_bytes(dumps(index))
    from conformance.image.faults import apply_faults  # the faults module builds on this one

    apply_faults(writer.info, parsed.faults)
    return writer.info


def load_description(path: Path) -> Mapping:
    """A description from a YAML file, with line numbers for error messages."""
    return load_yaml(path)


_ARCHIVE_FIRST = {"oci-layout": 0, "index.json": 1}


def write_oci_archive(layout: Path, tar_path: Path) -> None:
    """An oci-archive: the layout's files at the tar root (oci-layout and index.json first)."""
    names = sorted(
        (path.relative_to(layout).as_posix() for path in layout.rglob("*")),
        key=lambda name: (_ARCHIVE_FIRST.get(name, len(_ARCHIVE_FIRST)), name.split("/")),
    )
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name in names:
            path = layout / name
            info = tarfile.TarInfo(name)
            info.uname = info.gname = ""
            if path.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
                continue
            info.mode, info.size = 0o644, path.stat().st_size
            with open(path, "rb") as handle:
                tar.addfile(info, handle)


# --- editing a written layout (faults and suites) ----------------------------------------------


def _descriptors(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = []
    for key in ("config", "subject"):
        if isinstance(document.get(key), dict):
            found.append(document[key])
    for key in ("layers", "manifests"):
        found += [d for d in document.get(key) or [] if isinstance(d, dict)]
    return found


def load_json(blob: BlobInfo) -> dict[str, Any]:
    return json.loads(blob.path.read_bytes())


def _referenced(info: LayoutInfo, digest: str) -> bool:
    documents = [load_json(doc) for doc in info.json_documents()]
    if info.index_path.exists():
        documents.append(json.loads(info.index_path.read_bytes()))
    return any(d.get("digest") == digest for document in documents for d in _descriptors(document))


def drop_if_unreferenced(info: LayoutInfo, digest: str, path: Path) -> None:
    if not _referenced(info, digest):
        path.unlink(missing_ok=True)


def _fix_all(document: dict[str, Any], digest: str, fix: Callable[[dict[str, Any]], None]) -> None:
    for descriptor in _descriptors(document):
        if descriptor.get("digest") == digest:
            fix(descriptor)


def _repoint(info: LayoutInfo, old: str, fix: Callable[[dict[str, Any]], None]) -> None:
    """Apply `fix` to every descriptor of `old`, re-storing each changed document up to index.json."""
    if info.index_path.exists():
        index = json.loads(info.index_path.read_bytes())
        hits = [d for d in _descriptors(index) if d.get("digest") == old]
        for descriptor in hits:
            fix(descriptor)
        if hits:
            info.index_path.write_bytes(dumps(index))
    for document in list(info.json_documents()):
        if any(d.get("digest") == old for d in _descriptors(load_json(document))):
            rewrite_json(info, document, lambda doc: _fix_all(doc, old, fix))


def replace_blob(info: LayoutInfo, blob: BlobInfo, data: bytes) -> None:
    """Store new content for a JSON blob and re-point every descriptor of the old one."""
    old, old_path = blob.digest, blob.path
    digest, size, path = store(info.root, data)
    if digest == old:
        return
    _repoint(info, old, lambda d: d.update(digest=digest, size=size))
    for record in info.records():
        if record.digest == old:
            record.digest, record.size, record.path = digest, size, path
    drop_if_unreferenced(info, old, old_path)


def rewrite_json(info: LayoutInfo, blob: BlobInfo, mutate: Callable[[dict[str, Any]], Any]) -> None:
    """Edit one JSON document; everything that points to it (up to index.json) follows."""
    document = load_json(blob)
    mutate(document)
    replace_blob(info, blob, dumps(document))


def swap_layer(
    info: LayoutInfo, manifest: ManifestInfo, index: int, new: BlobInfo, *, diff_id: str | None = None
) -> None:
    """Point layers[index] of one manifest at `new` (and its diff_id in the config, if given)."""
    old = manifest.layers[index]
    if diff_id is not None and diff_id != old.diff_id:
        rewrite_json(info, manifest.config, lambda c: c["rootfs"]["diff_ids"].__setitem__(index, diff_id))
    fields = {"digest": new.digest, "size": new.size, "mediaType": new.media_type}
    rewrite_json(info, manifest, lambda m: m["layers"][index].update(fields))
    manifest.layers[index] = BlobInfo(**{**vars(new), "diff_id": diff_id or old.diff_id})
    if old.path != new.path:
        drop_if_unreferenced(info, old.digest, old.path)
