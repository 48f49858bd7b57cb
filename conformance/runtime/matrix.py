"""Test matrices: YAML cases (a config patch, probe requests, expectations) for the probe.

A case names its requirements; the plugin turns each case into one parametrized test.
Cases whose config and probe requests are equal share one container run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.cases import CASE_ID, Expectation, parse_case_header, parse_expectation
from conformance.core.datafile import check_keys, line_of, load_yaml, require_mapping
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


def _probe_request(entry: object) -> bool:
    """ "file|stat|link PATH" (one path, no spaces) or "exec NAME COMMAND" (a name, then sh code)."""
    if not isinstance(entry, str) or "\n" in entry:
        return False
    words = entry.split()
    if words and words[0] == "exec":
        return len(words) >= 3 and CASE_ID.match(words[1]) is not None
    return len(words) == 2 and words[0] in {"file", "stat", "link"}


def load_matrix(path: Path, catalog: Catalog) -> list[MatrixCase]:
    """Load one matrix file; every fault raises DataFileError naming file and line."""
    data = require_mapping(path, load_yaml(path), "matrix file")
    check_keys(path, data, "matrix file", {"cases"}, {"description", "defaults"})
    defaults = data.get("defaults") or {}
    require_mapping(path, defaults, "'defaults'", line_of(data))
    if not isinstance(data["cases"], list) or not data["cases"]:
        raise DataFileError(path, "'cases' must be a non-empty list", line_of(data))
    from conformance.runtime.bundle.config import build_config, merge
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
        if not isinstance(probe, list) or not all(_probe_request(p) for p in probe):
            raise DataFileError(
                path,
                f"case {case_id}: 'probe' entries are 'file|stat|link PATH' or 'exec NAME COMMAND'",
                line,
            )
        expects = entry["expect"]
        if not isinstance(expects, list) or not expects:
            raise DataFileError(path, f"case {case_id}: 'expect' must be a non-empty list", line)
        requires = entry.get("requires") or []
        if isinstance(requires, str):
            requires = [requires]
        if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
            raise DataFileError(path, f"case {case_id}: 'requires' must be a list of names", line)
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
                requires=tuple(str(r) for r in requires),
            )
        )
    return cases


def load_matrices(directory: Path, catalog: Catalog) -> list[MatrixCase]:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise DataFileError(directory, "no *.yaml matrix files found")
    return [case for path in files for case in load_matrix(path, catalog)]
