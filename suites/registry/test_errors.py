"""Error answers: statuses, the error JSON of the spec (schema-checked) and codes from its table."""

from __future__ import annotations

import secrets

import pytest

from conformance.core.asserts import check
from conformance.registry.client import RegistryClient
from conformance.registry.errorbody import check_error
from conformance.registry.fixtures import PushedImage
from conformance.registry.subject import RegistrySubject


@pytest.mark.requirement(
    "distribution.errors.json-format", "distribution.errors.code-identifier", "distribution.errors.message"
)
def test_error_case(
    registry_case: dict, registry: RegistrySubject, pushed_image: PushedImage, registry_client: RegistryClient
) -> None:
    values = {
        "repo": pushed_image.repository,
        "missing_repo": f"{registry.namespace}/never-pushed-{secrets.token_hex(3)}",
        "unknown_digest": "sha256:" + secrets.token_hex(32),
        "namespace": registry.namespace,
        "tag_129": "t" * 129,
    }
    method, path = registry_case["request"]
    response = registry_client.request(method, path.format(**values))
    check_error(
        response,
        registry_case["status"],
        registry_case.get("codes", ()),
        status_requirements=tuple(registry_case["requirements"]),
    )


@pytest.mark.requirement("distribution.warnings.format", "distribution.warnings.size")
def test_warning_headers(pushed_image: PushedImage, registry_client: RegistryClient) -> None:
    """Every Warning header of a handful of answers is `299 - "text"`, 4096 bytes at most in all."""
    repo = pushed_image.repository
    for method, path in (
        ("GET", "/v2/"),
        ("GET", f"/v2/{repo}/tags/list"),
        ("GET", f"/v2/{repo}/manifests/{pushed_image.tag}"),
        ("HEAD", f"/v2/{repo}/manifests/{pushed_image.manifest.digest}"),
        ("GET", f"/v2/{repo}/manifests/no-such-tag"),
    ):
        registry_client.request(method, path, headers={"Accept": pushed_image.manifest.media_type})
    for exchange in registry_client.transcript:
        warnings = [v for k, v in exchange.response_headers.items() if k.lower() == "warning"]
        values = [part.strip() for value in warnings for part in value.split(",") if part.strip()]
        for value in values:
            check(
                "distribution.warnings.format",
                value.startswith('299 - "') and value.endswith('"') and value.count('"') == 2,
                f"{exchange.method} {exchange.url}: Warning header",
                '299 - "<text>" (no warn-date)',
                value,
            )
        check(
            "distribution.warnings.size",
            sum(len(v.encode()) for v in warnings) <= 4096,
            f"{exchange.method} {exchange.url}: Warning data",
            "at most 4096 bytes",
            sum(len(v.encode()) for v in warnings),
        )
