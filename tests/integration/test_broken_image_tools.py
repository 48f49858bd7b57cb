"""The image suite must catch deliberately broken image tools (tests/broken_image_tools/*).

Each case runs the real suite in a subprocess against a wrapper that breaks one thing, narrowed
with -k to the tests that must catch it: they must fail naming each requirement with expected and
observed values, and leave nothing behind. A control run holds the same selections against the
real tools, where they must pass.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import SuiteRunner

WRAPPERS = Path(__file__).resolve().parents[1] / "broken_image_tools"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not (shutil.which("umoci") and shutil.which("skopeo")),
    reason="needs root, umoci and skopeo (the wrappers run the real tools)",
)


@dataclass(frozen=True)
class Broken:
    tool: str
    breakage: str
    select: str
    requirements: tuple[str, ...]
    #: Further text the failure messages must contain.
    mentions: tuple[str, ...] = ()


UNPACK = "test_unpack_matches_reference and "
COPY = "test_copy_preserves_content and "
CASES = [
    Broken("umoci", "keeps-whiteouts", UNPACK + "(whiteout-file or whiteout-at-root)",
           ("layer.whiteout.not-in-result",), ("extra",)),
    Broken("umoci", "whiteout-same-layer", UNPACK + "whiteout-before-same-layer-file",
           ("layer.whiteout.same-layer",), ("missing",)),
    Broken("umoci", "whiteout-escape", UNPACK + "(whiteout-dotdot or symlinked-parent)",
           ("layer.whiteout.same-layer",), ("changes outside the target", "sentinel")),
    Broken("umoci", "drops-mtime", UNPACK + "(mtimes or hardlink-to-lower-layer)",
           ("layer.file-attributes.mtime", "layer.apply.hardlinks"), ("mtime of",)),
    Broken("umoci", "copies-hardlinks", UNPACK + "(hardlink-to-lower-layer or long-names)",
           ("layer.apply.hardlinks",), ("should be a hard link of",)),
    Broken("umoci", "drops-special-bits", UNPACK + "special-modes", ("layer.apply.modes",), ("mode of",)),
    Broken("skopeo", "drops-annotations", COPY + "(image or artifact)",
           ("manifest.annotations.optional",), ("annotations at every level",)),
    Broken("skopeo", "reencodes-json", COPY + "image",
           ("descriptor.data.no-identifier-change", "image-layout.blobs.content-matches"), ("digest",)),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[f"{c.tool}-{c.breakage}" for c in CASES])
def test_suite_fails_broken_image_tool(suite: SuiteRunner, case: Broken) -> None:
    """The suite fails the wrapper on each requirement, with expected/observed, and cleans up."""
    run = suite.run(
        [f"--image-tool={WRAPPERS / case.tool}", "--expectations=none", "-q", "-k", case.select],
        timeout=180.0,
        env={"BROKEN_IMAGE_TOOL": case.breakage},
        junit=True,
    )
    assert run.testcases > 0, f"-k {case.select!r} selected no test:\n{run.describe()}"
    assert run.returncode == 1, f"expected exit 1 (tests failed):\n{run.describe()}"
    errors = [f for f in run.failures if f.kind == "error"]
    assert not errors, "errors instead of failures:\n" + "\n\n".join(f"{f.test}\n{f.text}" for f in errors)
    for requirement in case.requirements:
        wanted = (requirement, "expected", "observed", *case.mentions)
        matching = [f for f in run.failures if all(word in f.text for word in wanted)]
        assert matching, (
            f"{case.tool} {case.breakage} went undetected: no failure mentions all of {wanted}\n"
            + "\n\n".join(f"{f.test}\n{f.text[:3000]}" for f in run.failures)
        )
    suite.assert_no_leftovers()


@pytest.mark.parametrize("tool", ["umoci", "skopeo"])
def test_real_tool_passes_the_selected_tests(suite: SuiteRunner, tool: str) -> None:
    """Control: the selections pass against the real tool (known deviations stay strict xfails)."""
    selection = " or ".join(f"({c.select})" for c in CASES if c.tool == tool)
    run = suite.run([f"--image-tool={tool}", "-q", "-k", selection], timeout=180.0, junit=True)
    assert run.testcases > 0, run.describe()
    assert run.returncode == 0, run.describe()
    suite.assert_no_leftovers()
