"""Images loaded from archives (docker-archive, oci-archive made from generated layouts) instead
of pulled: the container's filesystem equals the reference application of the layers, and the
faults an archive can carry are refused with no image left under the reference."""

from __future__ import annotations

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.engine.fixtures import engine_settings
from conformance.image.cases import ImageCase

from ..image.test_faults import fault_description
from .helpers import HostWatch, check_filesystem_matches
from .test_faults import unique_layers

FORMATS = ("docker-archive", "oci-archive")


def loads(engine, archive_format: str, rids: list[str]) -> None:
    """Skip unless the engine loads `archive_format` (engine.yaml: archives.formats)."""
    formats = engine_settings()["archives"]["formats"].get(engine.name, [])
    if archive_format not in formats:
        skip_unsupported(rids, f"engine {engine.name} does not load a {archive_format} (it loads {formats})")


@pytest.mark.parametrize("archive_format", FORMATS)
def test_loaded_filesystem_matches_reference(engine, archive_consumer_case: ImageCase, archive_format: str,
                                             served_images) -> None:  # fmt: skip
    rids = archive_consumer_case.requirements
    loads(engine, archive_format, rids)
    layers = archive_consumer_case.data["layers"]
    reference, archive = served_images.archive(
        {"layers": layers}, archive_consumer_case.source, archive_format
    )
    loaded = engine.load_archive(archive, archive_format, reference)
    check(
        rids,
        loaded.ok,
        f"the engine loads the valid image from a {archive_format}",
        "success",
        loaded.describe(),
    )
    check_filesystem_matches(rids, engine, reference, served_images.directory / "work" / "rootfs", layers)


@pytest.mark.parametrize("archive_format", FORMATS)
def test_loaded_fault_is_refused(
    engine, archive_fault_case: ImageCase, archive_format: str, served_images
) -> None:
    rids = archive_fault_case.requirements
    loads(engine, archive_format, rids)
    fault = archive_fault_case.data["fault"]
    why = engine_settings()["archives"]["not_in_format"].get(archive_format, {}).get(fault)
    if why:
        skip_unsupported(rids, f"a {archive_format} cannot carry fault {fault}: {why}")
    assert archive_fault_case.data["outcomes"].get("consumer") == "rejected", "archive faults are refusals"
    layers = unique_layers(archive_fault_case, f"{served_images.directory.name}\n")
    description = fault_description(archive_fault_case, layers)
    reference, archive = served_images.archive(description, archive_fault_case.source, archive_format)
    watch = HostWatch.record(served_images.directory)
    loaded = engine.load_archive(archive, archive_format, reference)
    check(rids, not loaded.ok, f"the engine refuses a {archive_format} with fault {fault}", "the load fails",
          loaded.describe())  # fmt: skip
    leaves = f"a refused load of a {archive_format} with fault {fault} leaves no image under the reference"
    check(rids, not engine.has_image(reference), leaves, "no image listed",
          f"the engine lists one; the load {loaded.describe()}")  # fmt: skip
    check_equal(rids, "changes outside the engine's storage", [], watch.changes())
