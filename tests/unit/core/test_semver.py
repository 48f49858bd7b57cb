"""SemVer 2.0.0 parsing and precedence (the examples of semver.org's rules, written afresh)."""

from __future__ import annotations

import itertools

import pytest

from conformance.core.semver import SemVerError, is_semver, parse


@pytest.mark.parametrize(
    "text", ["1.0.0", "1.3.0", "1.0.2-dev", "1.0.0-rc.1", "1.0.0-alpha.beta.1", "1.0.0+build.5", "10.20.30"]
)
def test_valid(text: str) -> None:
    assert is_semver(text)
    assert str(parse(text)) == text


@pytest.mark.parametrize(
    "text",
    ["", "1", "1.0", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0+", "1.0.0 ", None, 1, "1.0.0-a..b"],
)
def test_invalid(text: object) -> None:
    assert not is_semver(text)
    with pytest.raises(SemVerError):
        parse(text)


def test_precedence() -> None:
    order = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.2-dev",
        "1.0.2",
        "1.1.0",
        "1.3.0",
        "2.0.0",
    ]
    parsed = [parse(v) for v in order]
    assert parsed == sorted(parsed)
    assert all(a < b for a, b in itertools.pairwise(parsed))


def test_build_metadata_does_not_count() -> None:
    assert parse("1.0.0+a") == parse("1.0.0+b")
    assert not parse("1.0.0+a") < parse("1.0.0")
