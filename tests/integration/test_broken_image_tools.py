"""The image suite must catch deliberately broken image tools (tests/broken_image_tools/).

Each case in tests/broken_image_tools/cases.yaml runs the real suite in a subprocess against a
tool that breaks one thing, narrowed with -k to the tests that must catch it: they must fail
naming each requirement with expected and observed values, and leave nothing behind. A control
run holds the same selections against the real tools, where they must pass (known deviations
stay strict xfails).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    from conftest import SuiteRunner

BROKEN = Path(__file__).resolve().parents[1] / "broken_image_tools"
#: The real tool broken.py wraps for each role.
REAL = {"consumer": "umoci", "copier": "skopeo"}
VERBS = {
    "consumer": ("unpack", '["{tool}", "%s", "unpack", "{layout}:{ref}", "{bundle}"]'),
    "copier": ("copy", '["{tool}", "%s", "copy", "{source}", "{destination}"]'),
}

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in REAL.values()),
    reason="needs root, umoci and skopeo (the broken tools run the real tools)",
)


@dataclass(frozen=True)
class Case:
    #: `umoci` or `skopeo` (an executable named like the tool) or `broken.py`.
    wrapper: str
    breakage: str
    select: str
    requirements: tuple[str, ...]
    #: Further text the failure messages must contain.
    mentions: tuple[str, ...] = ()
    #: The one role broken.py plays; the named wrappers play every role of their tool.
    role: str | None = None

    @property
    def id(self) -> str:
        return f"{self.real}-{self.breakage}" if self.role is None else f"{self.breakage}-{self.role}"

    @property
    def real(self) -> str:
        return REAL[self.role] if self.role is not None else self.wrapper

    def suite_args(self, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
        """The --image-tool argument and environment that run the suite against this breakage."""
        if self.role is None:
            return [f"--image-tool={BROKEN / self.wrapper}"], {"BROKEN_IMAGE_TOOL": self.breakage}
        verb, template = VERBS[self.role]
        description = tmp_path / f"{self.id}.yaml"
        description.write_text(
            f"name: broken-{self.id}\nexecutable: {BROKEN / 'broken.py'}\n"
            f"commands:\n  {verb}: {template % self.breakage}\n"
        )
        return [f"--image-tool={description}"], {}


CASES = [
    Case(
        c["wrapper"],
        c["breakage"],
        c["select"],
        tuple(c["requirements"]),
        tuple(c.get("mentions", ())),
        c.get("role"),
    )
    for c in yaml.safe_load((BROKEN / "cases.yaml").read_text())
]


def test_cases_name_known_requirements() -> None:
    from conformance.requirements import load_catalog

    catalog = load_catalog()
    assert not [r for c in CASES for r in c.requirements if r not in catalog]


def test_cases_name_existing_wrappers() -> None:
    assert not [c.id for c in CASES if not (BROKEN / c.wrapper).is_file()]
    assert not [c.id for c in CASES if (c.wrapper == "broken.py") != (c.role in REAL)]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_suite_fails_broken_image_tool(suite: SuiteRunner, tmp_path: Path, case: Case) -> None:
    """The suite fails the broken tool on each requirement, with expected/observed, and cleans up."""
    tool, env = case.suite_args(tmp_path)
    args = [*tool, "--expectations=none", "-q", "-k", case.select]
    run = suite.run(args, timeout=180.0, env=env, junit=True)
    assert run.testcases > 0, f"-k {case.select!r} selected no test:\n{run.describe()}"
    assert run.returncode == 1, f"expected exit 1 (tests failed):\n{run.describe()}"
    errors = [f for f in run.failures if f.kind == "error"]
    assert not errors, "errors instead of failures:\n" + "\n\n".join(f"{f.test}\n{f.text}" for f in errors)
    for requirement in case.requirements:
        wanted = (requirement, "expected", "observed", *case.mentions)
        matching = [f for f in run.failures if all(word in f.text for word in wanted)]
        assert matching, f"{case.id} went undetected: no failure mentions all of {wanted}\n" + "\n\n".join(
            f"{f.test}\n{f.text[:3000]}" for f in run.failures
        )
    suite.assert_no_leftovers()


@pytest.mark.parametrize("tool", sorted({c.real for c in CASES}))
def test_real_tool_passes_the_selected_tests(suite: SuiteRunner, tool: str) -> None:
    """Control: the selections pass against the real tool (known deviations stay strict xfails)."""
    selection = " or ".join(f"({c.select})" for c in CASES if c.real == tool)
    run = suite.run([f"--image-tool={tool}", "-q", "-k", selection], timeout=180.0, junit=True)
    assert run.testcases > 0, run.describe()
    assert run.returncode == 0, run.describe()
    suite.assert_no_leftovers()
