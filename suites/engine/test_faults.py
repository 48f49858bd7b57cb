"""Broken images (the image suite's fault catalog) pulled from a registry, judged by the catalog's
consumer outcome: `rejected` (the pull fails), `preserved` (the container's filesystem is the
reference tree), `rejected-or-preserved` (either, each checked as such), `contained` (either);
in every case nothing on the host or beside the test's files may change, and a refused pull leaves
no image under the reference (nothing half-written claims success)."""

from __future__ import annotations

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.engine.fixtures import engine_settings
from conformance.image.cases import ImageCase

from ..image.test_faults import BASE_LAYERS, fault_description
from .helpers import HostWatch, check_filesystem_matches, same_content_as_host_passwd


def unique_layers(case: ImageCase, nonce: str) -> list[dict]:
    """The case's layers (or the base image's), each with a file naming `nonce` at the root.

    An engine keeps layers by digest for the whole session: a layer it already holds (the same
    base image in an earlier test) is not fetched again, so a fault in its descriptor or its
    bytes would never be seen. Unique layers make every test's blobs new to the engine.
    """
    layers = case.data.get("layers", BASE_LAYERS)
    return [
        {**layer, "entries": [*layer["entries"], {"path": f"unique-{n}", "type": "file", "content": nonce}]}
        for n, layer in enumerate(layers)
    ]


def test_fault_is_handled(engine, engine_fault_case: ImageCase, served_images) -> None:
    rids = engine_fault_case.requirements
    fault = engine_fault_case.data["fault"]
    outcome = engine_fault_case.data["outcomes"].get("consumer")
    if outcome is None:
        skip_unsupported(rids, f"fault {fault} is about copiers only; an engine is a consumer")
    hidden = engine_settings()["not_over_registry"].get(fault)
    if hidden:
        skip_unsupported(rids, f"fault {fault} cannot reach an engine through the distribution API: {hidden}")
    layers = unique_layers(engine_fault_case, f"{served_images.directory.name}\n")
    reference = served_images.serve(fault_description(engine_fault_case, layers), engine_fault_case.source)
    watch = HostWatch.record(served_images.directory)
    pulled = engine.pull(reference)
    evidence = f"{pulled.describe()}\nserved:\n{served_images.requests()}"
    if outcome == "rejected":
        refuses = f"the engine refuses an image with fault {fault}"
        check(rids, not pulled.ok, refuses, "the pull fails", evidence)
    if not pulled.ok:
        leaves = f"a refused pull of an image with fault {fault} leaves no image under the reference"
        check(rids, not engine.has_image(reference), leaves, "no image listed",
              f"the engine lists one; the pull {pulled.describe()}")  # fmt: skip
    rootfs = served_images.directory / "work" / "rootfs"
    if pulled.ok and outcome in ("preserved", "rejected-or-preserved"):
        what = f"differences from the reference tree of the image with fault {fault}"
        check_filesystem_matches(rids, engine, reference, rootfs, layers, what)
    elif outcome == "preserved":
        check(rids, pulled.ok, f"the engine pulls the image with fault {fault}", "success", evidence)
    if pulled.ok and outcome == "contained":
        exported = engine.export_rootfs(reference, rootfs)
        if exported.ok and fault == "unsafe-hardlink-escape":
            check(rids, not same_content_as_host_passwd(rootfs / "passwd-link"),
                  "a hard link in the layer does not expose a host file", "a file of the image",
                  "passwd-link has the host's /etc/passwd content")  # fmt: skip
    check_equal(rids, "changes outside the engine's storage", [], watch.changes())
