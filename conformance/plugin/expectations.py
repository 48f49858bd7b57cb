"""Known deviations of a runtime version, checked in, so CI can tell them from regressions.

A matching test is marked strict xfail: it must keep failing with an AssertionError;
an unexpected pass fails the run, and so does any failure not listed here. A deviation marked
`intermittent` (a race in the subject, seen in some runs only) is a non-strict xfail: a run where
it does not show passes, and the requirement still counts as failed in the results.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from conformance.core.datafile import line_of, load_checked
from conformance.core.errors import DataFileError
from conformance.requirements import Catalog


@dataclass(frozen=True)
class Deviation:
    test: str
    requirement: str
    versions: tuple[str, ...]
    observed: str
    source: str
    intermittent: bool = False

    def applies(self, test_key: str, requirements: tuple[str, ...], version: str) -> bool:
        return (
            self.requirement in requirements
            and fnmatch.fnmatchcase(test_key, _literal_brackets(self.test))
            and any(fnmatch.fnmatchcase(version, pattern) for pattern in self.versions)
        )

    def reason(self, runtime: str, version: str) -> str:
        kind = "known deviation (intermittent)" if self.intermittent else "known deviation"
        return f"{kind} of {runtime} {version} from {self.requirement}: {self.observed} ({self.source})"


def _literal_brackets(pattern: str) -> str:
    """Test ids contain [params]: brackets are literal here, only * and ? are wildcards."""
    return "".join({"[": "[[]", "]": "[]]"}.get(char, char) for char in pattern)


def expectation_files(directory: Path, name: str) -> list[Path]:
    """`<name>.yaml` and `<name>/*.yaml`; a flavour (`base+flavour`) has its base's files first."""
    names = [name.split("+")[0], name] if "+" in name else [name]
    return [
        path
        for each in names
        for path in [directory / f"{each}.yaml", *sorted((directory / each).glob("*.yaml"))]
    ]


def load_expectations(path: Path, catalog: Catalog) -> list[Deviation]:
    """Load one expectations file; an absent file means no known deviations.

    The `data/expectations` schema checks the file's shape; requirement ids are checked here.
    """
    if not path.exists():
        return []
    data = load_checked(path, "expectations")
    deviations = []
    for entry in data["deviations"] or []:
        line = line_of(entry)
        if entry["requirement"] not in catalog:
            raise DataFileError(path, f"unknown requirement id {entry['requirement']!r}", line)
        versions = entry["versions"]
        if isinstance(versions, str):
            versions = [versions]
        deviations.append(
            Deviation(
                test=entry["test"],
                requirement=entry["requirement"],
                versions=tuple(versions),
                observed=" ".join(entry["observed"].split()),
                source=f"{path.name}:{line}",
                intermittent=entry.get("intermittent", False),
            )
        )
    return deviations
