"""Fixtures of the runtime suite: the runtime under test, containers, probe runs, matrix cases.

Registered as a pytest plugin by the main plugin (RuntimeKind.fixtures_module).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from conformance.core.errors import ConformanceError
from conformance.kinds.runtime import RuntimeKind, RuntimeWorkspace
from conformance.plugin.stash import CALL_FAILED, USED_BUNDLES, conformance_session, subject_for
from conformance.requirements import load_catalog
from conformance.runtime.bundle import Bundle, BundleFactory
from conformance.runtime.container import Container
from conformance.runtime.drivers import RuntimeDriver
from conformance.runtime.matrix import load_matrices
from conformance.runtime.probing import ProbeRun, run_probe


def workspace(request: pytest.FixtureRequest) -> RuntimeWorkspace:
    """Bundles, janitor and probe runs shared by this process's runtime tests."""
    return conformance_session(request.config).state[RuntimeKind.name]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`matrix_case` tests run once per case of the matrices beside the test module."""
    if "matrix_case" not in metafunc.fixturenames:
        return
    directory = Path(str(metafunc.module.__file__)).parent / "matrices"
    try:
        cases = load_matrices(directory, load_catalog())
    except ConformanceError as exc:
        raise pytest.Collector.CollectError(f"oci-conformance: {exc}") from None
    metafunc.parametrize(
        "matrix_case",
        [pytest.param(c, id=c.id, marks=[pytest.mark.requirement(*c.requirements)]) for c in cases],
    )


@pytest.fixture(scope="session")
def runtime(request: pytest.FixtureRequest) -> RuntimeDriver:
    """The runtime under test (parametrized by the plugin over `--runtime`)."""
    return subject_for(request, "runtime", RuntimeKind.usage)


def _remember(request: pytest.FixtureRequest, bundle: Bundle, container: Container | None) -> None:
    request.node.stash.setdefault(USED_BUNDLES, []).append((bundle, container))


@pytest.fixture
def make_container(
    request: pytest.FixtureRequest, runtime: RuntimeDriver
) -> Iterator[Callable[..., Container]]:
    """Factory: a new bundle (default config + patches) and a container id, deleted afterwards.

    The bundle is validated first; `valid=False` opts out, only for a deliberately invalid config.
    After the test the container is removed, then its bundle (kept for a failed test with
    --keep-bundles, and wherever the container could not be removed)."""
    shared = workspace(request)
    made: list[Container] = []

    def make(
        *patches: Mapping[str, Any], config: dict | None = None, hint: str = "", valid: bool = True
    ) -> Container:
        container_id = shared.factory.new_id(hint or request.node.originalname.removeprefix("test_"))
        bundle = shared.factory.create(container_id, *patches, config=config, valid=valid)
        container = Container(runtime, bundle, container_id, shared.janitor)
        made.append(container)
        _remember(request, bundle, container)
        return container

    yield make
    session = conformance_session(request.config)
    keep = request.node.stash.get(CALL_FAILED, False) and session.value("keep_bundles")
    for container in made:
        if not container.cleanup():
            session.leftovers.append(f"{runtime.name}:{container.id}")
        elif not keep:
            # Removed now rather than with the work directory at the end: less on disk, and
            # the removal is spread over pytest-xdist workers instead of ending the run.
            shared.factory.remove(container.bundle)


def _probe_key(
    runtime: RuntimeDriver, patch: Mapping[str, Any] | None, requests: tuple[str, ...], key: str = ""
) -> tuple[str, str]:
    return (str(id(runtime)), key or json.dumps([patch or {}, sorted(requests)], sort_keys=True))


@pytest.fixture
def probe(request: pytest.FixtureRequest, runtime: RuntimeDriver) -> Callable[..., ProbeRun]:
    """Run the probe with a config patch; equal configs share one container per process."""
    shared = workspace(request)

    def run(
        patch: Mapping[str, Any] | None = None, requests: tuple[str, ...] = (), key: str = ""
    ) -> ProbeRun:
        cache_key = _probe_key(runtime, patch, requests, key)
        result = shared.probe_cache.get(cache_key)
        if result is None:
            result = run_probe(
                runtime,
                shared.factory,
                shared.janitor,
                patch or {},
                requests,
                hint=request.node.originalname.removeprefix("test_"),
            )
        shared.probe_cache[cache_key] = result
        _remember(request, result.bundle, result.container)
        return result

    return run


@pytest.fixture
def bundles_factory(request: pytest.FixtureRequest, runtime: RuntimeDriver) -> BundleFactory:
    """The session's BundleFactory (for ids and bundles a test manages itself)."""
    return workspace(request).factory


@pytest.fixture
def state_entries(runtime: RuntimeDriver) -> Callable[[str], list[str]]:
    """Files in the runtime's private state directory whose name contains an id."""

    def entries(container_id: str) -> list[str]:
        root = runtime.state_root
        if root is None or not root.exists():
            return []
        return sorted(str(p) for p in root.rglob(f"*{container_id}*"))

    return entries
