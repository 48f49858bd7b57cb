"""Image-suite matrices: YAML cases of one kind each (consumer, fault, conversion).

Every case names its requirements; the rest of a case is data for its kind:

- consumer:   layers (the generator's layer vocabulary); the tool's unpack must equal the
              reference application of those layers.
- fault:      fault (a generator fault), layers, roles (consumer and/or copier), outcome
              (`rejected`: the tool must exit non-zero; `contained`: it may succeed, but must
              not write or delete outside its target).
- conversion: config (the image config's `config` object), image (other top-level fields of the
              image config: architecture, os, variant, os.version, os.features, author, created,
              history, rootfs), manifest and index (the generator's `manifest` and `index`
              mappings: annotations), entries (extra rootfs entries, e.g. /etc/passwd), expect
              (field expectations on the runtime config.json) or `error: true` (the conversion
              must fail).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.cases import Expectation, parse_case_header, parse_expectation
from conformance.core.datafile import check_keys, line_of, load_yaml, require_mapping
from conformance.core.errors import DataFileError
from conformance.image.faults import FAULTS
from conformance.requirements import Catalog

KIND_KEYS: dict[str, tuple[set[str], set[str]]] = {
    "consumer": ({"layers"}, set()),
    "fault": ({"fault", "roles", "outcome"}, {"layers"}),
    "conversion": (set(), {"config", "image", "manifest", "index", "entries", "expect", "error"}),
}
OUTCOMES = {"rejected", "contained"}
FAULT_ROLES = {"consumer", "copier"}


@dataclass(frozen=True)
class ImageCase:
    id: str
    kind: str
    requirements: tuple[str, ...]
    level: str
    data: dict[str, Any]
    source: str
    summary: str = ""
    expect: tuple[Expectation, ...] = field(default=())


def load_cases(path: Path, kind: str, catalog: Catalog) -> list[ImageCase]:
    """Load one matrix file of `kind`; faults raise DataFileError naming file and line."""
    data = require_mapping(path, load_yaml(path), "matrix file")
    check_keys(path, data, "matrix file", {"cases"}, {"description"})
    if not isinstance(data["cases"], list) or not data["cases"]:
        raise DataFileError(path, "'cases' must be a non-empty list", line_of(data))
    required, optional = KIND_KEYS[kind]
    cases, seen = [], set()
    for raw in data["cases"]:
        entry = require_mapping(path, raw, "case", line_of(data))
        line = line_of(entry)
        check_keys(path, entry, f"{kind} case", {"id", "requirements"} | required, {"summary"} | optional)
        case_id, requirements, level = parse_case_header(path, entry, seen, catalog)
        _check_kind(path, kind, case_id, entry, line)
        expects = entry.get("expect") or []
        cases.append(
            ImageCase(
                id=f"{path.stem}.{case_id}",
                kind=kind,
                requirements=tuple(requirements),
                level=level,
                data={k: v for k, v in entry.items() if k not in {"id", "requirements", "summary", "expect"}},
                source=f"{path}:{line}",
                summary=str(entry.get("summary", "")),
                expect=tuple(parse_expectation(path, e, line) for e in expects),
            )
        )
    return cases


def _check_kind(path: Path, kind: str, case_id: str, entry: dict, line: int | None) -> None:
    if kind == "fault":
        if entry["fault"] not in FAULTS:
            raise DataFileError(path, f"case {case_id}: unknown fault {entry['fault']!r}", line)
        if entry["outcome"] not in OUTCOMES:
            raise DataFileError(path, f"case {case_id}: outcome must be one of {sorted(OUTCOMES)}", line)
        roles = entry["roles"]
        if not isinstance(roles, list) or not roles or not set(roles) <= FAULT_ROLES:
            raise DataFileError(
                path, f"case {case_id}: roles must be a list from {sorted(FAULT_ROLES)}", line
            )
    if kind == "conversion" and ("expect" in entry) == bool(entry.get("error")):
        raise DataFileError(path, f"case {case_id}: give either 'expect' or 'error: true'", line)
    if kind == "conversion":
        for key in ("config", "image", "manifest", "index"):
            if entry.get(key) is not None and not isinstance(entry[key], dict):
                raise DataFileError(path, f"case {case_id}: '{key}' must be a mapping", line)
