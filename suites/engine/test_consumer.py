"""Consumer role: an image pulled from a registry, as a container's filesystem, equals the
reference application of its layers (read outside the container: export, or the snapshot)."""

from __future__ import annotations

from conformance.core.asserts import check, check_equal
from conformance.image.cases import ImageCase
from conformance.image.layers import expected_tree
from conformance.image.tree import diff, snapshot

from .helpers import without_engine_paths


def test_pulled_filesystem_matches_reference(engine, engine_consumer_case: ImageCase, served_images) -> None:
    rids = engine_consumer_case.requirements
    layers = engine_consumer_case.data["layers"]
    reference = served_images.serve({"layers": layers}, engine_consumer_case.source)
    pulled = engine.pull(reference)
    check(rids, pulled.ok, f"the engine pulls the valid image {reference}", "success",
          f"{pulled.describe()}\nserved:\n{served_images.requests()}")  # fmt: skip
    rootfs = served_images.directory / "work" / "rootfs"
    exported = engine.export_rootfs(reference, rootfs)
    check(rids, exported.ok, "the container's filesystem can be read", "success", exported.describe())
    expected = expected_tree(layers)
    actual = without_engine_paths(snapshot(rootfs), expected, engine.name)
    check_equal(rids, "differences between the container's filesystem and the reference application", [],
                diff(expected, actual))  # fmt: skip
