"""Tests of the registry tests: behind a proxy that breaks things (tests/broken_registries/), the
tests each fault names must fail with an assertion naming the fault's requirement.

One proxy and one suite run per group of faults (faults.yaml). A last test checks that every
registry test has been seen failing: it is named by a fault, or it is a strict xfail against the
embedded docker-registry (expectations/docker-registry.yaml), so it fails there.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from conformance.plugin.expectations import _literal_brackets
from conformance.registry import embedded

if TYPE_CHECKING:
    from conftest import SuiteRunner

pytestmark = pytest.mark.skipif(
    embedded.shutil.which(embedded.BINARY) is None, reason="docker-registry is not installed"
)
BROKEN = Path(__file__).resolve().parents[1] / "broken_registries"
SUITE = Path(__file__).resolve().parents[2] / "suites" / "registry"
FAULTS: list[dict] = yaml.safe_load((BROKEN / "faults.yaml").read_text())["faults"]
GROUPS = sorted({fault["group"] for fault in FAULTS})
#: The registry's label in test ids (`[127.0.0.1-<port>-...]`), removed to compare ids.
_LABEL = re.compile(r"\[127\.0\.0\.1-\d+-?")
RUN_TIMEOUT = 600.0


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    registry = embedded.start("docker-registry", tmp_path_factory.mktemp("upstream"))
    try:
        yield registry.url
    finally:
        registry.stop()


@contextlib.contextmanager
def proxy(upstream: str, faults: list[str], directory: Path) -> Iterator[str]:
    """The broken registry with `faults` on, in front of `upstream`; its URL."""
    port_file = directory / "proxy-port"
    process = subprocess.Popen(
        [sys.executable, str(BROKEN / "server.py"), upstream, ",".join(faults), str(port_file)],
        stdin=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            if port_file.exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert port_file.exists(), f"the broken registry did not start (exit {process.poll()})"
        yield f"http://127.0.0.1:{port_file.read_text()}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def short_id(junit_test: str) -> str:
    """`suites.registry.test_pull::test_head[127.0.0.1-5000-blob]` -> `test_pull.py::test_head[blob]`."""
    classname, _, name = junit_test.partition("::")
    name = _LABEL.sub("[", name).replace("[]", "")
    return f"{classname.rsplit('.', 1)[-1]}.py::{name}"


def _targets(faults: list[dict]) -> list[str]:
    functions = {test.split("[")[0] for fault in faults for test in fault["fails"]}
    return [str(SUITE / function) for function in sorted(functions)]


def _suite_args(url: str) -> list[str]:
    return [f"--registry={url}", "--expectations=none", "--report-dir=none", "-q", "-p", "no:randomly"]


@pytest.mark.parametrize("group", GROUPS)
def test_faults_fail_the_named_tests(upstream: str, group: str, suite: SuiteRunner, tmp_path: Path) -> None:
    faults = [fault for fault in FAULTS if fault["group"] == group]
    with proxy(upstream, [fault["id"] for fault in faults], tmp_path) as url:
        run = suite.run([*_targets(faults), *_suite_args(url)], timeout=RUN_TIMEOUT, junit=True)
    failed = {short_id(f.test): f for f in run.failures if f.kind == "failure"}
    problems = []
    for fault in faults:
        for test, requirement in fault["fails"].items():
            failure = failed.get(test)
            if failure is None:
                problems.append(f"{fault['id']}: {test} did not fail")
            elif not re.search(rf"\[[^\]\n]*(?<![\w.-]){re.escape(requirement)}(?![\w.-])", failure.text):
                first = failure.text.strip().splitlines()[:3]
                problems.append(f"{fault['id']}: {test} failed without naming {requirement}: {first}")
    assert not problems, "\n".join(problems) + "\n\n" + run.describe()
    suite.assert_no_leftovers()


def _seen_failing_by_expectation(test: str, patterns: list[str]) -> bool:
    name = test.partition("::")[2]
    return any(fnmatch.fnmatchcase(name, _literal_brackets(pattern)) for pattern in patterns)


def test_every_registry_test_is_seen_failing(upstream: str, suite: SuiteRunner) -> None:
    """Each collected registry test is named by a fault or is a strict xfail of docker-registry."""
    run = suite.run([str(SUITE), "--collect-only", *_suite_args(upstream)], timeout=RUN_TIMEOUT)
    assert run.returncode == 0, run.describe()
    collected = {
        short_id(line.split("::", 1)[0].replace("/", ".").removesuffix(".py") + "::" + line.split("::", 1)[1])
        for line in run.output.splitlines()
        if line.startswith("suites/registry/") and "::" in line
    }
    assert collected, run.describe()
    named = {test for fault in FAULTS for test in fault["fails"]}
    expectations = yaml.safe_load((SUITE / "expectations" / "docker-registry.yaml").read_text())
    patterns = [deviation["test"] for deviation in expectations["deviations"]]
    never = sorted(t for t in collected - named if not _seen_failing_by_expectation(t, patterns))
    assert not never, "registry tests no fault makes fail (and no known deviation): " + ", ".join(never)
    assert not named - collected, f"faults.yaml names tests that do not exist: {sorted(named - collected)}"
