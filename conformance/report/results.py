"""Results by requirement: one `results.json` per subject under the report directory.

Test outcomes arrive as pytest reports (under pytest-xdist, the workers' reports reach the
controller), so the file is written once, by the process that saw every report.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__
from conformance.core import hostinfo
from conformance.kinds import Subject, SubjectKind
from conformance.report.validators import checked_by, rule_verdicts, with_rules
from conformance.requirements import Catalog

#: The user property a test records the validator rules in that ran over the subject's output.
VALIDATOR_RULES = "validator_rules"
#: Outcome precedence when several tests cover one requirement (worst first).
VERDICT_ORDER = ("fail", "pass", "skip")


@dataclass
class TestOutcome:
    nodeid: str
    outcome: str  # passed, failed, error, skipped, xfailed, xpassed
    requirements: list[str]
    level: str
    runtime: str
    duration: float = 0.0
    message: str = ""
    known_deviation: str = ""
    #: Validator rules that ran over what the subject wrote in this test: code -> "pass" or "fail".
    validator_rules: dict[str, str] = field(default_factory=dict)


def _properties(report: pytest.TestReport) -> dict[str, str]:
    return {str(k): str(v) for k, v in report.user_properties}


def _message(report: pytest.TestReport) -> str:
    if report.longrepr is None:
        return ""
    if isinstance(report.longrepr, tuple):  # skip: (path, line, reason)
        return str(report.longrepr[2])
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text[:4000]


@dataclass
class ResultsCollector:
    """Folds pytest's per-phase reports into one outcome per test."""

    outcomes: dict[str, TestOutcome] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Registered as a plugin: sees every report, the workers' included under xdist."""
        self.add(report)

    def add(self, report: pytest.TestReport) -> None:
        props = _properties(report)
        if "requirement" not in props:
            return
        outcome = self.outcomes.get(report.nodeid)
        if outcome is None:
            outcome = TestOutcome(
                nodeid=report.nodeid,
                outcome="passed",
                requirements=props["requirement"].split(),
                level=props.get("level", ""),
                runtime=props.get("subject_label", ""),
                known_deviation=props.get("known_deviation", ""),
            )
            self.outcomes[report.nodeid] = outcome
        outcome.duration += report.duration
        for item in props.get(VALIDATOR_RULES, "").split():
            code, _, verdict = item.partition("=")
            if outcome.validator_rules.get(code) != "fail":
                outcome.validator_rules[code] = verdict
        if hasattr(report, "wasxfail"):
            outcome.outcome = "xfailed" if report.skipped else "xpassed"
            outcome.message = f"{report.wasxfail}"
            if report.failed:  # strict xfail that passed
                outcome.outcome = "xpassed"
        elif report.failed:
            outcome.outcome = "failed" if report.when == "call" else "error"
            outcome.message = _message(report)
        elif report.skipped and outcome.outcome == "passed":
            outcome.outcome = "skipped"
            outcome.message = _message(report)


def _verdict(outcomes: list[TestOutcome]) -> str:
    if not outcomes:
        return "not covered"
    kinds = {o.outcome for o in outcomes}
    if kinds & {"failed", "error", "xfailed", "xpassed"}:
        return "fail"
    if "passed" in kinds:
        return "pass"
    return "skip"


def identity_digest(identity: dict[str, str]) -> str:
    """The digest standing for a subject without a binary (a registry at a URL): its identity's JSON."""
    canonical = json.dumps(identity, sort_keys=True, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def subject_identity(subject: Subject) -> dict[str, str] | None:
    """The identity of a subject that has no binary to hash (its `identity()`), else None."""
    method = getattr(subject, "identity", None)
    return method() if callable(method) else None


def binary_digest(path: str) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return "sha256:" + digest.hexdigest()


def build_results(
    label: str,
    subject: Subject,
    kind: SubjectKind,
    catalog: Catalog,
    collector: ResultsCollector,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The results document of one subject, over the requirements of its kind's spec."""
    spec = kind.spec
    tests = [o for o in collector.outcomes.values() if o.runtime == label]
    by_requirement: dict[str, list[TestOutcome]] = {}
    for outcome in tests:
        for rid in outcome.requirements:
            by_requirement.setdefault(rid, []).append(outcome)
    requirements = {}
    for requirement in catalog:
        if requirement.spec != spec:
            continue
        covering = by_requirement.get(requirement.id, [])
        entry: dict[str, Any] = {
            "level": requirement.level,
            "document": requirement.document,
            "section": requirement.section,
            "link": requirement.link,
            "summary": requirement.summary,
            "verdict": _verdict(covering),
            "tests": [o.nodeid for o in covering],
        }
        if not covering and requirement.untested:
            entry["reason"] = requirement.untested
        ran = rule_verdicts(requirement.id, [vars(o) for o in tests])
        if ran:
            # validator rules ran over what this subject wrote: they judge it like a test
            entry["verdict"] = with_rules(entry["verdict"], ran)
            entry["checked_by"] = sorted({code for code, _, _ in ran})
            entry["validated_in"] = sorted({nodeid for _, nodeid, _ in ran})
        elif not covering and (rules := checked_by(requirement.id)):
            # checked by a validator rule that ran nowhere in this run: no verdict
            entry["checked_by"] = rules
        skipped = [o.message for o in covering if o.outcome == "skipped"]
        if entry["verdict"] == "skip" and skipped:
            entry["reason"] = skipped[0]
        if any(o.known_deviation for o in covering):
            entry["known_deviation"] = True
        requirements[requirement.id] = entry
    counts: dict[str, int] = {}
    for outcome in tests:
        counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
    verdicts: dict[str, int] = {}
    for entry in requirements.values():
        verdicts[entry["verdict"]] = verdicts.get(entry["verdict"], 0) + 1
    identity = subject_identity(subject)
    return {
        "suite": {"name": "oci-conformance", "version": __version__},
        "spec": {"name": spec, "version": kind.spec_version},
        "catalog_digest": catalog.digest,
        "subject": {
            "label": label,
            "kind": kind.name,
            "profile": subject.name,
            "path": subject.path,
            "version": subject.version,
            "version_output": subject.version_output.strip(),
            "digest": identity_digest(identity) if identity else binary_digest(subject.path),
            "notes": subject.notes(),
            **({"identity": identity} if identity else {}),
        },
        "environment": {
            "kernel": hostinfo.kernel(),
            "distro": hostinfo.distro(),
            "arch": platform.machine(),
            "cgroup_mode": hostinfo.cgroup_mode(),
            "python": platform.python_version(),
            "options": options,
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(collector.started)),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "counts": {"tests": counts, "requirements": verdicts},
        "tests": [vars(o) for o in sorted(tests, key=lambda o: o.nodeid)],
        "requirements": requirements,
    }


def write_results(directory: Path, document: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "results.json"
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
    return path
