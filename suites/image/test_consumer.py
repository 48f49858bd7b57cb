"""Consumer role: generated layouts are unpacked, and the tree must equal the reference application."""

from __future__ import annotations

from conformance.core.asserts import check, check_equal
from conformance.image.cases import ImageCase
from conformance.image.generator import write_layout
from conformance.image.layers import expected_tree
from conformance.image.tree import diff, snapshot

from .helpers import REF, Surroundings, require_role


def test_unpack_matches_reference(image_tool, consumer_case: ImageCase, image_workdir) -> None:
    rids = consumer_case.requirements
    require_role(image_tool, "consumer", rids)
    layout = image_workdir / "layout"
    write_layout({"layers": consumer_case.data["layers"]}, layout, source=consumer_case.source)
    bundle = image_workdir / "bundle"
    around = Surroundings.record(image_workdir)
    result = image_tool.unpack(layout, REF, bundle)
    check(rids, result.ok, "the tool unpacks a valid layout", "exit 0", result.describe())
    differences = diff(expected_tree(consumer_case.data["layers"]), snapshot(bundle / "rootfs"))
    check_equal(
        rids, "differences between the unpacked rootfs and the reference application", [], differences
    )
    check_equal(rids, "changes outside the target", [], around.changes(image_workdir, bundle / "rootfs"))
