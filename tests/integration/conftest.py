"""Helpers for running the conformance suite itself in a subprocess and checking what it left.

Every run gets a private TMPDIR (under the test's tmp_path), so the suite's work directories,
and anything it fails to remove, can be found without confusing them with concurrent runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance.runtime.bundle.rootfs import is_static_elf

REPO = Path(__file__).resolve().parents[2]
RUNC = Path(os.environ.get("REAL_RUNTIME", "/usr/sbin/runc"))
BUSYBOX = shutil.which("busybox")
#: Seconds after SIGTERM before a timed-out run is killed outright.
TERM_GRACE = 20.0


def _runc_missing() -> str:
    """Why the real-container tests cannot run here, or '' when they can."""
    if not (RUNC.is_file() and os.access(RUNC, os.X_OK)):
        return f"runc not found at {RUNC} (set REAL_RUNTIME)"
    if BUSYBOX is None or not is_static_elf(Path(BUSYBOX)):
        return "a statically linked busybox is not on PATH (install busybox-static)"
    if os.geteuid() != 0:
        return "creating containers with runc needs root"
    return ""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requires_runc: needs root, runc (REAL_RUNTIME) and a static busybox; skipped otherwise"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("requires_runc") is not None:
        missing = _runc_missing()
        if missing:
            pytest.skip(f"requires_runc: {missing}")


@dataclass
class Failure:
    """One failed or errored test case from a JUnit XML report."""

    test: str
    kind: str  # "failure" or "error"
    text: str


@dataclass
class SuiteRun:
    """The outcome of one subprocess run of the suite."""

    argv: list[str]
    returncode: int
    output: str
    duration: float
    tmpdir: Path
    junit: Path | None = None
    failures: list[Failure] = field(default_factory=list)
    testcases: int = 0

    def describe(self, limit: int = 6000) -> str:
        """Command, exit code and the tail of the output, for assertion messages."""
        tail = self.output[-limit:]
        return f"$ {' '.join(self.argv)}\nexit {self.returncode} after {self.duration:.1f}s\n{tail}"


def parse_junit(path: Path) -> tuple[int, list[Failure]]:
    """Number of test cases and the failures/errors of a JUnit XML report."""
    root = ET.parse(path).getroot()
    cases = list(root.iter("testcase"))
    failures = []
    for case in cases:
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        for kind in ("failure", "error"):
            for element in case.findall(kind):
                text = f"{element.get('message', '')}\n{element.text or ''}"
                failures.append(Failure(name, kind, text))
    return len(cases), failures


def _clean_environ(base: Path, tmpdir: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without OCI_* / PYTEST_* settings, with a private TMPDIR.

    Reports (results.json) go under `base` too, not into the checkout's reports/.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OCI_", "PYTEST_"))}
    env["TMPDIR"] = str(tmpdir)
    env["OCI_REPORT_DIR"] = str(base / "reports")
    env.update(extra)
    return env


def processes_mentioning(text: str) -> dict[int, str]:
    """pid -> command line of every process whose arguments contain `text` (like `ps -eo args`)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            args = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if text in args:
            found[int(entry.name)] = args
    return found


class SuiteRunner:
    """Runs `python -m pytest ...` in a new session with a private TMPDIR; finds leftovers."""

    def __init__(self, tmp_path: Path) -> None:
        self.base = tmp_path
        self.tmpdir = tmp_path / "tmp"
        self.tmpdir.mkdir()

    def run(
        self,
        args: Sequence[str],
        *,
        timeout: float,
        env: Mapping[str, str] | None = None,
        junit: bool = False,
        cwd: Path = REPO,
    ) -> SuiteRun:
        """Run the suite with `args`; on `timeout` it is stopped and the test fails."""
        junit_path = self.base / "junit.xml" if junit else None
        argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
        if junit_path is not None:
            argv.append(f"--junitxml={junit_path}")
        started = time.monotonic()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=_clean_environ(self.base, self.tmpdir, env or {}),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._stop(proc)
            pytest.fail(f"the suite did not finish within {timeout:g}s: {' '.join(argv)}")
        result = SuiteRun(
            argv=argv,
            returncode=proc.returncode,
            output=out.decode(errors="replace"),
            duration=time.monotonic() - started,
            tmpdir=self.tmpdir,
            junit=junit_path,
        )
        if junit_path is not None and junit_path.exists():
            result.testcases, result.failures = parse_junit(junit_path)
        return result

    @staticmethod
    def _stop(proc: subprocess.Popen) -> None:
        """SIGTERM (the plugin then still cleans up), then SIGKILL for the whole session."""
        for sig, wait in ((signal.SIGTERM, TERM_GRACE), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.communicate(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def leftovers(self) -> list[str]:
        """Work directories, containers and processes a finished run left behind."""
        found = [f"work directory {p}" for p in sorted(self.tmpdir.glob("oci-conformance-*"))]
        for state_root in sorted(self.tmpdir.glob("oci-conformance-*/state/*")):
            found += [f"container {cid} in {state_root}" for cid in self._containers(state_root)]
        deadline = time.monotonic() + 3.0
        marker = f"{self.base}{os.sep}"
        processes = processes_mentioning(marker)
        while processes and time.monotonic() < deadline:
            time.sleep(0.1)
            processes = processes_mentioning(marker)
        found += [f"process {pid}: {args}" for pid, args in processes.items()]
        return found

    def assert_no_leftovers(self) -> None:
        left = self.leftovers()
        assert not left, "the run left behind:\n" + "\n".join(left)

    @staticmethod
    def _containers(state_root: Path) -> list[str]:
        if not RUNC.exists():
            return []
        done = subprocess.run(
            [str(RUNC), "--root", str(state_root), "list", "-q"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return done.stdout.split() if done.returncode == 0 else []

    def cleanup(self) -> None:
        """Remove whatever a run left: processes (by pid), containers, work directories."""
        for pid in processes_mentioning(f"{self.base}{os.sep}"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for state_root in self.tmpdir.glob("oci-conformance-*/state/*"):
            for cid in self._containers(state_root):
                subprocess.run(
                    [str(RUNC), "--root", str(state_root), "delete", "--force", cid],
                    capture_output=True,
                    timeout=30,
                    check=False,
                )
        for workdir in self.tmpdir.glob("oci-conformance-*"):
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def suite(tmp_path: Path) -> Iterator[SuiteRunner]:
    """A SuiteRunner whose leftovers are removed after the test, whatever its outcome."""
    runner = SuiteRunner(tmp_path)
    yield runner
    runner.cleanup()
