"""`compare --baseline`: which verdict changes are regressions, deviations and fixes; pairing; CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.report.regressions import classify, diff, to_terminal
from tests.unit.report.test_compare import req, results

PASS, FAIL, SKIP, NONE = "pass", "fail", "skip", "not covered"


def entry(verdict: str, deviation: bool = False) -> dict[str, Any]:
    return req("MUST", verdict, **({"known_deviation": True} if deviation else {}))


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        (entry(PASS), entry(FAIL), "regression"),
        (entry(SKIP), entry(FAIL), "regression"),
        (entry(NONE), entry(FAIL), "regression"),
        (None, entry(FAIL), "regression"),
        (entry(FAIL, True), entry(FAIL), "regression"),  # expectation removed, still failing
        (entry(FAIL), entry(FAIL), None),
        (entry(PASS), entry(FAIL, True), "deviation"),
        (entry(FAIL), entry(FAIL, True), "deviation"),
        (entry(FAIL, True), entry(FAIL, True), None),
        (entry(FAIL), entry(PASS), "fixed"),
        (entry(FAIL, True), entry(PASS), "fixed"),
        (entry(PASS), entry(PASS), None),
        (entry(PASS), entry(SKIP), None),
        (None, entry(PASS), None),
    ],
)
def test_classify(old: dict[str, Any] | None, new: dict[str, Any], kind: str | None) -> None:
    assert classify(old, new) == kind


def test_runs_pair_by_key_and_unpaired_runs_are_listed() -> None:
    old = {
        "runc": results("runc", "runtime-spec", {"a": entry(PASS), "b": entry(FAIL)}),
        "crun": results("crun", "runtime-spec", {"a": entry(PASS)}),
    }
    new = {
        "runc": results("runc", "runtime-spec", {"a": entry(FAIL), "b": entry(PASS)}),
        "umoci": results("umoci", "image-spec", {"x": entry(FAIL)}),
    }
    changes = diff(old, new)
    assert [(c.kind, c.subject, c.requirement, c.old, c.new) for c in changes.changes] == [
        ("regression", "runc", "a", PASS, FAIL),
        ("fixed", "runc", "b", FAIL, PASS),
    ]
    assert changes.only_old == ["crun"] and changes.only_new == ["umoci"]
    assert changes.regressed
    text = to_terminal(changes)
    assert "  runc  a [MUST]  pass -> fail" in text and "new runs (no baseline): umoci" in text
    assert text.splitlines()[-1] == "since the baseline: 1 regression, 0 deviation, 1 fixed"


def test_one_run_on_each_side_pairs_whatever_the_keys() -> None:
    changes = diff(
        {"old": results("runc", "runtime-spec", {"a": entry(PASS)})},
        {"new": results("runc", "runtime-spec", {"a": entry(FAIL, True)})},
    )
    assert [(c.kind, c.new) for c in changes.changes] == [("deviation", "fail (known deviation)")]
    assert not changes.regressed and not changes.only_old and not changes.only_new


def _write(root: Path, key: str, document: dict[str, Any], page: bool = True) -> None:
    run = root / key
    run.mkdir(parents=True)
    (run / "results.json").write_text(json.dumps(document))
    if page:
        (run / "index.html").write_text("<!DOCTYPE html><title>run</title>")


def test_cli_baseline_over_directories_of_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    for root, verdict in ((old, PASS), (new, FAIL)):
        _write(root, "runc", results("runc", "runtime-spec", {"a": entry(verdict)}))
        _write(root, "auth/reg", results("reg", "distribution-spec", {"d": entry(PASS)}), page=False)
    out = tmp_path / "site" / "matrix.html"
    allure = tmp_path / "allure-results"
    args = ["--baseline", str(old), "--html", str(out), "--allure-results", str(allure)]
    assert main(["compare", str(new), *args]) == 1
    printed = capsys.readouterr().out
    assert "regressions (a failure the baseline did not have): 1\n  runc  a [MUST]" in printed
    html = out.read_text()
    assert "<a class='subject' href='../new/runc/index.html'>runc</a>" in html
    assert "href='../new/auth" not in html  # no page beside that run: no link
    assert "<section id='changes'>" in html
    assert "subject=reg, runc\n" in (allure / "environment.properties").read_text()
    assert (allure / "categories.json").is_file()
    # no regression: exit 0; without --baseline the comparison alone always exits 0
    assert main(["compare", str(old), "--baseline", str(old)]) == 0
    assert main(["compare", str(new)]) == 0
    capsys.readouterr()
    assert main(["compare", str(new), "--baseline", str(tmp_path / "nothing")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["compare", str(tmp_path / "empty")]) == 2
    assert "no results.json here or below" in capsys.readouterr().err
