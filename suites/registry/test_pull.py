"""Pull: manifests by tag and by digest, blobs, GET and HEAD, their headers, ranges."""

from __future__ import annotations

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.registry.client import RegistryClient
from conformance.registry.content import digest
from conformance.registry.fixtures import PushedImage, Repositories

from .helpers import check_status, media_type

REFERENCES = ["tag", "digest"]


def _reference(image: PushedImage, how: str) -> str:
    return image.tag if how == "tag" else image.manifest.digest


@pytest.mark.requirement("distribution.conformance.pull-required")
def test_base_endpoint(registry_client: RegistryClient) -> None:
    check_status(registry_client.request("GET", "/v2/"), 200)


@pytest.mark.requirement("distribution.pull.manifest-get", "distribution.pull.reference-format")
@pytest.mark.parametrize("how", REFERENCES)
def test_manifest_get(pushed_image: PushedImage, repos: Repositories, how: str) -> None:
    response = repos.named(pushed_image.repository).get(
        "manifests", _reference(pushed_image, how), accept=pushed_image.manifest.media_type
    )
    check_status(response, 200)
    check_equal("manifest bytes", pushed_image.manifest.body, response.body)


@pytest.mark.requirement(
    "distribution.pull.content-type-matches-push", "distribution.pull.content-type-no-parameters"
)
@pytest.mark.parametrize("how", REFERENCES)
def test_manifest_content_type(pushed_image: PushedImage, repos: Repositories, how: str) -> None:
    response = repos.named(pushed_image.repository).get(
        "manifests", _reference(pushed_image, how), accept=pushed_image.manifest.media_type
    )
    check_status(response, 200, "distribution.pull.manifest-get")
    content_type = response.header("Content-Type")
    check_equal(
        "distribution.pull.content-type-matches-push",
        "Content-Type",
        pushed_image.manifest.media_type,
        media_type(content_type),
    )
    check(
        "distribution.pull.content-type-no-parameters",
        ";" not in (content_type or ""),
        "Content-Type without parameters",
        pushed_image.manifest.media_type,
        content_type,
    )


TARGETS = ["manifest-get", "manifest-head", "blob-get", "blob-head"]


def _target(image: PushedImage, repos: Repositories, target: str):
    kind, method = target.split("-")
    data = image.manifest.body if kind == "manifest" else image.manifest.blobs[1]
    response = repos.named(image.repository).get(
        f"{kind}s", digest(data), method=method.upper(), accept=image.manifest.media_type
    )
    return data, response


@pytest.mark.requirement("distribution.pull.docker-content-digest")
@pytest.mark.parametrize("target", TARGETS)
def test_docker_content_digest_given(pushed_image: PushedImage, repos: Repositories, target: str) -> None:
    data, response = _target(pushed_image, repos, target)
    check_status(response, 200, "distribution.pull.head-200" if "head" in target else None)
    check_equal("Docker-Content-Digest", digest(data), response.header("Docker-Content-Digest"))


@pytest.mark.requirement("distribution.pull.blob-digest-header")
@pytest.mark.parametrize("target", TARGETS)
def test_docker_content_digest_matches(pushed_image: PushedImage, repos: Repositories, target: str) -> None:
    data, response = _target(pushed_image, repos, target)
    check_status(response, 200)
    given = response.header("Docker-Content-Digest")
    if given is None:
        skip_unsupported(
            "no Docker-Content-Digest header to compare (distribution.pull.docker-content-digest)"
        )
    check_equal("Docker-Content-Digest is the digest of the content", digest(data), given)


@pytest.mark.requirement("distribution.pull.head-200")
@pytest.mark.parametrize("target", ["manifest-tag", "manifest-digest", "blob"])
def test_head(pushed_image: PushedImage, repos: Repositories, target: str) -> None:
    """HEAD of existing content answers 200 (a HEAD body cannot be observed: HTTP never reads one)."""
    repo = repos.named(pushed_image.repository)
    if target == "blob":
        response = repo.get("blobs", digest(pushed_image.manifest.blobs[0]), method="HEAD")
    else:
        reference = _reference(pushed_image, target.split("-")[1])
        response = repo.get("manifests", reference, method="HEAD", accept=pushed_image.manifest.media_type)
    check_status(response, 200)


@pytest.mark.requirement("distribution.pull.head-content-length")
@pytest.mark.parametrize("target", ["manifest", "blob"])
def test_head_content_length(pushed_image: PushedImage, repos: Repositories, target: str) -> None:
    data = pushed_image.manifest.body if target == "manifest" else pushed_image.manifest.blobs[1]
    response = repos.named(pushed_image.repository).get(
        f"{target}s", digest(data), method="HEAD", accept=pushed_image.manifest.media_type
    )
    check_status(response, 200, "distribution.pull.head-200")
    check_equal("Content-Length", str(len(data)), response.header("Content-Length"))


@pytest.mark.requirement("distribution.pull.blob-get")
def test_blob_get(pushed_image: PushedImage, repos: Repositories) -> None:
    repo = repos.named(pushed_image.repository)
    for blob in pushed_image.manifest.blobs:
        response = repo.get("blobs", digest(blob))
        check_status(response, 200)
        check_equal(f"bytes of blob {digest(blob)}", blob, response.body)


@pytest.mark.requirement("distribution.pull.any-order")
def test_blobs_before_manifest(repos: Repositories, pushed_image: PushedImage) -> None:
    """A fresh client fetches a layer first, then the manifest by tag: both succeed."""
    repo = repos.named(pushed_image.repository)
    check_status(repo.get("blobs", digest(pushed_image.manifest.blobs[-1])), 200)
    check_status(repo.get("manifests", pushed_image.tag, accept=pushed_image.manifest.media_type), 200)


@pytest.mark.requirement("distribution.pull.blob-range")
def test_blob_range(pushed_image: PushedImage, registry_client: RegistryClient) -> None:
    blob = pushed_image.manifest.blobs[1]
    response = registry_client.request(
        "GET", f"/v2/{pushed_image.repository}/blobs/{digest(blob)}", headers={"Range": "bytes=10-19"}
    )
    check_status(response, 206)
    check_equal("bytes of the range", blob[10:20], response.body)
    check_equal("Content-Range", f"bytes 10-19/{len(blob)}", response.header("Content-Range"))
