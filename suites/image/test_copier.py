"""Copier role: a copy keeps every digest and is itself a valid layout; archives round-trip."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.image import mediatypes
from conformance.image.generator import (
    REF_NAME,
    blob_path,
    dumps,
    replace_blob,
    rewrite_json,
    store,
    write_layout,
)
from conformance.image.tools.base import transport_reference

from .helpers import REF, Surroundings, require_role, validate_output

requirement = pytest.mark.requirement

IMAGE = {
    "layers": [
        {
            "entries": [
                {"path": "etc", "type": "dir"},
                {"path": "etc/hello", "type": "file", "content": "hi\n"},
            ]
        },
        {"compression": "none", "entries": [{"path": "raw", "type": "file", "content": "raw\n"}]},
    ],
    "config": {"config": {"Env": ["A=1"], "Cmd": ["/bin/true"]}},
    "manifest": {"annotations": {"org.example.kept": "yes"}},
}


def _manifest_digests(layout) -> list[str]:
    index = json.loads((layout / "index.json").read_text())
    return sorted(d["digest"] for d in index.get("manifests", []))


#: considerations.md: implementations storing or copying content MUST NOT change its digest.
DIGEST_RIDS = ("considerations.extensibility.digest-unchanged",)


@requirement(*DIGEST_RIDS)
def test_copy_between_layouts_keeps_digests(image_tool, image_workdir, request) -> None:
    rids = list(DIGEST_RIDS)
    require_role(image_tool, "copier", rids)
    source, target = image_workdir / "source", image_workdir / "target"
    write_layout(IMAGE, source)
    result = image_tool.copy(f"oci:{source}:{REF}", f"oci:{target}:{REF}")
    check(rids, result.ok, "copy of a valid layout succeeds", "exit 0", result.describe())
    check_equal(rids, "manifest digests after the copy", _manifest_digests(source), _manifest_digests(target))
    check_equal(rids, "validator errors in the copy", [], validate_output(request, target))


@requirement("image-layout.oci-layout.exists", "image-layout.index.valid")
def test_copy_through_oci_archive_round_trips(image_tool, image_workdir, request) -> None:
    rids = ["image-layout.oci-layout.exists", "image-layout.index.valid"]
    require_role(image_tool, "copier", rids)
    source, archive, back = image_workdir / "source", image_workdir / "image.tar", image_workdir / "back"
    write_layout(IMAGE, source)
    out = image_tool.copy(f"oci:{source}:{REF}", f"oci-archive:{archive}:{REF}")
    check(rids, out.ok, "copy into an oci-archive succeeds", "exit 0", out.describe())
    again = image_tool.copy(f"oci-archive:{archive}:{REF}", f"oci:{back}:{REF}")
    check(rids, again.ok, "copy out of the oci-archive succeeds", "exit 0", again.describe())
    check_equal(
        rids, "manifest digests after the round trip", _manifest_digests(source), _manifest_digests(back)
    )
    check_equal(rids, "validator errors in the round-tripped layout", [], validate_output(request, back))


UNKNOWN_TYPES = [
    "manifest.artifact-type.unknown",
    "manifest.config.unknown-media-type",
    "manifest.config.unknown-no-error",
    "manifest.layers.unknown-media-type",
]


@requirement(*UNKNOWN_TYPES)
def test_copy_of_unknown_media_types_keeps_them_opaque(image_tool, image_workdir) -> None:
    """An artifact and a manifest with a config and a layer of types no spec defines are copied as bytes."""
    require_role(image_tool, "copier", UNKNOWN_TYPES)
    source, target = image_workdir / "source", image_workdir / "target"
    description = {
        "images": [
            {
                "ref": "thing",
                "artifact": {
                    "artifactType": "application/vnd.example.thing.v1",
                    "blobs": [
                        {"content": "opaque payload\n", "mediaType": "application/vnd.example.blob.v1"}
                    ],
                },
            },
            {
                "ref": "custom",
                "layers": [
                    {
                        "entries": [{"path": "f", "type": "file", "content": "f\n"}],
                        "mediaType": "application/vnd.example.layer.v1",
                    }
                ],
            },
        ]
    }
    info = write_layout(description, source)
    custom = next(m for m in info.manifests if m.kind == "image")
    config_bytes = b"not json at all: an opaque config\n"
    replace_blob(info, custom.config, config_bytes)
    rewrite_json(info, custom, lambda m: m["config"].update(mediaType="application/vnd.example.config.v1"))
    for ref in ("thing", "custom"):
        result = image_tool.copy(f"oci:{source}:{ref}", f"oci:{target}:{ref}")
        check(
            UNKNOWN_TYPES,
            result.ok,
            f"copy of {ref!r}, whose media types are unknown",
            "exit 0",
            result.describe(),
        )
    check_equal(
        UNKNOWN_TYPES, "manifest digests after the copy", _manifest_digests(source), _manifest_digests(target)
    )


# --- copies preserve every blob and document, through every transport the copier offers ----------

#: descriptor.md: a copier MUST NOT populate `data` fields where that changes content identifiers.
DATA_RID = "descriptor.data.no-identifier-change"
ANNOTATION_RIDS = ("descriptor.annotations.optional", "manifest.annotations.optional")
TRANSPORTS = ("oci", "oci-archive", "dir")


def _image(name: str, arch: str = "amd64") -> dict:
    return {
        "layers": [
            {
                "annotations": {"org.example.layer": name},
                "entries": [{"path": name, "type": "file", "content": f"{name}\n"}],
            },
            {"compression": "none", "entries": [{"path": f"{name}.raw", "type": "file", "content": "r\n"}]},
        ],
        "config": {"architecture": arch, "config": {"Env": [f"NAME={name}"]}},
        "manifest": {"annotations": {"org.example.manifest": name, "org.example.empty": ""}},
    }


COPY_CASES: dict[str, tuple[dict, tuple[str, ...]]] = {
    "image": (_image("one"), ()),
    "artifact": (
        {
            "artifact": {
                "artifactType": "application/vnd.example.thing.v1",
                "annotations": {"org.example.artifact": "yes"},
                "blobs": [
                    {
                        "content": "payload\n",
                        "mediaType": "application/vnd.example.blob.v1",
                        "annotations": {"org.opencontainers.image.title": "payload.txt"},
                    },
                    {"content": "second\n"},
                ],
            }
        },
        (
            "manifest.artifacts.allowed",
            "manifest.artifact-type.unknown",
            "manifest.layers.unknown-media-type",
        ),
    ),
    "empty-artifact": (
        {"artifact": {"artifactType": "application/vnd.example.marker.v1"}},
        (
            "manifest.empty-descriptor",
            "manifest.artifacts.placeholder-layer",
            "manifest.artifact-type.unknown",
        ),
    ),
    "index": (
        {
            "images": [
                {**_image("amd"), "platform": {"architecture": "amd64", "os": "linux"}},
                {**_image("arm", "arm64"), "platform": {"architecture": "arm64", "os": "linux"}},
            ],
            "index": {"annotations": {"org.example.index": "flat"}},
        },
        ("image-index.manifests.platform", "image-index.annotations.optional"),
    ),
    "nested-index": (
        {
            "images": [
                {**_image("outer"), "platform": {"architecture": "amd64", "os": "linux"}},
                {
                    "images": [
                        {**_image("inner", "arm64"), "platform": {"architecture": "arm64", "os": "linux"}}
                    ],
                    "index": {"annotations": {"org.example.index": "inner"}},
                },
            ],
            "index": {"annotations": {"org.example.index": "outer"}},
        },
        ("image-index.manifests.nested-index",),
    ),
}

_DOCUMENTS = (mediatypes.MANIFEST, mediatypes.INDEX)


def _root_descriptor(layout: Path, ref: str) -> dict | None:
    index = json.loads((layout / "index.json").read_text())
    for descriptor in index.get("manifests", []):
        if (descriptor.get("annotations") or {}).get(REF_NAME) == ref:
            return descriptor
    return None


def walk(layout: Path, descriptor: dict, label: str = "ref") -> Iterator[tuple[str, dict, bytes | None]]:
    """(label, descriptor, blob bytes or None when missing) for everything `descriptor` reaches."""
    path = blob_path(layout, str(descriptor.get("digest", "")))
    data = path.read_bytes() if path.is_file() else None
    yield label, descriptor, data
    if data is None or descriptor.get("mediaType") not in _DOCUMENTS:
        return
    document = json.loads(data)
    if isinstance(document.get("config"), dict):
        yield from walk(layout, document["config"], f"{label}.config")
    for key in ("layers", "manifests"):
        for position, child in enumerate(document.get(key) or []):
            yield from walk(layout, child, f"{label}.{key}[{position}]")


def annotations(layout: Path, descriptor: dict) -> dict[str, dict]:
    """label -> annotations, of every descriptor and document `descriptor` reaches (ref.name aside)."""
    found = {}
    for label, child, data in walk(layout, descriptor):
        own = {k: v for k, v in (child.get("annotations") or {}).items() if k != REF_NAME}
        if own:
            found[label] = own
        if data is not None and child.get("mediaType") in _DOCUMENTS:
            inner = json.loads(data).get("annotations")
            if inner:
                found[f"{label} (document)"] = inner
    return found


def _copy_through(tool, transport: str, source: Path, work: Path) -> tuple[Path, list]:
    """oci -> oci directly, or oci -> transport -> oci; the layout read back and the results."""
    target = work / "target"
    if transport == "oci":
        return target, [tool.copy(f"oci:{source}:{REF}", f"oci:{target}:{REF}")]
    middle = transport_reference(transport, work / f"via-{transport}", REF)
    first = tool.copy(f"oci:{source}:{REF}", middle)
    if not first.ok:
        return target, [first]
    return target, [first, tool.copy(middle, f"oci:{target}:{REF}")]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(name, marks=requirement(*DIGEST_RIDS, DATA_RID, *ANNOTATION_RIDS, *rids))
        for name, (_, rids) in COPY_CASES.items()
    ],
)
def test_copy_preserves_content(image_tool, image_workdir, request, case: str, transport: str) -> None:
    """Every blob and document the ref reaches keeps its bytes (so its digest), every annotation
    is kept, and the copy is a valid layout; through each transport and back to a layout."""
    description, extra = COPY_CASES[case]
    rids = [*DIGEST_RIDS, *extra]
    require_role(image_tool, "copier", rids)
    if transport not in image_tool.transports:
        skip_unsupported(rids, f"{image_tool.name} offers no {transport}: transport")
    source = image_workdir / "source"
    write_layout(
        {**description, "index": {"ref": REF}} if "images" not in description else description, source
    )
    if "images" in description:
        _tag_root(source)
    around = Surroundings.record(image_workdir)
    target, results = _copy_through(image_tool, transport, source, image_workdir)
    for result in results:
        check(rids, result.ok, f"copy through {transport}: succeeds", "exit 0", result.describe())
    check_equal(rids, "changes outside the copy's targets", [], around.changes(image_workdir, target))
    want = _root_descriptor(source, REF)
    got = _root_descriptor(target, REF)
    check(rids, got is not None, f"the copy's index.json names {REF!r}", "a descriptor", "none")
    # Annotations first: a copier that drops them also changes digests, and this names the loss.
    check_equal(
        ANNOTATION_RIDS, "annotations at every level", annotations(source, want), annotations(target, got)
    )
    # A copier that fills in data fields changes the documents that hold them; this names the cause.
    with_data = _with_data(source, want), _with_data(target, got)
    check_equal([DATA_RID], "descriptors with a data field", *with_data)
    fields = ("mediaType", "digest", "size")
    check_equal(
        rids, "the ref's descriptor", {k: want.get(k) for k in fields}, {k: got.get(k) for k in fields}
    )
    source_blobs = {label: (d.get("digest"), data) for label, d, data in walk(source, want)}
    target_blobs = {label: (d.get("digest"), data) for label, d, data in walk(target, got)}
    digests = {k: v[0] for k, v in source_blobs.items()}, {k: v[0] for k, v in target_blobs.items()}
    check_equal(rids, "digest of every blob and document the ref reaches", *digests)
    changed = sorted(
        label for label, (_, data) in source_blobs.items() if target_blobs.get(label, (0, None))[1] != data
    )
    check_equal(rids, "blobs missing from the copy or with other bytes", [], changed)
    check_equal(rids, "validator errors in the copy", [], validate_output(request, target))


def _with_data(layout: Path, descriptor: dict) -> list[str]:
    """Labels of the descriptors `descriptor` reaches (itself included) that carry a data field."""
    return sorted(label for label, child, _ in walk(layout, descriptor) if "data" in child)


def _tag_root(layout: Path) -> None:
    """Several nodes: wrap index.json's descriptors in one index blob tagged REF (copied whole)."""
    index = json.loads((layout / "index.json").read_bytes())
    digest, size, _ = store(layout, dumps(index))
    descriptor = {
        "mediaType": mediatypes.INDEX,
        "digest": digest,
        "size": size,
        "annotations": {REF_NAME: REF},
    }
    (layout / "index.json").write_bytes(
        dumps({"schemaVersion": 2, "mediaType": mediatypes.INDEX, "manifests": [descriptor]})
    )
