"""Fixtures the runtime suite uses: the runtime under test, containers, probe runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from conformance.adapters.runtime import Runtime
from conformance.bundle import Bundle
from conformance.container import Container
from conformance.probing import ProbeRun, run_probe
from conformance.session import RuntimeSession

SESSION_KEY = pytest.StashKey[RuntimeSession]()
USED_BUNDLES = pytest.StashKey[list]()
CALL_FAILED = pytest.StashKey[bool]()


def conformance_session(config: pytest.Config) -> RuntimeSession:
    return config.stash[SESSION_KEY]


@pytest.fixture(scope="session")
def runtime(request: pytest.FixtureRequest) -> Runtime:
    """The runtime under test (parametrized by the plugin over `--runtime`)."""
    session = conformance_session(request.config)
    label = getattr(request, "param", None)
    if label is None or label not in session.runtimes:
        pytest.skip("no runtime under test: pass --runtime=PATH_OR_NAME")
    return session.runtimes[label]


def _remember(request: pytest.FixtureRequest, bundle: Bundle, container: Container | None) -> None:
    request.node.stash.setdefault(USED_BUNDLES, []).append((bundle, container))


@pytest.fixture
def make_container(request: pytest.FixtureRequest, runtime: Runtime) -> Iterator[Callable[..., Container]]:
    """Factory: a new bundle (default config + patches) and a container id, deleted afterwards."""
    session = conformance_session(request.config)
    made: list[Container] = []

    def make(*patches: Mapping[str, Any], config: dict | None = None, hint: str = "") -> Container:
        container_id = session.factory.new_id(hint or request.node.originalname.removeprefix("test_"))
        bundle = session.factory.create(container_id, *patches, config=config)
        container = Container(runtime, bundle, container_id, session.janitor)
        made.append(container)
        _remember(request, bundle, container)
        return container

    yield make
    for container in made:
        if not container.cleanup():
            session.leftovers.append(f"{runtime.name}:{container.id}")


@pytest.fixture
def probe(request: pytest.FixtureRequest, runtime: Runtime) -> Callable[..., ProbeRun]:
    """Run the probe with a config patch; equal configs share one container per process."""
    session = conformance_session(request.config)

    def run(
        patch: Mapping[str, Any] | None = None, requests: tuple[str, ...] = (), key: str = ""
    ) -> ProbeRun:
        import json

        cache_key = (runtime.name, key or json.dumps([patch or {}, sorted(requests)], sort_keys=True))
        result = session.probe_cache.get(cache_key)
        if result is None:
            result = run_probe(
                runtime,
                session.factory,
                session.janitor,
                patch or {},
                requests,
                hint=request.node.originalname.removeprefix("test_"),
            )
            session.probe_cache[cache_key] = result
        _remember(request, result.bundle, result.container)
        return result

    return run


@pytest.fixture
def bundles_factory(request: pytest.FixtureRequest, runtime: Runtime):
    """The session's BundleFactory (for ids and bundles a test manages itself)."""
    return conformance_session(request.config).factory


@pytest.fixture
def state_entries(runtime: Runtime) -> Callable[[str], list[str]]:
    """Files in the runtime's private state directory whose name contains an id."""

    def entries(container_id: str) -> list[str]:
        root = runtime.state_root
        if root is None or not root.exists():
            return []
        return sorted(str(p) for p in root.rglob(f"*{container_id}*"))

    return entries


@pytest.fixture(scope="session")
def image_tool(request: pytest.FixtureRequest):
    """The image tool under test (parametrized by the plugin over `--image-tool`)."""
    session = conformance_session(request.config)
    label = getattr(request, "param", None)
    if label is None or label not in session.image_tools:
        pytest.skip("no image tool under test: pass --image-tool=NAME")
    return session.image_tools[label]


@pytest.fixture
def image_workdir(request: pytest.FixtureRequest, image_tool) -> Iterator[Path]:
    """A fresh directory for one image test, inside a throwaway parent that also holds a sentinel.

    The sentinel file beside the directory lets consumer tests prove nothing was written or
    deleted outside their target. Kept on failure with --keep-bundles.
    """
    import shutil
    import tempfile

    session = conformance_session(request.config)
    parent = Path(tempfile.mkdtemp(prefix="image-", dir=session.workdir))
    work = parent / "work"
    work.mkdir()
    (parent / "sentinel").write_text("sentinel\n")
    yield work
    failed = request.node.stash.get(CALL_FAILED, False)
    if failed and session.value("keep_bundles"):
        session.kept.append((request.node.nodeid, parent))
    else:
        shutil.rmtree(parent, ignore_errors=True)
