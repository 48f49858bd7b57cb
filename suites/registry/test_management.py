"""Content management: deleting manifests by digest, tags, blobs, what a pull returns after, and
the answers of a registry with deletion disabled (each pair: one applies, the other is skipped)."""

from __future__ import annotations

import pytest

from conformance.core.asserts import check_equal, skip_unsupported
from conformance.registry.client import Response
from conformance.registry.content import MANIFEST, digest, image, random_blob
from conformance.registry.errorbody import check_error
from conformance.registry.repository import Repository

from .helpers import check_status

DISABLED = (400, 405)


def _delete_manifest(repo: Repository) -> tuple[str, Response]:
    manifest = image(1)
    repo.push(manifest, "doomed")
    return manifest.digest, repo.client.request("DELETE", repo.path("manifests", manifest.digest))


def _delete_tag(repo: Repository) -> Response:
    manifest = image(1)
    repo.push(manifest, "keep")
    check_status(repo.put_manifest("drop", manifest), 201, "distribution.push.manifest-201-location")
    return repo.client.request("DELETE", repo.path("manifests", "drop"))


def _delete_blob(repo: Repository) -> tuple[str, Response]:
    data = random_blob(900)
    repo.push_blob(data)
    return digest(data), repo.client.request("DELETE", repo.path("blobs", digest(data)))


def _skip_if_disabled(response: Response, what: str) -> None:
    if response.status in DISABLED:
        skip_unsupported(f"the registry does not delete {what} (answered {response.status})")


def _skip_if_deleted(response: Response, what: str) -> None:
    if response.status == 202:
        skip_unsupported(f"the registry deletes {what} (202): the disabled answer does not apply")


@pytest.mark.requirement("distribution.management.delete-may", "distribution.management.delete-202")
def test_delete_manifest_by_digest(repo: Repository) -> None:
    reference, response = _delete_manifest(repo)
    _skip_if_disabled(response, "manifests")
    check_status(response, 202, "distribution.management.delete-202")
    for gone_reference in (reference, "doomed"):
        gone = repo.get("manifests", gone_reference, accept=MANIFEST)
        check_error(
            gone, (404,), ("MANIFEST_UNKNOWN",), status_requirements="distribution.pull.manifest-unknown-404"
        )


@pytest.mark.requirement("distribution.management.manifest-delete-disabled")
def test_manifest_delete_disabled(repo: Repository) -> None:
    _, response = _delete_manifest(repo)
    _skip_if_deleted(response, "manifests")
    check_error(
        response,
        DISABLED,
        ("UNSUPPORTED",),
        status_requirements="distribution.management.manifest-delete-disabled",
    )


@pytest.mark.requirement("distribution.management.tag-delete-may", "distribution.management.delete-202")
def test_delete_tag(repo: Repository) -> None:
    response = _delete_tag(repo)
    _skip_if_disabled(response, "tags")
    check_status(response, 202, "distribution.management.delete-202")
    check_status(
        repo.get("manifests", "drop", accept=MANIFEST), 404, "distribution.pull.manifest-unknown-404"
    )
    check_status(repo.get("manifests", "keep", accept=MANIFEST), 200, "distribution.pull.manifest-get")


@pytest.mark.requirement("distribution.management.tag-delete-disabled")
def test_tag_delete_disabled(repo: Repository) -> None:
    response = _delete_tag(repo)
    _skip_if_deleted(response, "tags")
    check_error(response, DISABLED, status_requirements="distribution.management.tag-delete-disabled")


@pytest.mark.requirement("distribution.management.blob-delete-202")
def test_delete_blob(repo: Repository) -> None:
    reference, response = _delete_blob(repo)
    _skip_if_disabled(response, "blobs")
    check_status(response, 202, "distribution.management.blob-delete-202")
    gone = repo.get("blobs", reference)
    check_error(gone, (404,), ("BLOB_UNKNOWN",), status_requirements="distribution.pull.blob-unknown-404")
    check_equal(
        "distribution.pull.head-unknown-404",
        "HEAD after delete",
        404,
        repo.get("blobs", reference, "HEAD").status,
    )


@pytest.mark.requirement("distribution.management.blob-delete-disabled")
def test_blob_delete_disabled(repo: Repository) -> None:
    _, response = _delete_blob(repo)
    _skip_if_deleted(response, "blobs")
    check_error(response, DISABLED, status_requirements="distribution.management.blob-delete-disabled")
