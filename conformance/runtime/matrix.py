"""Test matrices: YAML cases (a config patch, probe requests, expectations) for the probe.

A case names its requirements; the plugin turns each case into one parametrized test.
Cases whose config and probe requests are equal share one container run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.cases import Expectation, parse_case_header, parse_expectation
from conformance.core.datafile import line_of, load_checked
from conformance.core.errors import DataFileError
from conformance.requirements import Catalog
from conformance.runtime.host import HOST_FEATURES


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


def load_matrix(path: Path, catalog: Catalog) -> list[MatrixCase]:
    """Load one matrix file; every fault raises DataFileError naming file and line.

    The `data/runtime-matrix` schema checks the file's shape; the case ids' uniqueness, the
    requirement ids and the merged config's validity are checked here.
    """
    data = load_checked(path, "runtime-matrix")
    defaults = data.get("defaults") or {}
    from conformance.runtime.bundle.config import build_config, merge
    from conformance.schemas import validate

    cases: list[MatrixCase] = []
    seen: set[str] = set()
    for entry in data["cases"]:
        line = line_of(entry)
        case_id, requirements, level = parse_case_header(path, entry, seen, catalog)
        config = entry.get("config") or {}
        probe = entry.get("probe") or []
        expects = entry["expect"]
        requires = entry.get("requires") or []
        if isinstance(requires, str):
            requires = [requires]
        unknown = [r for r in requires if r not in HOST_FEATURES]
        if unknown:
            raise DataFileError(
                path,
                f"case {case_id}: unknown host feature(s) {', '.join(unknown)} in 'requires' "
                f"(known: {', '.join(sorted(HOST_FEATURES))})",
                line,
            )
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
                requires=tuple(requires),
            )
        )
    return cases


def load_matrices(directory: Path, catalog: Catalog) -> list[MatrixCase]:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise DataFileError(directory, "no *.yaml matrix files found")
    return [case for path in files for case in load_matrix(path, catalog)]
