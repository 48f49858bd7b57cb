"""What changed since a baseline run: `oci-conformance compare --baseline OLD NEW`.

Runs are paired by their place below the directories given (`runc/results.json` with
`runc/results.json`), or, when one run directory is given on each side, with each other. Per
requirement of a pair:

- a *regression* is a failure the baseline did not have: the new verdict is fail, it is not a
  known deviation, and the old verdict was not such a failure (pass, skip, not covered, absent,
  or a known deviation whose expectation has since been removed);
- a *new deviation* is a known deviation the baseline did not record;
- a *fix* is a requirement that failed in the baseline and passes now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.report.html import esc, link

#: Change kinds in the order they are listed, with their headings.
KINDS = {
    "regression": "regressions (a failure the baseline did not have)",
    "deviation": "new known deviations",
    "fixed": "fixed (failed in the baseline, pass now)",
}
ABSENT = "absent"


@dataclass(frozen=True)
class Change:
    """One requirement of one subject whose verdict changed in a way worth listing."""

    kind: str
    subject: str
    requirement: str
    level: str
    old: str
    new: str
    link: str = ""


@dataclass
class Changes:
    """The changes of every paired run, and the runs found on one side only."""

    changes: list[Change] = field(default_factory=list)
    only_old: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def regressed(self) -> bool:
        return any(c.kind == "regression" for c in self.changes)


def _label(results: Mapping[str, Any], key: str) -> str:
    return str((results.get("subject") or {}).get("label") or key)


def _verdict(entry: Mapping[str, Any] | None) -> tuple[str, bool]:
    if entry is None:
        return ABSENT, False
    return str(entry.get("verdict") or ""), bool(entry.get("known_deviation"))


def _show(verdict: str, deviation: bool) -> str:
    return f"{verdict} (known deviation)" if deviation else verdict


def classify(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> str | None:
    """The change kind of one requirement entry (None: nothing worth listing)."""
    old_verdict, old_deviation = _verdict(old)
    new_verdict, new_deviation = _verdict(new)
    old_plain_failure = old_verdict == "fail" and not old_deviation
    if new_verdict == "fail" and not new_deviation and not old_plain_failure:
        return "regression"
    if new_deviation and not old_deviation:
        return "deviation"
    if old_verdict == "fail" and new_verdict == "pass":
        return "fixed"
    return None


def diff_run(subject: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """The changes between two results documents of the same subject, in the new run's order."""
    old_requirements = old.get("requirements") or {}
    changes = []
    for rid, entry in (new.get("requirements") or {}).items():
        before = old_requirements.get(rid)
        kind = classify(before, entry)
        if kind is None:
            continue
        changes.append(
            Change(
                kind=kind,
                subject=subject,
                requirement=str(rid),
                level=str(entry.get("level") or ""),
                old=_show(*_verdict(before)),
                new=_show(*_verdict(entry)),
                link=str(entry.get("link") or ""),
            )
        )
    return changes


def diff(old_runs: Mapping[str, Mapping[str, Any]], new_runs: Mapping[str, Mapping[str, Any]]) -> Changes:
    """Pair runs by key (their path below the compared directories) and collect the changes."""
    if len(old_runs) == 1 and len(new_runs) == 1:
        old_runs = {next(iter(new_runs)): next(iter(old_runs.values()))}
    result = Changes()
    for key, new in new_runs.items():
        old = old_runs.get(key)
        if old is None:
            result.only_new.append(_label(new, key))
            continue
        result.changes += diff_run(_label(new, key), old, new)
    result.only_old = [_label(old, key) for key, old in old_runs.items() if key not in new_runs]
    return result


def to_terminal(changes: Changes) -> str:
    """The changes by kind, one line per requirement, and a closing count line."""
    out = []
    for kind, heading in KINDS.items():
        listed = changes.of(kind)
        out.append(f"{heading}: {len(listed)}")
        out += [f"  {c.subject}  {c.requirement} [{c.level}]  {c.old} -> {c.new}" for c in listed]
    if changes.only_old:
        out.append("in the baseline only (no run now): " + ", ".join(changes.only_old))
    if changes.only_new:
        out.append("new runs (no baseline): " + ", ".join(changes.only_new))
    counts = ", ".join(f"{len(changes.of(kind))} {kind}" for kind in KINDS)
    out.append(f"since the baseline: {counts}")
    return "\n".join(out) + "\n"


def changes_html(changes: Changes) -> str:
    """A page section: the changes by kind, each requirement linking to its spec text."""
    parts = []
    for kind, heading in KINDS.items():
        listed = changes.of(kind)
        items = "".join(
            f"<li class='change {kind}'><strong>{esc(c.subject)}</strong> {link(c.link, c.requirement)} "
            f"[{esc(c.level)}]: {esc(c.old)} \u2192 {esc(c.new)}</li>"
            for c in listed
        )
        parts.append(f"<h3>{esc(heading)}: {len(listed)}</h3>" + (f"<ul>{items}</ul>" if items else ""))
    if changes.only_old:
        parts.append(f"<p>In the baseline only (no run now): {esc(', '.join(changes.only_old))}</p>")
    if changes.only_new:
        parts.append(f"<p>New runs (no baseline): {esc(', '.join(changes.only_new))}</p>")
    return f"<section id='changes'><h2>Since the baseline</h2>{''.join(parts)}</section>"
