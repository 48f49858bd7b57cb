"""Consumer role: generated layouts are unpacked, and the tree must equal the reference application.

A case whose layers hold a member the spec forbids (a ``raw`` entry: ``..`` in a whiteout, a
whiteout through a symlink, a malformed whiteout name) has ``outcome: refused-or-ignored``: the
consumer may refuse the layout, or apply it without those members; either way nothing outside
its target is written or deleted (a sentinel beside the work directory must survive).
"""

from __future__ import annotations

from conformance.core.asserts import check, check_equal
from conformance.image.cases import ImageCase
from conformance.image.generator import write_layout
from conformance.image.layers import expected_tree
from conformance.image.tree import diff, snapshot
from conformance.image.vectors import without_raw

from .helpers import REF, Surroundings, require_role


def test_unpack_matches_reference(image_tool, consumer_case: ImageCase, image_workdir) -> None:
    rids = consumer_case.requirements
    require_role(image_tool, "consumer", rids)
    layers = consumer_case.data["layers"]
    forbidden = consumer_case.data.get("outcome") == "refused-or-ignored"
    layout = image_workdir / "layout"
    write_layout({"layers": layers}, layout, source=consumer_case.source)
    bundle = image_workdir / "bundle"
    around = Surroundings.record(image_workdir)
    result = image_tool.unpack(layout, REF, bundle)
    check_equal(rids, "changes outside the target", [], around.changes(image_workdir, bundle / "rootfs"))
    if forbidden and not result.ok:
        return  # a refusal is one of the two outcomes the spec allows; nothing escaped (above)
    check(rids, result.ok, "the tool unpacks a valid layout", "exit 0", result.describe())
    reference = expected_tree(without_raw(layers) if forbidden else layers)
    what = "the rootfs and the reference application" + (
        " without the forbidden members" if forbidden else ""
    )
    check_equal(rids, f"differences between {what}", [], diff(reference, snapshot(bundle / "rootfs")))
