"""`--engine=unix:///path.sock` against a real running engine: a private dockerd started as the
suite starts it, holding an image and a container of someone else. The suite's run must pass,
remove its own images and containers, and leave the foreign ones alone."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.distribution.layout_server import LayoutServer
from conformance.engine.base import SESSION_LABEL
from conformance.engine.daemons.docker import DockerDaemon
from conformance.image.generator import write_layout

from .conftest import SuiteRunner

docker = pytest.importorskip("docker", reason="the `docker` Python package is not installed")
FOREIGN_IMAGE = "foreign-keep:1"
FOREIGN_CONTAINER = "foreign-keep-container"
FOREIGN_LABEL = {"org.example.owner": "someone-else"}
LAYER = {"entries": [{"path": "keep", "type": "file", "content": "not the suite's\n"}]}
CASES = "files-dirs-modes or whiteout-file"


def _missing() -> str:
    for program in ("dockerd", "containerd"):
        if shutil.which(program) is None:
            return f"{program} is not on PATH (scripts/bootstrap installs it)"
    return ""


@pytest.fixture
def running_docker() -> Iterator[tuple[DockerDaemon, object]]:
    """A private dockerd (short socket path below /tmp) with a foreign image and container."""
    if _missing():
        pytest.skip(f"engine.socket-mode: {_missing()}")
    daemon = DockerDaemon(Path(tempfile.mkdtemp(prefix="oce-", dir="/tmp")) / "d")
    client = None
    try:
        daemon.start(60)
        client = docker.DockerClient(base_url=daemon.url, timeout=60)
        with LayoutServer() as server:
            write_layout({"layers": [LAYER]}, daemon.root.parent / "layout")
            address = server.add("foreign/keep", daemon.root.parent / "layout")
            repository = address  # 127.0.0.1:<port>/foreign/keep
            client.api.pull(repository, tag="latest")
            client.api.tag(f"{repository}:latest", "foreign-keep", "1")
            client.api.remove_image(f"{repository}:latest")
        client.api.create_container(FOREIGN_IMAGE, command=["/keep"], name=FOREIGN_CONTAINER,
                                    labels=FOREIGN_LABEL, host_config=client.api.create_host_config(
                                        network_mode="none"))  # fmt: skip
        yield daemon, client
    finally:
        if client is not None:
            client.close()
        daemon.stop(60)
        shutil.rmtree(daemon.root.parent, ignore_errors=True)


def test_socket_mode_removes_only_what_the_suite_created(tmp_path: Path, running_docker) -> None:
    daemon, client = running_docker
    runner = SuiteRunner(tmp_path)
    args = [f"--engine={daemon.url}", "--expectations=none", "--report-dir=none", "-q"]
    run = runner.run([*args, "suites/engine/test_consumer.py", "-k", CASES], timeout=300, junit=True)
    assert run.returncode == 0 and run.testcases == 2, run.describe()
    tags = sorted(tag for image in client.api.images() for tag in image.get("RepoTags") or [])
    assert tags == [FOREIGN_IMAGE], f"images in the engine after the run: {tags}"
    containers = client.api.containers(all=True)
    assert [c["Names"] for c in containers] == [[f"/{FOREIGN_CONTAINER}"]], containers
    assert client.api.containers(all=True, filters={"label": SESSION_LABEL}) == []
    assert runner.leftovers() == []
