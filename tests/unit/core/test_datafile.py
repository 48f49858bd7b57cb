"""Unit tests for :func:`conformance.core.datafile.load_checked`: violations as `file:line: path: words`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance.core.cases import OPERATORS
from conformance.core.datafile import LineDict, line_at, load_checked, load_yaml
from conformance.core.errors import DataFileError

MATRIX = """\
cases:
  - id: first
    requirements: [a.b]
    expect:
      - {field: uid, equals: 0}
  - id: second
    requirements: [a.b]
    expect:
      - {field: uid, equals: 0}
      - field: gid
        KEY: 0
"""


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error_of(path: Path, schema: str) -> DataFileError:
    with pytest.raises(DataFileError) as info:
        load_checked(path, schema)
    return info.value


def test_valid_file_comes_back_with_line_numbers(tmp_path: Path) -> None:
    data = load_checked(write(tmp_path, MATRIX.replace("KEY", "equals")), "runtime-matrix")
    assert isinstance(data, LineDict)
    assert data["cases"][1].line == 6
    assert data["cases"][1]["expect"][1].line == 10


def test_nested_error_names_its_path_and_the_line_of_its_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, MATRIX.replace("KEY", "equal"))
    error = error_of(path, "runtime-matrix")
    assert error.line == 10
    assert error.path == path
    assert str(error) == (
        f"{path}:10: cases[1].expect[1]: unknown key(s) equal "
        f"(allowed: {', '.join(sorted(['field', 'message', *OPERATORS]))})"
    )


def test_a_scalar_takes_the_line_of_the_innermost_mapping(tmp_path: Path) -> None:
    text = MATRIX.replace("KEY", "equals").replace("requirements: [a.b]", "requirements: [5]", 1)
    error = error_of(write(tmp_path, text), "runtime-matrix")
    assert error.line == 2
    assert "cases[0].requirements[0]: must be a string, got integer" in str(error)


def test_a_list_takes_the_line_of_its_mapping(tmp_path: Path) -> None:
    text = "cases:\n  - id: c\n    requirements: [a.b]\n    config:\n      - 1\n"
    text += "    expect:\n      - {field: a, equals: 1}\n"
    error = error_of(write(tmp_path, text), "runtime-matrix")
    assert (error.line, str(error).split(": ", 1)[1]) == (
        2,
        "cases[0].config: must be a mapping or null, got list",
    )


def test_the_first_violation_in_file_order_is_reported(tmp_path: Path) -> None:
    """The second case is broken twice, the first once; the first case's fault is reported."""
    text = MATRIX.replace("KEY", "equal").replace("id: first", "id: first\n    summray: typo")
    error = error_of(write(tmp_path, text), "runtime-matrix")
    assert error.line == 2
    assert "cases[0]: unknown key(s) summray" in str(error)


def test_an_enclosing_value_is_reported_before_its_parts(tmp_path: Path) -> None:
    text = "cases:\n  - id: c\n    expect:\n      - {field: a, equal: 1}\n"
    error = error_of(write(tmp_path, text), "runtime-matrix")
    assert str(error).endswith(": cases[0]: missing key(s) requirements")
    assert error.line == 2


def test_all_violations_of_one_value_are_listed(tmp_path: Path) -> None:
    text = "cases:\n  - {id: c, requirement: [a.b], expect: [{field: a, equals: 1}]}\n"
    message = str(error_of(write(tmp_path, text), "runtime-matrix"))
    assert message.endswith(
        ": cases[0]: missing key(s) requirements; unknown key(s) requirement "
        "(allowed: config, expect, id, probe, requirements, requires, summary)"
    )


@pytest.mark.parametrize(
    ("expectation", "got"),
    [("{field: a}", "none"), ("{field: a, equals: 1, contains: 1}", "equals, contains")],
)
def test_exactly_one_operator_is_worded_as_such(tmp_path: Path, expectation: str, got: str) -> None:
    path = write(
        tmp_path, f"cases:\n  - id: c\n    requirements: [a.b]\n    expect:\n      - {expectation}\n"
    )
    error = error_of(path, "runtime-matrix")
    assert (
        str(error) == f"{path}:5: cases[0].expect[0]: needs exactly one of {', '.join(OPERATORS)}; got {got}"
    )


def test_root_errors_use_the_file_title(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "- a\n"), "runtime-matrix")
    assert error.line is None
    assert str(error).endswith(": matrix file must be a mapping, got list")
    assert str(error_of(write(tmp_path, "description: x\n"), "runtime-matrix")).endswith(
        ":1: matrix file: missing key(s) cases"
    )


def test_keys_that_are_not_identifiers_are_bracketed(tmp_path: Path) -> None:
    text = """\
    profiles:
      p:
        spec: s
        documents: [d.md]
        levels: [MUST]
        allowed_skips:
          a.b: fine
          c.d:
            reason: why
            whence: typo
    """
    error = error_of(write(tmp_path, text), "profiles")
    assert error.line == 9
    assert "profiles.p.allowed_skips['c.d']: unknown key(s) whence (allowed: reason, when)" in str(error)


def test_enum_and_blank_values_are_worded_plainly(tmp_path: Path) -> None:
    text = "profiles:\n  p: {spec: s, documents: [d.md], levels: [MUST], allowed_skips: {a: ' '}}\n"
    error = error_of(write(tmp_path, text), "profiles")
    assert str(error).endswith(":2: profiles.p.allowed_skips.a: must not be empty or blank")
    text = "profiles:\n  p: {spec: s, documents: [d.md], levels: [MUST, MAYBE]}\n"
    assert str(error_of(write(tmp_path, text), "profiles")).endswith(
        ":2: profiles.p.levels[1]: unknown value 'MAYBE' (allowed: MUST, SHOULD, MAY)"
    )


def test_yaml_errors_come_first(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, "cases: [\n"), "runtime-matrix")
    assert "invalid YAML" in str(error)


def test_unknown_schema_is_a_key_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="data/nope"):
        load_checked(write(tmp_path, "a: 1\n"), "nope")


def test_line_at_walks_to_the_deepest_mapping(tmp_path: Path) -> None:
    data = load_yaml(write(tmp_path, "a:\n  b:\n    - x\n    - c: 1\n      d: [1, 2]\n"))
    assert line_at(data, []) == 1
    assert line_at(data, ["a", "b", 0]) == 2
    assert line_at(data, ["a", "b", 1, "d", 1]) == 4
    assert line_at(data, ["a", "missing", 3]) == 2
    assert line_at([1, 2], [0]) is None
