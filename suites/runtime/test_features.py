"""The `features` operation: its document, and that what it advertises is honoured."""

from __future__ import annotations

import json

import pytest

from conformance.core import semver
from conformance.core.asserts import check, check_equal, fail, skip_unsupported
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


@requirement("features.specification-version.min", "features.specification-version.max")
def test_features_versions_are_semver(features: dict) -> None:
    for key, rid in (
        ("ociVersionMin", "features.specification-version.min"),
        ("ociVersionMax", "features.specification-version.max"),
    ):
        value = features.get(key)
        check(rid, semver.is_semver(value), f"{key} is a SemVer 2.0.0 version", "e.g. 1.0.0", repr(value))


@requirement("features.specification-version.max-not-below-min")
def test_features_version_range(features: dict) -> None:
    low, high = features.get("ociVersionMin"), features.get("ociVersionMax")
    try:
        ordered = semver.parse(high) >= semver.parse(low)
    except semver.SemVerError as exc:
        fail("ociVersionMin and ociVersionMax can be compared", "two SemVer versions", str(exc))
    check(ordered, "ociVersionMax is not below ociVersionMin", f">= {low}", high)


@pytest.mark.parametrize(
    ("key", "rid"),
    [
        pytest.param(
            "ociVersionMin",
            "features.specification-version.min-accepted",
            id="min",
            marks=requirement("features.specification-version.min-accepted"),
        ),
        pytest.param(
            "ociVersionMax",
            "features.specification-version.max-accepted",
            id="max",
            marks=requirement("features.specification-version.max-accepted"),
        ),
    ],
)
def test_features_version_bounds_are_accepted(features: dict, probe, key: str, rid: str) -> None:
    if not semver.is_semver(features.get(key)):
        skip_unsupported(rid, f"{key} {features.get(key)!r} is not a version to try")
    run = probe({"ociVersion": features[key]})
    run.require_report([rid])


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
