"""Copier role: a copy keeps every digest and is itself a valid layout; archives round-trip."""

from __future__ import annotations

import json

import pytest

from conformance.core.asserts import check, check_equal
from conformance.image.generator import replace_blob, rewrite_json, write_layout
from conformance.image.validator import validate_layout

from .helpers import REF, require_role

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


def _errors(layout) -> list[str]:
    return [
        f"{f.requirement} {f.where} {f.path}: {f.message}"
        for f in validate_layout(layout).findings
        if f.severity == "error"
    ]


@requirement(
    "descriptor.digest.verify", "image-layout.blobs.content-matches", "descriptor.data.no-identifier-change"
)
def test_copy_between_layouts_keeps_digests(image_tool, image_workdir) -> None:
    rids = ["descriptor.digest.verify", "image-layout.blobs.content-matches"]
    require_role(image_tool, "copier", rids)
    source, target = image_workdir / "source", image_workdir / "target"
    write_layout(IMAGE, source)
    result = image_tool.copy(f"oci:{source}:{REF}", f"oci:{target}:{REF}")
    check(rids, result.ok, "copy of a valid layout succeeds", "exit 0", result.describe())
    check_equal(rids, "manifest digests after the copy", _manifest_digests(source), _manifest_digests(target))
    check_equal(rids, "validator errors in the copy", [], _errors(target))


@requirement("image-layout.oci-layout.exists", "image-layout.index.valid")
def test_copy_through_oci_archive_round_trips(image_tool, image_workdir) -> None:
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
    check_equal(rids, "validator errors in the round-tripped layout", [], _errors(back))


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
