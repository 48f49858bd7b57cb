"""`compare --baseline` on two real runs: runc, then a broken runc that ignores SIGUSR1.

The same small selection of the runtime suite runs against both; the broken runtime fails one
requirement (runtime.kill.sends-signal), and the comparison must report exactly that regression,
no other change, and exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main
from tests.integration.conftest import RUNC, SuiteRunner

BROKEN = Path(__file__).resolve().parents[1] / "broken_runtimes" / "kill-ignores-signal"
BROKEN_REQUIREMENT = "runtime.kill.sends-signal"
#: Tests of the broken requirement and of two that the wrapper leaves alone.
SELECTION = "test_kill_delivers_signal or test_state_bundle or test_state_annotations"
UNTOUCHED = ("runtime.state.bundle", "runtime.state.annotations")

pytestmark = pytest.mark.requires_runc


def _run(base: Path, runtime: Path) -> Path:
    """One run of the selection; the run directory holding its results.json."""
    base.mkdir()
    suite = SuiteRunner(base)
    try:
        run = suite.run([f"--runtime={runtime}", "-q", "-k", SELECTION], timeout=240.0)
        suite.assert_no_leftovers()
    finally:
        suite.cleanup()
    found = sorted((base / "reports").glob("*/results.json"))
    assert len(found) == 1, f"expected one results.json:\n{run.describe()}"
    return found[0].parent


def _verdicts(run_dir: Path) -> dict[str, str]:
    document = json.loads((run_dir / "results.json").read_text())
    return {rid: entry["verdict"] for rid, entry in document["requirements"].items()}


def test_compare_reports_exactly_the_regression_of_a_broken_runtime(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _run(tmp_path / "old", RUNC)
    new = _run(tmp_path / "new", BROKEN)
    before, after = _verdicts(old), _verdicts(new)
    assert before[BROKEN_REQUIREMENT] == "pass" and after[BROKEN_REQUIREMENT] == "fail"
    assert all(before[r] == after[r] == "pass" for r in UNTOUCHED), (before, after)
    capsys.readouterr()

    page = tmp_path / "matrix.html"
    status = main(["compare", "--baseline", str(old), str(new), "--html", str(page)])
    out = capsys.readouterr().out
    assert status == 1, out
    changes = out[out.index("regressions (") :].splitlines()
    assert changes[:2] == [
        "regressions (a failure the baseline did not have): 1",
        f"  runc  {BROKEN_REQUIREMENT} [MUST]  pass -> fail",
    ]
    assert changes[2:5] == [
        "new known deviations: 0",
        "fixed (failed in the baseline, pass now): 0",
        "since the baseline: 1 regression, 0 deviation, 0 fixed",
    ]
    html = page.read_text()
    assert "<section id='changes'>" in html and BROKEN_REQUIREMENT in html

    # the other way round nothing regressed: the broken requirement is fixed
    assert main(["compare", "--baseline", str(new), str(old)]) == 0
    assert f"  runc  {BROKEN_REQUIREMENT} [MUST]  fail -> pass" in capsys.readouterr().out
