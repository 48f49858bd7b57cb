"""Tests of the engine suite's tests: its consumer and fault checks fail deliberately broken engines
(and pass the reference engine, the control), with the suite's own test functions and layout server."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from conformance.core import hostinfo
from conformance.engine import open_engine
from conformance.engine.base import Ran
from conformance.engine.fixtures import ServedImages
from conformance.image.cases import load_cases
from conformance.kinds import kind_named
from conformance.kinds.engine import EngineWorkspace
from conformance.requirements import load_catalog
from conformance.runtime import cgroups
from suites.engine import test_consumer, test_faults, test_runtime
from tests.broken_engines.engines import (
    LayerStoreEngine,
    NaiveUnpackEngine,
    NoVerifyEngine,
    ReferenceEngine,
    TagsOnFailureEngine,
)


def _case(kind: str, case_id: str):
    path = kind_named("image-tool").suite_dir / "matrices" / f"{kind}.yaml"
    return next(c for c in load_cases(path, kind, load_catalog()) if c.id == f"{kind}.{case_id}")


@pytest.fixture
def served(tmp_path: Path):
    workspace = EngineWorkspace(token="selftest")
    made: list[ServedImages] = []

    def make(engine) -> ServedImages:
        directory = tmp_path / f"t{len(made)}"
        (directory / "work").mkdir(parents=True)
        (directory / "sentinel").write_text("sentinel\n")
        images = ServedImages(engine, workspace, directory)
        made.append(images)
        return images

    yield make
    for images in made:
        images.close()
        shutil.rmtree(images.directory, ignore_errors=True)
    if workspace.server is not None:
        workspace.server.close()


@pytest.mark.parametrize("case_id", ["whiteout-file", "opaque-hides-lower"])
def test_naive_unpack_fails_the_consumer_check(served, case_id: str) -> None:
    case = _case("consumer", case_id)
    engine = ReferenceEngine()
    test_consumer.test_pulled_filesystem_matches_reference(engine, case, served(engine))  # the control
    broken = NaiveUnpackEngine()
    with pytest.raises(AssertionError, match="differences between the container's filesystem"):
        test_consumer.test_pulled_filesystem_matches_reference(broken, case, served(broken))


@pytest.mark.parametrize("case_id", ["bad-digest", "bad-size", "bad-diff-id"])
def test_accepting_a_broken_image_fails_the_fault_check(served, case_id: str) -> None:
    case = _case("fault", case_id)
    engine = ReferenceEngine()
    test_faults.test_fault_is_handled(engine, case, served(engine))  # the control refuses it
    broken = NoVerifyEngine()
    with pytest.raises(AssertionError, match=f"refuses an image with fault {case.data['fault']}"):
        test_faults.test_fault_is_handled(broken, case, served(broken))


@pytest.mark.parametrize("case_id", ["bad-digest", "missing-blob"])
def test_an_image_tagged_despite_a_refused_pull_fails_the_fault_check(served, case_id: str) -> None:
    case = _case("fault", case_id)
    broken = TagsOnFailureEngine()
    with pytest.raises(AssertionError, match="leaves no image under the reference"):
        test_faults.test_fault_is_handled(broken, case, served(broken))


def test_a_layer_store_does_not_hide_layer_faults(served, monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine that already holds the base image's layers still sees a fault in them: every
    fault test serves layers of its own. Without that, the control below fails."""
    case = _case("fault", "layer.truncated-stale-digest")
    engine = LayerStoreEngine()
    images = served(engine)
    assert engine.pull(images.serve({"layers": test_faults.BASE_LAYERS}, None)).ok  # an earlier test
    test_faults.test_fault_is_handled(engine, case, served(engine))
    monkeypatch.setattr(test_faults, "unique_layers", lambda case, nonce: test_faults.BASE_LAYERS)
    with pytest.raises(AssertionError, match="refuses an image with fault truncated-layer-stale-digest"):
        test_faults.test_fault_is_handled(engine, case, served(engine))


# -- runtime cases through a real engine that drops every container option ---------------------

#: Cases whose option asks for what the engine does anyway: dropping it cannot be seen there.
ENGINE_DEFAULTS = {"docker": {"new-privileges-allowed"}, "containerd": {"no-new-privileges"}}


class IgnoresOptions:
    """A real engine whose client sets none of the container options it is given."""

    def __init__(self, engine) -> None:
        self._engine = engine

    def __getattr__(self, name: str):
        return getattr(self._engine, name)

    def run_command(self, reference: str, argv: list[str], options: dict) -> Ran:
        return self._engine.run_command(reference, argv, {})


@pytest.fixture(scope="module", params=sorted(ENGINE_DEFAULTS))
def real_engine(request: pytest.FixtureRequest):
    """A private daemon of the suite's own (docker or containerd), started once for this module."""
    name = request.param
    needed = {"docker": ("dockerd", "containerd"), "containerd": ("containerd", "ctr")}[name]
    missing = [program for program in needed if shutil.which(program) is None]
    if missing:
        pytest.skip(f"engine.runtime self-test: {', '.join(missing)} not on PATH (scripts/bootstrap)")
    workdir = Path(tempfile.mkdtemp(prefix="oce-", dir="/tmp"))  # short: socket paths
    token = f"selftest{os.getpid()}{name}"
    engine = open_engine(name, workdir=workdir, token=token, timeout=60)
    try:
        yield engine
    finally:
        engine.close()
        shutil.rmtree(workdir, ignore_errors=True)
        # the engines' cgroup parent, as the session's tidy-up removes it
        cgroups.remove_named({f"oci-conformance-{token}"}, hostinfo.mountinfo(), depth=2)


def _runtime_params() -> list:
    return [pytest.param(c, id=c["id"]) for c in test_runtime._cases() if c["options"]]


@pytest.mark.parametrize("case", _runtime_params())
def test_an_engine_that_drops_the_option_fails_the_runtime_case(served, real_engine, case) -> None:
    if set(case["options"]) - real_engine.run_options:
        pytest.skip(f"{real_engine.name} cannot set {sorted(case['options'])}: the case skips there")
    test_runtime.test_runtime_option(real_engine, case, served(real_engine))  # the control
    if case["id"] in ENGINE_DEFAULTS[real_engine.name]:
        pytest.skip(f"{real_engine.name} does what {case['id']} asks by default")
    broken = IgnoresOptions(real_engine)
    with pytest.raises(AssertionError):
        test_runtime.test_runtime_option(broken, case, served(broken))
