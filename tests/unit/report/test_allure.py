"""Allure: catalog labels and links on real allure-pytest results, environment and categories."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.report.allure import (
    CATEGORIES,
    allure_labels,
    apply_allure_labels,
    attach_text,
    environment,
    suite_labels,
    write_allure_extras,
)
from conformance.requirements import load_catalog
from tests.unit.report.allure_helpers import categories_of

pytest_plugins = ["pytester"]

needs_allure = pytest.mark.skipif(
    importlib.util.find_spec("allure_pytest") is None,
    reason="allure-pytest is not installed (pip install allure-pytest)",
)

MUST = "runtime.state.id"
MAY = "config.hooks.timeout"

#: The plugin itself adds the labels (pytest_collection_modifyitems); the inner run needs no conftest.
CONFTEST = ""

TESTS = f"""
import pytest


@pytest.mark.requirement("{MUST}")
def test_must():
    pass


@pytest.mark.requirement("{MAY}", "{MUST}")
def test_may_and_must():
    raise AssertionError("[{MAY}] hooks time out\\n  expected: error\\n  observed: ok")


@pytest.mark.requirement("{MAY}")
@pytest.mark.xfail(reason="known deviation of runsc 1.0 from {MAY}: never times out", strict=True)
def test_known_deviation():
    raise AssertionError("nope")


@pytest.mark.requirement("{MAY}")
def test_not_exercised():
    pytest.skip("[{MAY}] not exercised: the host has no hooks")


def test_without_requirement():
    pass
"""


def _label_values(result: dict[str, Any], name: str) -> list[str]:
    return [label["value"] for label in result["labels"] if label["name"] == name]


@pytest.fixture
def inner_run(pytester: pytest.Pytester) -> tuple[dict[str, dict[str, Any]], Path]:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_inner=TESTS)
    alluredir = pytester.path / "allure-results"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--alluredir={alluredir}")
    result.assert_outcomes(passed=2, failed=1, xfailed=1, skipped=1)
    results = {}
    for path in alluredir.glob("*-result.json"):
        document = json.loads(path.read_text())
        results[document["name"]] = document
    return results, alluredir


@needs_allure
def test_results_carry_spec_labels_severity_requirement_and_link(
    inner_run: tuple[dict[str, dict[str, Any]], Path],
) -> None:
    results, _ = inner_run
    catalog = load_catalog()
    must = catalog.get(MUST)
    result = results["test_must"]
    assert _label_values(result, "epic") == ["runtime-spec"]
    assert _label_values(result, "feature") == [must.document]
    assert _label_values(result, "story") == [must.section]
    assert _label_values(result, "severity") == ["critical"]
    assert _label_values(result, "requirement") == [MUST]
    assert result["links"] == [{"type": "link", "url": must.link, "name": MUST}]
    assert _label_values(result, "parentSuite") == ["runtime-spec"]
    assert _label_values(result, "suite") == [must.document]
    assert _label_values(result, "subSuite") == [must.section]


@needs_allure
def test_several_requirements_take_the_strongest_severity(
    inner_run: tuple[dict[str, dict[str, Any]], Path],
) -> None:
    results, _ = inner_run
    catalog = load_catalog()
    result = results["test_may_and_must"]
    assert result["status"] == "failed"
    assert _label_values(result, "severity") == ["critical"]  # MUST beats MAY, listed first
    assert _label_values(result, "suite") == ["runtime.md"]  # one tree place: the strongest requirement's
    assert sorted(_label_values(result, "requirement")) == sorted([MAY, MUST])
    assert sorted(_label_values(result, "feature")) == sorted({catalog.get(MAY).document, "runtime.md"})
    assert {link["url"] for link in result["links"]} == {catalog.get(MAY).link, catalog.get(MUST).link}
    assert _label_values(results["test_known_deviation"], "severity") == ["minor"]
    plain = results["test_without_requirement"]
    assert _label_values(plain, "requirement") == [] and plain.get("links", []) == []


@needs_allure
def test_categories_match_the_allure_statuses_and_messages(
    inner_run: tuple[dict[str, dict[str, Any]], Path],
) -> None:
    results, alluredir = inner_run
    write_allure_extras(alluredir, [])
    categories = json.loads((alluredir / "categories.json").read_text())

    assert categories_of(results["test_known_deviation"], categories) == ["Known deviation"]
    assert categories_of(results["test_may_and_must"], categories) == ["Regression"]
    assert categories_of(results["test_not_exercised"], categories) == ["Environment skip"]
    assert categories_of(results["test_must"], categories) == []


def test_allure_labels_marks_are_the_allure_markers() -> None:
    requirement = load_catalog().get(MAY)
    marks = {
        (m.name, m.kwargs.get("label_type") or m.kwargs.get("link_type")): m
        for m in allure_labels(requirement)
    }
    assert marks["allure_label", "epic"].args == ("runtime-spec",)
    assert marks["allure_label", "feature"].args == ("config.md",)
    assert marks["allure_label", "story"].args == ("configHooks",)
    assert marks["allure_label", "severity"].args == ("minor",)
    assert marks["allure_label", "requirement"].args == (MAY,)
    assert marks["allure_link", "link"].args == (requirement.link,)
    assert marks["allure_link", "link"].kwargs["name"] == MAY
    assert [(m.kwargs["label_type"], m.args) for m in suite_labels(requirement)] == [
        ("parentSuite", ("runtime-spec",)),
        ("suite", ("config.md",)),
        ("subSuite", ("configHooks",)),
    ]
    assert [m.args for m in suite_labels({"document": "d.md"})] == [("d.md",), ("d.md",)]
    from_mapping = allure_labels({"id": "x.y", "level": "SHOULD", "document": "d.md", "section": ""})
    assert [(m.kwargs.get("label_type"), m.args) for m in from_mapping] == [
        ("feature", ("d.md",)),
        ("story", ("d.md",)),
        ("severity", ("normal",)),
        ("requirement", ("x.y",)),
    ]


def test_apply_is_a_no_op_without_allure() -> None:
    def refuse(mark: Any) -> None:
        raise AssertionError("no marks without allure-pytest")

    config = SimpleNamespace(pluginmanager=SimpleNamespace(hasplugin=lambda name: False))
    item = SimpleNamespace(config=config, add_marker=refuse, iter_markers=lambda name: [])
    apply_allure_labels([item], load_catalog())
    apply_allure_labels([], load_catalog())
    assert attach_text(config, "runtime calls x", "runc kill x") is False  # type: ignore[arg-type]


@needs_allure
def test_inner_session_without_the_allure_plugin(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        CONFTEST
        + """

