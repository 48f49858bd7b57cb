"""What every matrix of cases shares: case ids, requirement ids, and field expectations.

A case names its requirements and, where it judges observed data, expectations of the form
`{field: a.b.c, <operator>: value}`. The runtime matrices and the image cases both load
their headers and expectations here, so a bad id or operator is reported the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.core.asserts import fail, skip_unsupported
from conformance.core.datafile import line_of
from conformance.core.errors import DataFileError
from conformance.requirements import LEVELS, Catalog

#: A case id; the matrix schemas (conformance/schemas/data/) repeat it, as they do OPERATORS.
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
        ids = tuple(requirements)  # explicit: the case's requirements, whatever the test's marker says
        observed = lookup(observed_data, self.field)
        expected = self.value
        if isinstance(expected, str) and expected.startswith("$host."):
            reference = expected
            expected = lookup(host, expected[len("$host.") :].split("."))
            if expected is _MISSING:
                skip_unsupported(
                    f"the host does not provide {reference}, nothing to compare with", requirements=ids
                )
        test, wording = OPERATORS[self.operator]
        if observed is _MISSING or observed is None:
            reasons = observed_data.get("unobservable_reasons", {})
            for hidden in observed_data.get("unobservable", ()):
                if self.label == hidden or self.label.startswith(hidden + "."):
                    skip_unsupported(
                        reasons.get(hidden)
                        or f"the container's /proc does not show {hidden}, so it cannot be observed",
                        requirements=ids,
                    )
        if observed is _MISSING and self.operator != "exists":
            fail(
                self.message or f"{self.label} was not reported by the probe",
                f"{self.label} {wording} {expected!r}",
                "<absent>",
                requirements=ids,
            )
        if not test(observed, expected):
            shown = "<absent>" if observed is _MISSING else repr(observed)
            fail(
                self.message or f"{self.label} {wording} {expected!r}",
                f"{self.label} {wording} {expected!r}",
                shown,
                requirements=ids,
            )


def parse_expectation(path: Path, entry: dict, line: int | None) -> Expectation:
    """An expectation of a matrix file already checked against its schema (which requires one
    `field` and exactly one operator); a regular expression that does not compile is refused here."""
    line = line_of(entry) or line
    [operator] = [key for key in entry if key in OPERATORS]
    if operator == "matches":
        try:
            re.compile(entry[operator])
        except re.error as exc:
            raise DataFileError(path, f"'matches': invalid regular expression: {exc}", line) from None
    field = entry["field"]
    return Expectation(
        field.split(".") if isinstance(field, str) else [str(step) for step in field],
        operator,
        entry[operator],
        entry.get("message", ""),
    )


def parse_case_header(
    path: Path, entry: dict, seen: set[str], catalog: Catalog
) -> tuple[str, list[str], str]:
    """A case's id (unique in its file), its requirement ids (all in the catalog) and their level.

    Shared by every matrix loader, so each reports a duplicate id or unknown requirement the same
    way; the id's form and the requirements' shape are checked by the matrix's schema.
    """
    line = line_of(entry)
    case_id = entry["id"]
    if case_id in seen:
        raise DataFileError(path, f"duplicate case id {case_id!r}", line)
    seen.add(case_id)
    requirements = entry["requirements"]
    if isinstance(requirements, str):
        requirements = [requirements]
    unknown = [rid for rid in requirements if rid not in catalog]
    if unknown:
        raise DataFileError(path, f"case {case_id}: unknown requirement id(s) {', '.join(unknown)}", line)
    level = min((catalog.get(r).level for r in requirements), key=LEVELS.index)
    return case_id, requirements, level
