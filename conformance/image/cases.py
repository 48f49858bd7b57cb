"""Image-suite matrices: YAML cases of one kind each (consumer, fault, conversion).

Every case names its requirements; the rest of a case is data for its kind:

- consumer:   layers (the generator's layer vocabulary); the tool's unpack must equal the
              reference application of those layers.
- fault:      fault (a generator fault), layers, nested, outcome (one for every role of the
              file's `roles`, or one per role: `rejected`, `preserved`, `rejected-or-preserved`,
              `contained`; see suites/image/matrices/fault.yaml). The loader adds `outcomes`,
              role -> outcome, for every role of the file.
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
from conformance.core.datafile import line_of, load_checked
from conformance.core.errors import DataFileError
from conformance.image.faults import FAULTS
from conformance.requirements import Catalog

#: Case kind -> the schema of its matrix file (conformance/schemas/data/<name>.schema.json).
KIND_SCHEMAS: dict[str, str] = {
    "consumer": "image-consumer-cases",
    "fault": "image-fault-cases",
    "conversion": "image-conversion-cases",
}


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
    """Load one matrix file of `kind`; faults raise DataFileError naming file and line.

    The kind's schema checks the file's shape (the `layers` and `entries` lists are the generator's
    vocabulary, checked when the image is generated); ids, faults and `expect`/`error` here.
    """
    data = load_checked(path, KIND_SCHEMAS[kind])
    cases, seen = [], set()
    for entry in data["cases"]:
        line = line_of(entry)
        case_id, requirements, level = parse_case_header(path, entry, seen, catalog)
        _check_kind(path, kind, case_id, entry, line)
        extra = _outcomes(path, case_id, entry, data["roles"], line) if kind == "fault" else {}
        expects = entry.get("expect") or []
        cases.append(
            ImageCase(
                id=f"{path.stem}.{case_id}",
                kind=kind,
                requirements=tuple(requirements),
                level=level,
                data={k: v for k, v in entry.items() if k not in {"id", "requirements", "summary", "expect"}}
                | extra,
                source=f"{path}:{line}",
                summary=str(entry.get("summary", "")),
                expect=tuple(parse_expectation(path, e, line) for e in expects),
            )
        )
    return cases


def _check_kind(path: Path, kind: str, case_id: str, entry: dict, line: int | None) -> None:
    if kind == "fault" and entry["fault"] not in FAULTS:
        raise DataFileError(path, f"case {case_id}: unknown fault {entry['fault']!r}", line)
    if kind == "conversion" and ("expect" in entry) == bool(entry.get("error")):
        raise DataFileError(path, f"case {case_id}: give either 'expect' or 'error: true'", line)


def _outcomes(path: Path, case_id: str, entry: dict, roles: list[str], line: int | None) -> dict[str, Any]:
    """role -> outcome for every role of the file (a fault case names one outcome or one per role)."""
    outcome = entry["outcome"]
    if isinstance(outcome, str):
        return {"outcomes": {role: outcome for role in roles}}
    problems = []
    if missing := set(roles) - set(outcome):
        problems.append(f"no outcome for {', '.join(sorted(missing))}")
    if unknown := set(outcome) - set(roles):
        problems.append(f"outcomes for roles not in the file's roles: {', '.join(sorted(unknown))}")
    if problems:
        raise DataFileError(path, f"case {case_id}: {'; '.join(problems)}", line)
    return {"outcomes": {role: outcome[role] for role in roles}}
