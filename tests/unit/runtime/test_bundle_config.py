"""Unit tests for :mod:`conformance.runtime.bundle.config`: the default config and patch merging."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conformance.runtime.bundle.config import (
    CONFIG_OCI_VERSION,
    DEFAULT_CAPABILITIES,
    PROBE_PATH,
    build_config,
    default_config,
    merge,
)
from conformance.schemas import validate


def test_default_config_is_schema_valid() -> None:
    """Every test starts from this config; a schema violation would taint every result."""
    assert validate("runtime/config", default_config()) == []


def test_schema_check_catches_a_broken_config() -> None:
    """The validity check above is meaningful: a broken patch is reported."""
    broken = build_config({"process": {"user": {"uid": "root"}}, "ociVersion": None})
    paths = {violation.path for violation in validate("runtime/config", broken)}
    assert "$.process.user.uid" in paths
    assert "$" in paths  # ociVersion is required


def test_default_config_runs_the_probe() -> None:
    config = default_config()
    assert config["ociVersion"] == CONFIG_OCI_VERSION
    assert config["process"]["args"] == [PROBE_PATH]
    assert config["root"]["path"] == "rootfs"
    for kind in ("bounding", "effective", "permitted"):
        assert config["process"]["capabilities"][kind] == DEFAULT_CAPABILITIES
    assert {ns["type"] for ns in config["linux"]["namespaces"]} >= {"pid", "mount"}


def test_default_config_is_a_fresh_copy() -> None:
    """Tests patch their config; one test's change must never leak into the next."""
    first = default_config()
    first["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
    first["mounts"].clear()
    second = default_config()
    assert second["process"]["capabilities"]["bounding"] == DEFAULT_CAPABILITIES
    assert second["mounts"]
    assert "CAP_SYS_ADMIN" not in DEFAULT_CAPABILITIES


@pytest.mark.parametrize(
    ("base", "patch", "expected"),
    [
        ({"a": {"b": 1, "c": 2}}, {"a": {"c": 3, "d": 4}}, {"a": {"b": 1, "c": 3, "d": 4}}),
        ({"a": {"b": {"c": 1, "d": 2}}}, {"a": {"b": {"d": 5}}}, {"a": {"b": {"c": 1, "d": 5}}}),
        ({"a": [1, 2, 3]}, {"a": [4]}, {"a": [4]}),
        ({"a": [1, 2]}, {"a": []}, {"a": []}),
        ({"a": [{"x": 1}]}, {"a": [{"y": 2}]}, {"a": [{"y": 2}]}),
        ({"a": 1, "b": 2}, {"a": None}, {"b": 2}),
        ({"a": {"b": 1, "c": 2}}, {"a": {"b": None}}, {"a": {"c": 2}}),
        ({"a": 1}, {"zzz": None}, {"a": 1}),
        ({"a": {"b": 1}}, {"a": 5}, {"a": 5}),
        ({"a": 5}, {"a": {"b": 1}}, {"a": {"b": 1}}),
        ({"a": {"b": 1}}, {"a": {}}, {"a": {"b": 1}}),
        ({"a": 1}, {}, {"a": 1}),
        ({}, {"a": {"b": None}}, {"a": {"b": None}}),
        ({"a": True}, {"a": False}, {"a": False}),
        ({"a": 1}, {"a": 0}, {"a": 0}),
        ({"a": "x"}, {"a": ""}, {"a": ""}),
    ],
    ids=[
        "nested-merge",
        "deep-merge",
        "list-replaces",
        "empty-list-replaces",
        "list-of-dicts-replaces",
        "none-removes",
        "none-removes-nested",
        "none-absent-key",
        "scalar-replaces-mapping",
        "mapping-replaces-scalar",
        "empty-mapping-keeps",
        "empty-patch",
        "none-inside-new-mapping-kept",
        "false-is-a-value",
        "zero-is-a-value",
        "empty-string-is-a-value",
    ],
)
def test_merge(base: dict[str, Any], patch: dict[str, Any], expected: dict[str, Any]) -> None:
    assert merge(base, patch) == expected


def test_merge_does_not_mutate_inputs_or_share_objects() -> None:
    base = {"a": {"b": [1, 2]}, "keep": {"k": 1}}
    patch = {"a": {"c": {"d": [3]}}, "new": [{"x": 1}]}
    base_before, patch_before = copy.deepcopy(base), copy.deepcopy(patch)
    result = merge(base, patch)
    assert base == base_before
    assert patch == patch_before
    result["a"]["b"].append(99)
    result["a"]["c"]["d"].append(99)
    result["new"][0]["x"] = 99
    result["keep"]["k"] = 99
    assert base == base_before
    assert patch == patch_before


def test_build_config_applies_patches_in_order() -> None:
    config = build_config(
        {"hostname": "first", "process": {"cwd": "/tmp"}},
        {"hostname": "second", "process": {"env": ["A=1"]}},
        {"linux": {"maskedPaths": None}},
    )
    assert config["hostname"] == "second"
    assert config["process"]["cwd"] == "/tmp"
    assert config["process"]["env"] == ["A=1"]
    assert config["process"]["args"] == [PROBE_PATH]
    assert "maskedPaths" not in config["linux"]
    assert config["linux"]["readonlyPaths"]


def test_build_config_without_patches_is_the_default() -> None:
    assert build_config() == default_config()


def test_patched_config_stays_schema_valid() -> None:
    config = build_config({"process": {"user": {"uid": 1000, "gid": 1000, "additionalGids": [5]}}})
    assert validate("runtime/config", config) == []
