"""Error answers: statuses, the error JSON of the spec (schema-checked) and codes from its table."""

from __future__ import annotations

import re
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
        for value in warnings:
            parsed = warning_values(value)
            check(
                "distribution.warnings.format",
                parsed is not None and all(v == ("299", "-", None) for v in parsed),
                f"{exchange.method} {exchange.url}: Warning header",
                '299 - "<text>" (no warn-date), comma-separated',
                value,
            )
        check(
            "distribution.warnings.size",
            sum(len(v.encode()) for v in warnings) <= 4096,
            f"{exchange.method} {exchange.url}: Warning data",
            "at most 4096 bytes",
            sum(len(v.encode()) for v in warnings),
        )


_WARNING = re.compile(r'\s*(\d{3}) (\S+) "(?:[^"\\]|\\.)*"( "[^"]*")?\s*(?:,|$)')


def warning_values(header: str) -> list[tuple[str, str, str | None]] | None:
    """(warn-code, warn-agent, warn-date) of each value of a Warning header (RFC 7234); None if malformed."""
    values: list[tuple[str, str, str | None]] = []
    position, end = 0, len(header.rstrip())
    while position < end:
        match = _WARNING.match(header, position)
        if match is None or match.end() == position:
            return None
        values.append((match.group(1), match.group(2), match.group(3)))
        position = match.end()
    return values
