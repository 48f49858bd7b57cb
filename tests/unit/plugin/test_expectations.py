"""Unit tests for :mod:`conformance.plugin.expectations`: known deviations per runtime version."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance.core.errors import DataFileError
from conformance.plugin.expectations import Deviation, expectation_files, load_expectations
from conformance.requirements import Catalog, load_catalog_from

CATALOG_YAML = """\
spec: test-spec
version: v0.0.1
document: test.md
url: https://example.invalid/test.md
requirements:
  - {id: t.one, level: MUST, keyword: MUST, section: a, summary: one}
  - {id: t.two, level: SHOULD, keyword: SHOULD, section: b, summary: two}
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    root = tmp_path / "catalog"
    root.mkdir()
    (root / "c.yaml").write_text(CATALOG_YAML)
    return load_catalog_from(root)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "runc.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def load_error(path: Path, catalog: Catalog) -> DataFileError:
    with pytest.raises(DataFileError) as info:
        load_expectations(path, catalog)
    return info.value


def test_absent_file_means_no_deviations(tmp_path: Path, catalog: Catalog) -> None:
    assert load_expectations(tmp_path / "nope.yaml", catalog) == []


def test_null_deviations_means_none(tmp_path: Path, catalog: Catalog) -> None:
    assert load_expectations(write(tmp_path, "runtime: runc\ndeviations:\n"), catalog) == []


def test_good_file_loads(tmp_path: Path, catalog: Catalog) -> None:
    path = write(
        tmp_path,
        """\
        runtime: runc
        description: known runc quirks
        deviations:
          - test: test_matrix[process.*]
            requirement: t.one
            versions: "1.1.*"
            observed: >
              runc   keeps
              the old value
          - test: test_kill
            requirement: t.two
            versions: ["1.0.*", "1.1.5*"]
            observed: exits 0
        """,
    )
    first, second = load_expectations(path, catalog)
    assert first == Deviation(
        test="test_matrix[process.*]",
        requirement="t.one",
        versions=("1.1.*",),
        observed="runc keeps the old value",
        source="runc.yaml:4",
    )
    assert second.versions == ("1.0.*", "1.1.5*")
    assert second.source == "runc.yaml:10"


def test_reason_names_runtime_requirement_and_source() -> None:
    deviation = Deviation("t*", "t.one", ("1.*",), "does X", "runc.yaml:4")
    reason = deviation.reason("runc", "1.1.5")
    assert "runc 1.1.5" in reason
    assert "t.one" in reason
    assert "does X" in reason
    assert "runc.yaml:4" in reason


def test_intermittent_deviation_loads_and_says_so(tmp_path: Path, catalog: Catalog) -> None:
    path = write(
        tmp_path,
        """\
        runtime: runc
        deviations:
          - {test: a, requirement: t.one, versions: "*", observed: hangs in 2 of 20 runs, intermittent: true}
          - {test: b, requirement: t.one, versions: "*", observed: always}
        """,
    )
    racy, steady = load_expectations(path, catalog)
    assert racy.intermittent and not steady.intermittent
    assert racy.reason("runc", "1.1.5").startswith("known deviation (intermittent) of runc 1.1.5")
    assert steady.reason("runc", "1.1.5").startswith("known deviation of runc 1.1.5")


def test_unknown_requirement(tmp_path: Path, catalog: Catalog) -> None:
    path = write(
        tmp_path,
        """\
        runtime: runc
        deviations:
          - {test: a, requirement: t.one, versions: "*", observed: x}
          - {test: b, requirement: t.three, versions: "*", observed: x}
        """,
    )
    error = load_error(path, catalog)
    assert "unknown requirement id 't.three'" in str(error)
    assert str(error).startswith(f"{path}:4:")


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ("{test: a, requirement: t.one, observed: x}", "missing key(s) versions"),
        (
            "{test: a, requirement: t.one, versions: [], observed: x}",
            "deviations[0].versions: must not be empty",
        ),
        (
            "{test: a, requirement: t.one, versions: null, observed: x}",
            "deviations[0].versions: must be a string or a list, got null",
        ),
        (
            "{test: a, requirement: t.one, versions: {a: 1}, observed: x}",
            "deviations[0].versions: must be a string or a list, got mapping",
        ),
        (
            "{test: a, requirement: t.one, versions: '*', observed: ''}",
            "deviations[0].observed: must not be empty",
        ),
        (
            "{test: a, requirement: t.one, versions: '*', observed: '   '}",
            "deviations[0].observed: must not be empty",
        ),
        ("{test: a, requirement: t.one, versions: '*'}", "missing key(s) observed"),
        ("{test: a, requirement: t.one, versions: '*', observed: x, why: y}", "unknown key(s) why"),
        ("just a string", "deviation must be a mapping"),
        (
            "{test: a, requirement: t.one, versions: '*', observed: x, intermittent: sometimes}",
            "deviations[0].intermittent: must be true or false, got string",
        ),
    ],
    ids=[
        "no-versions",
        "empty-versions",
        "null-versions",
        "mapping-versions",
        "empty-observed",
        "blank-observed",
        "no-observed",
        "unknown-key",
        "not-mapping",
        "intermittent-not-boolean",
    ],
)
def test_broken_deviation(tmp_path: Path, catalog: Catalog, entry: str, fragment: str) -> None:
    path = write(tmp_path, f"runtime: runc\ndeviations:\n  - {entry}\n")
    error = load_error(path, catalog)
    assert fragment in str(error)
    assert str(error).startswith(f"{path}:")
    # A scalar entry has no line of its own; the file's is the closest known.
    assert error.line == (1 if entry == "just a string" else 3)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("deviations: []\n", "expectations file: needs exactly one of runtime, tool, registry; got none"),
        ("runtime: runc\n", "missing key(s) deviations"),
        ("runtime: runc\ndeviations: {}\nnotes: x\n", "unknown key(s) notes"),
        ("runtime: runc\ndeviations: {a: 1}\n", "deviations: must be a list or null, got mapping"),
        ("- a\n", "expectations file must be a mapping"),
    ],
)
def test_broken_file(tmp_path: Path, catalog: Catalog, text: str, fragment: str) -> None:
    assert fragment in str(load_error(write(tmp_path, text), catalog))


