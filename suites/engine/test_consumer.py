"""Consumer role: an image pulled from a registry, as a container's filesystem, equals the
reference application of its layers (read outside the container: export, or the snapshot)."""

from __future__ import annotations

from conformance.core.asserts import check
from conformance.image.cases import ImageCase

from .helpers import check_filesystem_matches


def test_pulled_filesystem_matches_reference(engine, engine_consumer_case: ImageCase, served_images) -> None:
    rids = engine_consumer_case.requirements
    layers = engine_consumer_case.data["layers"]
    reference = served_images.serve({"layers": layers}, engine_consumer_case.source)
    pulled = engine.pull(reference)
    check(rids, pulled.ok, f"the engine pulls the valid image {reference}", "success",
          f"{pulled.describe()}\nserved:\n{served_images.requests()}")  # fmt: skip
    check_filesystem_matches(rids, engine, reference, served_images.directory / "work" / "rootfs", layers)
