"""Certification verdicts: profiles, the recomputation from per-test outcomes, and `certify`.

The results documents are made by the real `build_results` from made-up test outcomes, so these
tests also pin the format the verdict reads. Helpers here (`make_results`, `write_results`) are
shared by test_attestation.py and test_submission.py.
"""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.core.errors import DataFileError
from conformance.kinds import kind_for_spec
from conformance.report.certification.profiles import (
    OUTCOMES,
    CertificationError,
    consistency_problems,
    default_profile_name,
    evaluate,
    get_profile,
    load_profiles,
    load_profiles_from,
    recompute_requirements,
    verdict_of,
)
from conformance.report.results import ResultsCollector, _verdict, build_results
from conformance.report.results import TestOutcome as Outcome
from conformance.report.validators import checked_by
from conformance.requirements import load_catalog
from conformance.runtime.drivers import CommandLineRuntime

LABEL = "fakert"
#: CommandLineRuntime-spec requirements used below, with their catalog level.
MUST_A = "runtime.create.creates"
MUST_B = "runtime.start.runs-program"
MUST_C = "runtime.kill.sends-signal"
MUST_DEVIATING = "runtime.delete.error-not-stopped"
SHOULD = "config-linux.namespaces.type-cgroup"
MAY = "config.hooks.timeout"
SANDBOX_SKIP = "runtime.lifecycle.create-environment"
MUST_SKIPPED = "runtime.start.error-not-created"
FEATURES_MUST = "features.hooks.supported"  # features.md: outside the runtime-linux profiles

#: A run that certifies under runtime-linux-must: nodeid -> (outcome, requirements).
PASSING: dict[str, tuple[str, list[str]]] = {
    f"suites/runtime/test_ops.py::test_create[{LABEL}]": ("passed", [MUST_A]),
    f"suites/runtime/test_ops.py::test_start[{LABEL}]": ("passed", [MUST_B, MUST_A]),
    f"suites/runtime/test_ops.py::test_kill[{LABEL}]": ("passed", [MUST_C]),
    f"suites/runtime/test_ops.py::test_delete_stopped[{LABEL}]": ("passed", [MUST_DEVIATING]),
    f"suites/runtime/test_matrix.py::test_matrix_case[{LABEL}-namespaces.cgroup]": ("passed", [SHOULD]),
}
FAILING_TEST = f"suites/runtime/test_ops.py::test_delete_created[{LABEL}]"
#: The test standing for the rest of a complete suite (see make_results).
REST_TEST = f"suites/runtime/test_rest.py::test_everything_else[{LABEL}]"


def rest_of_scope(spec: str, outcomes: dict[str, tuple[str, list[str]]]) -> list[str]:
    """Required, unexplained requirements of the spec's profiles that no outcome names."""
    named = {rid for _, rids in outcomes.values() for rid in rids}
    catalog = load_catalog()
    required = {
        r.id
        for profile in load_profiles().values()
        if profile.spec == spec
        for r in profile.scope(catalog)
        if profile.is_required(r) and not r.untested
    }
    return sorted(required - named)


class FakeRuntime(CommandLineRuntime):
    """A runtime that is never run: build_results only reads its name, path and version."""

    name = LABEL


def make_results(
    tmp_path: Path,
    outcomes: dict[str, tuple[str, list[str]]] | None = None,
    *,
    messages: dict[str, str] | None = None,
    deviations: dict[str, str] | None = None,
    spec: str = "runtime-spec",
    complete: bool | None = None,
) -> dict[str, Any]:
    """A results document as a run writes it, for a fake binary at tmp_path/fakert.

    With `complete` (the default unless `outcomes` is empty), one more passing test covers every
    requirement the spec's profiles require that no given outcome names and the catalog does not
    explain, as a whole suite would.
    """
    binary = tmp_path / LABEL
    if not binary.exists():
        binary.write_bytes(b"#!/bin/sh\necho 'fakert version 1.2.3'\n")
    collector = ResultsCollector()
    outcomes = dict(PASSING if outcomes is None else outcomes)
    if complete if complete is not None else bool(outcomes):
        outcomes[REST_TEST] = ("passed", rest_of_scope(spec, outcomes))
    for nodeid, (outcome, rids) in outcomes.items():
        collector.outcomes[nodeid] = Outcome(
            nodeid=nodeid,
            outcome=outcome,
            requirements=list(rids),
            level="MUST",
            runtime=LABEL,
            duration=0.5,
            message=(messages or {}).get(nodeid, "" if outcome == "passed" else f"{outcome}: because"),
            known_deviation=(deviations or {}).get(nodeid, ""),
        )
    runtime = FakeRuntime(str(binary), version_output="fakert version 1.2.3")
    return build_results(LABEL, runtime, kind_for_spec(spec), load_catalog(), collector, {"runtime": [LABEL]})


