"""Fixtures of the engine suite: the engine under test, served images, the image suite's cases.

Registered as a pytest plugin by the main plugin (EngineKind.fixtures_module). The engine suite
takes its cases from the image suite's matrices (suites/image/matrices), so one fault catalog
and one conversion matrix judge tools and engines alike: `engine_consumer_case`,
`engine_fault_case` and `engine_conversion_case` run once per case there (consumer cases as
chosen in suites/engine/engine.yaml).
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conformance.core.datafile import load_checked
from conformance.core.errors import ConformanceError
from conformance.engine.base import Engine
from conformance.image.cases import load_cases
from conformance.image.docker_archive import write_docker_archive
from conformance.image.generator import write_layout, write_oci_archive
from conformance.kinds import kind_named
from conformance.kinds.engine import EngineKind, EngineWorkspace
from conformance.plugin.stash import CALL_FAILED, conformance_session, subject_for
from conformance.requirements import load_catalog

CASE_FIXTURES = {
    "engine_consumer_case": "consumer",
    "engine_fault_case": "fault",
    "engine_conversion_case": "conversion",
    "archive_consumer_case": "consumer",
    "archive_fault_case": "fault",
}


def chosen_cases(fixture: str) -> list[str] | None:
    """Case ids engine.yaml picks for `fixture` (None: every case of the matrix)."""
    settings = engine_settings()
    return {
        "engine_consumer_case": [f"consumer.{name}" for name in settings["consumer_cases"]],
        "archive_consumer_case": [f"consumer.{name}" for name in settings["archives"]["consumer_cases"]],
        "archive_fault_case": [f"fault.{name}" for name in settings["archives"]["fault_cases"]],
    }.get(fixture)


TAG = "latest"
REF_NAME = "org.opencontainers.image.ref.name"
_serial = itertools.count(1)


@cache
def engine_settings() -> Mapping[str, Any]:
    """suites/engine/engine.yaml, checked against its schema."""
    return load_checked(kind_named("engine").suite_dir / "engine.yaml", "engine-suite")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for fixture, kind in CASE_FIXTURES.items():
        if fixture not in metafunc.fixturenames:
            continue
        path = kind_named("image-tool").suite_dir / "matrices" / f"{kind}.yaml"
        try:
            cases = load_cases(path, kind, load_catalog())
            wanted = chosen_cases(fixture)
            if wanted is not None:
                known = {case.id: case for case in cases}
                unknown = [name for name in wanted if name not in known]
                if unknown:
                    raise ConformanceError(f"suites/engine/engine.yaml names unknown {kind} cases {unknown}")
                cases = [known[name] for name in wanted]
        except ConformanceError as exc:
            raise pytest.Collector.CollectError(f"oci-conformance: {exc}") from None
        metafunc.parametrize(
            fixture,
            [pytest.param(c, id=c.id, marks=[pytest.mark.requirement(*c.requirements)]) for c in cases],
        )


@pytest.fixture(scope="session")
def engine(request: pytest.FixtureRequest) -> Engine:
    """The engine under test (parametrized by the plugin over `--engine`), started on first use."""
    subject: Engine = subject_for(request, "engine", EngineKind.usage)
    try:
        subject.start()
    except ConformanceError as exc:
        pytest.fail(f"oci-conformance: engine {subject.name} cannot be used: {exc}", pytrace=False)
    return subject


@dataclass
class ServedImages:
    """Images of one test: layouts written below `directory`, served, pulled, removed afterwards."""

    engine: Engine
    workspace: EngineWorkspace
    directory: Path
    names: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)

    def serve(self, description: Mapping, source: object) -> str:
        """Write the described layout and serve it; returns the image reference to pull."""
        name = f"oci-conformance-{self.workspace.token}/image{next(_serial)}"
        layout = self.directory / "work" / name.rsplit("/", 1)[1]
        write_layout(description, layout, source=source)
        reference = f"{self.workspace.layout_server().add(name, layout)}:{TAG}"
        self.names.append(name)
        self.references.append(reference)
        return reference

    def archive(self, description: Mapping, source: object, archive_format: str) -> tuple[str, Path]:
        """Write the described layout and pack it as `archive_format`; returns reference and archive.

        An oci-archive is the layout in a tar, its index.json naming the reference
        (org.opencontainers.image.ref.name); a docker-archive names it in RepoTags.
        """
        name = f"archive{next(_serial)}"
        layout = self.directory / "work" / name
        write_layout(description, layout, source=source)
        reference = f"localhost/oci-conformance-{self.workspace.token}/{name}:{TAG}"
        target = self.directory / "work" / f"{name}.{archive_format}.tar"
        if archive_format == "docker-archive":
            write_docker_archive(layout, target, reference)
        else:
            index_path = layout / "index.json"
            index = json.loads(index_path.read_bytes())
            for descriptor in index["manifests"]:
                descriptor.setdefault("annotations", {})[REF_NAME] = reference
            index_path.write_text(json.dumps(index))
            write_oci_archive(layout, target)
        self.references.append(reference)
        return reference, target

    def requests(self) -> str:
        """What the server answered for this test's images (evidence for failure messages)."""
        server = self.workspace.layout_server()
        lines = [f"{e.method} {e.path} -> {e.status}" for name in self.names for e in server.requests(name)]
        return "\n".join(lines)

    def close(self) -> None:
        for reference in self.references:
            self.engine.remove_image(reference)
        for name in self.names:
            self.workspace.layout_server().remove(name)


@pytest.fixture
def served_images(request: pytest.FixtureRequest, engine: Engine) -> Iterator[ServedImages]:
    """Per test: a throwaway directory (work/ and a sentinel beside it) and the images served from it."""
    session = conformance_session(request.config)
    workspace: EngineWorkspace = session.state["engine"]
    parent = Path(tempfile.mkdtemp(prefix="engine-", dir=session.workdir))
    (parent / "work").mkdir()
    (parent / "sentinel").write_text("sentinel\n")
    images = ServedImages(engine, workspace, parent)
    yield images
    images.close()
    failed = request.node.stash.get(CALL_FAILED, False)
    if failed and session.value("keep_bundles"):
        session.kept.append((request.node.nodeid, parent))
    else:
        shutil.rmtree(parent, ignore_errors=True)
