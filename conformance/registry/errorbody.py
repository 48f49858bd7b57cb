"""Error responses judged against the spec: status, JSON body shape, and codes from the spec's table."""

from __future__ import annotations

import json
from collections.abc import Iterable

from conformance import schemas
from conformance.core.asserts import check
from conformance.registry.client import Response

#: The code table of the error-codes section (code-1 ... code-14).
SPEC_CODES = (
    "BLOB_UNKNOWN",
    "BLOB_UPLOAD_INVALID",
    "BLOB_UPLOAD_UNKNOWN",
    "DIGEST_INVALID",
    "MANIFEST_BLOB_UNKNOWN",
    "MANIFEST_INVALID",
    "MANIFEST_UNKNOWN",
    "NAME_INVALID",
    "NAME_UNKNOWN",
    "SIZE_INVALID",
    "UNAUTHORIZED",
    "DENIED",
    "UNSUPPORTED",
    "TOOMANYREQUESTS",
)
#: Legacy Docker codes the spec says a client may meet (legacy-docker-support-error-codes).
LEGACY_CODES = ("TAG_INVALID", "MANIFEST_UNVERIFIED")


def json_body(response: Response) -> object | None:
    """The decoded body when it is JSON (by Content-Type or by its first byte), else None."""
    if not response.body.strip():
        return None
    content_type = (response.header("Content-Type") or "").lower()
    if "json" not in content_type and response.body.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        check(
            "distribution.errors.json-format",
            False,
            f"{response.method} {response.url}: error body declared or shaped as JSON parses",
            "JSON",
            response.body[:200],
        )
    return None


def error_codes(response: Response) -> list[str] | None:
    """Check a 4XX body against the spec's error format; its codes, or None when it is not JSON."""
    document = json_body(response)
    if document is None:
        return None
    where = f"{response.method} {response.url}"
    violations = schemas.validate("distribution/errors", document)
    check(
        "distribution.errors.json-format",
        not violations,
        f"{where}: error body has the spec's format",
        '{"errors": [{"code": "...", "message": "...", "detail": ...}, ...]}',
        "; ".join(f"{v.path}: {v.message}" for v in violations),
    )
    entries = [e for e in document["errors"] if isinstance(e, dict)]  # type: ignore[index]
    codes = [str(e.get("code")) for e in entries]
    for entry in entries:
        code = entry.get("code")
        check(
            "distribution.errors.code-identifier",
            isinstance(code, str) and bool(code) and all(c.isupper() or c == "_" for c in code),
            f"{where}: error code consists of uppercase letters and underscores",
            "[A-Z_]+",
            code,
        )
        if "message" in entry:
            check(
                "distribution.errors.message",
                isinstance(entry["message"], str),
                f"{where}: error message is a string",
                "a string",
                entry["message"],
            )
    unknown = [c for c in codes if c not in SPEC_CODES + LEGACY_CODES]
    check(
        "distribution.errors.code-table",
        not unknown,
        f"{where}: error codes come from the spec's table",
        ", ".join(SPEC_CODES),
        unknown,
    )
    return codes


def check_error(
    response: Response,
    statuses: Iterable[int],
    codes: Iterable[str] = (),
    *,
    status_requirements: str | tuple[str, ...],
    code_requirements: str | tuple[str, ...] = "distribution.errors.code-table",
) -> None:
    """The response has one of `statuses`; a JSON body is well formed and names one of `codes`."""
    allowed = tuple(statuses)
    check(
        status_requirements,
        response.status in allowed,
        f"{response.method} {response.url}: status",
        " or ".join(map(str, allowed)),
        response.status,
    )
    found = error_codes(response)
    wanted = tuple(codes)
    if wanted and found is not None:
        check(
            code_requirements,
            bool(set(found) & set(wanted)),
            f"{response.method} {response.url}: error code",
            " or ".join(wanted),
            found,
        )