def write_results(directory: Path, document: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "results.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def with_failure(tmp_path: Path, outcome: str = "failed", **kwargs: Any) -> dict[str, Any]:
    return make_results(tmp_path, PASSING | {FAILING_TEST: (outcome, [MUST_DEVIATING])}, **kwargs)


@pytest.fixture
def must() -> Any:
    return get_profile("runtime-linux-must")


# -- profiles ----------------------------------------------------------------------------------


def test_shipped_profiles_load_with_the_documented_selectors() -> None:
    profiles = load_profiles()
    assert {"runtime-linux-must", "runtime-linux-should", "image-layout-must"} <= set(profiles)
    must, should = profiles["runtime-linux-must"], profiles["runtime-linux-should"]
    assert set(must.documents) == {
        "runtime.md",
        "runtime-linux.md",
        "bundle.md",
        "config.md",
        "config-linux.md",
    }
    assert must.levels == ("MUST",) and must.warn_levels == ("SHOULD",)
    assert should.levels == ("MUST", "SHOULD") and should.documents == must.documents
    assert set(must.allowed_skips) <= set(should.allowed_skips), "extends merges allowed skips"
    assert must.digest != should.digest
    image = profiles["image-layout-must"]
    assert set(image.documents) == {
        "image-layout.md",
        "descriptor.md",
        "manifest.md",
        "image-index.md",
        "layer.md",
        "config.md",
        "conversion.md",
    }
    assert image.spec == "image-spec"


def test_profile_scope_follows_spec_documents_and_levels(must: Any) -> None:
    scope = must.scope()
    assert scope and all(r.spec == "runtime-spec" and r.level in ("MUST", "SHOULD") for r in scope)
    ids = {r.id for r in scope}
    assert {MUST_A, SHOULD} <= ids
    assert MAY not in ids and FEATURES_MUST not in ids


def test_default_profile_follows_the_spec(tmp_path: Path) -> None:
    assert default_profile_name({"spec": {"name": "runtime-spec"}}) == "runtime-linux-must"
    assert default_profile_name({"spec": {"name": "image-spec"}}) == "image-layout-must"
    assert default_profile_name({"spec": {"name": "distribution-spec"}}) == "registry-full"
    with pytest.raises(CertificationError, match="no default profile"):
        default_profile_name({"spec": {"name": "no-such-spec"}})
    with pytest.raises(CertificationError, match="unknown profile"):
        get_profile("nope")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("profiles: {p: {spec: runtime-spec, documents: [nope.md], levels: [MUST]}}", "unknown nope.md"),
        (
            "profiles: {p: {spec: runtime-spec, documents: [runtime.md], levels: [MUSTY]}}",
            "levels\\[0\\]: unknown value 'MUSTY'",
        ),
        ("profiles: {p: {spec: other-spec, documents: [runtime.md], levels: [MUST]}}", "unknown spec"),
        ("profiles: {p: {spec: runtime-spec, documents: [runtime.md], level: [MUST]}}", "missing key"),
        (
            "profiles: {p: {spec: runtime-spec, documents: [runtime.md], levels: []}}",
            "profiles.p.levels: must not be empty",
        ),
        (
            "profiles: {p: {spec: runtime-spec, documents: [runtime.md], levels: [MUST],"
            " allowed_skips: {config.hooks.timeout: why}}}",
            "not in the profile's scope",
        ),
        (
            "profiles: {p: {spec: runtime-spec, documents: [runtime.md], levels: [MUST],"
            " allowed_skips: {runtime.create.creates: {reason: ''}}}}",
            r"profiles\.p\.allowed_skips\['runtime\.create\.creates'\]\.reason: must not be empty",
        ),
        ("profiles: {a: {extends: b}, b: {extends: a}}", "extends itself"),
        ("profiles: {a: {extends: c}}", "unknown profile 'c'"),
    ],
)
def test_broken_profile_files_are_refused(tmp_path: Path, body: str, error: str) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(body + "\n")
    with pytest.raises(DataFileError, match=error):
        load_profiles_from(path)


