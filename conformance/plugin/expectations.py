"""Known deviations of a runtime version, checked in, so CI can tell them from regressions.

A matching test is marked strict xfail: it must keep failing with an AssertionError;
an unexpected pass fails the run, and so does any failure not listed here.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from conformance.core.datafile import check_keys, line_of, load_yaml, require_mapping
from conformance.core.errors import DataFileError
from conformance.requirements import Catalog


@dataclass(frozen=True)
class Deviation:
    test: str
    requirement: str
    versions: tuple[str, ...]
    observed: str
    source: str

    def applies(self, test_key: str, requirements: tuple[str, ...], version: str) -> bool:
        return (
            self.requirement in requirements
            and fnmatch.fnmatchcase(test_key, _literal_brackets(self.test))
            and any(fnmatch.fnmatchcase(version, pattern) for pattern in self.versions)
        )

    def reason(self, runtime: str, version: str) -> str:
        return (
            f"known deviation of {runtime} {version} from {self.requirement}: {self.observed} ({self.source})"
        )


def _literal_brackets(pattern: str) -> str:
    """Test ids contain [params]: brackets are literal here, only * and ? are wildcards."""
    return "".join({"[": "[[]", "]": "[]]"}.get(char, char) for char in pattern)


def load_expectations(path: Path, catalog: Catalog) -> list[Deviation]:
    """Load one expectations file; an absent file means no known deviations."""
    if not path.exists():
        return []
    data = require_mapping(path, load_yaml(path), "expectations file")
    check_keys(path, data, "expectations file", {"deviations"}, {"description", "runtime", "tool"})
    if ("runtime" in data) == ("tool" in data):
        raise DataFileError(path, "name exactly one of 'runtime' or 'tool'", line_of(data))
    entries = data["deviations"] or []
    if not isinstance(entries, list):
        raise DataFileError(path, "'deviations' must be a list", line_of(data))
    deviations = []
    for raw in entries:
        entry = require_mapping(path, raw, "deviation", line_of(data))
        line = line_of(entry)
        check_keys(path, entry, "deviation", {"test", "requirement", "versions", "observed"})
        if entry["requirement"] not in catalog:
            raise DataFileError(path, f"unknown requirement id {entry['requirement']!r}", line)
        versions = entry["versions"]
        if isinstance(versions, str):
            versions = [versions]
        if not isinstance(versions, list) or not versions:
            raise DataFileError(path, "'versions' must name the runtime version(s) observed", line)
        if not str(entry["observed"]).strip():
            raise DataFileError(path, "'observed' must describe what the runtime did", line)
        deviations.append(
            Deviation(
                test=str(entry["test"]),
                requirement=str(entry["requirement"]),
                versions=tuple(str(v) for v in versions),
                observed=" ".join(str(entry["observed"]).split()),
                source=f"{path.name}:{line}",
            )
        )
    return deviations
