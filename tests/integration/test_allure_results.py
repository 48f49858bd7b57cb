"""Allure results of a real run: the suite tree, the requirement link, the runtime transcript on a
failure and the known-deviation category.

A broken runc that ignores SIGUSR1 fails test_kill_delivers_signal; runc's recorded deviation
(delete of a created container) is a strict xfail of the same run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.requirements import load_catalog
from tests.integration.conftest import SuiteRunner
from tests.unit.report.allure_helpers import categories_of

BROKEN = Path(__file__).resolve().parents[1] / "broken_runtimes" / "kill-ignores-signal"
FAILING = "test_kill_delivers_signal"
DEVIATION = "test_delete_of_created_container_fails_without_effect"

pytestmark = pytest.mark.requires_runc


def _labels(result: dict[str, Any], name: str) -> list[str]:
    return [label["value"] for label in result["labels"] if label["name"] == name]


@pytest.fixture(scope="module")
def allure_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, Any]], Path]:
    base = tmp_path_factory.mktemp("allure-run")
    alluredir = base / "allure-results"
    suite = SuiteRunner(base)
    try:
        run = suite.run(
            [f"--runtime={BROKEN}", "-q", "-k", f"{FAILING} or {DEVIATION}", f"--alluredir={alluredir}"],
            timeout=240.0,
        )
        suite.assert_no_leftovers()
    finally:
        suite.cleanup()
    assert run.returncode == 1, run.describe()
    results = {}
    for path in alluredir.glob("*-result.json"):
        document = json.loads(path.read_text())
        results[document["name"].split("[")[0]] = document
    assert set(results) == {FAILING, DEVIATION}, run.describe()
    return results, alluredir


def test_suite_tree_and_requirement_link(allure_run: tuple[dict[str, dict[str, Any]], Path]) -> None:
    results, _ = allure_run
    requirement = load_catalog().get("runtime.kill.sends-signal")
    result = results[FAILING]
    assert _labels(result, "parentSuite") == ["runtime-spec"]
    assert _labels(result, "suite") == ["runtime.md"]
    assert _labels(result, "subSuite") == [requirement.section]
    assert {"type": "link", "url": requirement.link, "name": requirement.id} in result["links"]


def test_failure_carries_the_runtime_transcript(allure_run: tuple[dict[str, dict[str, Any]], Path]) -> None:
    results, alluredir = allure_run
    result = results[FAILING]
    assert result["status"] == "failed"
    attachments = {a["name"]: alluredir / a["source"] for a in result.get("attachments", [])}
    calls = [name for name in attachments if name.startswith("runtime calls ")]
    assert calls, f"no transcript attached: {sorted(attachments)}"
    transcript = "\n".join(attachments[name].read_text() for name in calls)
    assert re.search(rf"{re.escape(str(BROKEN))} .*\bkill\b.*\bSIGUSR1\b", transcript), transcript
    assert any(name.startswith("config.json ") for name in attachments)


def test_known_deviation_is_its_own_category(allure_run: tuple[dict[str, dict[str, Any]], Path]) -> None:
    results, alluredir = allure_run
    categories = json.loads((alluredir / "categories.json").read_text())

    assert categories_of(results[DEVIATION], categories) == ["Known deviation"]
    assert categories_of(results[FAILING], categories) == ["Regression"]
    environment = (alluredir / "environment.properties").read_text()
    assert "subject=runc" in environment and "kernel=" in environment
