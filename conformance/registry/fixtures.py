"""Fixtures of the registry suite: the registry, a recording client per test, fresh repositories.

Registered as a pytest plugin by the main plugin (RegistryKind.fixtures_module). A failed test's
report carries the requests it made (its client's transcript).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.core.datafile import load_yaml
from conformance.kinds.registry import RegistryKind, RegistryWorkspace
from conformance.plugin.stash import conformance_session, subject_for
from conformance.registry.client import RegistryClient
from conformance.registry.content import Manifest, image
from conformance.registry.repository import Ledger, Repository
from conformance.registry.subject import RegistrySubject

CLIENTS = pytest.StashKey[list[RegistryClient]]()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`registry_case` tests run once per case of `cases/<module name without test_>.yaml`."""
    if "registry_case" not in metafunc.fixturenames:
        return
    module = Path(str(metafunc.module.__file__))
    path = module.parent / "cases" / f"{module.stem.removeprefix('test_')}.yaml"
    cases = load_yaml(path)["cases"]
    metafunc.parametrize(
        "registry_case",
        [pytest.param(c, id=c["id"], marks=[pytest.mark.requirement(*c["requirements"])]) for c in cases],
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call" and (report.failed or hasattr(report, "wasxfail")):
        for client in item.stash.get(CLIENTS, []):
            if client.transcript:
                text = client.render_transcript()
                longrepr = report.longrepr
                if hasattr(longrepr, "addsection"):
                    longrepr.addsection(f"registry requests ({client.base_url})", text)
                else:
                    report.sections.append((f"registry requests ({client.base_url})", text))
    return report


@pytest.fixture(scope="session")
def registry(request: pytest.FixtureRequest) -> RegistrySubject:
    """The registry under test (parametrized by the plugin over `--registry`)."""
    return subject_for(request, "registry", RegistryKind.usage)


def _workspace(request: pytest.FixtureRequest) -> RegistryWorkspace:
    return conformance_session(request.config).state[RegistryKind.name]


def _label(request: pytest.FixtureRequest, registry: RegistrySubject) -> str:
    session = conformance_session(request.config)
    return next(label for label, s in session.subjects.items() if s is registry)


@dataclass
class Repositories:
    """Makes fresh repositories below the namespace for one test and cleans them at teardown."""

    client: RegistryClient
    namespace: str
    prefix: str
    ledger: Ledger

    def __call__(self, namespace: str | None = None) -> Repository:
        name = f"{namespace or self.namespace}/{self.prefix}-{secrets.token_hex(3)}"
        return Repository(self.client, name, self.ledger)

    def named(self, name: str) -> Repository:
        return Repository(self.client, name, self.ledger)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.removeprefix("test_").lower()).strip("-")[:40] or "t"


@pytest.fixture
def registry_client(request: pytest.FixtureRequest, registry: RegistrySubject) -> Iterator[RegistryClient]:
    """A client whose requests are shown with the test's failure."""
    client = registry.client()
    request.node.stash.setdefault(CLIENTS, []).append(client)
    yield client
    client.close()


@pytest.fixture
def repos(
    request: pytest.FixtureRequest, registry: RegistrySubject, registry_client: RegistryClient
) -> Iterator[Repositories]:
    """Fresh repositories (`repos()`, or `repos(other_namespace)`); what they got is deleted after."""
    ledger = Ledger()
    workspace = _workspace(request)
    workspace.ledgers.append((_label(request, registry), ledger))
    node = getattr(request.node, "originalname", request.node.name)
    yield Repositories(registry_client, registry.namespace, _slug(node), ledger)
    if not registry.keep:
        cleaner = registry.client()
        try:
            ledger.clean(cleaner)
        finally:
            cleaner.close()


@pytest.fixture
def repo(repos: Repositories) -> Repository:
    """One fresh repository below the namespace."""
    return repos()


@dataclass(frozen=True)
class PushedImage:
    """An image pushed once per module: its repository name, manifest and tag."""

    repository: str
    manifest: Manifest
    tag: str


@pytest.fixture(scope="module")
def pushed_image(request: pytest.FixtureRequest, registry: RegistrySubject) -> Iterator[PushedImage]:
    """One image with two layers pushed by tag, shared by a module's read-only tests."""
    ledger = Ledger()
    workspace = _workspace(request)
    workspace.ledgers.append((_label(request, registry), ledger))
    client = registry.client()
    try:
        name = f"{registry.namespace}/{_slug(Path(str(request.module.__file__)).stem)}-{secrets.token_hex(3)}"
        repository = Repository(client, name, ledger)
        manifest = image(2)
        repository.push(manifest, "v1")
        yield PushedImage(name, manifest, "v1")
    finally:
        if not registry.keep:
            ledger.clean(client)
        client.close()


RepoFactory = Callable[..., Repository]
