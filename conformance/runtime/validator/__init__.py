"""The runtime bundle validator: a bundle directory, a config.json, a state or a features document.

Everything is checked offline against the schemas bundled in conformance/schemas/runtime/ plus the
author-side rules no schema expresses (conformance.runtime.validator.config); each finding names
its requirement id (conformance.runtime.validator.rules). The findings, report and collector are
the image validator's (conformance.core.findings), so both print and exit the same way.

The media types are the project's own names for the three runtime documents (the runtime spec
defines none): CONFIG, STATE and FEATURES below.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from conformance.core.errors import ConformanceError
from conformance.core.findings import Collector, Report
from conformance.runtime.validator.config import SEMVER, check_config
from conformance.runtime.validator.rules import RULES
from conformance.schemas import errors as schema_errors
from conformance.schemas import json_path

__all__ = [
    "CONFIG",
    "FEATURES",
    "MEDIA_TYPES",
    "STATE",
    "BundleInvalid",
    "check_bundle",
    "validate_bundle",
    "validate_config",
    "validate_document",
]

CONFIG = "application/vnd.oci.runtime.config.v1+json"
STATE = "application/vnd.oci.runtime.state.v1+json"
FEATURES = "application/vnd.oci.runtime.features.v1+json"
MEDIA_TYPES = (CONFIG, STATE, FEATURES)


class BundleInvalid(ConformanceError):
    """A bundle the suite generated breaks a MUST of the spec: our bug, not the runtime's."""


def _collector() -> Collector:
    return Collector(RULES, "runtime")


