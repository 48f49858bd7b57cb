"""A fast, streaming validator of OCI image layouts, oci-archive tars and single documents.

Everything reachable from index.json is walked (nested indexes too, cycles guarded). JSON
documents are read into memory (they are small); layers are streamed once, with their digest,
decompression, DiffID and tar inspection done in the same pass (validate_layers). Each blob is
hashed once however many descriptors point to it; each descriptor's size is still compared.
Unknown media types are not errors: their blobs are only verified against their digest.
What only the walk can tell is checked here too: whether an index entry's target is a
platform-specific image (so it should have a platform), which index is index.json (ref.name and
other media types belong there, not in nested indexes), and which digest algorithms are used.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from conformance.image import mediatypes as mt
from conformance.image.digest import CHUNK, REGISTERED, Digest, DigestError, parse_digest
from conformance.image.validator.documents import NOT_JSON, check_document, clean_text, parse_json
from conformance.image.validator.findings import Collector, Finding, Report
from conformance.image.validator.layer_scan import scan_layer
from conformance.image.validator.rules import RULES
from conformance.image.validator.stores import ArchiveStore, DirectoryStore, OutsideLayout, Store
from conformance.image.validator.values import REF_NAME

__all__ = [
    "LARGE_DOCUMENT",
    "MAX_DOCUMENT",
    "Finding",
    "Report",
    "rule_results",
    "validate_archive",
    "validate_document",
    "validate_layout",
]

#: JSON documents above this size get a warning (the spec sets no limit; registries do).
LARGE_DOCUMENT = 4 << 20
#: JSON documents above this size are hashed but not parsed.
MAX_DOCUMENT = 64 << 20
_ALGORITHM = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*")
_ENCODED = re.compile(r"[a-zA-Z0-9=_-]+")


def rule_results(report: Report) -> dict[str, str]:
    """Rule code -> "pass" or "fail" for every rule that ran in `report`'s run (its kind of content
    was examined); a rule fails when it reported a finding."""
    found = report.codes()
    return {
        code: "fail" if code in found else "pass"
        for code in RULES
        if code.split(".", 1)[0] in report.examined
    }


def validate_layout(path: Path) -> Report:
    """Validate the image layout in directory `path`; FileNotFoundError if nothing is there."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"{path}: no such file or directory")
    if not path.is_dir():
        out = Collector()
        out.add(
            "layout.not-a-directory",
            str(path),
            "",
            "an image layout is a directory (for a tar use validate_archive)",
        )
        return out.report()
    return _Walker(DirectoryStore(path)).run()


