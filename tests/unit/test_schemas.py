"""Unit tests for :mod:`conformance.schemas`.

Every upstream runtime-spec schema test document must get the same verdict
from the suite's own schemas: files under ``<kind>/good`` validate cleanly,
files under ``<kind>/bad`` yield at least one violation (or are not JSON).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conformance.schemas import SchemaViolation, load_schema, schema_names, validate


def _specs_dir() -> Path:
    """Directory holding ``runtime-spec/``: ``$OCI_SPECS_DIR`` or ``<repo>/../shared/specs``."""
    override = os.environ.get("OCI_SPECS_DIR")
    if override:
        return Path(override)
    return Path(__file__).absolute().parents[3] / "shared" / "specs"


TEST_DOCS = _specs_dir() / "runtime-spec" / "schema" / "test"

if not TEST_DOCS.is_dir():
    pytest.skip(
        f"runtime-spec schema test documents not found at {TEST_DOCS}; "
        "set OCI_SPECS_DIR to the directory that contains runtime-spec/",
        allow_module_level=True,
    )

SCHEMA_FOR_KIND = {
    "config": "runtime/config",
    "features": "runtime/features",
    "state": "runtime/state",
}


def _docs(verdict: str) -> list[Path]:
    return sorted(TEST_DOCS.glob(f"*/{verdict}/*.json"))


def _doc_id(path: Path) -> str:
    return path.relative_to(TEST_DOCS).as_posix()


def _schema_for(path: Path) -> str:
    kind = path.parent.parent.name
    assert kind in SCHEMA_FOR_KIND, f"no schema mapped for upstream test kind {kind!r}"
    return SCHEMA_FOR_KIND[kind]


GOOD_DOCS = _docs("good")
BAD_DOCS = _docs("bad")


def test_upstream_documents_found() -> None:
    assert GOOD_DOCS, f"no good documents under {TEST_DOCS}"
    assert BAD_DOCS, f"no bad documents under {TEST_DOCS}"


@pytest.mark.parametrize("path", GOOD_DOCS, ids=_doc_id)
def test_upstream_good_document_is_valid(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert validate(_schema_for(path), document) == []


@pytest.mark.parametrize("path", BAD_DOCS, ids=_doc_id)
def test_upstream_bad_document_is_rejected(path: Path) -> None:
    name = _schema_for(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return  # not even JSON: rejected before schema validation
    assert validate(name, document), f"{_doc_id(path)} unexpectedly valid against {name}"


# ---------------------------------------------------------------- schema files


def test_schema_names() -> None:
    names = schema_names()
    assert names == sorted(names)
    assert {"runtime/config", "runtime/features", "runtime/state"} <= set(names)


@pytest.mark.parametrize("name", ["runtime/config", "runtime/features", "runtime/state"])
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", ["runtime/config", "runtime/features", "runtime/state"])
def test_every_object_and_property_is_described(name: str, undescribed) -> None:
    assert undescribed(load_schema(name)) == []


def test_load_schema_returns_independent_copies() -> None:
    first = load_schema("runtime/state")
    first["required"].clear()
    assert load_schema("runtime/state")["required"]


def test_unknown_schema_name_raises_key_error() -> None:
    with pytest.raises(KeyError, match=r"runtime/nope.*runtime/config"):
        load_schema("runtime/nope")
    with pytest.raises(KeyError, match="unknown schema"):
        validate("nope/manifest", {})


# ---------------------------------------------------------------- hand-written cases


def _minimal_linux_config() -> dict[str, Any]:
    return {
        "ociVersion": "1.3.0",
        "root": {"path": "rootfs", "readonly": True},
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
            "cwd": "/",
        },
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
        ],
        "linux": {
            "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}],
            "maskedPaths": ["/proc/kcore"],
            "readonlyPaths": ["/proc/sys"],
        },
    }


def test_minimal_linux_config_is_valid() -> None:
    assert validate("runtime/config", _minimal_linux_config()) == []


def test_string_uid_is_reported_at_its_json_path() -> None:
    config = _minimal_linux_config()
    config["process"]["user"]["uid"] = "0"
    violations = validate("runtime/config", config)
    assert [v.path for v in violations] == ["$.process.user.uid"]
    assert "integer" in violations[0].message


def test_array_index_appears_in_path() -> None:
    config = _minimal_linux_config()
    config["mounts"][1]["destination"] = 42
    config["mounts"].append({"source": "tmpfs"})
    assert validate("runtime/config", config) == [
        SchemaViolation("$.mounts[1].destination", "42 is not of type 'string'"),
        SchemaViolation("$.mounts[2]", "'destination' is a required property"),
    ]


def test_violations_are_sorted_by_path() -> None:
    config = _minimal_linux_config()
    del config["ociVersion"]
    config["root"]["readonly"] = "yes"
    config["mounts"] = [{"destination": i} for i in range(12)]
    config["linux"]["namespaces"].append({"type": "bogus"})
    paths = [v.path for v in validate("runtime/config", config)]
    assert paths[0] == "$"
    assert paths[1:3] == ["$.linux.namespaces[3].type", "$.mounts[0].destination"]
    assert paths[-3:] == ["$.mounts[10].destination", "$.mounts[11].destination", "$.root.readonly"]


def test_keys_that_are_not_identifiers_are_bracketed() -> None:
    config = _minimal_linux_config()
    config["linux"]["sysctl"] = {"net.ipv4.ip_forward": 1}
    assert [v.path for v in validate("runtime/config", config)] == ["$.linux.sysctl['net.ipv4.ip_forward']"]


def test_messages_are_single_line_and_bounded() -> None:
    violations = validate("runtime/config", {"ociVersion": "1.3.0", "mounts": {"x": "y\n" * 500}})
    assert len(violations) == 1
    assert "\n" not in violations[0].message
    assert len(violations[0].message) < 200


def test_non_object_document_is_rejected_at_root() -> None:
    assert [v.path for v in validate("runtime/state", [])] == ["$"]


def test_trailing_newline_does_not_satisfy_patterns() -> None:
    config = _minimal_linux_config()
    config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE\n", "soft": 1, "hard": 1}]
    assert [v.path for v in validate("runtime/config", config)] == ["$.process.rlimits[0].type"]


def test_integer_ranges_are_enforced() -> None:
    config = _minimal_linux_config()
    config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 2**32, "size": -1}]
    paths = [v.path for v in validate("runtime/config", config)]
    assert paths == ["$.linux.uidMappings[0].hostID", "$.linux.uidMappings[0].size"]


def test_v1_3_linux_fields_are_checked() -> None:
    config = _minimal_linux_config()
    config["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "0-1", "flags": ["MPOL_F_STATIC_NODES"]}
    config["linux"]["intelRdt"] = {"closID": "g", "schemata": ["L3:0=f"], "enableMonitoring": True}
    config["linux"]["netDevices"] = {"eth1": {"name": "ctr1"}}
    assert validate("runtime/config", config) == []
    config["linux"]["memoryPolicy"]["mode"] = "MPOL_NOPE"
    assert [v.path for v in validate("runtime/config", config)] == ["$.linux.memoryPolicy.mode"]


def test_state_requires_core_fields() -> None:
    state = {"ociVersion": "1.3.0", "id": "c1", "status": "created", "pid": 42, "bundle": "/b"}
    assert validate("runtime/state", state) == []
    del state["bundle"]
    state["status"] = "paused"
    assert validate("runtime/state", state) == [
        SchemaViolation("$", "'bundle' is a required property"),
        SchemaViolation("$.status", "'paused' is not one of ['creating', 'created', 'running', 'stopped']"),
    ]


def test_features_optional_properties_may_be_null() -> None:
    features = {
        "ociVersionMin": "1.0.0",
        "ociVersionMax": "1.3.0",
        "hooks": None,
        "linux": {"seccomp": None, "cgroup": {"v2": None}, "memoryPolicy": {"modes": ["MPOL_BIND"]}},
    }
    assert validate("runtime/features", features) == []
    features["ociVersionMax"] = None
    assert [v.path for v in validate("runtime/features", features)] == ["$.ociVersionMax"]
