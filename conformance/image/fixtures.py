"""Fixtures of the image suite: the image tool under test, work directories, matrix cases.

Registered as a pytest plugin by the main plugin (ImageToolKind.fixtures_module).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.core.errors import ConformanceError
from conformance.core.workdirs import make_workdir
from conformance.image.cases import KIND_SCHEMAS, load_cases
from conformance.image.tools import ImageTool
from conformance.kinds.image_tool import ImageToolKind
from conformance.plugin.stash import CALL_FAILED, conformance_session, subject_for
from conformance.requirements import load_catalog


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`<kind>_case` tests run once per case of `matrices/<kind>.yaml` beside the test module."""
    for kind in KIND_SCHEMAS:
        if f"{kind}_case" not in metafunc.fixturenames:
            continue
        path = Path(str(metafunc.module.__file__)).parent / "matrices" / f"{kind}.yaml"
        try:
            cases = load_cases(path, kind, load_catalog())
        except ConformanceError as exc:
            raise pytest.Collector.CollectError(f"oci-conformance: {exc}") from None
        metafunc.parametrize(
            f"{kind}_case",
            [pytest.param(c, id=c.id, marks=[pytest.mark.requirement(*c.requirements)]) for c in cases],
        )


@pytest.fixture(scope="session")
def image_tool(request: pytest.FixtureRequest) -> ImageTool:
    """The image tool under test (parametrized by the plugin over `--image-tool`)."""
    return subject_for(request, "image_tool", ImageToolKind.usage)


@pytest.fixture
def image_workdir(request: pytest.FixtureRequest, image_tool: ImageTool) -> Iterator[Path]:
    """A fresh directory for one image test, inside a throwaway parent that also holds a sentinel.

    The sentinel file beside the directory lets consumer tests prove nothing was written or
    deleted outside their target. Kept on failure with --keep-bundles.
    """
    session = conformance_session(request.config)
    parent = make_workdir("image-", session.workdir)
    work = parent / "work"
    work.mkdir()
    (parent / "sentinel").write_text("sentinel\n")
    yield work
    failed = request.node.stash.get(CALL_FAILED, False)
    if failed and session.value("keep_bundles"):
        session.kept.append((request.node.nodeid, parent))
    else:
        shutil.rmtree(parent, ignore_errors=True)