def validate_archive(path: Path) -> Report:
    """Validate an oci-archive (a tar of a layout) in place: nothing is extracted."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or directory")
    out = Collector()
    out.examine("archive")
    try:
        store = ArchiveStore(path)
    except (OSError, EOFError, tarfile.TarError) as exc:
        out.add("archive.not-tar", path.name, "", f"not a readable tar archive: {exc}")
        return out.report()
    try:
        for name in store.unsafe:
            out.add(
                "archive.unsafe-member", path.name, name, "member name is absolute or climbs out; ignored"
            )
        if store.error:
            out.add("archive.not-tar", path.name, "", store.error)
        return _Walker(store, out).run()
    finally:
        store.close()


def validate_document(media_type: str, data: bytes, where: str = "<document>") -> Report:
    """Validate one JSON document of `media_type` (one of mediatypes.JSON_DOCUMENTS)."""
    if media_type not in mt.JSON_DOCUMENTS:
        raise ValueError(
            f"{media_type!r} is not a JSON document type; use one of {', '.join(mt.JSON_DOCUMENTS)}"
        )
    out = Collector()
    if len(data) > LARGE_DOCUMENT:
        out.add(
            "document.large", where, "", f"{len(data)} bytes; some registries refuse documents this large"
        )
    _check_bytes(media_type, data, where, out)
    return out.report()


def _check_bytes(media_type: str, data: bytes, where: str, out: Collector) -> Any:
    """Parse and check a document; returns the parsed document or None."""
    if media_type == mt.EMPTY:
        if data != mt.EMPTY_BLOB:
            out.add(
                "descriptor.empty-content", where, "", f"the empty blob is {{}} (2 bytes), not {data[:20]!r}"
            )
        return None
    try:
        doc = parse_json(data)
    except ValueError as exc:
        out.add(NOT_JSON[media_type], where, "", f"not JSON: {exc}")
        return None
    check_document(media_type, doc, where, out)
    return doc


def _valid_digest(value: object) -> Digest | None:
    """The digest if it can be followed (grammar and encoding hold); otherwise already reported."""
    try:
        digest = parse_digest(value)
    except DigestError:
        return None
    return digest if clean_text(str(value)) else None


def _where(digest: Digest) -> str:
    return f"blobs/{digest.algorithm}/{digest.encoded}"


@dataclass
class _Blob:
    """What is known of a blob once it has been read."""

    size: int | None = None
    actual: str | None = None
    missing: bool = False
    failed: bool = False


@dataclass
class _LayerJob:
    digest: Digest
    compression: str
    diff_algorithms: set[str] = field(default_factory=set)
    refs: list[tuple[str, str]] = field(default_factory=list)
    diff_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class _DiffCheck:
    manifest: str
    config: str
    diff_ids: list[Any]
    layers: list[tuple[int, _LayerJob | None]]
    layer_count: int


class _Walker:
    """One validation run over a store: header, listing, the graph from index.json, then blobs."""

    def __init__(self, store: Store, out: Collector | None = None) -> None:
        self.store = store
        self.out = out or Collector()
        self.blobs: dict[str, _Blob] = {}
        self.documents: dict[tuple[str, str], Any] = {}
        self.stack: list[str] = []
        self.layer_jobs: dict[tuple[str, str], _LayerJob] = {}
        self.raw_jobs: dict[str, tuple[Digest, list[tuple[str, str]]]] = {}
        self.size_claims: list[tuple[str, int, str, str]] = []
        self.diff_checks: list[_DiffCheck] = []
        self.listed: list[Digest] = []

    def run(self) -> Report:
        self.out.examine("layout")
        self._check_header()
        self._check_listing()
        index = self._top_document("index.json", mt.INDEX)
        if isinstance(index, dict):
            self._follow_index(index, "index.json")
        self._run_layer_jobs()
        for digest, refs in self.raw_jobs.values():
            self._verify(digest, refs)
        for digest in self.listed:
            if str(digest) not in self.blobs:
                self._verify(digest, [])
        self._check_sizes()
        self._check_diff_ids()
        return self.out.report()

    # -------------------------------------------------------------- top-level files

    def _read_top(self, name: str, missing: str, unreadable: str) -> bytes | None:
        try:
            data = self.store.read_top(name, MAX_DOCUMENT + 1)
        except FileNotFoundError:
            self.out.add(missing, name, "", f"the layout has no {name}")
            return None
        except (OSError, EOFError, tarfile.TarError) as exc:
            self.out.add(unreadable, name, "", f"cannot be read: {exc}")
            return None
        return self._size_gate(data, len(data), name)

    def _size_gate(self, data: bytes | None, size: int, where: str) -> bytes | None:
        if size > MAX_DOCUMENT:
            self.out.add(
                "document.too-large", where, "", f"{size} bytes, over {MAX_DOCUMENT}: hashed but not parsed"
            )
            return None
        if size > LARGE_DOCUMENT:
            self.out.add(
                "document.large", where, "", f"{size} bytes; some registries refuse documents this large"
            )
        return data

    def _check_header(self) -> None:
        data = self._read_top("oci-layout", "layout.oci-layout-missing", "layout.oci-layout-unreadable")
        if data is not None:
            _check_bytes(mt.LAYOUT_HEADER, data, "oci-layout", self.out)

    def _top_document(self, name: str, media_type: str) -> Any:
        data = self._read_top(name, "layout.index-missing", "layout.index-unreadable")
        if data is None:
            return None
        try:
            doc = parse_json(data)
        except ValueError as exc:
            self.out.add("layout.index-not-json", name, "", f"not JSON: {exc}")
            return None
        check_document(media_type, doc, name, self.out, root_code="layout.index-invalid")
        return doc

    def _check_listing(self) -> None:
        if not self.store.has_blobs_dir():
            self.out.add("layout.blobs-missing", "blobs", "", "the layout has no blobs directory")
            return
        listing = self.store.listing()
        for name, problem in listing.strays:
            self.out.add("layout.blob-path-invalid", name, "", problem)
        for name, error in listing.unlistable:
            self.out.add("layout.blob-unreadable", name, "", f"cannot be listed: {error}")
        unknown: set[str] = set()
        for entry in listing.blobs:
            if not _ALGORITHM.fullmatch(entry.algorithm):
                self.out.add(
                    "layout.blob-path-invalid", entry.name, "", "the directory is not an algorithm name"
                )
            elif not _ENCODED.fullmatch(entry.encoded):
                self.out.add(
                    "layout.blob-path-invalid", entry.name, "", "the file name is not an encoded digest"
                )
            elif entry.algorithm not in REGISTERED:
                if entry.algorithm not in unknown:
                    unknown.add(entry.algorithm)
                    message = (
                        f"{entry.algorithm!r} is not a registered algorithm: its blobs cannot be verified"
                    )
                    self.out.add("layout.blob-algorithm-unknown", f"blobs/{entry.algorithm}", "", message)
            elif not REGISTERED[entry.algorithm].fullmatch(entry.encoded):
                message = f"a {entry.algorithm} blob is named by its lowercase hex digest"
                self.out.add("layout.blob-path-invalid", entry.name, "", message)
            else:
                self.listed.append(Digest(entry.algorithm, entry.encoded))

    # -------------------------------------------------------------- the graph

    def _follow_index(self, doc: dict[str, Any], where: str) -> None:
        manifests = doc.get("manifests")
        if isinstance(manifests, list):
            for index, descriptor in enumerate(manifests):
                if isinstance(descriptor, dict):
                    path = f"$.manifests[{index}]"
                    if where != "index.json":
                        self._check_nested_entry(descriptor, where, path)
                    target = self._follow(descriptor, where, path)
                    self._check_platform_present(descriptor, target, where, path)

    def _check_nested_entry(self, descriptor: dict[str, Any], where: str, path: str) -> None:
        """An entry of an index blob (not index.json): portable types, no ref.name."""
        media_type = descriptor.get("mediaType")
        if isinstance(media_type, str) and media_type not in (mt.MANIFEST, mt.INDEX):
            message = f"{media_type!r}: portable indexes list image manifests and image indexes"
            self.out.add("index.manifest-media-type-not-portable", where, f"{path}.mediaType", message)
        annotations = descriptor.get("annotations")
        if isinstance(annotations, dict) and REF_NAME in annotations:
            message = f"{REF_NAME} only counts on the descriptors of index.json, not of a nested index"
            self.out.add("layout.ref-name-nested", where, f"{path}.annotations", message)

    def _check_platform_present(self, descriptor: dict[str, Any], target: Any, where: str, path: str) -> None:
        """An entry whose target is an image (its config names os and architecture) has a platform."""
        if descriptor.get("mediaType") != mt.MANIFEST or "platform" in descriptor:
            return
        config = target.get("config") if isinstance(target, dict) else None
        if not isinstance(config, dict) or config.get("mediaType") != mt.CONFIG:
            return
        self.out.add(
            "descriptor.platform-missing",
            where,
            path,
            "a descriptor of an image manifest should include platform (descriptor.md)",
        )
        self.out.add(
            "index.platform-missing",
            where,
            path,
            "the target is a platform-specific image, so its entry should give platform (image-index.md)",
        )

    def _follow_manifest(self, doc: dict[str, Any], where: str) -> None:
        config, layers = doc.get("config"), doc.get("layers")
        config_doc = self._follow(config, where, "$.config") if isinstance(config, dict) else None
        if not isinstance(layers, list):
            return
        diff_ids = _diff_ids_of(config, config_doc)
        jobs: list[tuple[int, _LayerJob | None]] = []
        for index, layer in enumerate(layers):
            if isinstance(layer, dict):
                algorithm = _algorithm_of(diff_ids[index]) if diff_ids and index < len(diff_ids) else "sha256"
                self._follow(layer, where, f"$.layers[{index}]", algorithm)
                jobs.append((index, self._job_of(layer)))
        config_digest = _valid_digest(config.get("digest")) if isinstance(config, dict) else None
        if diff_ids is not None and config_digest is not None:
            self.diff_checks.append(_DiffCheck(where, _where(config_digest), diff_ids, jobs, len(layers)))

    def _job_of(self, layer: dict[str, Any]) -> _LayerJob | None:
        digest = _valid_digest(layer.get("digest"))
        compression = mt.LAYER_COMPRESSION.get(str(layer.get("mediaType")))
        if digest is None or compression is None:
            return None
        return self.layer_jobs.get((str(digest), compression))

    def _follow(
        self, descriptor: dict[str, Any], where: str, path: str, diff_algorithm: str = "sha256"
    ) -> Any:
        """Check what the descriptor points to; returns the parsed document for JSON types."""
        digest = _valid_digest(descriptor.get("digest"))
        if digest is None:
            return None
        if digest.registered and digest.algorithm != "sha256":
            message = f"{digest.algorithm} is used where implementations are expected to use sha256"
            self.out.add("descriptor.digest-not-sha256", where, f"{path}.digest", message)
        size, media_type = descriptor.get("size"), descriptor.get("mediaType")
        if isinstance(size, int) and not isinstance(size, bool):
            self.size_claims.append((str(digest), size, where, path))
        refs = [] if "data" in descriptor else [(where, path)]  # embedded data stands in for the blob
        if media_type in mt.JSON_DOCUMENTS:
            return self._document(digest, str(media_type), refs, where, path, _embedded(descriptor, digest))
        compression = mt.LAYER_COMPRESSION.get(str(media_type))
        if compression is not None:
            job = self.layer_jobs.setdefault((str(digest), compression), _LayerJob(digest, compression))
            job.diff_algorithms.add(diff_algorithm)
            job.refs.extend(refs)
        else:  # unknown media types are not parsed (manifest.md), only verified
            self.raw_jobs.setdefault(str(digest), (digest, []))[1].extend(refs)
        return None

    def _document(
        self,
        digest: Digest,
        media_type: str,
        refs: list[tuple[str, str]],
        where: str,
        path: str,
        embedded: bytes | None = None,
    ) -> Any:
        key = (str(digest), media_type)
        if str(digest) in self.stack:
            self.out.add("layout.graph-cycle", where, path, f"{digest} refers back to itself through {where}")
            return None
        if key in self.documents:
            self._note_missing(digest, refs)
            return self.documents[key]
        self.documents[key] = None
        data = self._read_blob(digest, refs, keep=MAX_DOCUMENT)
        if data is None and embedded is not None and self.blobs[str(digest)].missing:
            data = embedded  # the descriptor carries the content: walk on from there
        if data is None:
            return None
        doc = _check_bytes(media_type, data, _where(digest), self.out)
        self.documents[key] = doc
        if isinstance(doc, dict) and media_type in (mt.INDEX, mt.MANIFEST):
            self.stack.append(str(digest))
            if media_type == mt.INDEX:
                self._follow_index(doc, _where(digest))
            else:
                self._follow_manifest(doc, _where(digest))
            self.stack.pop()
        return doc

    # -------------------------------------------------------------- reading blobs

    def _note_missing(self, digest: Digest, refs: list[tuple[str, str]]) -> None:
        state = self.blobs.get(str(digest))
        if state is not None and state.missing:
            for where, path in refs:
                self.out.add("layout.blob-missing", where, path, f"{_where(digest)} is not in the layout")

    def _open(self, digest: Digest, refs: list[tuple[str, str]]) -> BinaryIO | None:
        """Open a blob, or record (once) why it cannot be; missing blobs are reported per reference."""
        state = self.blobs.get(str(digest))
        if state is not None and (state.missing or state.failed):
            self._note_missing(digest, refs)
            return None
        try:
            return self.store.open_blob(digest.algorithm, digest.encoded)
        except FileNotFoundError:
            self.blobs[str(digest)] = _Blob(missing=True)
            self._note_missing(digest, refs)
        except OutsideLayout as exc:
            self.blobs[str(digest)] = _Blob(failed=True)
            self.out.add("layout.blob-outside", _where(digest), "", str(exc))
        except (OSError, EOFError, tarfile.TarError) as exc:
            self.blobs[str(digest)] = _Blob(failed=True)
            self.out.add("layout.blob-unreadable", _where(digest), "", f"cannot be read: {exc}")
        return None

    def _verify(self, digest: Digest, refs: list[tuple[str, str]]) -> None:
        """Hash a blob nobody parses, unless it was already read for another reason."""
        state = self.blobs.get(str(digest))
        if state is not None and state.size is not None:
            return
        self._read_blob(digest, refs, keep=0)

    def _read_blob(self, digest: Digest, refs: list[tuple[str, str]], keep: int) -> bytes | None:
        """Hash the whole blob; return its content if it is at most `keep` bytes."""
        handle = self._open(digest, refs)
        if handle is None:
            return None
        hasher = hashlib.new(digest.algorithm) if digest.registered else None
        kept, size = bytearray(), 0
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        try:
            with handle:
                while count := handle.readinto(buffer):  # type: ignore[attr-defined]
                    if hasher is not None:
                        hasher.update(view[:count])
                    if size + count <= keep:
                        kept += view[:count]
                    size += count
        except (OSError, EOFError, tarfile.TarError) as exc:
            self.blobs[str(digest)] = _Blob(failed=True)
            self.out.add("layout.blob-unreadable", _where(digest), "", f"read failed: {exc}")
            return None
        if hasher is not None:
            self.out.bytes_hashed += size
        self._record(digest, size, f"{digest.algorithm}:{hasher.hexdigest()}" if hasher else None)
        if keep == 0:
            return None
        return self._size_gate(bytes(kept), size, _where(digest))

    def _record(self, digest: Digest, size: int, actual: str | None) -> None:
        """Remember a blob's size and digest; a mismatch is reported once, at the blob."""
        known = self.blobs.get(str(digest))
        if known is not None and known.size is not None:
            return
        self.blobs[str(digest)] = _Blob(size=size, actual=actual)
        if actual is None:
            return
        self.out.blobs_verified += 1
        if actual != str(digest):
            self.out.add(
                "layout.blob-digest-mismatch", _where(digest), "", f"the content's digest is {actual}"
            )

    def _run_layer_jobs(self) -> None:
        jobs = sorted(
            self.layer_jobs.values(), key=lambda j: self.store.order(j.digest.algorithm, j.digest.encoded)
        )
        for job in jobs:
            handle = self._open(job.digest, job.refs)
            if handle is None:
                continue
            where = _where(job.digest)
            self.out.examine("layer")
            with handle:
                scan = scan_layer(
                    handle,
                    declared=job.compression,
                    digest_algorithm=job.digest.algorithm if job.digest.registered else None,
                    diff_algorithms=[a for a in job.diff_algorithms if a in REGISTERED],
                    where=where,
                    out=self.out,
                )
            if scan.read_error is not None:
                self.blobs[str(job.digest)] = _Blob(failed=True)
                self.out.add("layout.blob-unreadable", where, "", f"read failed: {scan.read_error}")
                continue
            self._record(job.digest, scan.size, scan.digest)
            job.diff_ids = scan.diff_ids

    # -------------------------------------------------------------- cross checks

    def _check_sizes(self) -> None:
        for digest, size, where, path in self.size_claims:
            state = self.blobs.get(digest)
            if state is None or state.size is None or state.size == size:
                continue
            blob = "blobs/" + digest.replace(":", "/", 1)
            message = f"size is {size} but {blob} has {state.size} bytes"
            self.out.add("descriptor.size-mismatch", where, f"{path}.size", message)

    def _check_diff_ids(self) -> None:
        for check in self.diff_checks:
            if len(check.diff_ids) != check.layer_count:
                message = (
                    f"{len(check.diff_ids)} DiffIDs for the {check.layer_count} layers of {check.manifest}"
                )
                self.out.add("config.diff-ids-count", check.config, "$.rootfs.diff_ids", message)
            for index, job in check.layers:
                if job is None or index >= len(check.diff_ids):
                    continue
                expected = check.diff_ids[index]
                actual = job.diff_ids.get(_algorithm_of(expected))
                if actual is None or actual == expected:
                    continue
                if actual in check.diff_ids:
                    position = check.diff_ids.index(actual)
                    message = (
                        f"layer {index} is DiffID {actual}, at rootfs.diff_ids[{position}]: out of order"
                    )
                    self.out.add("manifest.layers-order", check.manifest, f"$.layers[{index}]", message)
                else:
                    message = f"layer {index} ({job.digest}) uncompresses to {actual}"
                    self.out.add(
                        "config.diff-id-mismatch", check.config, f"$.rootfs.diff_ids[{index}]", message
                    )


def _embedded(descriptor: dict[str, Any], digest: Digest) -> bytes | None:
    """The descriptor's `data`, when it is valid base64 of exactly the referenced content."""
    text = descriptor.get("data")
    if not isinstance(text, str) or not digest.registered:
        return None
    try:
        content = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    actual = f"{digest.algorithm}:{hashlib.new(digest.algorithm, content).hexdigest()}"
    return content if actual == str(digest) else None


def _diff_ids_of(config: Any, config_doc: Any) -> list[Any] | None:
    """rootfs.diff_ids of an OCI image config, if the manifest has one."""
    if (
        not isinstance(config, dict)
        or config.get("mediaType") != mt.CONFIG
        or not isinstance(config_doc, dict)
    ):
        return None
    rootfs = config_doc.get("rootfs")
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    return diff_ids if isinstance(diff_ids, list) else None


def _algorithm_of(value: Any) -> str:
    return value.split(":", 1)[0] if isinstance(value, str) and ":" in value else "sha256"
