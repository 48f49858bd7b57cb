"""considerations.md: copies keep every digest; unknown properties of known media types are no error.

The source layout is deliberately not in the generator's canonical form: its index.json, manifest
and config are indented JSON with their keys in reverse order and carry a property no spec defines.
A copier that re-serializes what it copies changes digests; a reader that rejects unknown
properties fails on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.core.asserts import check, check_equal
from conformance.image.generator import LayoutInfo, load_json, replace_blob, write_layout
from conformance.image.layers import expected_tree
from conformance.image.tree import diff, snapshot

from .helpers import REF, Surroundings, require_role, validate_output
from .outcomes import copy_differences

requirement = pytest.mark.requirement

DIGESTS = "considerations.extensibility.digest-unchanged"
UNKNOWN = "considerations.extensibility.unknown-properties"
LAYERS = [
    {"entries": [{"path": "etc", "type": "dir"}, {"path": "etc/hello", "type": "file", "content": "hi\n"}]}
]
EXTRA = {"com.example.unknown.property": {"kept": True}}


def _odd(document: dict[str, Any]) -> bytes:
    """Indented JSON, keys in reverse order, with an unknown property: valid, but not canonical."""
    return json.dumps(dict(reversed(list({**document, **EXTRA}.items()))), indent=3).encode() + b"\n"


def _write_odd_layout(root: Path) -> LayoutInfo:
    info = write_layout({"layers": LAYERS}, root)
    replace_blob(info, info.config, _odd(load_json(info.config)))
    replace_blob(info, info.image, _odd(load_json(info.image)))
    info.index_path.write_bytes(_odd(json.loads(info.index_path.read_bytes())))
    return info


@requirement(DIGESTS, UNKNOWN)
def test_copy_keeps_the_bytes_of_non_canonical_documents(
    image_tool, image_workdir: Path, request: pytest.FixtureRequest
) -> None:
    rids = [DIGESTS, UNKNOWN]
    require_role(image_tool, "copier", rids)
    source, target = image_workdir / "source", image_workdir / "target"
    _write_odd_layout(source)
    result = image_tool.copy(f"oci:{source}:{REF}", f"oci:{target}:{REF}")
    check(rids, result.ok, "copy of a layout with unknown properties", "exit 0", result.describe())
    check_equal(
        rids, "differences between the copy and the source", [], copy_differences(source, target, REF)
    )
    check_equal(rids, "validator errors in the copy", [], validate_output(request, target))


@requirement(UNKNOWN)
def test_unpack_ignores_unknown_properties(image_tool, image_workdir: Path) -> None:
    rids = [UNKNOWN]
    require_role(image_tool, "consumer", rids)
    layout, bundle = image_workdir / "layout", image_workdir / "bundle"
    _write_odd_layout(layout)
    around = Surroundings.record(image_workdir)
    result = image_tool.unpack(layout, REF, bundle)
    check(rids, result.ok, "unpack of a layout with unknown properties", "exit 0", result.describe())
    differences = diff(expected_tree(LAYERS), snapshot(bundle / "rootfs"))
    check_equal(
        rids, "differences between the unpacked rootfs and the reference application", [], differences
    )
    check_equal(rids, "changes outside the target", [], around.changes(image_workdir, bundle / "rootfs"))
