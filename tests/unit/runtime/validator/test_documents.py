"""The state and features documents a runtime reports."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.core.findings import Collector
from conformance.runtime.validator import FEATURES, STATE, _schema, validate_document
from conformance.runtime.validator.rules import RULES

STATE_DOC = {"ociVersion": "1.2.0", "id": "c1", "status": "running", "pid": 42, "bundle": "/srv/c1"}
FEATURES_DOC = {"ociVersionMin": "1.0.0", "ociVersionMax": "1.2.0"}


def _codes(media_type: str, doc: Any) -> set[str]:
    report = validate_document(media_type, json.dumps(doc).encode())
    assert not report.ok or not report.errors
    return report.codes()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ociVersion": None}, "state.ociversion"),
        ({"ociVersion": "1.2"}, "state.ociversion"),
        ({"id": None}, "state.id"),
        ({"status": 3}, "state.status"),
        ({"pid": None}, "state.pid"),
        ({"bundle": "srv/c1"}, "state.bundle"),
        ({"bundle": None}, "state.bundle"),
        ({"annotations": ["a"]}, "state.annotations"),
    ],
    ids=lambda value: str(value),
)
def test_state_rules(change: dict[str, Any], code: str) -> None:
    doc = {k: v for k, v in {**STATE_DOC, **change}.items() if v is not None}
    assert code in _codes(STATE, doc)
    assert _codes(STATE, STATE_DOC) == set()


def test_state_schema_and_not_json() -> None:
    assert _codes(STATE, {**STATE_DOC, "pid": "42"}) == {"state.pid"}
    assert _codes(STATE, [STATE_DOC]) == {"state.not-json"}
    assert validate_document(STATE, b"{").codes() == {"state.not-json"}
    stopped = {k: v for k, v in {**STATE_DOC, "status": "stopped"}.items() if k != "pid"}
    assert _codes(STATE, stopped) == set()


def test_state_schema_fallback() -> None:
    """A violation at a property without a rule of its own gets the fallback code."""
    out = Collector(RULES, "runtime")
    _schema("runtime/state", {**STATE_DOC, "id": 1}, "state.json", out, {}, "state.schema")
    assert out.report().codes() == {"state.schema"}
    assert "state.schema" not in _codes(STATE, {**STATE_DOC, "com.example.extra": 1})


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ociVersionMin": None}, "features.oci-version-min"),
        ({"ociVersionMax": None}, "features.oci-version-max"),
        ({"ociVersionMax": "1.0.0-rc.1"}, "features.max-below-min"),
        ({"annotations": {"a": 1}}, "features.annotations"),
        ({"hooks": "prestart"}, "features.schema"),
    ],
    ids=lambda value: str(value),
)
def test_features_rules(change: dict[str, Any], code: str) -> None:
    doc = {k: v for k, v in {**FEATURES_DOC, **change}.items() if v is not None}
    assert code in _codes(FEATURES, doc)
    assert _codes(FEATURES, FEATURES_DOC) == set()


def test_features_not_json() -> None:
    assert _codes(FEATURES, "1.0.0") == {"features.not-json"}
    assert validate_document(FEATURES, b"\xff").codes() == {"features.not-json"}


def test_unknown_media_type() -> None:
    with pytest.raises(ValueError, match="unknown runtime media type"):
        validate_document("application/json", b"{}")
