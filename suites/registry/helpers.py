"""Small checks the registry tests share (each names the requirement it judges)."""

from __future__ import annotations

import re

from conformance.core.asserts import check
from conformance.registry.client import Response

_ABSOLUTE = re.compile(r"^https?://[^/]+(/.*)?$")


def check_location(response: Response, requirement: str) -> str:
    """A Location header that is an absolute URL or an absolute path; returns it."""
    location = response.header("Location") or ""
    check(
        requirement,
        bool(_ABSOLUTE.match(location) or location.startswith("/")),
        f"{response.method} {response.url}: Location is an absolute URL or a path",
        "http(s)://host/... or /...",
        location or "(no Location header)",
    )
    return location


def check_status(response: Response, expected: int | tuple[int, ...], requirement: str | None = None) -> None:
    allowed = expected if isinstance(expected, tuple) else (expected,)
    args = (requirement,) if requirement else ()
    check(
        *args,
        response.status in allowed,
        f"{response.method} {response.url}: status",
        " or ".join(map(str, allowed)),
        f"{response.status} {response.body[:200]!r}",
    )


def media_type(header: str | None) -> str:
    return (header or "").split(";")[0].strip()
