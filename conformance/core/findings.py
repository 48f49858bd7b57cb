"""What the validators report: rules, findings, the report, and the sink that collects them.

Both validators (the image layout validator, conformance.image.validator, and the runtime bundle
validator, conformance.runtime.validator) share these types; each has its own table of rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

#: Findings of one code kept per file or blob; the rest are counted in one summary finding,
#: so a hostile layer with a million duplicate paths gives a readable report.
PER_PLACE_LIMIT = 20


@dataclass(frozen=True)
class Rule:
    """One finding code, tied to the catalog requirement it checks."""

    code: str
    requirement: str
    level: str
    title: str
    covers: bool = True
    """The rule checks its requirement itself, so the requirement counts as covered by the rule.
    False where the requirement binds a runtime (its state or features output, its refusal of a
    configuration) and the rule only recognizes content that breaks it."""

    @property
    def severity(self) -> str:
        """ "error" for MUST, "warning" for SHOULD and MAY: only errors make content invalid."""
        return "error" if self.level == "MUST" else "warning"


def rule_table(*rules: tuple[str, str, str, str] | tuple[str, str, str, str, bool]) -> dict[str, Rule]:
    """Rules keyed by code from (code, requirement, level, title[, covers]) tuples."""
    table: dict[str, Rule] = {}
    for spec in rules:
        code = spec[0]
        assert code not in table, f"duplicate rule code {code}"
        table[code] = Rule(*spec)
    return table


@dataclass(frozen=True)
class Finding:
    """One broken (MUST: error) or doubtful (SHOULD/MAY: warning) piece of content."""

    code: str
    requirement: str
    level: str
    severity: str
    where: str
    """The file or blob: "index.json", "blobs/sha256/ab12...", "config.json", "<document>"."""
    path: str
    """JSON path ("$.manifests[0].digest") or tar member name; "" when neither applies."""
    message: str

    def line(self) -> str:
        """The human-readable form: `ERROR <requirement> (<level>) <where> <path>: <message>`."""
        place = f"{self.where} {self.path}" if self.path else self.where
        return f"{self.severity.upper()} {self.requirement} ({self.level}) {place}: {self.message}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    blobs_verified: int = 0
    """Distinct blobs whose content was hashed and compared with their digest."""
    bytes_hashed: int = 0
    subject: str = "image"
    """What was validated: "image" (a layout, archive or image document) or "runtime" (a bundle
    or a runtime document); runtime reports carry no blob counters."""
    examined: frozenset[str] = frozenset()
    """The kinds of content the run examined (rule code prefixes: "layout", "manifest", ...): the
    rules of those kinds ran, whether or not they found anything."""

    @property
    def ok(self) -> bool:
        """Valid when nothing is an error; warnings do not change the verdict."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"ok": self.ok, "findings": [asdict(f) for f in self.findings]}
        if self.subject == "image":
            document |= {"blobs_verified": self.blobs_verified, "bytes_hashed": self.bytes_hashed}
        return document


class Collector:
    """Collects findings in discovery order (dropping exact repeats, capping floods) and counters."""

    def __init__(self, rules: Mapping[str, Rule], subject: str = "image") -> None:
        self.rules = rules
        self.subject = subject
        self.blobs_verified = 0
        self.bytes_hashed = 0
        self._findings: list[Finding] = []
        self._seen: set[Finding] = set()
        self._kept: Counter[tuple[str, str]] = Counter()
        self._dropped: Counter[tuple[str, str]] = Counter()
        self.examined: set[str] = set()

    def examine(self, *kinds: str) -> None:
        """Note that content of these kinds (rule code prefixes) was examined."""
        self.examined.update(kinds)

    def add(self, code: str, where: str, path: str, message: str) -> None:
        rule = self.rules[code]
        finding = Finding(code, rule.requirement, rule.level, rule.severity, where, path, message)
        if finding in self._seen:
            return
        key = (code, where)
        if self._kept[key] >= PER_PLACE_LIMIT:
            self._dropped[key] += 1
            return
        self._kept[key] += 1
        self._seen.add(finding)
        self._findings.append(finding)

    def findings(self) -> list[Finding]:
        """All findings, plus one line per flood saying how many of its kind were left out."""
        result = list(self._findings)
        for (code, where), count in self._dropped.items():
            rule = self.rules[code]
            message = f"{count} more finding(s) of this kind left out ({rule.title})"
            result.append(Finding(code, rule.requirement, rule.level, rule.severity, where, "", message))
        return result

    def report(self) -> Report:
        return Report(
            self.findings(), self.blobs_verified, self.bytes_hashed, self.subject, frozenset(self.examined)
        )