def pytest_collection_finish(session):
    assert not [m for i in session.items for m in i.iter_markers() if m.name.startswith("allure")]
"""
    )
    pytester.makepyfile(
        test_inner=f'import pytest\n\n@pytest.mark.requirement("{MUST}")\ndef test_x():\n    pass\n'
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:allure_pytest").assert_outcomes(
        passed=1
    )


RESULTS = {
    "suite": {"name": "oci-conformance", "version": "0.1.0"},
    "spec": {"name": "runtime-spec", "version": "v1.3.0"},
    "catalog_digest": "sha256:0d87",
    "subject": {"label": "runc", "version": "1.1.5+ds1"},
    "environment": {"kernel": "Linux 6.18 x86_64", "cgroup_mode": "hybrid"},
}


def _properties(path: Path) -> dict[str, str]:
    """A minimal java.util.Properties reader for what write_allure_extras writes."""

    def unescape(text: str) -> str:
        return re.sub(r"\\([=: #!])", r"\1", text).encode("ascii").decode("unicode_escape")

    values = {}
    for line in path.read_text(encoding="ascii").splitlines():
        match = re.fullmatch(r"((?:[^\\=]|\\.)*)=(.*)", line)
        assert match, line
        values[unescape(match.group(1))] = unescape(match.group(2))
    return values


def test_environment_properties(tmp_path: Path) -> None:
    write_allure_extras(tmp_path / "allure", [RESULTS])
    assert _properties(tmp_path / "allure" / "environment.properties") == {
        "subject": "runc",
        "version": "1.1.5+ds1",
        "spec": "runtime-spec v1.3.0",
        "kernel": "Linux 6.18 x86_64",
        "cgroup_mode": "hybrid",
        "suite_version": "0.1.0",
        "catalog_digest": "sha256:0d87",
    }


def test_environment_of_several_subjects_and_odd_characters(tmp_path: Path) -> None:
    crun = json.loads(json.dumps(RESULTS))
    crun["subject"] = {"label": "crun", "version": "1.8.1 \u00e9\nline"}
    facts = environment([RESULTS, crun])
    assert facts["subject"] == "runc, crun"
    assert facts["version"] == "runc 1.1.5+ds1, crun 1.8.1 \u00e9\nline"
    assert facts["kernel"] == "Linux 6.18 x86_64"
    write_allure_extras(tmp_path, [RESULTS, crun])
    raw = (tmp_path / "environment.properties").read_text(encoding="ascii")
    assert "\\u00e9\\nline" in raw
    assert _properties(tmp_path / "environment.properties")["version"] == facts["version"]


def test_categories_json_keeps_other_categories(tmp_path: Path) -> None:
    (tmp_path / "categories.json").write_text(
        json.dumps([{"name": "Regression", "matchedStatuses": ["broken"]}, {"name": "Mine"}])
    )
    write_allure_extras(tmp_path, [RESULTS])
    categories = json.loads((tmp_path / "categories.json").read_text())
    assert [c["name"] for c in categories] == ["Known deviation", "Regression", "Environment skip", "Mine"]
    assert categories[:3] == CATEGORIES


ALLURERC = Path(__file__).resolve().parents[3] / "allurerc.yaml"


def test_allurerc_needs_no_flags_and_groups_by_the_suite_tree() -> None:
    import yaml

    from conformance.report.allure import SUITE_LABELS

    config = yaml.safe_load(ALLURERC.read_text())
    assert config["resultsDir"] == "./allure-results"  # what the README passes to --alluredir
    assert config["output"] and config["historyPath"]
    assert config["plugins"]["awesome"]["options"]["groupBy"] == list(SUITE_LABELS)
    assert [(c["name"], c["matchedStatuses"]) for c in config["categories"]] == [
        (c["name"], c["matchedStatuses"]) for c in CATEGORIES
    ]


@needs_allure
def test_allurerc_categories_classify_like_categories_json(
    inner_run: tuple[dict[str, dict[str, Any]], Path],
) -> None:
    """Allure 3 takes the first category whose regex matches anywhere (JavaScript RegExp.test)."""
    import yaml

    results, _ = inner_run
    rules = yaml.safe_load(ALLURERC.read_text())["categories"]

    def first_match(result: dict[str, Any]) -> str | None:
        message = (result.get("statusDetails") or {}).get("message", "")
        for rule in rules:
            regex = rule.get("messageRegex", "")
            if result["status"] in rule["matchedStatuses"] and re.search(regex, message):
                return str(rule["name"])
        return None

    assert first_match(results["test_known_deviation"]) == "Known deviation"
    assert first_match(results["test_may_and_must"]) == "Regression"
    assert first_match(results["test_not_exercised"]) == "Environment skip"
    assert first_match(results["test_must"]) is None
