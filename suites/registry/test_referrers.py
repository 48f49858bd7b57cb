"""Referrers: the referrers API, its artifactType filter, the OCI-Subject header, the tag schema."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.registry.client import RegistryClient
from conformance.registry.content import INDEX, MANIFEST, Manifest, artifact, image, index
from conformance.registry.fixtures import Repositories
from conformance.registry.repository import Ledger, Repository

from .helpers import check_status, media_type

SBOM = "application/vnd.example.sbom.v1"
SIGNATURE = "application/vnd.example.signature.v1"
CONFIG_TYPE = "application/vnd.example.config.v1+json"


@dataclass
class Referrers:
    repository: str
    subject: Manifest
    sbom: Manifest
    signature: Manifest
    by_config: Manifest
    index: Manifest
    oci_subject: dict[str, str | None]


@pytest.fixture(scope="module")
def referrers(registry) -> Referrers:
    """A subject image and four referrers: two artifact types, one typed by its config, one index."""
    from conformance.registry.fixtures import _slug

    ledger = Ledger()
    client = registry.client()
    try:
        import secrets

        repo = Repository(client, f"{registry.namespace}/{_slug('referrers')}-{secrets.token_hex(3)}", ledger)
        subject = image(1)
        repo.push(subject, "subject")
        sbom = artifact(
            subject,
            SBOM,
            {"org.example.kind": "sbom", "org.opencontainers.image.created": "2024-01-01T00:00:00Z"},
        )
        signature = artifact(subject, SIGNATURE, {"org.example.kind": "signature"})
        by_config = image(
            1,
            subject=subject,
            config_media_type=CONFIG_TYPE,
            config=b'{"x":1}',
            annotations={"org.example.kind": "config-typed"},
        )
        child = image(1)
        repo.push(child)
        listing = index([child], subject=subject, annotations={"org.example.kind": "index"})
        headers = {}
        for manifest in (sbom, signature, by_config, listing):
            response = repo.push(manifest)
            headers[manifest.digest] = response.header("OCI-Subject")
        yield Referrers(repo.name, subject, sbom, signature, by_config, listing, headers)
    finally:
        if not registry.keep:
            ledger.clean(client)
        client.close()


def _referrers(client: RegistryClient, refs: Referrers, **params: str):
    response = client.request(
        "GET", f"/v2/{refs.repository}/referrers/{refs.subject.digest}", params=params or None
    )
    return response


def _listed(client: RegistryClient, refs: Referrers, **params: str) -> tuple[object, dict[str, dict]]:
    response = _referrers(client, refs, **params)
    check_status(response, 200, "distribution.referrers.not-404")
    document = response.json("referrers index")
    manifests = document.get("manifests") if isinstance(document, dict) else None
    check(
        "distribution.referrers.index-body",
        isinstance(manifests, list)
        and all(isinstance(m, dict) for m in manifests)
        and document.get("schemaVersion") == 2,
        f"GET {response.url}: an image index of descriptors",
        '{"schemaVersion": 2, "mediaType": "...index...", "manifests": [...]}',
        document,
    )
    return response, {m.get("digest"): m for m in manifests}


@pytest.mark.requirement(
    "distribution.referrers.not-404",
    "distribution.referrers.index-body",
    "distribution.referrers.new-manifests-listed",
)
def test_referrers_listed(referrers: Referrers, registry_client: RegistryClient) -> None:
    _, listed = _listed(registry_client, referrers)
    expected = {m.digest for m in (referrers.sbom, referrers.signature, referrers.by_config, referrers.index)}
    check_equal(
        "distribution.referrers.new-manifests-listed", "referrer digests", sorted(expected), sorted(listed)
    )


@pytest.mark.requirement("distribution.referrers.content-type")
def test_referrers_content_type(referrers: Referrers, registry_client: RegistryClient) -> None:
    response = _referrers(registry_client, referrers)
    check_status(response, 200, "distribution.referrers.not-404")
    check_equal("Content-Type", INDEX, media_type(response.header("Content-Type")))


@pytest.mark.requirement(
    "distribution.referrers.artifact-type",
    "distribution.referrers.artifact-type-config",
    "distribution.referrers.artifact-type-index-omitted",
)
def test_referrers_artifact_types(referrers: Referrers, registry_client: RegistryClient) -> None:
    _, listed = _listed(registry_client, referrers)
    for requirement, manifest, expected in (
        ("distribution.referrers.artifact-type", referrers.sbom, SBOM),
        ("distribution.referrers.artifact-type-config", referrers.by_config, CONFIG_TYPE),
        ("distribution.referrers.artifact-type-index-omitted", referrers.index, None),
    ):
        descriptor = listed.get(manifest.digest, {})
        check_equal(
            requirement, f"artifactType of {manifest.digest}", expected, descriptor.get("artifactType")
        )


@pytest.mark.requirement("distribution.referrers.annotations")
def test_referrers_annotations(referrers: Referrers, registry_client: RegistryClient) -> None:
    import json

    _, listed = _listed(registry_client, referrers)
    for manifest in (referrers.sbom, referrers.signature, referrers.by_config, referrers.index):
        expected = json.loads(manifest.body).get("annotations")
        check_equal(
            f"annotations of {manifest.digest}", expected, listed.get(manifest.digest, {}).get("annotations")
        )


@pytest.mark.requirement("distribution.referrers.filter-support", "distribution.referrers.filters-applied")
def test_referrers_filter(referrers: Referrers, registry_client: RegistryClient) -> None:
    response, listed = _listed(registry_client, referrers, artifactType=SBOM)
    applied = response.header("OCI-Filters-Applied")
    check(
        "distribution.referrers.filter-support",
        applied is not None,
        "OCI-Filters-Applied header",
        "artifactType",
        applied,
    )
    check_equal("distribution.referrers.filters-applied", "OCI-Filters-Applied", "artifactType", applied)
    check_equal(
        "distribution.referrers.filters-applied",
        "filtered referrers",
        [referrers.sbom.digest],
        sorted(listed),
    )


@pytest.mark.requirement("distribution.referrers.empty")
def test_referrers_none(repo: Repository) -> None:
    lonely = image(1)
    repo.push(lonely)
    response = repo.client.request("GET", repo.path("referrers", lonely.digest))
    check_status(response, 200)
    document = response.json("referrers index")
    check_equal(
        "manifests of a digest without referrers",
        [],
        document.get("manifests") if isinstance(document, dict) else document,
    )


@pytest.mark.requirement("distribution.push.subject-oci-subject-header")
def test_oci_subject_header(referrers: Referrers, registry_client: RegistryClient) -> None:
    probe = _referrers(registry_client, referrers)
    if probe.status == 404:
        skip_unsupported(
            "applies to registries with the referrers API; GET .../referrers/<digest> answered 404 "
            "(the referrers tests record that)"
        )
    for digest, header in referrers.oci_subject.items():
        check_equal(f"OCI-Subject on the push of {digest}", referrers.subject.digest, header)


@pytest.mark.requirement("distribution.referrers.tag-schema-content")
def test_referrers_tag_schema(repos: Repositories) -> None:
    """A client-maintained referrers index at the tag <alg>-<hex> is served back as pushed."""
    repo = repos()
    subject = image(1)
    repo.push(subject)
    sbom = artifact(subject, SBOM, {"org.example.kind": "sbom"})
    repo.push(sbom)
    descriptor = sbom.descriptor(artifactType=SBOM, annotations={"org.example.kind": "sbom"})
    import json

    listing = Manifest(
        json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": [descriptor]}, indent=1).encode(),
        INDEX,
    )
    tag = subject.digest.replace(":", "-")
    response = repo.put_manifest(tag, listing)
    check_status(response, 201, "distribution.push.manifest-201-location")
    pulled = repo.get("manifests", tag, accept=f"{INDEX}, {MANIFEST}")
    check_status(pulled, 200, "distribution.pull.manifest-get")
    check_equal("referrers tag content", listing.body, pulled.body)
    check_equal("referrers tag Content-Type", INDEX, media_type(pulled.header("Content-Type")))


@pytest.mark.requirement("distribution.referrers.invalid-400")
def test_referrers_invalid_digest(referrers: Referrers, registry_client: RegistryClient) -> None:
    response = registry_client.request("GET", f"/v2/{referrers.repository}/referrers/sha256:not-a-digest")
    check_status(response, 400)