def _parse(data: bytes, where: str, out: Collector, prefix: str) -> Any:
    """Strict JSON from UTF-8 bytes; repeated member names are reported (glossary.md)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        code = "config.not-utf8" if prefix == "config" else f"{prefix}.not-json"
        out.add(code, where, "", f"not UTF-8 text: {exc.reason} at byte {exc.start}")
        return None
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            seen: set[str] = set()
            repeated.extend(k for k, _ in items if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        return obj

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        doc = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, RecursionError) as exc:
        out.add(f"{prefix}.not-json", where, "", f"not JSON: {exc}")
        return None
    if prefix == "config":
        for name in repeated:
            out.add(
                "config.duplicate-name",
                where,
                "",
                f"member name {name!r} appears more than once in one object",
            )
    return doc


def validate_config(doc: Any, where: str = "config.json") -> Report:
    """A parsed config.json (a dict): schema and author-side rules."""
    out = _collector()
    check_config(doc, where, out)
    return out.report()


def validate_document(media_type: str, data: bytes, where: str = "<document>") -> Report:
    """One runtime document given as bytes: CONFIG, STATE or FEATURES."""
    if media_type not in MEDIA_TYPES:
        raise ValueError(f"unknown runtime media type {media_type!r}")
    out = _collector()
    prefix = {CONFIG: "config", STATE: "state", FEATURES: "features"}[media_type]
    doc = _parse(data, where, out, prefix)
    if doc is not None or out.report().ok:
        if media_type == CONFIG:
            check_config(doc, where, out)
        elif media_type == STATE:
            check_state(doc, where, out)
        else:
            check_features(doc, where, out)
    return out.report()


def validate_bundle(path: Path, config: Any = None) -> Report:
    """A bundle directory: config.json at its top, its rules, and a directory at root.path.

    `config` (already parsed) skips reading config.json, for bundles the suite just wrote.
    """
    out = _collector()
    where = "config.json"
    if not path.is_dir():
        out.add("bundle.not-a-directory", str(path), "", "the bundle is not a directory")
        return out.report()
    if config is None:
        file = path / "config.json"
        if not file.is_file():
            out.add("bundle.config-missing", where, "", "the bundle has no config.json at its top level")
            return out.report()
        try:
            data = file.read_bytes()
        except OSError as exc:
            out.add("bundle.config-unreadable", where, "", f"cannot read: {exc.strerror or exc}")
            return out.report()
        config = _parse(data, where, out, "config")
        if config is None:
            return out.report()
    check_config(config, where, out)
    root = config.get("root") if isinstance(config, dict) else None
    root_path = root.get("path") if isinstance(root, dict) else None
    if isinstance(root_path, str) and root_path and "windows" not in config:
        target = path / root_path  # an absolute root.path replaces the bundle
        if not target.is_dir():
            what = "is not a directory" if os.path.lexists(target) else "does not exist"
            out.add("bundle.root-missing", where, "$.root.path", f"{root_path!r} ({target}) {what}")
    return out.report()


def check_bundle(path: Path, config: Any = None) -> Report:
    """Validate a bundle the suite made; raise BundleInvalid naming the bundle and each error."""
    report = validate_bundle(path, config)
    if not report.ok:
        lines = "\n".join("  " + f.line() for f in report.errors)
        raise BundleInvalid(
            f"the suite generated an invalid bundle {path} (a bug of the suite or the test's patch, "
            f"not of the runtime; pass valid=False only for a deliberately invalid bundle):\n{lines}"
        )
    return report


# ------------------------------------------------------------------ state and features


def _schema(name: str, doc: Any, where: str, out: Collector, codes: dict[str, str], fallback: str) -> None:
    for error in sorted(schema_errors(name, doc), key=lambda e: [str(p) for p in e.absolute_path]):
        parts = list(error.absolute_path)
        top = str(parts[0]) if parts else ""
        if error.validator == "required" and not parts:
            top = error.message.split("'")[1] if "'" in error.message else ""
        code = codes.get(top, fallback)
        out.add(code, where, json_path(parts), " ".join(error.message.splitlines())[:200])


def check_state(doc: Any, where: str, out: Collector) -> None:
    """The state of a container (runtime.md): schema, SemVer, pid when created/running, bundle."""
    if not isinstance(doc, dict):
        out.add("state.not-json", where, "$", "the state is not a JSON object")
        return
    codes = {
        "ociVersion": "state.ociversion",
        "id": "state.id",
        "status": "state.status",
        "pid": "state.pid",
        "bundle": "state.bundle",
        "annotations": "state.annotations",
    }
    _schema("runtime/state", doc, where, out, codes, "state.schema")
    version = doc.get("ociVersion")
    if isinstance(version, str) and not SEMVER.fullmatch(version):
        out.add("state.ociversion", where, "$.ociVersion", f"{version!r} is not a SemVer 2.0.0 version")
    if doc.get("status") in ("created", "running") and "pid" not in doc:
        out.add("state.pid", where, "$.pid", f"status is {doc['status']} but pid is missing")
    bundle = doc.get("bundle")
    if isinstance(bundle, str) and not bundle.startswith("/"):
        out.add("state.bundle", where, "$.bundle", f"{bundle!r} is not an absolute path")


def check_features(doc: Any, where: str, out: Collector) -> None:
    """The features document (features.md): schema and ociVersionMin <= ociVersionMax."""
    if not isinstance(doc, dict):
        out.add("features.not-json", where, "$", "features is not a JSON object")
        return
    codes = {
        "ociVersionMin": "features.oci-version-min",
        "ociVersionMax": "features.oci-version-max",
        "annotations": "features.annotations",
    }
    _schema("runtime/features", doc, where, out, codes, "features.schema")
    low, high = doc.get("ociVersionMin"), doc.get("ociVersionMax")
    if isinstance(low, str) and isinstance(high, str):
        a, b = SEMVER.fullmatch(low), SEMVER.fullmatch(high)
        if a and b and _order(b) < _order(a):
            out.add(
                "features.max-below-min",
                where,
                "$.ociVersionMax",
                f"{high} is lower than ociVersionMin {low}",
            )


def _order(match: Any) -> tuple[int, int, int, int]:
    """Core version order; a pre-release sorts before its release."""
    major, minor, patch, pre = match.group(1), match.group(2), match.group(3), match.group(4)
    return int(major), int(minor), int(patch), 0 if pre else 1
