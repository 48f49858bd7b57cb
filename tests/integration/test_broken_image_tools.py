"""The image suite must catch deliberately broken image tools (tests/broken_image_tools/broken.py).

Each case describes the wrapper as a YAML image tool of one role, runs the real suite against it
narrowed with -k, and requires failures naming each requirement with expected and observed; the
same selection against the real tool (umoci as consumer, skopeo as copier) must pass.
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

REPO = Path(__file__).resolve().parents[2]
BROKEN = REPO / "tests" / "broken_image_tools"
REAL = {"consumer": "umoci", "copier": "skopeo"}
VERBS = {
    "consumer": ("unpack", '["{tool}", "%s", "unpack", "{layout}:{ref}", "{bundle}"]'),
    "copier": ("copy", '["{tool}", "%s", "copy", "{source}", "{destination}"]'),
}

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in REAL.values()),
    reason="needs root, umoci and skopeo (the broken tools wrap them)",
)


@dataclass(frozen=True)
class Case:
    mode: str
    role: str
    select: str
    requirements: tuple[str, ...]
    mentions: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.mode}-{self.role}"


CASES = [
    Case(c["mode"], c["role"], c["select"], tuple(c["requirements"]), tuple(c.get("mentions", ())))
    for c in yaml.safe_load((BROKEN / "cases.yaml").read_text())
]


def _describe(tmp_path: Path, case: Case) -> Path:
    verb, template = VERBS[case.role]
    description = tmp_path / f"{case.id}.yaml"
    description.write_text(
        f"name: broken-{case.id}\nexecutable: {BROKEN / 'broken.py'}\n"
        f"commands:\n  {verb}: {template % case.mode}\n"
    )
    return description


def test_cases_name_known_requirements() -> None:
    from conformance.requirements import load_catalog

    catalog = load_catalog()
    assert not [r for c in CASES for r in c.requirements if r not in catalog]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_suite_fails_broken_image_tool(suite: SuiteRunner, tmp_path: Path, case: Case) -> None:
    args = ["--expectations=none", "-q", "-k", case.select]
    run = suite.run([f"--image-tool={_describe(tmp_path, case)}", *args], timeout=180, junit=True)
    assert run.testcases > 0, f"-k {case.select!r} selected no test:\n{run.describe()}"
    assert run.returncode == 1, f"expected exit 1 (tests failed):\n{run.describe()}"
    for requirement in case.requirements:
        wanted = (requirement, "expected", "observed", *case.mentions)
        assert any(all(w in f.text for w in wanted) for f in run.failures), (
            f"{case.id} went undetected: no failure mentions all of {wanted}\n{run.describe(4000)}"
        )
    control = suite.run([f"--image-tool={REAL[case.role]}", *args], timeout=180, junit=True)
    assert control.returncode == 0, f"the real {REAL[case.role]} fails the selection:\n{control.describe()}"
    suite.assert_no_leftovers()