# -- recomputation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "outcomes",
    [combo for size in range(4) for combo in itertools.combinations_with_replacement(OUTCOMES, size)],
)
def test_verdict_of_agrees_with_the_writer_of_results(outcomes: tuple[str, ...]) -> None:
    """The recomputation must decide as build_results did, or honest results would not verify."""
    tests = [Outcome(f"t{i}", o, ["r"], "MUST", LABEL) for i, o in enumerate(outcomes)]
    assert verdict_of(outcomes) == _verdict(tests)


def test_an_unknown_outcome_never_passes() -> None:
    assert verdict_of(["passed", "passed-ish"]) == "fail"


def test_recomputed_verdicts_match_the_stored_ones_of_an_honest_run(tmp_path: Path) -> None:
    results = (
        with_failure(tmp_path, "xfailed", deviations={FAILING_TEST: MUST_DEVIATING}) | {}
    )  # a plain dict, as read back from JSON
    results = json.loads(json.dumps(results))
    recomputed = recompute_requirements(results)
    assert recomputed == {rid: entry["verdict"] for rid, entry in results["requirements"].items()}
    assert recomputed[MUST_DEVIATING] == "fail" and recomputed[MUST_A] == "pass"
    assert consistency_problems(results, get_profile("runtime-linux-must")) == []


def test_stored_verdicts_are_never_read(tmp_path: Path, must: Any) -> None:
    results = with_failure(tmp_path)
    tampered = copy.deepcopy(results)
    tampered["requirements"][MUST_DEVIATING]["verdict"] = "pass"
    tampered["requirements"][MUST_DEVIATING]["level"] = "MAY"
    assert recompute_requirements(tampered)[MUST_DEVIATING] == "fail"
    assert evaluate(tampered, must).to_dict() == evaluate(results, must).to_dict()
    problems = consistency_problems(tampered, must)
    assert any(f"{MUST_DEVIATING}: stored verdict 'pass' does not follow" in p for p in problems)
    assert any(f"{MUST_DEVIATING}: level is MUST in the catalog" in p for p in problems)


def test_a_removed_failing_test_changes_the_verdict_and_is_reported(tmp_path: Path, must: Any) -> None:
    results = with_failure(tmp_path)
    assert not evaluate(results, must).certified
    removed = copy.deepcopy(results)
    removed["tests"] = [t for t in removed["tests"] if t["nodeid"] != FAILING_TEST]
    assert recompute_requirements(removed)[MUST_DEVIATING] == "pass"
    assert evaluate(removed, must).certified
    problems = "\n".join(consistency_problems(removed, must))
    assert f"{MUST_DEVIATING}: stored verdict 'fail' does not follow" in problems
    assert FAILING_TEST in problems  # listed by the requirement but absent
    assert "counts.tests" in problems


def test_consistency_problems_catch_other_edits(tmp_path: Path, must: Any) -> None:
    results = make_results(tmp_path)
    assert consistency_problems(results, must) == []
    edited = copy.deepcopy(results)
    del edited["requirements"][MUST_B]
    edited["tests"][0]["outcome"] = "sort-of"
    edited["tests"].append(copy.deepcopy(edited["tests"][1]))
    edited["requirements"][MUST_C]["tests"] = []
    problems = "\n".join(consistency_problems(edited, must))
    assert f"{MUST_B}: in the scope of runtime-linux-must but missing" in problems
    assert "unknown outcome 'sort-of'" in problems
    assert "appears more than once" in problems
    assert f"{MUST_C}: its tests differ" in problems


# -- verdicts -------------------------------------------------------------------------------------


def test_a_clean_run_is_certified(tmp_path: Path, must: Any) -> None:
    verdict = evaluate(make_results(tmp_path), must)
    assert verdict.certified
    assert verdict.blocking == [] and verdict.warnings == [] and verdict.problems == []
    assert verdict.counts["in scope"] == len(must.scope()) and verdict.status == "certified"
    assert verdict.incomplete == []
    explained = {e["requirement"] for e in verdict.explained}
    assert explained and all(load_catalog().get(rid).untested for rid in explained)
    json.dumps(verdict.to_dict())  # signable as it is


def test_a_required_requirement_neither_tested_nor_explained_makes_it_incomplete(
    tmp_path: Path, must: Any
) -> None:
    verdict = evaluate(make_results(tmp_path, complete=False), must)
    assert not verdict.certified and verdict.status == "incomplete"
    untested = next(
        rid
        for rid in rest_of_scope("runtime-spec", PASSING)
        if not checked_by(rid) and load_catalog().get(rid).level == "MUST"
    )
    assert untested in verdict.incomplete and MUST_A not in verdict.incomplete
    assert verdict.blocking == [] and verdict.problems == []
    assert all(not load_catalog().get(rid).untested for rid in verdict.incomplete)
    text = verdict.render_text("fakert 1.2.3")
    assert text.startswith("fakert 1.2.3: INCOMPLETE under runtime-linux-must")
    assert f"  {untested}" in text and "neither tested by this run nor explained" in text
    assert verdict.to_dict()["status"] == "incomplete"


