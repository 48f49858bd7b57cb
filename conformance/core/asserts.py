"""Assertions whose failure message names the requirement and shows expected vs observed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest


def _ids(requirements: str | Iterable[str]) -> str:
    return requirements if isinstance(requirements, str) else ", ".join(requirements)


def fail(
    requirements: str | Iterable[str], what: str, expected: Any, observed: Any, context: str = ""
) -> None:
    """Fail the test with a message a runtime implementer can act on."""
    lines = [f"[{_ids(requirements)}] {what}", f"  expected: {expected}", f"  observed: {observed}"]
    if context:
        lines.append(context.rstrip())
    raise AssertionError("\n".join(lines))


def check(
    requirements: str | Iterable[str],
    condition: bool,
    what: str,
    expected: Any,
    observed: Any,
    context: str = "",
) -> None:
    if not condition:
        fail(requirements, what, expected, observed, context)


def check_equal(
    requirements: str | Iterable[str], what: str, expected: Any, observed: Any, context: str = ""
) -> None:
    check(requirements, expected == observed, what, repr(expected), repr(observed), context)


def skip_unsupported(requirements: str | Iterable[str], reason: str) -> None:
    """Skip naming the requirement: the environment or runtime cannot exercise it."""
    pytest.skip(f"[{_ids(requirements)}] not exercised: {reason}")
