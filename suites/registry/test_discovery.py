"""Content discovery: the tag list, its order, pagination with n and last, Link headers."""

from __future__ import annotations

import pytest

from conformance.core.asserts import check, check_equal
from conformance.registry.client import RegistryClient, Response
from conformance.registry.content import image
from conformance.registry.repository import Repository

from .helpers import check_status

TAGS = ["beta", "alpha10", "v1", "alpha2", "gamma", "alpha", "delta3"]


def _tag_all(repo: Repository, tags: list[str]) -> None:
    manifest = image(1)
    repo.push(manifest, tags[0])
    for tag in tags[1:]:
        response = repo.put_manifest(tag, manifest)
        check_status(response, 201, "distribution.push.manifest-201-location")


def _tags(response: Response) -> list[str]:
    document = response.json("tag list")
    tags = document.get("tags") if isinstance(document, dict) else None
    check(
        "distribution.discovery.tags-body",
        isinstance(document, dict)
        and isinstance(document.get("name"), str)
        and (tags is None or (isinstance(tags, list) and all(isinstance(t, str) for t in tags))),
        f"GET {response.url}: tag list body",
        '{"name": "<name>", "tags": ["<tag>", ...]}',
        document,
    )
    return tags or []


@pytest.mark.requirement(
    "distribution.discovery.tags-200",
    "distribution.discovery.tags-body",
    "distribution.discovery.tags-lexical",
)
def test_tags_sorted(repo: Repository) -> None:
    _tag_all(repo, TAGS)
    response = repo.client.request("GET", repo.path("tags", "list"))
    check_status(response, 200, "distribution.discovery.tags-200")
    tags = _tags(response)
    check_equal("distribution.discovery.tags-body", "name", repo.name, response.json()["name"])
    check_equal("distribution.discovery.tags-lexical", "tags in lexical order", sorted(TAGS), tags)


@pytest.mark.requirement(
    "distribution.discovery.tags-n-exact",
    "distribution.discovery.tags-n-fewer",
    "distribution.discovery.tags-link-format",
    "distribution.discovery.tags-link-may",
    "distribution.discovery.tags-lexical",
)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_tags_paginated(repo: Repository, registry_client: RegistryClient, n: int) -> None:
    _tag_all(repo, TAGS)
    seen: list[str] = []
    for pages, page in enumerate(registry_client.pages(repo.path("tags", "list"), {"n": str(n)}), 1):
        check_status(page, 200, "distribution.discovery.tags-200")
        tags = _tags(page)
        check(
            "distribution.discovery.tags-n-exact", len(tags) <= n, f"page {pages} has at most n tags", n, tags
        )
        if len(tags) < n:
            check(
                "distribution.discovery.tags-n-fewer",
                page.header("Link") is not None or len(seen) + len(tags) == len(TAGS),
                f"page {pages} has fewer than n={n} tags only at the end or with a Link",
                f"{n} tags",
                tags,
            )
        seen += tags
    check_equal("distribution.discovery.tags-link-format", "tags over all pages", sorted(TAGS), seen)


@pytest.mark.requirement("distribution.discovery.tags-last-is-tag", "distribution.discovery.tags-lexical")
def test_tags_last(repo: Repository) -> None:
    _tag_all(repo, TAGS)
    response = repo.client.request("GET", repo.path("tags", "list"), params={"n": "2", "last": "alpha10"})
    check_status(response, 200, "distribution.discovery.tags-200")
    check_equal("tags after alpha10", ["alpha2", "beta"], _tags(response))
    response = repo.client.request("GET", repo.path("tags", "list"), params={"last": "delta3"})
    check_status(response, 200, "distribution.discovery.tags-200")
    check_equal("tags after delta3 (no n)", ["gamma", "v1"], _tags(response))


@pytest.mark.requirement("distribution.discovery.tags-n-zero")
def test_tags_n_zero(repo: Repository) -> None:
    _tag_all(repo, TAGS[:3])
    response = repo.client.request("GET", repo.path("tags", "list"), params={"n": "0"})
    check_status(response, 200, "distribution.discovery.tags-200")
    check_equal("tags for n=0", [], _tags(response))
    check_equal("Link header for n=0", None, response.header("Link"))


@pytest.mark.requirement("distribution.discovery.tags-200", "distribution.discovery.tags-may-be-empty")
def test_tags_of_untagged_repository(repo: Repository) -> None:
    """A repository holding a manifest pushed by digest only has no tags: 200 and an empty list."""
    repo.push(image(1))
    response = repo.client.request("GET", repo.path("tags", "list"))
    check_status(response, 200)
    check_equal("tags of an untagged repository", [], _tags(response))
