"""Broken images (the image suite's fault catalog) pulled from a registry: refused, or kept
inside the engine's storage; nothing on the host or beside the test's files may change."""

from __future__ import annotations

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.engine.fixtures import engine_settings
from conformance.image.cases import ImageCase

from ..image.test_faults import BASE_LAYERS
from .helpers import HostWatch, same_content_as_host_passwd


def test_fault_is_handled(engine, engine_fault_case: ImageCase, served_images) -> None:
    rids = engine_fault_case.requirements
    fault = engine_fault_case.data["fault"]
    if "consumer" not in engine_fault_case.data["roles"]:
        skip_unsupported(rids, f"fault {fault} is about copiers only; an engine is a consumer")
    hidden = engine_settings()["not_over_registry"].get(fault)
    if hidden:
        skip_unsupported(rids, f"fault {fault} cannot reach an engine through the distribution API: {hidden}")
    description = {"layers": engine_fault_case.data.get("layers", BASE_LAYERS), "faults": [fault]}
    reference = served_images.serve(description, engine_fault_case.source)
    watch = HostWatch.record(served_images.directory)
    pulled = engine.pull(reference)
    if engine_fault_case.data["outcome"] == "rejected":
        check(rids, not pulled.ok, f"the engine refuses an image with fault {fault}", "the pull fails",
              f"{pulled.describe()}\nserved:\n{served_images.requests()}")  # fmt: skip
        check_equal(rids, "changes outside the engine's storage", [], watch.changes())
        return
    rootfs = served_images.directory / "work" / "rootfs"
    if pulled.ok:
        exported = engine.export_rootfs(reference, rootfs)
        if exported.ok and fault == "unsafe-hardlink-escape":
            check(rids, not same_content_as_host_passwd(rootfs / "passwd-link"),
                  "a hard link in the layer does not expose a host file", "a file of the image",
                  "passwd-link has the host's /etc/passwd content")  # fmt: skip
    check_equal(rids, "changes outside the engine's storage", [], watch.changes())
