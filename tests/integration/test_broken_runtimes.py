"""The suite must catch deliberately broken runtimes (tests/broken_runtimes/*, wrappers of runc).

Each wrapper breaks one requirement; the real suite runs against it in a subprocess, narrowed
with -k to the tests that cover that requirement, and must fail naming the requirement with
expected and observed values, and leave nothing behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    from conftest import SuiteRunner

REPO = Path(__file__).resolve().parents[2]
BROKEN_RUNTIMES = REPO / "tests" / "broken_runtimes"
#: What the wrappers exec (they read the same variable).
REAL_RUNTIME = os.environ.get("REAL_RUNTIME", "/usr/sbin/runc")

pytestmark = pytest.mark.requires_runc


@dataclass(frozen=True)
class Broken:
    """A wrapper, the requirements it breaks, and the suite tests that must catch it."""

    wrapper: str
    requirements: tuple[str, ...]
    select: str
    source: str
    #: Further text the failure messages must contain.
    mentions: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    timeout: float = 120.0
    #: Whether the selected tests pass against the real runtime (the control run).
    control: bool = True

    @property
    def id(self) -> str:
        env = dict(self.env)
        ignored = env.get("BROKEN_IGNORE", "")
        if ignored:
            return f"{self.wrapper}[{ignored}]"
        # An override alone says little in an id; the case's place in its file names it.
        return f"{self.wrapper}[{self.source}]" if "BROKEN_OVERRIDE" in env else self.wrapper


def load_cases(directory: Path) -> list[Broken]:
    """Every case of tests/broken_runtimes/cases/*.yaml (one file per area of the suite)."""
    cases = []
    for path in sorted(directory.glob("*.yaml")):
        for index, entry in enumerate(yaml.safe_load(path.read_text()) or []):
            where = f"{path.name}[{index}]"
            unknown = set(entry) - {f.name for f in fields(Broken)} - {"source"}
            assert not unknown, f"{where}: unknown keys {sorted(unknown)}"
            assert (BROKEN_RUNTIMES / entry["wrapper"]).is_file(), f"{where}: no wrapper {entry['wrapper']}"
            cases.append(
                Broken(
                    wrapper=entry["wrapper"],
                    requirements=tuple(entry["requirements"]),
                    select=entry["select"],
                    source=where,
                    mentions=tuple(entry.get("mentions", ())),
                    options=tuple(entry.get("options", ())),
                    env=tuple(sorted((k, str(v)) for k, v in (entry.get("env") or {}).items())),
                    timeout=float(entry.get("timeout", 120.0)),
                    control=bool(entry.get("control", True)),
                )
            )
    return cases


CASES = load_cases(BROKEN_RUNTIMES / "cases")


def test_cases_name_known_requirements() -> None:
    from conformance.requirements import load_catalog

    catalog = load_catalog()
    unknown = [(c.source, r) for c in CASES for r in c.requirements if r not in catalog]
    assert not unknown


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_suite_fails_broken_runtime(suite: SuiteRunner, case: Broken) -> None:
    """The suite fails the wrapper on its requirement, with expected/observed, and cleans up."""
    wrapper = BROKEN_RUNTIMES / case.wrapper
    run = suite.run(
        [f"--runtime={wrapper}", "--expectations=none", *case.options, "-q", "-k", case.select],
        timeout=case.timeout,
        env=dict(case.env),
        junit=True,
    )
    assert run.junit is not None and run.junit.exists(), f"no JUnit report:\n{run.describe()}"
    assert run.testcases > 0, f"-k {case.select!r} selected no test:\n{run.describe()}"
    assert run.returncode == 1, f"expected exit 1 (tests failed):\n{run.describe()}"
    errors = [f for f in run.failures if f.kind == "error"]
    assert not errors, "errors instead of failures:\n" + "\n\n".join(f"{f.test}\n{f.text}" for f in errors)
    for requirement in case.requirements:
        wanted = (requirement, "expected", "observed", *case.mentions)
        matching = [f for f in run.failures if all(word in f.text for word in wanted)]
        assert matching, (
            f"{case.id} ({case.source}) went undetected: no failure mentions all of {wanted}\n"
            + "\n\n".join(f"{f.test}\n{f.text[:3000]}" for f in run.failures)
            + f"\n{run.describe(3000)}"
        )
    assert f"{suite.tmpdir}/oci-conformance-" in run.output, "the suite did not work in the private TMPDIR"
    suite.assert_no_leftovers()


def test_real_runc_passes_the_selected_tests(suite: SuiteRunner) -> None:
    """Control: the tests that catch the wrappers pass against runc itself (its recorded
    deviations stay strict xfails: they must still fail, with an assertion)."""
    selection = " or ".join(f"({c.select})" for c in CASES if c.control)
    run = suite.run([f"--runtime={REAL_RUNTIME}", "-q", "-k", selection], timeout=240.0, junit=True)
    assert run.testcases > 0, run.describe()
    assert run.returncode == 0, run.describe()
    suite.assert_no_leftovers()
