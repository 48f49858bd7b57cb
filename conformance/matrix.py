"""Test matrices: YAML cases (a config patch, probe requests, expectations) for the probe.

A case names its requirements; the plugin turns each case into one parametrized test.
Cases whose config and probe requests are equal share one container run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.asserts import fail, skip_unsupported
from conformance.datafile import check_keys, line_of, load_yaml, require_mapping
from conformance.errors import DataFileError
from conformance.requirements import LEVELS, Catalog

CASE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_MISSING = object()


def _contains(observed: Any, expected: Any) -> bool:
    if isinstance(observed, dict) and isinstance(expected, dict):
        return all(k in observed and observed[k] == v for k, v in expected.items())
    if isinstance(observed, (list, tuple)) and isinstance(expected, list):
        return all(item in observed for item in expected)
    if isinstance(observed, (list, tuple, dict, str)):
        return expected in observed
    return False


def _excludes(observed: Any, expected: Any) -> bool:
    if observed is None:
        return True
    if isinstance(observed, dict) and isinstance(expected, dict):
        return not any(k in observed and observed[k] == v for k, v in expected.items())
    if not isinstance(observed, (list, tuple, dict, str)):
        return False
    items = expected if isinstance(expected, list) else [expected]
    try:
        return not any(item in observed for item in items)
    except TypeError:
        return False


#: Comparison operators a matrix expectation may use: name -> (test, wording).
OPERATORS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "equals": (lambda observed, expected: observed == expected, "equal to"),
    "not_equals": (lambda observed, expected: observed != expected, "different from"),
    "contains": (_contains, "containing"),
    "excludes": (_excludes, "not containing"),
    "matches": (
        lambda observed, expected: isinstance(observed, str) and re.search(expected, observed) is not None,
        "matching",
    ),
    "one_of": (lambda observed, expected: observed in expected, "one of"),
    "exists": (
        lambda observed, expected: (observed is not _MISSING and observed is not None) == bool(expected),
        "present",
    ),
}


def lookup(data: Any, path: list[str]) -> Any:
    """Follow `path` through nested dicts/lists; _MISSING when a step is absent."""
    current = data
    for step in path:
        if isinstance(current, dict):
            mapping = current
            current = mapping.get(step, _MISSING)
            if current is _MISSING and step.lstrip("-").isdigit():
                current = mapping.get(int(step), _MISSING)
        elif isinstance(current, list) and step.lstrip("-").isdigit():
            index = int(step)
            current = current[index] if -len(current) <= index < len(current) else _MISSING
        else:
            return _MISSING
        if current is _MISSING:
            return _MISSING
    return current


@dataclass(frozen=True)
class Expectation:
    field: list[str]
    operator: str
    value: Any
    message: str = ""

    @property
    def label(self) -> str:
        return ".".join(self.field)

    def check(self, observed_data: dict[str, Any], requirements: Iterable[str], host: dict[str, Any]) -> None:
        observed = lookup(observed_data, self.field)
        expected = self.value
        if isinstance(expected, str) and expected.startswith("$host."):
            reference = expected
            expected = lookup(host, expected[len("$host.") :].split("."))
            if expected is _MISSING:
                skip_unsupported(
                    requirements, f"the host does not provide {reference}, nothing to compare with"
                )
        test, wording = OPERATORS[self.operator]
        if observed is _MISSING or observed is None:
            for hidden in observed_data.get("unobservable", ()):
                if self.label == hidden or self.label.startswith(hidden + "."):
                    skip_unsupported(
                        requirements,
                        f"the container's /proc does not show {hidden}, so it cannot be observed",
                    )
        if observed is _MISSING and self.operator != "exists":
            fail(
                requirements,
                self.message or f"{self.label} was not reported by the probe",
                f"{self.label} {wording} {expected!r}",
                "<absent>",
            )
        if not test(observed, expected):
            shown = "<absent>" if observed is _MISSING else repr(observed)
            fail(
                requirements,
                self.message or f"{self.label} {wording} {expected!r}",
                f"{self.label} {wording} {expected!r}",
                shown,
            )


@dataclass(frozen=True)
class MatrixCase:
    """One row of a matrix: what to run, what it checks, which requirements it covers."""

    id: str
    requirements: tuple[str, ...]
    level: str
    config: dict[str, Any]
    probe: tuple[str, ...]
    expect: tuple[Expectation, ...]
    source: str
    summary: str = ""
    requires: tuple[str, ...] = field(default=())

    @property
    def run_key(self) -> str:
        """Cases with the same key can share one container."""
        return json.dumps([self.config, sorted(self.probe)], sort_keys=True)


def _field(path: Path, value: Any, line: int | None) -> list[str]:
    if isinstance(value, str) and value:
        return value.split(".")
    if isinstance(value, list) and value and all(isinstance(v, (str, int)) for v in value):
        return [str(v) for v in value]
    raise DataFileError(path, f"'field' must be a dotted string or a list of keys, got {value!r}", line)


def parse_expectation(path: Path, entry: Any, line: int | None) -> Expectation:
    entry = require_mapping(path, entry, "expectation", line)
    line = line_of(entry) or line
    operators = [key for key in entry if key in OPERATORS]
    check_keys(path, entry, "expectation", {"field"}, set(OPERATORS) | {"message"})
    if len(operators) != 1:
        raise DataFileError(
            path, f"expectation needs exactly one of {', '.join(OPERATORS)}; got {operators or 'none'}", line
        )
    operator = operators[0]
    if operator == "matches":
        try:
            re.compile(entry[operator])
        except (re.error, TypeError) as exc:
            raise DataFileError(path, f"'matches': invalid regular expression: {exc}", line) from None
    return Expectation(
        _field(path, entry["field"], line), operator, entry[operator], str(entry.get("message", ""))
    )


def parse_case_header(
    path: Path, entry: dict, seen: set[str], catalog: Catalog
) -> tuple[str, list[str], str]:
    """A case's id (unique in its file), its requirement ids (all in the catalog) and their level.

    Shared by every matrix loader, so each reports a bad id or requirement the same way.
    """
    line = line_of(entry)
    case_id = entry["id"]
    if not isinstance(case_id, str) or not CASE_ID.match(case_id):
        raise DataFileError(path, f"case id {case_id!r} must match {CASE_ID.pattern}", line)
    if case_id in seen:
        raise DataFileError(path, f"duplicate case id {case_id!r}", line)
    seen.add(case_id)
    requirements = entry["requirements"]
    if isinstance(requirements, str):
        requirements = [requirements]
    if (
        not isinstance(requirements, list)
        or not requirements
        or not all(isinstance(r, str) for r in requirements)
    ):
        raise DataFileError(path, f"case {case_id}: 'requirements' must be a non-empty list of ids", line)
    unknown = [rid for rid in requirements if rid not in catalog]
    if unknown:
        raise DataFileError(path, f"case {case_id}: unknown requirement id(s) {', '.join(unknown)}", line)
    level = min((catalog.get(r).level for r in requirements), key=LEVELS.index)
    return case_id, requirements, level


def load_matrix(path: Path, catalog: Catalog) -> list[MatrixCase]:
    """Load one matrix file; every fault raises DataFileError naming file and line."""
    data = require_mapping(path, load_yaml(path), "matrix file")
    check_keys(path, data, "matrix file", {"cases"}, {"description", "defaults"})
    defaults = data.get("defaults") or {}
    require_mapping(path, defaults, "'defaults'", line_of(data))
    if not isinstance(data["cases"], list) or not data["cases"]:
        raise DataFileError(path, "'cases' must be a non-empty list", line_of(data))
    from conformance.bundle.config import build_config, merge
    from conformance.schemas import validate

    cases: list[MatrixCase] = []
    seen: set[str] = set()
    for raw in data["cases"]:
        entry = require_mapping(path, raw, "case", line_of(data))
        line = line_of(entry)
        check_keys(
            path, entry, "case", {"id", "requirements", "expect"}, {"config", "probe", "summary", "requires"}
        )
        case_id, requirements, level = parse_case_header(path, entry, seen, catalog)
        config = entry.get("config") or {}
        require_mapping(path, config, f"case {case_id}: 'config'", line)
        probe = entry.get("probe") or []
        if not isinstance(probe, list) or not all(
            isinstance(p, str) and len(p.split()) == 2 and p.split()[0] in {"file", "stat", "link"}
            for p in probe
        ):
            raise DataFileError(path, f"case {case_id}: 'probe' entries are 'file|stat|link PATH'", line)
        expects = entry["expect"]
        if not isinstance(expects, list) or not expects:
            raise DataFileError(path, f"case {case_id}: 'expect' must be a non-empty list", line)
        requires = entry.get("requires") or []
        if isinstance(requires, str):
            requires = [requires]
        if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
            raise DataFileError(path, f"case {case_id}: 'requires' must be a list of names", line)
        violations = validate("runtime/config", build_config(merge(defaults, config)))
        if violations:
            shown = "; ".join(f"{v.path}: {v.message}" for v in violations[:3])
            raise DataFileError(path, f"case {case_id}: the config is not a valid config.json: {shown}", line)
        cases.append(
            MatrixCase(
                id=f"{path.stem}.{case_id}",
                requirements=tuple(requirements),
                level=level,
                config=merge(defaults, config),
                probe=tuple(probe),
                expect=tuple(parse_expectation(path, e, line) for e in expects),
                source=f"{path}:{line}",
                summary=str(entry.get("summary", "")),
                requires=tuple(str(r) for r in requires),
            )
        )
    return cases


def load_matrices(directory: Path, catalog: Catalog) -> list[MatrixCase]:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise DataFileError(directory, "no *.yaml matrix files found")
    return [case for path in files for case in load_matrix(path, catalog)]
