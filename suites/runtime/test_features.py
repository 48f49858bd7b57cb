"""The `features` operation: its document, and that what it advertises is honoured."""

from __future__ import annotations

import json

import pytest

from conformance.core import semver
from conformance.core.asserts import check, check_equal, fail, skip_unsupported
from conformance.runtime.bundle.probe import PROC_NS_NAMES
from conformance.runtime.hooks import HOOK_TYPES, logging_hook, read_log
from conformance.schemas import load_schema, validate

requirement = pytest.mark.requirement

#: Namespaces that can be requested here without extra configuration (user and time need mappings/offsets).
PLAIN_NAMESPACES = {t: name for t, name in PROC_NS_NAMES.items() if t not in ("user", "time")}


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


def _undefined_properties(document: object, schema: dict, root: dict, where: str) -> list[str]:
    """JSON paths of object keys the schema (runtime-spec v1.3.0's features) does not define."""
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].removeprefix("#/$defs/")]
    if not isinstance(document, dict) or not isinstance(schema.get("properties"), dict):
        return []
    extra = schema.get("additionalProperties")
    found = []
    for key, value in document.items():
        if key in schema["properties"]:
            found += _undefined_properties(value, schema["properties"][key], root, f"{where}.{key}")
        elif not isinstance(extra, dict):  # maps (annotations) define their keys by a value schema
            found.append(f"{where}.{key}")
    return found


@requirement("features.specification-version.no-unknown-properties")
def test_features_has_only_defined_properties(features: dict) -> None:
    """Every property the document shows is one the spec version it reports defines.

    Judged against v1.3.0's features: a runtime reporting a newer ociVersionMax may use more.
    """
    try:
        newer = semver.parse(features.get("ociVersionMax")) > semver.parse("1.3.0")
    except semver.SemVerError:
        newer = False
    if newer:
        skip_unsupported(f"the runtime reports {features['ociVersionMax']}, newer than this suite's spec")
    schema = load_schema("runtime/features")
    check_equal(
        "properties runtime-spec v1.3.0 does not define",
        [],
        _undefined_properties(features, schema, schema, "$"),
    )


@requirement("features.annotations.map")
def test_features_annotations_follow_config_conventions(features: dict) -> None:
    annotations = features.get("annotations")
    if annotations is None:
        skip_unsupported("the runtime reports no annotations")
    check(isinstance(annotations, dict), "annotations is a map", "an object", type(annotations).__name__)
    bad = [
        f"{k!r}: {v!r}"
        for k, v in annotations.items()
        if not (isinstance(k, str) and k and isinstance(v, str))
    ]
    check_equal("annotations that are not a non-empty key with a string value", [], bad)


@requirement("features.structure.null-not-empty")
def test_an_empty_hooks_list_means_none(features: dict, make_container) -> None:
    """`hooks: []` says no hook is supported (null would say unknown): then none may run."""
    if features.get("hooks") != []:
        skip_unsupported(
            f"the runtime reports hooks {features.get('hooks')!r}, not an empty list, so there is no "
            "empty value to tell from null"
        )
    container = make_container({"process": {"args": ["/bin/true"]}})
    rootfs = container.bundle.rootfs
    container.bundle.write_config(
        dict(container.bundle.config, hooks={"prestart": [logging_hook("prestart", rootfs)]})
    )
    created = container.create()
    if created.ok:
        container.start()
        container.wait_status("stopped", 15)
    check(
        created.refused or "prestart" not in read_log(rootfs),
        "a prestart hook, with features claiming no hook type is supported",
        "refused or not run ([] means none; only null may mean unknown)",
        "the hook ran",
    )