def test_a_requirement_a_validator_rule_checks_is_explained(tmp_path: Path, must: Any) -> None:
    """A required author-side requirement no test covered is explained by the rules checking it."""
    verdict = evaluate(make_results(tmp_path, complete=False), must)
    checked = [rid for rid in rest_of_scope("runtime-spec", PASSING) if checked_by(rid)]
    assert checked and not set(checked) & set(verdict.incomplete)
    reasons = {e["requirement"]: e["reason"] for e in verdict.explained}
    assert "config.process.cwd-absolute" in reasons
    assert reasons["config.process.cwd-absolute"] == (
        "binds the bundle author; checked by the bundle validator (config.cwd-relative)"
    )


def test_a_failure_outranks_incompleteness(tmp_path: Path, must: Any) -> None:
    results = make_results(tmp_path, {**PASSING, FAILING_TEST: ("failed", [MUST_DEVIATING])}, complete=False)
    verdict = evaluate(results, must)
    assert verdict.status == "not certified" and verdict.incomplete


def test_a_must_failure_blocks_with_its_tests_and_messages(tmp_path: Path, must: Any) -> None:
    verdict = evaluate(
        with_failure(tmp_path, messages={FAILING_TEST: "AssertionError: delete succeeded"}), must
    )
    assert not verdict.certified
    [finding] = verdict.blocking
    assert (finding.requirement, finding.level, finding.verdict) == (MUST_DEVIATING, "MUST", "fail")
    assert [(t.nodeid, t.outcome, t.message) for t in finding.tests] == [
        (FAILING_TEST, "failed", "AssertionError: delete succeeded")
    ]
    assert "AssertionError: delete succeeded" in verdict.render_text()


@pytest.mark.parametrize("outcome", ["error", "xfailed", "xpassed"])
def test_every_failing_outcome_blocks(tmp_path: Path, must: Any, outcome: str) -> None:
    assert [f.requirement for f in evaluate(with_failure(tmp_path, outcome), must).blocking] == [
        MUST_DEVIATING
    ]


def test_known_deviations_are_listed_and_still_block(tmp_path: Path, must: Any) -> None:
    results = with_failure(tmp_path, "xfailed", deviations={FAILING_TEST: MUST_DEVIATING})
    verdict = evaluate(results, must)
    assert not verdict.certified
    assert verdict.known_deviations == [
        {
            "requirement": MUST_DEVIATING,
            "level": "MUST",
            "deviations": [MUST_DEVIATING],
            "tests": [FAILING_TEST],
        }
    ]


def test_should_failures_warn_under_must_and_block_under_should(tmp_path: Path, must: Any) -> None:
    results = make_results(tmp_path, PASSING | {"t::cgroup2": ("failed", [SHOULD])})
    verdict = evaluate(results, must)
    assert verdict.certified
    assert [f.requirement for f in verdict.warnings] == [SHOULD]
    should = evaluate(results, get_profile("runtime-linux-should"))
    assert not should.certified and [f.requirement for f in should.blocking] == [SHOULD]


def test_failures_outside_the_scope_are_ignored(tmp_path: Path, must: Any) -> None:
    results = make_results(
        tmp_path, PASSING | {"t::timeout": ("failed", [MAY]), "t::f": ("failed", [FEATURES_MUST])}
    )
    assert evaluate(results, must).certified


def test_a_required_skip_without_an_allowed_reason_blocks(tmp_path: Path, must: Any) -> None:
    results = make_results(tmp_path, PASSING | {"t::start": ("skipped", [MUST_SKIPPED])})
    verdict = evaluate(results, must)
    assert not verdict.certified
    assert verdict.skipped.count == 1
    assert [e["requirement"] for e in verdict.skipped.not_allowed] == [MUST_SKIPPED]
    assert verdict.blocking[0].reason == "skipped without an allowed reason"


