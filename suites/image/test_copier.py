"""Copier role: a copy keeps every digest and is itself a valid layout; archives round-trip."""

from __future__ import annotations

import json

import pytest

from conformance.asserts import check, check_equal
from conformance.image.generator import write_layout
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
    return [f"{f.requirement} {f.where} {f.path}: {f.message}" for f in validate_layout(layout).findings
            if f.severity == "error"]  # fmt: skip


@requirement("descriptor.digest.verify", "image-layout.blobs.content-matches")
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
