"""The `features` operation: its document, and that what it advertises is honoured."""

from __future__ import annotations

import json

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.runtime.hooks import HOOK_TYPES, logging_hook, read_log
from conformance.schemas import validate

requirement = pytest.mark.requirement

#: Namespaces that can be requested here without extra configuration (user and time need mappings/offsets).
PLAIN_NAMESPACES = {
    "pid": "pid",
    "network": "net",
    "ipc": "ipc",
    "uts": "uts",
    "mount": "mnt",
    "cgroup": "cgroup",
}


@pytest.fixture(scope="module")
def features(runtime) -> dict:
    result = runtime.features()
    if result.timed_out:
        pytest.fail(f"[features.structure.provide] features did not answer:\n{result.describe()}")
    if result.refused:
        skip_unsupported(
            "features.structure.provide",
            f"{runtime.name} {runtime.version} does not implement the optional features operation "
            f"({(result.stderr or result.stdout).strip()[:120]})",
        )
    try:
        document = json.loads(result.stdout)
    except ValueError as exc:
        pytest.fail(
            f"[features.structure.provide] features printed invalid JSON ({exc}):\n{result.describe(500)}"
        )
    if not isinstance(document, dict):
        pytest.fail(
            f"[features.structure.provide] features printed a JSON {type(document).__name__}, not an object"
        )
    return document


@requirement("features.structure.provide", "features.structure.nullable")
def test_features_document_matches_schema(features: dict) -> None:
    violations = validate("runtime/features", features)
    check(
        "features.structure.provide",
        not violations,
        "the features document adheres to the schema",
        "no violations",
        "; ".join(f"{v.path}: {v.message}" for v in violations),
    )


@requirement("features.specification-version.max-not-below-min")
def test_features_version_range(features: dict) -> None:
    low, high = features.get("ociVersionMin"), features.get("ociVersionMax")
    check(
        _version(high) >= _version(low),
        "ociVersionMax is not below ociVersionMin",
        f">= {low}",
        high,
    )


def _version(text: object) -> tuple[int, ...]:
    core = str(text).split("-")[0].split("+")[0]
    return tuple(int(part) if part.isdigit() else 0 for part in core.split("."))


@requirement("features.specification-version.max-accepted")
def test_features_max_version_is_accepted(features: dict, probe) -> None:
    run = probe({"ociVersion": features["ociVersionMax"]})
    run.require_report(["features.specification-version.max-accepted"])


@requirement("features.hooks.supported")
def test_features_advertised_hooks_run(features: dict, make_container) -> None:
    advertised = [kind for kind in features.get("hooks") or [] if kind in HOOK_TYPES]
    if not advertised:
        skip_unsupported("the runtime advertises no hooks")
    container = make_container({"process": {"args": ["/bin/true"]}})
    rootfs = container.bundle.rootfs
    hooks = {kind: [logging_hook(kind, rootfs)] for kind in advertised}
    container.bundle.write_config(dict(container.bundle.config, hooks=hooks))
    container.create()
    container.start()
    container.wait_status("stopped", 15)
    container.delete()
    log = read_log(rootfs)
    check_equal(
        "advertised hook types that ran",
        sorted(advertised),
        sorted(kind for kind in advertised if kind in log),
    )


@requirement("features.platform.linux", "config-linux.namespaces.create")
def test_features_advertised_namespaces_are_created(features: dict, probe) -> None:
    advertised = [
        ns for ns in (features.get("linux") or {}).get("namespaces") or [] if ns in PLAIN_NAMESPACES
    ]
    if not advertised:
        skip_unsupported("features.platform.linux", "the runtime advertises no namespaces")
    patch = {"linux": {"namespaces": [{"type": ns} for ns in advertised]}}
    run = probe(patch)
    report = run.require_report(["features.platform.linux"])
    same = [
        ns
        for ns in advertised
        if report.namespaces.get(PLAIN_NAMESPACES[ns]) == run.host["ns"].get(PLAIN_NAMESPACES[ns])
    ]
    check_equal("config-linux.namespaces.create", "advertised namespaces that were not new", [], same)
