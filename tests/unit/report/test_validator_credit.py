"""Validator rules count in a tool's results.json only when they ran over the tool's output."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.image.generator import write_layout
from conformance.image.validator import rule_results, validate_layout
from conformance.kinds import kind_for_spec
from conformance.report.certification.profiles import recompute_requirements
from conformance.report.results import VALIDATOR_RULES, ResultsCollector, build_results
from conformance.report.results import TestOutcome as Outcome
from conformance.requirements import load_catalog
from tests.unit.report.certification.test_profiles import LABEL, FakeRuntime

#: A requirement no test of the image suite covers, checked by one validator rule.
RID, CODE = "manifest.layers.order", "manifest.layers-order"
NODE = "suites/image/test_producer.py::test_produced_layout_is_valid[tool]"


def _results(tmp_path: Path, rules: dict[str, str]) -> dict:
    collector = ResultsCollector()
    collector.outcomes[NODE] = Outcome(NODE, "passed", ["image-layout.index.valid"], "MUST", LABEL,
                                           validator_rules=rules)  # fmt: skip
    subject = FakeRuntime(str(tmp_path / "tool"), version_output="tool 1.0")
    return build_results(LABEL, subject, kind_for_spec("image-spec"), load_catalog(), collector, {})


def test_a_rule_that_ran_nowhere_is_not_credited(tmp_path: Path) -> None:
    entry = _results(tmp_path, {})["requirements"][RID]
    assert entry["verdict"] == "not covered" and "validated_in" not in entry
    assert entry["checked_by"] == [f"validator:{CODE}"]


@pytest.mark.parametrize(("ran", "verdict"), [("pass", "pass"), ("fail", "fail")])
def test_a_rule_that_ran_judges_its_requirement(tmp_path: Path, ran: str, verdict: str) -> None:
    results = _results(tmp_path, {CODE: ran})
    entry = results["requirements"][RID]
    assert (entry["verdict"], entry["validated_in"], entry["checked_by"]) == (
        verdict,
        [NODE],
        [f"validator:{CODE}"],
    )
    assert recompute_requirements(results)[RID] == verdict, "certification recomputes the same verdict"


def test_the_property_reaches_the_outcome() -> None:
    collector = ResultsCollector()
    props = [("requirement", "image-layout.index.valid"), ("subject_label", LABEL)]
    for when, extra in (("setup", []), ("call", [(VALIDATOR_RULES, f"{CODE}=pass other.code=fail")])):
        report = pytest.TestReport(
            NODE, ("x", 0, "x"), {}, "passed", None, when, user_properties=props + extra
        )
        collector.add(report)
    assert collector.outcomes[NODE].validator_rules == {CODE: "pass", "other.code": "fail"}


def test_only_the_kinds_of_content_examined_count_as_run(tmp_path: Path) -> None:
    layers = [{"entries": [{"path": "f", "type": "file", "content": "f\n"}]}]
    write_layout({"layers": layers}, tmp_path / "layout")
    ran = rule_results(validate_layout(tmp_path / "layout"))
    assert ran[CODE] == "pass" and ran["layer.duplicate-path"] == "pass"
    assert not any(code.startswith("archive.") for code in ran), "no archive was validated"
    write_layout({"layers": layers, "faults": ["duplicate-path"]}, tmp_path / "dup")
    assert rule_results(validate_layout(tmp_path / "dup"))["layer.duplicate-path"] == "fail"
    write_layout(
        {"artifact": {"artifactType": "application/vnd.example", "blobs": [{"content": "x"}]}}, tmp_path / "a"
    )
    assert "config.os" not in rule_results(validate_layout(tmp_path / "a")), "no image config was examined"
