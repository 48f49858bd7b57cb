"""Push: monolithic and single-POST uploads, chunked uploads, mounts, manifests by tag and digest."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.registry.client import Stream
from conformance.registry.content import MANIFEST, Manifest, artifact, digest, image, random_blob
from conformance.registry.errorbody import check_error
from conformance.registry.fixtures import Repositories
from conformance.registry.repository import Repository

from .helpers import check_location, check_status, media_type

WRONG = "sha256:" + "0" * 64


def _pull_blob(repo: Repository, data: bytes) -> None:
    response = repo.client.request("GET", repo.path("blobs", digest(data)), limit=len(data) + 1)
    check("distribution.pull.blob-get", response.status == 200, "blob pulls back", 200, response.status)
    check_equal("distribution.pull.blob-get", "pulled blob digest", digest(data), digest(response.body))


def _push_checked(repo: Repository, manifest: Manifest, reference: str) -> None:
    """Push the blobs, then the manifest: a refusal fails the requirement of the running test."""
    for blob in manifest.blobs:
        repo.push_blob(blob)
    check_status(repo.put_manifest(reference, manifest), 201)


@pytest.mark.requirement(
    "distribution.push.post-202-location", "distribution.push.location-absolute-or-relative"
)
def test_post_opens_upload(repo: Repository) -> None:
    response = repo.start_upload()
    check_status(response, 202, "distribution.push.post-202-location")
    check_location(response, "distribution.push.location-absolute-or-relative")


@pytest.mark.requirement("distribution.push.location-session-id")
def test_upload_sessions_are_distinct(repo: Repository) -> None:
    first, second = repo.upload_url(repo.start_upload()), repo.upload_url(repo.start_upload())
    check(first != second, "two POSTs open two sessions", "different Locations", [first, second])


@pytest.mark.requirement("distribution.push.put-201-location", "distribution.push.location-query-parameters")
def test_monolithic_post_then_put(repo: Repository) -> None:
    data = random_blob(4096)
    url = repo.upload_url(repo.start_upload())
    response = repo.client.request("PUT", url, params={"digest": digest(data)}, data=data)
    check_status(response, 201, "distribution.push.put-201-location")
    repo.ledger.blobs[(repo.name, digest(data))] = None
    check_location(response, "distribution.push.put-201-location")
    _pull_blob(repo, data)


@pytest.mark.requirement(
    "distribution.push.single-post-may",
    "distribution.push.single-post-201",
    "distribution.push.single-post-fallback",
)
def test_single_post(repo: Repository) -> None:
    data = random_blob(2048)
    response = repo.client.request(
        "POST",
        repo.path("blobs", "uploads", ""),
        params={"digest": digest(data)},
        data=data,
        headers={"Content-Type": "application/octet-stream"},
    )
    check_status(response, (201, 202))
    repo.ledger.blobs[(repo.name, digest(data))] = None
    if response.status == 202:
        url = repo.upload_url(response, "distribution.push.single-post-fallback")
        response = repo.client.request("PUT", url, params={"digest": digest(data)}, data=data)
        check_status(response, 201, "distribution.push.single-post-fallback")
    else:
        check_location(response, "distribution.push.single-post-201")
    _pull_blob(repo, data)


@pytest.mark.requirement("distribution.push.single-post-digest")
def test_single_post_wrong_digest(repo: Repository) -> None:
    data = random_blob(1024)
    response = repo.client.request(
        "POST", repo.path("blobs", "uploads", ""), params={"digest": WRONG}, data=data
    )
    if response.status == 202:
        skip_unsupported("the registry has no single-POST uploads (202): the digest is checked at the PUT")
    check_error(
        response, (400,), ("DIGEST_INVALID",), status_requirements="distribution.push.single-post-digest"
    )


@pytest.mark.requirement("distribution.push.put-201-location", "distribution.push.chunk-close-digest")
def test_monolithic_wrong_digest(repo: Repository) -> None:
    url = repo.upload_url(repo.start_upload())
    response = repo.client.request("PUT", url, params={"digest": WRONG}, data=random_blob(512))
    check_error(
        response,
        (400,),
        ("DIGEST_INVALID",),
        status_requirements="distribution.push.chunk-close-digest",
        code_requirements="distribution.push.chunk-close-digest",
    )


def _patch(repo: Repository, url: str, chunk: bytes, start: int):
    return repo.client.request(
        "PATCH",
        url,
        data=chunk,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Range": f"{start}-{start + len(chunk) - 1}",
            "Content-Length": str(len(chunk)),
        },
    )


@pytest.mark.requirement(
    "distribution.push.chunked-post-content-length",
    "distribution.push.chunk-202",
    "distribution.push.chunk-range-inclusive",
    "distribution.push.chunk-range-first",
    "distribution.push.chunk-range-format",
    "distribution.push.chunk-close-201",
    "distribution.push.chunk-final-any-length",
)
def test_chunked_upload(repo: Repository) -> None:
    data = random_blob(3 * 1024 + 100)
    chunks = [data[0:1024], data[1024:2048], data[2048:3072], data[3072:]]
    url = repo.upload_url(repo.start_upload(), "distribution.push.chunked-post-content-length")
    start = 0
    for chunk in chunks:
        response = _patch(repo, url, chunk, start)
        check_status(response, 202, "distribution.push.chunk-202")
        start += len(chunk)
        check_equal(
            "distribution.push.chunk-202", "Range after the chunk", f"0-{start - 1}", response.header("Range")
        )
        url = repo.client.url(check_location(response, "distribution.push.chunk-202"))
    response = repo.client.request("PUT", url, params={"digest": digest(data)})
    check_status(response, 201, "distribution.push.chunk-close-201")
    repo.ledger.blobs[(repo.name, digest(data))] = None
    check_location(response, "distribution.push.chunk-close-201")
    _pull_blob(repo, data)


@pytest.mark.requirement("distribution.push.chunk-final-in-put")
def test_final_chunk_in_put(repo: Repository) -> None:
    data = random_blob(2000)
    url = repo.upload_url(repo.start_upload())
    response = _patch(repo, url, data[:1000], 0)
    check_status(response, 202, "distribution.push.chunk-202")
    url = repo.client.url(response.header("Location") or url)
    response = repo.client.request(
        "PUT",
        url,
        params={"digest": digest(data)},
        data=data[1000:],
        headers={"Content-Type": "application/octet-stream", "Content-Range": "1000-1999"},
    )
    check_status(response, 201)
    repo.ledger.blobs[(repo.name, digest(data))] = None
    _pull_blob(repo, data)


@pytest.mark.requirement("distribution.push.upload-status")
def test_upload_status(repo: Repository) -> None:
    url = repo.upload_url(repo.start_upload())
    response = _patch(repo, url, random_blob(700), 0)
    check_status(response, 202, "distribution.push.chunk-202")
    url = repo.client.url(response.header("Location") or url)
    response = repo.client.request("GET", url)
    check_status(response, 204)
    check_equal("Range of the upload", "0-699", response.header("Range"))
    check_location(response, "distribution.push.upload-status")


@pytest.mark.requirement("distribution.push.chunk-out-of-order-416")
def test_out_of_order_chunk(repo: Repository) -> None:
    url = repo.upload_url(repo.start_upload())
    response = _patch(repo, url, random_blob(500), 0)
    check_status(response, 202, "distribution.push.chunk-202")
    url = repo.client.url(response.header("Location") or url)
    check_status(_patch(repo, url, random_blob(500), 1000), 416)


@pytest.mark.requirement("distribution.push.mount-201")
@pytest.mark.parametrize("source", ["same-namespace", "cross-namespace"])
def test_mount(repos: Repositories, registry, source: str) -> None:
    origin = repos(registry.cross_namespace if source == "cross-namespace" else None)
    data = random_blob(1500)
    origin.push_blob(data)
    target = repos()
    response = target.start_upload(mount=digest(data), **{"from": origin.name})
    if response.status == 202:
        skip_unsupported(f"the registry did not mount from {origin.name} (202: it fell back to an upload)")
    check_status(response, 201)
    target.ledger.blobs[(target.name, digest(data))] = None
    check_location(response, "distribution.push.mount-201")
    _pull_blob(target, data)


@pytest.mark.requirement("distribution.push.mount-fallback-202", "distribution.push.mount-fallback-upload")
def test_mount_fallback(repos: Repositories) -> None:
    """A mount of a blob the source does not hold cannot succeed: 202 and an upload session."""
    target, absent = repos(), repos()
    data = random_blob(800)
    response = target.start_upload(mount=digest(data), **{"from": absent.name})
    check_status(response, 202, "distribution.push.mount-fallback-202")
    url = target.upload_url(response, "distribution.push.mount-fallback-202")
    response = target.client.request("PUT", url, params={"digest": digest(data)}, data=data)
    check_status(response, 201, "distribution.push.mount-fallback-upload")
    target.ledger.blobs[(target.name, digest(data))] = None


@pytest.mark.requirement(
    "distribution.push.manifest-reference",
    "distribution.push.manifest-201-location",
    "distribution.push.manifest-digest-header",
)
@pytest.mark.parametrize("how", ["tag", "digest"])
def test_manifest_put(repo: Repository, how: str) -> None:
    manifest = image(1)
    for blob in manifest.blobs:
        repo.push_blob(blob)
    response = repo.put_manifest("v1" if how == "tag" else manifest.digest, manifest)
    check_status(response, 201, "distribution.push.manifest-201-location")
    check_location(response, "distribution.push.manifest-201-location")
    check_equal(
        "distribution.push.manifest-digest-header",
        "Docker-Content-Digest",
        manifest.digest,
        response.header("Docker-Content-Digest"),
    )
    check_status(
        repo.get("manifests", manifest.digest, accept=MANIFEST), 200, "distribution.pull.manifest-get"
    )


@pytest.mark.requirement("distribution.push.manifest-exact-bytes")
def test_manifest_exact_bytes(repo: Repository) -> None:
    plain = image(1)
    document = json.loads(plain.body)
    odd = ('{  "schemaVersion":2,\n\t"mediaType" : "' + MANIFEST + '",').encode()
    rest = json.dumps(
        {k: v for k, v in document.items() if k not in ("schemaVersion", "mediaType")}, indent=5
    )
    manifest = Manifest(odd + rest[1:].encode() + b"\n\n", MANIFEST, plain.blobs)
    json.loads(manifest.body)
    repo.push(manifest, "odd")
    for reference in ("odd", manifest.digest):
        response = repo.get("manifests", reference, accept=MANIFEST)
        check_equal(f"bytes served for {reference}", manifest.body, response.body)


@pytest.mark.requirement("distribution.push.manifest-digest-header")
def test_manifest_put_wrong_digest(repo: Repository) -> None:
    manifest = image(1)
    for blob in manifest.blobs:
        repo.push_blob(blob)
    response = repo.put_manifest(WRONG, manifest)
    check_error(
        response, (400,), ("DIGEST_INVALID",), status_requirements="distribution.push.manifest-digest-header"
    )


@pytest.mark.requirement("distribution.push.missing-references-error")
def test_manifest_with_missing_blobs(repo: Repository) -> None:
    manifest = image(1)
    response = repo.put_manifest("missing", manifest)
    if response.status == 201:
        skip_unsupported("the registry accepts manifests naming blobs it does not hold (a MAY)")
    check_error(
        response,
        (400,),
        ("MANIFEST_BLOB_UNKNOWN",),
        status_requirements="distribution.push.missing-references-error",
        code_requirements="distribution.push.missing-references-error",
    )


@pytest.mark.requirement("distribution.push.subject-missing-accepted")
def test_subject_may_be_missing(repo: Repository) -> None:
    absent = image(1)
    referrer = artifact(absent, "application/vnd.example.sbom.v1", {"org.example.kind": "sbom"})
    _push_checked(repo, referrer, referrer.digest)


@pytest.mark.requirement("distribution.push.manifest-no-blobs")
def test_manifest_without_layers(repo: Repository) -> None:
    config = b"{}"
    document = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "artifactType": "application/vnd.example.empty.v1",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": digest(config), "size": 2},
        "layers": [],
    }
    manifest = Manifest(json.dumps(document).encode(), MANIFEST, (config,))
    _push_checked(repo, manifest, manifest.digest)


@pytest.mark.requirement("distribution.push.manifest-ignore-content-type-parameters")
def test_content_type_parameters_ignored(repo: Repository) -> None:
    manifest = image(1)
    for blob in manifest.blobs:
        repo.push_blob(blob)
    response = repo.put_manifest("params", manifest, f"{MANIFEST}; charset=utf-8")
    check_status(response, 201)
    pulled = repo.get("manifests", "params", accept=MANIFEST)
    check_equal("media type served", MANIFEST, media_type(pulled.header("Content-Type")))


@pytest.mark.requirement("distribution.tag.pattern", "distribution.name.pattern")
def test_names_and_tags_of_the_grammar(repos: Repositories) -> None:
    base = repos()
    repo = repos.named(f"{base.name}/a.b_c__d--e/f")
    manifest = image(1)
    tag = "T_" + "a.b-C" * 25 + "9"
    assert len(tag) == 128
    _push_checked(repo, manifest, tag)
    response = repo.get("manifests", tag, accept=MANIFEST)
    check_status(response, 200)


@pytest.mark.requirement("distribution.push.manifest-4mb")
def test_manifest_of_4_megabytes(repo: Repository) -> None:
    plain = image(1)
    document = json.loads(plain.body)
    document["annotations"] = {"org.example.padding": ""}
    size = len(json.dumps(document).encode())
    document["annotations"]["org.example.padding"] = "x" * (4_000_000 - size)
    manifest = Manifest(json.dumps(document).encode(), MANIFEST, plain.blobs)
    assert len(manifest.body) == 4_000_000
    _push_checked(repo, manifest, manifest.digest)


@pytest.mark.requirement("distribution.push.manifest-size-limit-413")
def test_oversized_manifest(repo: Repository) -> None:
    plain = image(1)
    document = json.loads(plain.body)
    document["annotations"] = {"org.example.padding": "x" * (32 << 20)}
    manifest = Manifest(json.dumps(document).encode(), MANIFEST, plain.blobs)
    for blob in manifest.blobs:
        repo.push_blob(blob)
    response = repo.put_manifest(manifest.digest, manifest)
    if response.status == 201:
        skip_unsupported("the registry accepted a 32 MiB manifest: no limit below that to check")
    check_status(response, 413)


LARGE = 48 << 20


@pytest.mark.requirement("distribution.push.put-201-location", "distribution.pull.blob-get")
def test_large_blob_streamed(repo: Repository) -> None:
    """A 48 MiB blob streamed from a generator (never held whole while pushing) and pulled back."""
    seed = os.urandom(1 << 20)
    hasher = hashlib.sha256()

    def blocks():
        for i in range(LARGE >> 20):
            yield hashlib.sha256(seed + bytes([i])).digest() * (1 << 15)

    for block in blocks():
        hasher.update(block)
    expected = "sha256:" + hasher.hexdigest()
    url = repo.upload_url(repo.start_upload())
    response = repo.client.request(
        "PUT",
        url,
        params={"digest": expected},
        data=Stream(blocks(), LARGE),
        headers={"Content-Type": "application/octet-stream"},
    )
    check_status(response, 201)
    repo.ledger.blobs[(repo.name, expected)] = None
    head = repo.get("blobs", expected, method="HEAD")
    check_equal(
        "distribution.pull.blob-get",
        "Content-Length of the large blob",
        str(LARGE),
        head.header("Content-Length"),
    )
    pulled = repo.client.request("GET", repo.path("blobs", expected), limit=LARGE + 1)
    check_equal("distribution.pull.blob-get", "digest pulled", expected, digest(pulled.body))
