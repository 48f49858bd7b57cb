"""Certification verdicts: does a run's `results.json` satisfy a profile of required requirements?

The verdict is derived from the per-test outcomes alone (`recompute_requirements`), never from the
per-requirement verdicts stored in the document: those are a convenience for readers, and anyone
who edits them must not change what the certification says. `consistency_problems` reports where
the stored summaries disagree with the tests, so a verifier can reject an edited document.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.datafile import line_of, load_checked
from conformance.core.errors import ConformanceError, DataFileError
from conformance.report.validators import explanation, rule_verdicts, with_rules
from conformance.requirements import Catalog, Requirement, load_catalog

#: Test outcomes a results document may hold (see conformance.report.results).
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
#: Outcomes that make a requirement fail: a known deviation (xfailed) is still a deviation.
FAILING_OUTCOMES = frozenset({"failed", "error", "xfailed", "xpassed"})
#: Requirement verdicts, as in results.json.
VERDICTS = ("pass", "fail", "skip", "not covered")
#: Longest test message kept in a verdict: enough to say why, short enough to read in a terminal.
MESSAGE_LIMIT = 500
#: At most this many problems are listed one by one; the rest are counted.
PROBLEM_LIMIT = 20


class CertificationError(ConformanceError):
    """The results or the profile cannot be evaluated at all (wrong spec, malformed document)."""


@dataclass(frozen=True)
class AllowedSkip:
    """A skip the working group accepts; `when` (if set) must appear in every skip message."""

    reason: str
    when: str | None = None

    def accepts(self, messages: Iterable[str]) -> bool:
        return self.when is None or all(self.when in message for message in messages)


@dataclass(frozen=True)
class Profile:
    """Which requirements must hold (levels) and which are only reported (warn_levels)."""

    name: str
    description: str
    spec: str
    documents: tuple[str, ...]
    levels: tuple[str, ...]
    warn_levels: tuple[str, ...] = ()
    allowed_skips: Mapping[str, AllowedSkip] = field(default_factory=dict)
    #: Id globs narrowing the selection (e.g. a pull-only profile); empty: every id of the documents.
    requirements: tuple[str, ...] = ()

    def in_scope(self, requirement: Requirement) -> bool:
        return (
            requirement.spec == self.spec
            and requirement.document in self.documents
            and (requirement.level in self.levels or requirement.level in self.warn_levels)
            and (
                not self.requirements
                or any(fnmatch.fnmatchcase(requirement.id, glob) for glob in self.requirements)
            )
        )

    def scope(self, catalog: Catalog | None = None) -> list[Requirement]:
        """The catalog's requirements this profile looks at, in catalog order."""
        return [r for r in (catalog or load_catalog()) if self.in_scope(r)]

    def is_required(self, requirement: Requirement) -> bool:
        return requirement.level in self.levels

    def definition(self) -> dict[str, Any]:
        """The resolved profile as plain data: what its digest covers."""
        narrowed = {"requirements": sorted(self.requirements)} if self.requirements else {}
        return narrowed | {
            "name": self.name,
            "spec": self.spec,
            "documents": sorted(self.documents),
            "levels": sorted(self.levels),
            "warn_levels": sorted(self.warn_levels),
            "allowed_skips": {
                rid: {"reason": skip.reason, "when": skip.when}
                for rid, skip in sorted(self.allowed_skips.items())
            },
        }

    @property
    def digest(self) -> str:
        """Changes whenever what the profile demands changes (not with its description)."""
        canonical = json.dumps(self.definition(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def profile_files() -> list[Path]:
    """Every kind's profiles.yaml, then those other packages register by entry point."""
    from conformance.core import entrypoints
    from conformance.kinds import kinds

    files = [kind.profiles_file for kind in kinds() if kind.profiles_file.is_file()]
    for target in entrypoints.registered("certification_profiles").values():
        files += [Path(p) for p in entrypoints.load(target)()]
    return files


def _documents(path: Path, entry: dict, known: list[str]) -> tuple[str, ...]:
    unknown = sorted(set(entry["documents"]) - set(known))
    if unknown:
        raise DataFileError(
            path, f"documents: unknown {', '.join(unknown)} (known: {', '.join(known)})", entry["line"]
        )
    return tuple(entry["documents"])


def _allowed_skips(value: Mapping[str, str | Mapping[str, str]]) -> dict[str, AllowedSkip]:
    """The schema-checked allowed_skips of a profile: a reason, or {reason, when}."""
    skips = {}
    for rid, spec in value.items():
        if isinstance(spec, str):
            skips[str(rid)] = AllowedSkip(" ".join(spec.split()))
        else:
            skips[str(rid)] = AllowedSkip(" ".join(spec["reason"].split()), spec.get("when"))
    return skips


def load_profiles_from(path: Path, catalog: Catalog | None = None) -> dict[str, Profile]:
    """Parse and check a profiles file: a typo in a selector would silently empty a profile.

    The `data/profiles` schema checks the file's shape (keys, levels, allowed skips); `extends`,
    specs, documents and the allowed skips' scope are checked against each other and the catalog here.
    """
    catalog = catalog or load_catalog()
    raw = load_checked(path, "profiles")["profiles"]
    resolved: dict[str, dict[str, Any]] = {}

    def resolve(name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
        if name in resolved:
            return resolved[name]
        if name in seen:
            raise DataFileError(path, f"profile {name}: extends itself ({' -> '.join((*seen, name))})")
        if name not in raw:
            raise DataFileError(path, f"profile {seen[-1]} extends unknown profile {name!r}")
        entry = raw[name]
        base: dict[str, Any] = {}
        if "extends" in entry:
            base = dict(resolve(entry["extends"], (*seen, name)))
        merged = {"warn_levels": []} | base
        merged |= {k: v for k, v in entry.items() if k not in ("extends", "allowed_skips")}
        skips = dict(base.get("allowed_skips", {}))
        skips.update(_allowed_skips(entry.get("allowed_skips", {})))
        merged["allowed_skips"] = skips
        merged["line"] = line_of(entry)
        resolved[name] = merged
        return merged

    profiles = {}
    for name in raw:
        entry = resolve(str(name))
        line = entry["line"]
        spec = entry["spec"]
        specs = sorted({r.spec for r in catalog})
        if spec not in specs:
            raise DataFileError(
                path, f"profile {name}: unknown spec {spec!r} (known: {', '.join(specs)})", line
            )
        documents = sorted({r.document for r in catalog if r.spec == spec})
        profile = Profile(
            name=str(name),
            description=" ".join(str(entry.get("description", "")).split()),
            spec=spec,
            documents=_documents(path, entry, documents),
            levels=tuple(entry["levels"]),
            warn_levels=tuple(entry["warn_levels"]),
            allowed_skips=entry["allowed_skips"],
            requirements=tuple(entry.get("requirements", ())),
        )
        scope = {r.id for r in profile.scope(catalog)}
        for rid in profile.allowed_skips:
            if rid not in scope:
                raise DataFileError(
                    path, f"profile {name}: allowed skip {rid} is not in the profile's scope", line
                )
        profiles[profile.name] = profile
    return profiles


@functools.cache
def load_profiles() -> dict[str, Profile]:
    """The profiles of every registered kind; a name defined twice is an error."""
    profiles: dict[str, Profile] = {}
    for path in profile_files():
        for name, profile in load_profiles_from(path).items():
            if name in profiles:
                raise DataFileError(path, f"profile {name} is defined in another profiles file too")
            profiles[name] = profile
    return profiles


def get_profile(name: str) -> Profile:
    profiles = load_profiles()
    if name not in profiles:
        raise CertificationError(f"unknown profile {name!r} (known: {', '.join(sorted(profiles))})")
    return profiles[name]


def default_profile_name(results: Mapping[str, Any]) -> str:
    """The default profile of the results' subject kind (or, for older results, of their spec)."""
    from conformance.kinds import kind_for_spec, kind_named

    subject = results.get("subject")
    kind_name = subject.get("kind") if isinstance(subject, dict) else None
    try:
        kind = kind_named(kind_name) if isinstance(kind_name, str) else kind_for_spec(_spec_name(results))
    except ConformanceError as exc:
        raise CertificationError(f"no default profile: {exc}; name one with --profile") from None
    return kind.default_profile


def _spec_name(results: Mapping[str, Any]) -> str:
    spec = results.get("spec")
    name = spec.get("name") if isinstance(spec, dict) else None
    if not isinstance(name, str):
        raise CertificationError("results.json has no spec.name")
    return name


def _tests(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The per-test outcomes, checked for shape: they are the only input of a verdict."""
    tests = results.get("tests")
    if not isinstance(tests, list):
        raise CertificationError("results.json has no 'tests' list")
    for index, test in enumerate(tests):
        if not (
            isinstance(test, dict)
            and isinstance(test.get("nodeid"), str)
            and isinstance(test.get("outcome"), str)
            and isinstance(test.get("requirements"), list)
            and all(isinstance(r, str) for r in test["requirements"])
        ):
            raise CertificationError(f"results.json: tests[{index}] lacks nodeid, outcome or requirements")
    return tests


def verdict_of(outcomes: Iterable[str]) -> str:
    """A requirement's verdict from the outcomes of its covering tests (as build_results decides).

    Any failing outcome fails it; otherwise one pass makes it pass (a skipped variant alongside a
    passing one does not undo the pass); only skips make it a skip; no test at all: not covered.
    An outcome that is not one of OUTCOMES counts as failing, so a garbled document never passes.
    """
    kinds = set(outcomes)
    if not kinds:
        return "not covered"
    if kinds & FAILING_OUTCOMES or kinds - set(OUTCOMES):
        return "fail"
    if "passed" in kinds:
        return "pass"
    return "skip"


def covering_tests(results: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Requirement id -> the tests whose `requirements` name it."""
    covering: dict[str, list[dict[str, Any]]] = {}
    for test in _tests(results):
        for rid in dict.fromkeys(test["requirements"]):
            covering.setdefault(rid, []).append(test)
    return covering


def recompute_requirements(results: Mapping[str, Any]) -> dict[str, str]:
    """Each requirement's verdict derived from the per-test outcomes alone.

    Covers every requirement the document lists and every one a test names; a listed requirement
    no test covers and no validator rule judged (a test's `validator_rules`) is 'not covered',
    whatever the document says.
    """
    covering = covering_tests(results)
    stored = results.get("requirements")
    ids = list(stored) if isinstance(stored, dict) else []
    ids += [rid for rid in covering if rid not in ids]
    tests = _tests(results)
    return {
        rid: with_rules(verdict_of(t["outcome"] for t in covering.get(rid, [])), rule_verdicts(rid, tests))
        for rid in ids
    }


@dataclass
class TestRef:
    nodeid: str
    outcome: str
    message: str = ""


@dataclass
class Finding:
    """One requirement the verdict reports: why it blocks or warns, and the tests that say so."""

    requirement: str
    level: str
    verdict: str
    reason: str
    tests: list[TestRef] = field(default_factory=list)


@dataclass
class Skipped:
    count: int = 0
    allowed: list[dict[str, str]] = field(default_factory=list)
    not_allowed: list[dict[str, str]] = field(default_factory=list)
    advisory: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    """The certification verdict of one run under one profile; `to_dict` is what gets signed."""

    profile: str
    spec: str
    certified: bool
    counts: dict[str, int]
    blocking: list[Finding]
    warnings: list[Finding]
    skipped: Skipped
    not_covered: list[str]
    known_deviations: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    #: Required requirements no test of the run covered and the catalog does not explain:
    #: while any is left, the run cannot be certified (the suite did not check them).
    incomplete: list[str] = field(default_factory=list)
    #: Required requirements no test covers for a reason the catalog states (`untested`).
    explained: list[dict[str, str]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """certified, not certified (a required requirement failed), or incomplete."""
        if self.certified:
            return "certified"
        return "not certified" if self.blocking or self.problems else "incomplete"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"status": self.status}

    def render_text(self, subject: str = "") -> str:
        """The verdict for a terminal: headline, then blocking failures, warnings and skips."""
        state = self.status.upper()
        lines = [f"{(subject + ': ') if subject else ''}{state} under {self.profile}"]
        counts = ", ".join(f"{n} {v}" for v, n in self.counts.items() if v != "in scope")
        lines.append(f"  {self.counts['in scope']} requirement(s) in scope: {counts}")
        lines += [f"  BLOCKING {problem}" for problem in self.problems]
        for title, findings in (("blocking", self.blocking), ("warnings", self.warnings)):
            if not findings:
                continue
            lines.append(f"{title} ({len(findings)}):")
            for finding in findings:
                lines.append(f"  {finding.requirement} ({finding.level}): {finding.reason}")
                for test in finding.tests:
                    message = test.message.splitlines()[0] if test.message else ""
                    lines.append(f"    {test.outcome}: {test.nodeid}" + (f": {message}" if message else ""))
        skipped = self.skipped
        lines.append(f"skipped: {skipped.count} requirement(s)")
        for entry in skipped.allowed:
            lines.append(f"  allowed {entry['requirement']} ({entry['level']}): {entry['reason']}")
        for entry in skipped.not_allowed:
            lines.append(f"  NOT allowed {entry['requirement']} ({entry['level']}): {entry['message']}")
        if skipped.advisory:
            lines.append(f"  not required: {', '.join(skipped.advisory)}")
        if self.known_deviations:
            lines.append(f"known deviations ({len(self.known_deviations)}):")
            for entry in self.known_deviations:
                lines.append(f"  {entry['requirement']} ({entry['level']}): {', '.join(entry['tests'])}")
        if self.incomplete:
            lines.append(
                f"incomplete: {len(self.incomplete)} required requirement(s) neither tested by this run "
                "nor explained by the catalog:"
            )
            lines += [f"  {rid}" for rid in self.incomplete]
        if self.explained:
            lines.append(f"explained as untestable or checked by a validator ({len(self.explained)}):")
            lines += [f"  {e['requirement']} ({e['level']}): {e['reason']}" for e in self.explained]
        advisory = len(self.not_covered) - len(self.incomplete) - len(self.explained)
        lines.append(f"not covered and not required: {advisory} requirement(s)")
        return "\n".join(lines)


def _short(message: Any) -> str:
    text = str(message or "")
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


def _refs(tests: Iterable[dict[str, Any]]) -> list[TestRef]:
    refs = [TestRef(t["nodeid"], t["outcome"], _short(t.get("message"))) for t in tests]
    return sorted(refs, key=lambda ref: ref.nodeid)


def evaluate(results: Mapping[str, Any], profile: Profile, catalog: Catalog | None = None) -> Verdict:
    """The profile's verdict on a run, from its per-test outcomes and the catalog's levels.

    Levels and documents come from the catalog, not from the results, so relabelling a MUST as a
    MAY in the document does not move it out of the profile.
    """
    catalog = catalog or load_catalog()
    spec = _spec_name(results)
    if spec != profile.spec:
        raise CertificationError(f"profile {profile.name} is for {profile.spec}; the results are for {spec}")
    covering = covering_tests(results)
    verdicts = recompute_requirements(results)
    counts = {"in scope": 0} | dict.fromkeys(VERDICTS, 0)
    blocking: list[Finding] = []
    warnings: list[Finding] = []
    skipped = Skipped()
    not_covered: list[str] = []
    incomplete: list[str] = []
    explained: list[dict[str, str]] = []
    deviations: list[dict[str, Any]] = []
    required_exercised = 0
    for requirement in profile.scope(catalog):
        tests = covering.get(requirement.id, [])
        verdict = verdicts.get(requirement.id, "not covered")
        required = profile.is_required(requirement)
        counts["in scope"] += 1
        counts[verdict] += 1
        if verdict == "not covered":
            not_covered.append(requirement.id)
            reason = requirement.untested or explanation(requirement.spec, requirement.id) if required else ""
            if reason:
                explained.append(
                    {"requirement": requirement.id, "level": requirement.level, "reason": reason}
                )
            elif required:
                incomplete.append(requirement.id)
            continue
        if required and verdict != "skip":
            required_exercised += 1
        deviating = [t for t in tests if t.get("known_deviation")]
        if deviating:
            deviations.append(
                {
                    "requirement": requirement.id,
                    "level": requirement.level,
                    "deviations": sorted({str(t["known_deviation"]) for t in deviating}),
                    "tests": sorted(t["nodeid"] for t in deviating),
                }
            )
        if verdict == "fail":
            failing = [t for t in tests if t["outcome"] not in ("passed", "skipped")]
            finding = Finding(requirement.id, requirement.level, "fail", "failed", _refs(failing))
            (blocking if required else warnings).append(finding)
        elif verdict == "skip":
            skipped.count += 1
            if not required:
                skipped.advisory.append(requirement.id)
                continue
            messages = [str(t.get("message") or "") for t in tests]
            allowed = profile.allowed_skips.get(requirement.id)
            entry = {"requirement": requirement.id, "level": requirement.level}
            if allowed is not None and allowed.accepts(messages):
                skipped.allowed.append(entry | {"reason": allowed.reason})
                continue
            reason = (
                "skipped without an allowed reason"
                if allowed is None
                else f"skipped for another cause than the allowed one ({allowed.when!r})"
            )
            skipped.not_allowed.append(entry | {"message": _short(messages[0])})
            blocking.append(Finding(requirement.id, requirement.level, "skip", reason, _refs(tests)))
    problems = []
    if required_exercised == 0:
        problems.append(f"no required requirement of {profile.name} was exercised by this run")
    return Verdict(
        profile=profile.name,
        spec=profile.spec,
        certified=not blocking and not problems and not incomplete,
        counts=counts,
        blocking=blocking,
        warnings=warnings,
        skipped=skipped,
        not_covered=not_covered,
        known_deviations=deviations,
        problems=problems,
        incomplete=incomplete,
        explained=explained,
    )


def _limited(problems: list[str]) -> list[str]:
    if len(problems) <= PROBLEM_LIMIT:
        return problems
    return [*problems[:PROBLEM_LIMIT], f"... and {len(problems) - PROBLEM_LIMIT} more"]


def _tests_mismatch(listed: Any, covering: list[str]) -> str:
    """How a requirement's stored `tests` differ from the tests naming it ('' if they do not)."""
    if not isinstance(listed, list):
        return "no tests list"
    listed = [str(nodeid) for nodeid in listed]
    if sorted(listed) == sorted(covering):
        return ""
    parts = []
    missing = sorted(set(listed) - set(covering))
    extra = sorted(set(covering) - set(listed))
    if missing:
        parts.append(f"listed but absent or not covering it: {', '.join(missing)}")
    if extra:
        parts.append(f"covering it but not listed: {', '.join(extra)}")
    return "; ".join(parts) or "a test appears a different number of times"


def consistency_problems(
    results: Mapping[str, Any], profile: Profile | None = None, catalog: Catalog | None = None
) -> list[str]:
    """Where the stored summaries of a results document disagree with its per-test outcomes.

    An edited per-requirement verdict, a test removed without updating the requirement that lists
    it, or a requirement of the profile missing from the document each shows up here.
    """
    catalog = catalog or load_catalog()
    try:
        tests = _tests(results)
    except CertificationError as exc:
        return [str(exc)]
    stored = results.get("requirements")
    if not isinstance(stored, dict):
        return ["results.json has no 'requirements' mapping"]
    problems: list[str] = []
    seen: set[str] = set()
    for test in tests:
        if test["nodeid"] in seen:
            problems.append(f"test {test['nodeid']} appears more than once")
        seen.add(test["nodeid"])
        if test["outcome"] not in OUTCOMES:
            problems.append(f"test {test['nodeid']}: unknown outcome {test['outcome']!r}")
    spec = results.get("spec", {}).get("name") if isinstance(results.get("spec"), dict) else None
    covering = covering_tests(results)
    recomputed = recompute_requirements(results)
    for rid, entry in stored.items():
        if not isinstance(entry, dict):
            problems.append(f"requirement {rid}: not a mapping")
            continue
        if rid not in catalog:
            problems.append(f"requirement {rid}: not in the catalog")
        else:
            known = catalog.get(rid)
            if known.spec != spec:
                problems.append(f"requirement {rid}: belongs to {known.spec}, the results are for {spec}")
            for key in ("level", "document"):
                if entry.get(key) != getattr(known, key):
                    problems.append(
                        f"requirement {rid}: {key} is {getattr(known, key)} in the catalog, "
                        f"{entry.get(key)!r} in the results"
                    )
        if entry.get("verdict") != recomputed[rid]:
            problems.append(
                f"requirement {rid}: stored verdict {entry.get('verdict')!r} does not follow from its tests "
                f"(recomputed: {recomputed[rid]!r})"
            )
        mismatch = _tests_mismatch(entry.get("tests"), [t["nodeid"] for t in covering.get(rid, [])])
        if mismatch:
            problems.append(f"requirement {rid}: its tests differ from the tests that cover it ({mismatch})")
    for rid in covering:
        if rid not in catalog:
            problems.append(f"requirement {rid}: named by tests but not in the catalog")
    scope = {r.id for r in profile.scope(catalog)} if profile is not None else set()
    for rid in sorted({r.id for r in catalog if r.spec == spec} - set(stored)):
        where = f"in the scope of {profile.name}" if rid in scope and profile else f"a {spec} requirement"
        problems.append(f"requirement {rid}: {where} but missing from the results")
    counts = results.get("counts")
    if isinstance(counts, dict):
        test_counts: dict[str, int] = {}
        for test in tests:
            test_counts[test["outcome"]] = test_counts.get(test["outcome"], 0) + 1
        if counts.get("tests") != test_counts:
            problems.append(f"counts.tests {counts.get('tests')} do not match the tests ({test_counts})")
        verdict_counts: dict[str, int] = {}
        for rid in stored:
            verdict_counts[recomputed[rid]] = verdict_counts.get(recomputed[rid], 0) + 1
        if counts.get("requirements") != verdict_counts:
            problems.append(
                f"counts.requirements {counts.get('requirements')} do not match the recomputed verdicts "
                f"({verdict_counts})"
            )
    else:
        problems.append("results.json has no 'counts' mapping")
    return _limited(problems)


def load_results(path: Path) -> tuple[dict[str, Any], bytes]:
    """A results document and its exact bytes (which an attestation pins)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CertificationError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise CertificationError(f"{path}: not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise CertificationError(f"{path}: not a results document (a JSON object)")
    return document, data
