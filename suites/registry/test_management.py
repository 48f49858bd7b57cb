"""Content management: deleting manifests by digest, tags, blobs, and what a pull returns after."""

from __future__ import annotations

import pytest

from conformance.core.asserts import check_equal, skip_unsupported
from conformance.registry.content import MANIFEST, digest, image, random_blob
from conformance.registry.errorbody import check_error
from conformance.registry.repository import Repository

from .helpers import check_status

DISABLED = (400, 405)


@pytest.mark.requirement(
    "distribution.management.delete-may",
    "distribution.management.delete-202",
    "distribution.management.manifest-delete-disabled",
)
def test_delete_manifest_by_digest(repo: Repository) -> None:
    manifest = image(1)
    repo.push(manifest, "doomed")
    response = repo.client.request("DELETE", repo.path("manifests", manifest.digest))
    if response.status in DISABLED:
        check_error(
            response,
            DISABLED,
            ("UNSUPPORTED",),
            status_requirements="distribution.management.manifest-delete-disabled",
        )
        skip_unsupported(f"the registry has manifest deletion disabled (answered {response.status})")
    check_status(response, 202, "distribution.management.delete-202")
    for reference in (manifest.digest, "doomed"):
        gone = repo.get("manifests", reference, accept=MANIFEST)
        check_error(
            gone, (404,), ("MANIFEST_UNKNOWN",), status_requirements="distribution.pull.manifest-unknown-404"
        )


@pytest.mark.requirement(
    "distribution.management.tag-delete-may",
    "distribution.management.delete-202",
    "distribution.management.tag-delete-disabled",
)
def test_delete_tag(repo: Repository) -> None:
    manifest = image(1)
    repo.push(manifest, "keep")
    repo.put_manifest("drop", manifest)
    response = repo.client.request("DELETE", repo.path("manifests", "drop"))
    if response.status in DISABLED:
        check_error(response, DISABLED, status_requirements="distribution.management.tag-delete-disabled")
        skip_unsupported(f"the registry deletes manifests only by digest (answered {response.status})")
    check_status(response, 202, "distribution.management.delete-202")
    check_status(
        repo.get("manifests", "drop", accept=MANIFEST), 404, "distribution.pull.manifest-unknown-404"
    )
    check_status(repo.get("manifests", "keep", accept=MANIFEST), 200, "distribution.pull.manifest-get")


@pytest.mark.requirement(
    "distribution.management.blob-delete-202", "distribution.management.blob-delete-disabled"
)
def test_delete_blob(repo: Repository) -> None:
    data = random_blob(900)
    repo.push_blob(data)
    response = repo.client.request("DELETE", repo.path("blobs", digest(data)))
    if response.status in DISABLED:
        check_error(response, DISABLED, status_requirements="distribution.management.blob-delete-disabled")
        skip_unsupported(f"the registry has blob deletion disabled (answered {response.status})")
    check_status(response, 202, "distribution.management.blob-delete-202")
    gone = repo.get("blobs", digest(data))
    check_error(gone, (404,), ("BLOB_UNKNOWN",), status_requirements="distribution.pull.blob-unknown-404")
    check_equal(
        "distribution.pull.head-unknown-404",
        "HEAD after delete",
        404,
        repo.get("blobs", digest(data), "HEAD").status,
    )
