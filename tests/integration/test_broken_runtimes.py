"""The suite must catch deliberately broken runtimes (tests/broken_runtimes/*, wrappers of runc).

Each wrapper breaks one requirement; the real suite runs against it in a subprocess, narrowed
with -k to the tests that cover that requirement, and must fail naming the requirement with
expected and observed values, and leave nothing behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import SuiteRunner

REPO = Path(__file__).resolve().parents[2]
BROKEN_RUNTIMES = REPO / "tests" / "broken_runtimes"
#: What the wrappers exec (they read the same variable).
REAL_RUNTIME = os.environ.get("REAL_RUNTIME", "/usr/sbin/runc")

pytestmark = pytest.mark.requires_runc


@dataclass(frozen=True)
class Broken:
    """A wrapper, the requirement it breaks, and the suite tests that must catch it."""

    wrapper: str
    requirement: str
    select: str
    #: Further text the failure message must contain.
    mentions: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    timeout: float = 120.0


CASES = [
    # Slowest first, so that under xdist they start early on different workers.
    Broken(
        "hangs-on-state",
        "runtime.operations.supported",
        "test_operations_supported or test_state_documents_match_schema",
        mentions=("timed out",),
        options=("--runtime-timeout=2",),
        timeout=240.0,
    ),
    Broken(
        "state-garbage",
        "runtime.query-state.returns-state",
        "test_state_documents_match_schema",
        mentions=("invalid JSON",),
    ),
    Broken("kill-ignores-signal", "runtime.kill.sends-signal", "test_kill_delivers_signal"),
    Broken(
        "runs-program-at-create", "runtime.lifecycle.create-no-program", "test_create_does_not_run_program"
    ),
    Broken("state-relative-bundle", "runtime.state.bundle", "test_state_bundle"),
    Broken("state-no-annotations", "runtime.state.annotations", "test_state_annotations_round_trip"),
    Broken(
        "start-twice-ok",
        "runtime.start.error-not-created",
        "test_start_of_running_container or test_start_of_stopped_container",
    ),
    Broken(
        "duplicate-id-clobbers",
        "runtime.create.error-duplicate-id",
        "test_create_with_duplicate_id_fails_and_keeps_first",
    ),
    Broken("ignores-hostname", "config.hostname", "test_matrix_case and hostname"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.wrapper for c in CASES])
def test_suite_fails_broken_runtime(suite: SuiteRunner, case: Broken) -> None:
    """The suite fails the wrapper on its requirement, with expected/observed, and cleans up."""
    wrapper = BROKEN_RUNTIMES / case.wrapper
    run = suite.run(
        [f"--runtime={wrapper}", "--expectations=none", *case.options, "-q", "-k", case.select],
        timeout=case.timeout,
        junit=True,
    )
    assert run.junit is not None and run.junit.exists(), f"no JUnit report:\n{run.describe()}"
    assert run.testcases > 0, f"-k {case.select!r} selected no test:\n{run.describe()}"
    assert run.returncode == 1, f"expected exit 1 (tests failed):\n{run.describe()}"
    errors = [f for f in run.failures if f.kind == "error"]
    assert not errors, "errors instead of failures:\n" + "\n\n".join(f"{f.test}\n{f.text}" for f in errors)
    wanted = (case.requirement, "expected", "observed", *case.mentions)
    matching = [f for f in run.failures if all(word in f.text for word in wanted)]
    assert matching, (
        f"{case.wrapper} went undetected: no failure mentions all of {wanted}\n"
        + "\n\n".join(f"{f.test}\n{f.text[:3000]}" for f in run.failures)
        + f"\n{run.describe(3000)}"
    )
    assert f"{suite.tmpdir}/oci-conformance-" in run.output, "the suite did not work in the private TMPDIR"
    suite.assert_no_leftovers()


def test_real_runc_passes_the_selected_tests(suite: SuiteRunner) -> None:
    """Control: the tests that catch the wrappers pass against runc itself."""
    selection = " or ".join(
        f"({c.select})" for c in CASES if c.wrapper not in {"state-garbage", "hangs-on-state"}
    )
    run = suite.run(
        [f"--runtime={REAL_RUNTIME}", "--expectations=none", "-q", "-k", selection], timeout=120.0, junit=True
    )
    assert run.testcases > 0, run.describe()
    assert run.returncode == 0, run.describe()
    suite.assert_no_leftovers()
