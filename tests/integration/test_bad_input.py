"""Bad input to the suite ends in one clear error line: no traceback, no hang, no leftovers.

The suite runs in a subprocess for each case; leftovers are looked for in the run's private
TMPDIR (work directories) and among processes whose arguments name the test's tmp_path.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conformance.core.errors import DataFileError
from conformance.requirements import load_catalog
from conformance.runtime.bundle.rootfs import is_static_elf
from conformance.runtime.matrix import load_matrix

if TYPE_CHECKING:
    from conftest import SuiteRun, SuiteRunner

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "suites" / "runtime"
RUNC = os.environ.get("REAL_RUNTIME", "/usr/sbin/runc")
USAGE_ERROR = 4
#: pytest's exit code when collection failed (a broken matrix is found while collecting).
INTERRUPTED = 2
#: Turns a matrix text into (broken text, line the error must name, text it must contain).
Breaker = Callable[[str], tuple[str, int, str]]


def error_lines(output: str, fragment: str) -> list[str]:
    return [line for line in output.splitlines() if fragment in line]


def assert_one_clear_error(run: SuiteRun, expected: str, exit_code: int = USAGE_ERROR) -> None:
    """Exit code, exactly one error line naming `expected`, and no traceback."""
    assert run.returncode == exit_code, run.describe()
    assert "Traceback" not in run.output, run.describe()
    assert "INTERNALERROR" not in run.output, run.describe()
    lines = error_lines(run.output, "oci-conformance: ")
    assert len(lines) == 1, f"expected one error line, got {lines}:\n{run.describe()}"
    assert expected in lines[0], f"{expected!r} not in {lines[0]!r}"


def _non_executable(tmp_path: Path) -> str:
    path = tmp_path / "not-executable"
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o644)
    return str(path)


def _directory(tmp_path: Path) -> str:
    path = tmp_path / "a-directory"
    path.mkdir()
    return str(path)


@pytest.mark.parametrize(
    ("make_runtime", "expected"),
    [
        (lambda tmp: "/nonexistent/runc", "'/nonexistent/runc' does not exist"),
        (_non_executable, "is not an executable file"),
        (_directory, "is not an executable file"),
        (lambda tmp: "no-such-runtime-name", "'no-such-runtime-name' was not found on PATH"),
    ],
    ids=["nonexistent-path", "non-executable-file", "directory", "unknown-name"],
)
def test_unusable_runtime(
    suite: SuiteRunner, tmp_path: Path, make_runtime: Callable[[Path], str], expected: str
) -> None:
    """An unusable --runtime is a usage error naming the runtime."""
    runtime = make_runtime(tmp_path)
    run = suite.run([f"--runtime={runtime}", "-q"], timeout=60)
    assert_one_clear_error(run, expected)
    assert runtime in error_lines(run.output, "oci-conformance: ")[0]
    suite.assert_no_leftovers()


def test_runtime_whose_version_hangs(suite: SuiteRunner, tmp_path: Path) -> None:
    """`--version` that never answers: a bounded wait (the default timeout), one error, no leftovers.

    The runtime waits in a child process, as a wrapper script would; that child must not
    survive the run.
    """
    runtime = tmp_path / "slow-runtime"
    runtime.write_text(
        '#!/bin/sh\nif [ "$1" = --version ]; then "$0" hang; exit; fi\nwhile :; do sleep 1; done\n'
    )
    runtime.chmod(0o755)
    run = suite.run([f"--runtime={runtime}", "-q"], timeout=90)
    assert run.duration < 60, run.describe()
    assert_one_clear_error(run, "did not answer --version within")
    suite.assert_no_leftovers()


@pytest.mark.requires_runc
@pytest.mark.parametrize(
    ("busybox", "expected"),
    [("/nonexistent", "'/nonexistent'"), ("/bin/ls", "is not a statically linked ELF executable")],
    ids=["nonexistent", "dynamic"],
)
def test_unusable_busybox(suite: SuiteRunner, busybox: str, expected: str) -> None:
    """An unusable --busybox is a usage error naming it."""
    if Path(busybox).exists() and is_static_elf(Path(busybox)):
        pytest.skip(f"{busybox} is statically linked on this host")
    run = suite.run([f"--runtime={RUNC}", f"--busybox={busybox}", "-q"], timeout=60)
    assert_one_clear_error(run, expected)
    assert busybox in error_lines(run.output, "oci-conformance: ")[0]
    suite.assert_no_leftovers()


@pytest.mark.requires_runc
@pytest.mark.parametrize(
    ("option", "expected"),
    [("--runtime-timeout=abc", "'abc'"), ("--level=SOMETIMES", "--level must be one of")],
    ids=["timeout-not-a-number", "unknown-level"],
)
def test_invalid_option_value(suite: SuiteRunner, option: str, expected: str) -> None:
    """An invalid option value is a usage error naming the value, not an internal error."""
    run = suite.run([f"--runtime={RUNC}", option, "--collect-only", "-q"], timeout=60)
    assert_one_clear_error(run, expected)
    suite.assert_no_leftovers()


@pytest.mark.requires_runc
@pytest.mark.parametrize(
    "option", ["--runtime-timeout=2", "--level=must"], ids=["timeout", "level-lowercase"]
)
def test_valid_option_value_is_accepted(suite: SuiteRunner, option: str) -> None:
    """Option values are parsed like the same value from the environment (OCI_RUNTIME_TIMEOUT=2 works)."""
    run = suite.run([f"--runtime={RUNC}", option, "--collect-only", "-q"], timeout=60)
    assert run.returncode == 0, run.describe()
    assert "Traceback" not in run.output, run.describe()
    suite.assert_no_leftovers()


# -- broken matrices ---------------------------------------------------------------------------


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def _break_unknown_requirement(text: str) -> tuple[str, int, str]:
    needle = "requirements: [config.hostname]"
    broken = text.replace(needle, "requirements: [config.no-such-requirement]")
    return broken, _line_of(text, "- id: hostname"), "unknown requirement id(s) config.no-such-requirement"


def _break_yaml_syntax(text: str) -> tuple[str, int, str]:
    needle = "- {field: hostname, equals: conformance-host}"
    broken = text.replace(needle, "- {field: hostname, equals: @conformance-host}")
    return broken, _line_of(text, needle), "invalid YAML"


def _break_expectation_key(text: str) -> tuple[str, int, str]:
    needle = "- {field: hostname, equals: conformance-host}"
    broken = text.replace(needle, "- {field: hostname, equal: conformance-host}")
    return broken, _line_of(text, needle), "unknown key(s) equal"


def _copy_suite(tmp_path: Path) -> Path:
    copy = tmp_path / "suites" / "runtime"
    shutil.copytree(SUITE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return copy


@pytest.mark.requires_runc
@pytest.mark.parametrize(
    "breaker",
    [_break_unknown_requirement, _break_yaml_syntax],
    ids=["unknown-requirement", "yaml-syntax"],
)
def test_broken_matrix_names_file_and_line(suite: SuiteRunner, tmp_path: Path, breaker: Breaker) -> None:
    """A broken matrix in a copy of the suite: one collection error naming file:line, no run."""
    copy = _copy_suite(tmp_path)
    matrix = copy / "matrices" / "process.yaml"
    broken, line, expected = breaker(matrix.read_text())
    matrix.write_text(broken)
    run = suite.run(
        [f"--runtime={RUNC}", "-q", f"--rootdir={copy.parent}", str(copy / "test_matrix.py")], timeout=60
    )
    assert run.returncode in (INTERRUPTED, USAGE_ERROR), run.describe()
    assert "Traceback" not in run.output, run.describe()
    lines = error_lines(run.output, f"{matrix}:")
    assert len(lines) == 1, f"expected one error line naming {matrix}, got {lines}:\n{run.describe()}"
    assert f"{matrix}:{line}:" in lines[0] and expected in lines[0], lines[0]
    suite.assert_no_leftovers()


def _set_requires_number(text: str) -> tuple[str, int, str]:
    needle = "    requirements: [config.hostname]"
    return text.replace(needle, needle + "\n    requires: 5"), _line_of(text, "- id: hostname"), "requires"


def _set_requirement_list(text: str) -> tuple[str, int, str]:
    needle = "requirements: [config.hostname]"
    return text.replace(needle, "requirements: [[config.hostname]]"), _line_of(text, "- id: hostname"), ""


@pytest.mark.parametrize(
    "breaker",
    [
        _break_unknown_requirement,
        _break_yaml_syntax,
        _break_expectation_key,
        _set_requires_number,
        _set_requirement_list,
    ],
    ids=["unknown-requirement", "yaml-syntax", "expectation-key", "requires-number", "requirement-list"],
)
def test_load_matrix_reports_file_and_line(tmp_path: Path, breaker: Breaker) -> None:
    """load_matrix raises DataFileError naming file and line for any malformed case."""
    matrix = tmp_path / "process.yaml"
    broken, line, expected = breaker((SUITE / "matrices" / "process.yaml").read_text())
    matrix.write_text(broken)
    with pytest.raises(DataFileError) as raised:
        load_matrix(matrix, load_catalog())
    assert str(raised.value).startswith(f"{matrix}:{line}: "), str(raised.value)
    assert expected in str(raised.value)
