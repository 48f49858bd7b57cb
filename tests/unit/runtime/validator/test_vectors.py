"""The runtime spec's own schema tests: every good vector is accepted, every bad one refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.runtime.validator import CONFIG, FEATURES, STATE, validate_document

VECTORS = Path("/work/shared/specs/runtime-spec/schema/test")
KINDS = {"config": CONFIG, "state": STATE, "features": FEATURES}


def _vectors() -> list[tuple[str, str, Path]]:
    if not VECTORS.is_dir():
        return []
    return [
        (kind, verdict, path)
        for kind in KINDS
        for verdict in ("good", "bad")
        for path in sorted((VECTORS / kind / verdict).glob("*.json"))
    ]


@pytest.mark.skipif(not VECTORS.is_dir(), reason=f"the runtime-spec schema tests are not at {VECTORS}")
@pytest.mark.parametrize(
    ("kind", "verdict", "path"), _vectors(), ids=[f"{k}-{v}-{p.stem}" for k, v, p in _vectors()]
)
def test_vector(kind: str, verdict: str, path: Path) -> None:
    report = validate_document(KINDS[kind], path.read_bytes(), where=path.name)
    if verdict == "good":
        assert report.ok, [f.line() for f in report.errors]
    else:
        assert not report.ok


@pytest.mark.skipif(not VECTORS.is_dir(), reason=f"the runtime-spec schema tests are not at {VECTORS}")
def test_every_kind_has_good_and_bad_vectors() -> None:
    found = {(kind, verdict) for kind, verdict, _ in _vectors()}
    assert found == {(kind, verdict) for kind in KINDS for verdict in ("good", "bad")}