def test_an_allowed_skip_does_not_block_but_only_for_its_cause(tmp_path: Path, must: Any) -> None:
    sandbox = "Skipped: [x] not exercised: fakert runs the container in a sandbox; namespaces are elsewhere"
    results = make_results(
        tmp_path, PASSING | {"t::env": ("skipped", [SANDBOX_SKIP])}, messages={"t::env": sandbox}
    )
    verdict = evaluate(results, must)
    assert verdict.certified
    assert verdict.skipped.allowed == [
        {"requirement": SANDBOX_SKIP, "level": "MUST", "reason": must.allowed_skips[SANDBOX_SKIP].reason}
    ]
    other = make_results(
        tmp_path, PASSING | {"t::env": ("skipped", [SANDBOX_SKIP])}, messages={"t::env": "Skipped: no time"}
    )
    verdict = evaluate(other, must)
    assert not verdict.certified
    assert "another cause than the allowed one" in verdict.blocking[0].reason


def test_a_skip_beside_a_pass_is_a_pass_and_a_should_skip_is_advisory(tmp_path: Path, must: Any) -> None:
    results = make_results(
        tmp_path,
        {k: v for k, v in PASSING.items() if SHOULD not in v[1]}
        | {"t::create2": ("skipped", [MUST_A]), "t::cgroup": ("skipped", [SHOULD])},
    )
    verdict = evaluate(results, must)
    assert verdict.certified
    assert verdict.skipped.advisory == [SHOULD]


def test_a_run_that_exercised_nothing_required_is_not_certified(tmp_path: Path, must: Any) -> None:
    verdict = evaluate(make_results(tmp_path, {}), must)
    assert not verdict.certified and verdict.blocking == []
    assert verdict.problems == ["no required requirement of runtime-linux-must was exercised by this run"]


def test_a_profile_of_another_spec_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CertificationError, match="is for image-spec"):
        evaluate(make_results(tmp_path), get_profile("image-layout-must"))


def test_malformed_tests_are_refused(tmp_path: Path, must: Any) -> None:
    results = make_results(tmp_path)
    results["tests"][0].pop("outcome")
    with pytest.raises(CertificationError, match="tests\\[0\\]"):
        evaluate(results, must)
    with pytest.raises(CertificationError, match="no 'tests' list"):
        evaluate({"spec": {"name": "runtime-spec"}}, must)


# -- certify -------------------------------------------------------------------------------------


def test_certify_exit_0_when_certified(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_results(tmp_path / "run", make_results(tmp_path))
    assert main(["certify", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "fakert 1.2.3: CERTIFIED under runtime-linux-must"
    assert "not covered and not required" in out


def test_certify_exit_1_with_the_blocking_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_results(tmp_path / "run", with_failure(tmp_path))
    assert main(["certify", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "fakert 1.2.3: NOT CERTIFIED under runtime-linux-must"
    assert f"  {MUST_DEVIATING} (MUST): failed" in out
    assert f"    failed: {FAILING_TEST}: failed: because" in out


def test_certify_under_another_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = make_results(tmp_path, PASSING | {"t::cgroup2": ("failed", [SHOULD])})
    path = write_results(tmp_path / "run", results)
    assert main(["certify", str(path)]) == 0
    assert main(["certify", str(path), "--profile", "runtime-linux-should"]) == 1
    assert "warnings (1):" in capsys.readouterr().out


def test_certify_notes_stored_summaries_that_disagree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = with_failure(tmp_path)
    results["requirements"][MUST_DEVIATING]["verdict"] = "pass"
    path = write_results(tmp_path / "run", results)
    assert main(["certify", str(path)]) == 1
    assert "stored verdict 'pass' does not follow" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["missing.json"], "cannot read"),
        (["{results}", "--profile", "nope"], "unknown profile 'nope'"),
        (["{results}", "--profile", "image-layout-must"], "is for image-spec"),
        (["{garbage}"], "not JSON"),
    ],
)
def test_certify_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], error: str
) -> None:
    results = write_results(tmp_path / "run", make_results(tmp_path))
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    argv = [a.format(results=results, garbage=garbage) for a in argv]
    if argv[0] == "missing.json":
        argv[0] = str(tmp_path / "missing.json")
    assert main(["certify", *argv]) == 2
    assert error in capsys.readouterr().err


def test_results_name_the_validator_rules_of_requirements_no_test_covered(tmp_path: Path) -> None:
    results = make_results(tmp_path, complete=False)
    entry = results["requirements"]["config.process.cwd-absolute"]
    assert entry["verdict"] == "not covered" and entry["tests"] == []
    assert entry["checked_by"] == ["validator:config.cwd-relative"]
    covered = [rid for rid, e in results["requirements"].items() if e["tests"]]
    assert covered and all("checked_by" not in results["requirements"][rid] for rid in covered)
    assert "checked_by" not in results["requirements"]["config.annotations.free-form"]