# -- Deviation.applies ------------------------------------------------------------------------

DEVIATION = Deviation(
    test="test_kill_*",
    requirement="runtime.kill.signal",
    versions=("1.1.*", "1.2.0"),
    observed="x",
    source="runc.yaml:1",
)
REQS = ("runtime.kill.signal", "runtime.state.stopped")


@pytest.mark.parametrize(
    ("test_key", "requirements", "version"),
    [
        ("test_kill_sigterm", REQS, "1.1.5"),
        ("test_kill_", ("runtime.kill.signal",), "1.1.5+ds1"),
        ("test_kill_sigkill", REQS, "1.2.0"),
    ],
)
def test_applies_when_all_three_match(test_key: str, requirements: tuple[str, ...], version: str) -> None:
    assert DEVIATION.applies(test_key, requirements, version)


@pytest.mark.parametrize(
    ("test_key", "requirements", "version"),
    [
        ("test_delete", REQS, "1.1.5"),
        ("test_kill", REQS, "1.1.5"),
        ("TEST_KILL_sigterm", REQS, "1.1.5"),
        ("test_kill_sigterm", ("runtime.state.stopped",), "1.1.5"),
        ("test_kill_sigterm", (), "1.1.5"),
        ("test_kill_sigterm", ("runtime.kill",), "1.1.5"),
        ("test_kill_sigterm", REQS, "1.0.0"),
        ("test_kill_sigterm", REQS, "1.2.1"),
        ("test_kill_sigterm", REQS, "unknown"),
    ],
    ids=[
        "other-test",
        "pattern-needs-more",
        "case-sensitive",
        "other-requirement",
        "no-requirement",
        "requirement-prefix",
        "older-version",
        "newer-version",
        "unknown-version",
    ],
)
def test_does_not_apply_unless_all_three_match(
    test_key: str, requirements: tuple[str, ...], version: str
) -> None:
    assert not DEVIATION.applies(test_key, requirements, version)


@pytest.mark.parametrize(
    ("pattern", "test_key"),
    [
        ("test_matrix[process.args]", "test_matrix[process.args]"),
        ("test_matrix[process.user-*]", "test_matrix[process.user-uid]"),
        ("test_matrix[*]", "test_matrix[process.env]"),
    ],
)
def test_parametrized_test_keys_match(pattern: str, test_key: str) -> None:
    """Brackets of a parametrized id are literal (not an fnmatch character class)."""
    deviation = Deviation(pattern, "r", ("*",), "x", "f:1")
    assert deviation.applies(test_key, ("r",), "1.0")


@pytest.mark.parametrize(
    ("pattern", "test_key"),
    [
        ("test_matrix[process.args]", "test_matrix[process.env]"),
        ("test_matrix[process.args]", "test_matrixp"),
        ("test_matrix[ab]", "test_matrixa"),
        ("test_matrix[process.user-*]", "test_matrix[process.env]"),
        ("test_matrix[*]", "test_matrix"),
    ],
)
def test_parametrized_test_keys_do_not_match_others(pattern: str, test_key: str) -> None:
    deviation = Deviation(pattern, "r", ("*",), "x", "f:1")
    assert not deviation.applies(test_key, ("r",), "1.0")


def test_a_flavour_has_its_base_deviations_and_its_own(tmp_path: Path) -> None:
    (tmp_path / "docker-registry").mkdir()
    (tmp_path / "docker-registry" / "extra.yaml").write_text("")
    files = expectation_files(tmp_path, "docker-registry+nodelete")
    assert files == [
        tmp_path / "docker-registry.yaml",
        tmp_path / "docker-registry" / "extra.yaml",
        tmp_path / "docker-registry+nodelete.yaml",
    ]
    assert expectation_files(tmp_path, "runc") == [tmp_path / "runc.yaml"]
