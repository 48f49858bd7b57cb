"""Tests of the registry tests: behind a proxy that breaks one thing, the named tests must fail."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.registry import embedded

pytestmark = pytest.mark.skipif(
    embedded.shutil.which(embedded.BINARY) is None, reason="docker-registry is not installed"
)
pytest_plugins = ["pytester"]
SERVER = Path(__file__).resolve().parent.parent / "broken_registries" / "server.py"
SUITE = Path(__file__).resolve().parents[2] / "suites" / "registry"

#: fault -> (tests to run, tests that must fail with an assertion naming the requirement)
CASES = {
    "wrong-digest": (
        "test_pull.py::test_docker_content_digest_matches",
        "distribution.pull.blob-digest-header",
    ),
    "status-200": ("test_errors.py::test_error_case", "distribution.pull.manifest-unknown-404"),
    "error-garbage": ("test_errors.py::test_error_case", "distribution.errors.json-format"),
    "endless-link": ("test_discovery.py::test_tags_paginated", "Link headers go on beyond"),
}


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory):
    registry = embedded.start("docker-registry", tmp_path_factory.mktemp("upstream"))
    yield registry.url
    registry.stop()


@pytest.mark.parametrize("fault", sorted(CASES))
def test_broken_registry_fails_the_named_tests(upstream: str, fault: str, tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    proxy = subprocess.Popen([sys.executable, str(SERVER), upstream, fault, str(port_file)])
    try:
        for _ in range(100):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text()}"
        target, expected = CASES[fault]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                f"{SUITE}/{target}",
                f"--registry={url}",
                "--expectations=none",
                "--report-dir=none",
                "-p",
                "no:cacheprovider",
                "-q",
                "-p",
                "no:randomly",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 1, output[-3000:]
        assert expected in output, output[-3000:]
    finally:
        proxy.terminate()
        proxy.wait(10)
