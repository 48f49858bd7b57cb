"""Unit tests for :mod:`conformance.runtime.matrix` and :mod:`conformance.core.datafile`.

A broken matrix must fail with one message naming the file and line, and every
expectation operator must both pass and fail the way a matrix author expects.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from conformance.core.cases import _MISSING, OPERATORS, Expectation, lookup
from conformance.core.datafile import LineDict, check_keys, load_yaml, require_mapping
from conformance.core.errors import DataFileError
from conformance.requirements import Catalog, load_catalog, load_catalog_from
from conformance.runtime.matrix import MatrixCase, load_matrices, load_matrix

CATALOG_YAML = """\
spec: test-spec
version: v0.0.1
document: test.md
url: https://example.invalid/test.md
requirements:
  - id: t.must
    level: MUST
    keyword: MUST
    section: s1
    summary: a MUST requirement
  - id: t.should
    level: SHOULD
    keyword: SHOULD
    section: s2
    summary: a SHOULD requirement
  - id: t.may
    level: MAY
    keyword: MAY
    section: s3
    summary: a MAY requirement
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    """A three-requirement catalog, one per level, private to the test."""
    root = tmp_path / "catalog"
    root.mkdir()
    (root / "test.yaml").write_text(CATALOG_YAML)
    return load_catalog_from(root)


#: The last line of a one-case matrix whose expectation does not matter.
EXPECT_LINE = "    expect: [{field: a, equals: 1}]\n"


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def load_error(path: Path, catalog: Catalog) -> DataFileError:
    with pytest.raises(DataFileError) as info:
        load_matrix(path, catalog)
    return info.value


GOOD = """\
description: a small matrix
defaults:
  process:
    cwd: /tmp
    env: ["A=1"]
cases:
  - id: first
    summary: mixes levels
    requirements: [t.should, t.must]
    config:
      process:
        env: ["B=2"]
    probe: ["file /etc/hosts", "stat /dev/null", "link /dev/fd"]
    expect:
      - field: cwd
        equals: /tmp
      - field: [files, /etc/hosts]
        contains: localhost
        message: hosts file lost
  - id: second
    requirements: t.may
    requires: cgroup-v2
    expect:
      - {field: uid, exists: true}
"""


# -- datafile -------------------------------------------------------------------------------


def test_load_yaml_mappings_remember_their_line(tmp_path: Path) -> None:
    """Error messages point at the entry; the line must be the mapping's first line."""
    path = write(tmp_path, "top: 1\nitems:\n  - a: 1\n    b: 2\n  - c: 3\n")
    data = load_yaml(path)
    assert isinstance(data, LineDict)
    assert data.line == 1
    assert [item.line for item in data["items"]] == [3, 5]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("cases:\n  - id: a\n    requirements: [x\n    expect: []\n", 4),
        ("cases:\n  - id: a\n     bad: 1\n", 3),
        ("cases:\n\t- id: a\n", 2),
        ("a: b: c\n", 1),
    ],
    ids=["unclosed-flow", "bad-indent", "tab", "nested-colon"],
)
def test_invalid_yaml_names_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    """A YAML syntax error is reported as file:line, not as a PyYAML traceback."""
    path = write(tmp_path, text)
    with pytest.raises(DataFileError) as info:
        load_yaml(path)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: invalid YAML")


def test_valid_yaml_loads_without_error(tmp_path: Path) -> None:
    path = write(tmp_path, "a: {b: [1, 2]}\n")
    assert load_yaml(path) == {"a": {"b": [1, 2]}}


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(DataFileError, match="cannot read") as info:
        load_yaml(path)
    assert str(path) in str(info.value)


def test_duplicate_yaml_keys_are_an_error(tmp_path: Path) -> None:
    """A repeated key (e.g. two `config:` in one case) silently drops data; it must be an error."""
    path = write(tmp_path, "a: 1\nb: 2\na: 3\n")
    with pytest.raises(DataFileError, match="a"):
        load_yaml(path)


def test_require_mapping_and_check_keys(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    with pytest.raises(DataFileError, match="thing must be a mapping, got list") as info:
        require_mapping(path, [1], "thing", line=7)
    assert info.value.line == 7
    entry = LineDict({"a": 1})
    entry.line = 4
    assert require_mapping(path, entry, "thing") is entry
    check_keys(path, entry, "thing", {"a"}, {"b"})
    with pytest.raises(DataFileError, match=r"missing key\(s\) c") as info:
        check_keys(path, entry, "thing", {"a", "c"})
    assert info.value.line == 4
    with pytest.raises(DataFileError, match=r"unknown key\(s\) a \(allowed: b\)"):
        check_keys(path, entry, "thing", set(), {"b"})


# -- load_matrix: good input ------------------------------------------------------------------


def test_good_matrix_loads(tmp_path: Path, catalog: Catalog) -> None:
    path = write(tmp_path, GOOD)
    first, second = load_matrix(path, catalog)
    assert isinstance(first, MatrixCase)
    assert first.id == "m.first"
    assert first.requirements == ("t.should", "t.must")
    assert first.probe == ("file /etc/hosts", "stat /dev/null", "link /dev/fd")
    assert first.source == f"{path}:7"
    assert first.summary == "mixes levels"
    assert first.expect[0] == Expectation(["cwd"], "equals", "/tmp", "")
    assert first.expect[1] == Expectation(["files", "/etc/hosts"], "contains", "localhost", "hosts file lost")
    assert second.id == "m.second"
    assert second.requirements == ("t.may",)
    assert second.requires == ("cgroup-v2",)
    assert second.expect == (Expectation(["uid"], "exists", True),)


def test_case_level_is_the_strongest_requirement(tmp_path: Path, catalog: Catalog) -> None:
    """A case covering a MUST and a SHOULD runs at MUST, so --level=MUST keeps it."""
    first, second = load_matrix(write(tmp_path, GOOD), catalog)
    assert first.level == "MUST"
    assert second.level == "MAY"


def test_case_level_should_beats_may(tmp_path: Path, catalog: Catalog) -> None:
    path = write(
        tmp_path,
        """\
        cases:
          - id: c
            requirements: [t.may, t.should]
            expect: [{field: uid, equals: 0}]
        """,
    )
    assert load_matrix(path, catalog)[0].level == "SHOULD"


def test_defaults_merge_into_case_config(tmp_path: Path, catalog: Catalog) -> None:
    """Defaults apply to every case; a case's own list replaces the default list."""
    first, second = load_matrix(write(tmp_path, GOOD), catalog)
    assert first.config == {"process": {"cwd": "/tmp", "env": ["B=2"]}}
    assert second.config == {"process": {"cwd": "/tmp", "env": ["A=1"]}}


def test_without_defaults_config_is_the_case_patch(tmp_path: Path, catalog: Catalog) -> None:
    path = write(
        tmp_path,
        """\
        cases:
          - id: c
            requirements: [t.must]
            config: {hostname: h}
            expect: [{field: hostname, equals: h}]
        """,
    )
    assert load_matrix(path, catalog)[0].config == {"hostname": "h"}


def test_run_key_equal_only_for_equal_config_and_probe(tmp_path: Path, catalog: Catalog) -> None:
    """Cases share a container exactly when config and probe requests match (order-insensitive)."""
    path = write(
        tmp_path,
        """\
        cases:
          - id: a
            requirements: [t.must]
            config: {hostname: h}
            probe: ["stat /a", "file /b"]
            expect: [{field: hostname, equals: h}]
          - id: b
            requirements: [t.may]
            config: {hostname: h}
            probe: ["file /b", "stat /a"]
            expect: [{field: uid, equals: 0}]
          - id: c
            requirements: [t.may]
            config: {hostname: other}
            probe: ["file /b", "stat /a"]
            expect: [{field: uid, equals: 0}]
        """,
    )
    a, b, c = load_matrix(path, catalog)
    assert a.run_key == b.run_key
    assert a.run_key != c.run_key


def test_shipped_matrices_load_against_shipped_catalog() -> None:
    """The real data must stay loadable; the plugin turns a failure here into a collection error."""
    directory = Path(__file__).resolve().parents[3] / "suites" / "runtime" / "matrices"
    cases = load_matrices(directory, load_catalog())
    assert cases
    assert len({case.id for case in cases}) == len(cases)


def test_load_matrices_needs_yaml_files(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(DataFileError, match=r"no \*\.yaml matrix files") as info:
        load_matrices(tmp_path, catalog)
    assert str(tmp_path) in str(info.value)


def test_load_matrices_concatenates_files_in_order(tmp_path: Path, catalog: Catalog) -> None:
    case = "cases:\n  - id: c\n    requirements: [t.must]\n    expect: [{field: uid, equals: 0}]\n"
    write(tmp_path, case, "b.yaml")
    write(tmp_path, case, "a.yaml")
    assert [c.id for c in load_matrices(tmp_path, catalog)] == ["a.c", "b.c"]


# -- load_matrix: broken input ----------------------------------------------------------------


def test_unknown_requirement_names_file_and_case_line(tmp_path: Path, catalog: Catalog) -> None:
    path = write(
        tmp_path,
        """\
        cases:
          - id: ok
            requirements: [t.must]
            expect: [{field: uid, equals: 0}]

          - id: broken
            requirements: [t.must, t.nope]
            expect: [{field: uid, equals: 0}]
        """,
    )
    error = load_error(path, catalog)
    assert error.line == 6
    assert str(error).startswith(f"{path}:6: ")
    assert "t.nope" in str(error)
    assert "broken" in str(error)


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("requirements: [t.must]\n    expect: [{field: uid, equals: 0}]", "missing key(s) id"),
        ("id: c\n    expect: [{field: uid, equals: 0}]", "missing key(s) requirements"),
        ("id: c\n    requirements: [t.must]", "missing key(s) expect"),
        (
            "id: c\n    requirements: [t.must]\n    expect: [{field: uid, equals: 0}]\n    confg: {}",
            "unknown key(s) confg",
        ),
    ],
    ids=["no-id", "no-requirements", "no-expect", "typo"],
)
def test_missing_or_unknown_case_keys(tmp_path: Path, catalog: Catalog, case: str, fragment: str) -> None:
    path = write(tmp_path, f"cases:\n  - {case}\n")
    error = load_error(path, catalog)
    assert fragment in str(error)
    assert error.line == 2


def test_unknown_top_level_key(tmp_path: Path, catalog: Catalog) -> None:
    path = write(
        tmp_path,
        "default: {}\ncases:\n  - {id: c, requirements: [t.must], expect: [{field: a, equals: 1}]}\n",
    )
    assert "unknown key(s) default" in str(load_error(path, catalog))


@pytest.mark.parametrize(
    "text",
    ["", "- just a list\n", "cases: []\n", "cases: {a: 1}\n", "cases: [1]\n", "defaults: [1]\ncases: []\n"],
    ids=["empty", "list", "no-cases", "cases-mapping", "case-not-mapping", "defaults-list"],
)
def test_broken_matrix_shapes(tmp_path: Path, catalog: Catalog, text: str) -> None:
    path = write(tmp_path, text)
    assert str(load_error(path, catalog)).startswith(str(path))


def test_duplicate_case_id_names_second_line(tmp_path: Path, catalog: Catalog) -> None:
    path = write(
        tmp_path,
        """\
        cases:
          - id: same
            requirements: [t.must]
            expect: [{field: uid, equals: 0}]
          - id: same
            requirements: [t.may]
            expect: [{field: uid, equals: 0}]
        """,
    )
    error = load_error(path, catalog)
    assert "duplicate case id 'same'" in str(error)
    assert error.line == 5


@pytest.mark.parametrize("case_id", ["null", "5", "Upper", "-dash", "a b", "''"])
def test_bad_case_ids(tmp_path: Path, catalog: Catalog, case_id: str) -> None:
    """A non-string id (`id: null`) or one outside the pattern is an error, not a crash."""
    path = write(
        tmp_path,
        f"cases:\n  - id: {case_id}\n    requirements: [t.must]\n    expect: [{{field: a, equals: 1}}]\n",
    )
    error = load_error(path, catalog)
    assert "cases[0].id: " in str(error)
    assert error.line == 2


@pytest.mark.parametrize(
    ("expect", "fragment"),
    [
        ("[{field: uid, equal: 0}]", "unknown key(s) equal"),
        ("[{field: uid, equals: 0, contains: 0}]", "exactly one of"),
        ("[{field: uid}]", "exactly one of"),
        ("[{equals: 0}]", "missing key(s) field"),
        ("[{field: uid, matches: '(unclosed'}]", "invalid regular expression"),
        ("[{field: uid, matches: 5}]", "cases[0].expect[0].matches: must be a string, got integer"),
        ("[{field: '', equals: 0}]", "cases[0].expect[0].field: must not be empty"),
        ("[{field: [], equals: 0}]", "cases[0].expect[0].field: must not be empty"),
        ("[{field: {a: 1}, equals: 0}]", "cases[0].expect[0].field: must be a string or a list, got mapping"),
        ("[uid]", "cases[0].expect[0]: expectation must be a mapping"),
        ("[]", "cases[0].expect: must not be empty"),
        ("{field: uid, equals: 0}", "cases[0].expect: must be a list, got mapping"),
    ],
    ids=[
        "bad-operator",
        "two-operators",
        "no-operator",
        "no-field",
        "bad-regex",
        "regex-not-string",
        "empty-field",
        "empty-field-list",
        "field-mapping",
        "not-mapping",
        "empty-expect",
        "expect-mapping",
    ],
)
def test_broken_expectations(tmp_path: Path, catalog: Catalog, expect: str, fragment: str) -> None:
    path = write(tmp_path, f"cases:\n  - id: c\n    requirements: [t.must]\n    expect: {expect}\n")
    error = load_error(path, catalog)
    assert fragment in str(error)
    assert str(error).startswith(f"{path}:")
    assert error.line is not None


def test_valid_regex_is_accepted(tmp_path: Path, catalog: Catalog) -> None:
    path = write(
        tmp_path, "cases:\n  - id: c\n    requirements: [t.must]\n    expect: [{field: a, matches: '^x+$'}]\n"
    )
    assert load_matrix(path, catalog)[0].expect[0].operator == "matches"


@pytest.mark.parametrize(
    "probe",
    ['"file /x"', "[5]", '["read /x"]', '["/x"]', '["File /x"]'],
    ids=["string", "int", "unknown-kind", "path-only", "wrong-case"],
)
def test_bad_probe_entries(tmp_path: Path, catalog: Catalog, probe: str) -> None:
    path = write(
        tmp_path,
        f"cases:\n  - id: c\n    requirements: [t.must]\n    probe: {probe}\n" + EXPECT_LINE,
    )
    error = load_error(path, catalog)
    assert "cases[0].probe" in str(error)
    if probe != '"file /x"':  # a string instead of a list is refused as such
        assert "probe request 'file|stat|link PATH'" in str(error)
    assert error.line == 2


@pytest.mark.parametrize("probe", ["file", "stat "])
def test_probe_entry_needs_a_path(tmp_path: Path, catalog: Catalog, probe: str) -> None:
    path = write(
        tmp_path,
        f"cases:\n  - id: c\n    requirements: [t.must]\n    probe: [{probe!r}]\n" + EXPECT_LINE,
    )
    load_error(path, catalog)


@pytest.mark.parametrize("requirements", ["[]", "{a: 1}", "5"])
def test_bad_requirements_shape(tmp_path: Path, catalog: Catalog, requirements: str) -> None:
    path = write(
        tmp_path,
        f"cases:\n  - id: c\n    requirements: {requirements}\n    expect: [{{field: a, equals: 1}}]\n",
    )
    message = str(load_error(path, catalog))
    assert "cases[0].requirements: must " in message
    assert ("must not be empty" if requirements == "[]" else "must be a string or a list, got") in message


@pytest.mark.parametrize(
    "extra",
    ["requirements: [[t.must]]", "requirements: [t.must]\n    requires: 5"],
    ids=["nested-requirement-list", "requires-int"],
)
def test_wrong_types_are_data_file_errors(tmp_path: Path, catalog: Catalog, extra: str) -> None:
    path = write(tmp_path, f"cases:\n  - id: c\n    {extra}\n    expect: [{{field: a, equals: 1}}]\n")
    load_error(path, catalog)


def test_config_must_be_a_mapping(tmp_path: Path, catalog: Catalog) -> None:
    path = write(
        tmp_path,
        "cases:\n  - id: c\n    requirements: [t.must]\n    config: [1]\n" + EXPECT_LINE,
    )
    assert "cases[0].config: must be a mapping or null, got list" in str(load_error(path, catalog))


# -- lookup -----------------------------------------------------------------------------------

REPORT: dict[str, Any] = {
    "args": ["/oci-probe", "x"],
    "files": {"/etc/hosts": "127.0.0.1 localhost\n", "/etc/a.b.conf": "dotted"},
    "mounts_by_point": {"/dev/shm": {"fstype": "tmpfs", "options": ["rw", "nosuid"]}},
    "rlimits": {"RLIMIT_NOFILE": [1024, None]},
    "fds": {0: "/dev/null", 1: "pipe:[1]"},
    "empty": None,
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["args", "0"], "/oci-probe"),
        (["args", "-1"], "x"),
        (["files", "/etc/hosts"], "127.0.0.1 localhost\n"),
        (["files", "/etc/a.b.conf"], "dotted"),
        (["mounts_by_point", "/dev/shm", "options", "1"], "nosuid"),
        (["rlimits", "RLIMIT_NOFILE", "1"], None),
        (["empty"], None),
        ([], REPORT),
    ],
)
def test_lookup_finds(path: list[str], expected: Any) -> None:
    assert lookup(REPORT, path) == expected


@pytest.mark.parametrize(
    "path",
    [
        ["nope"],
        ["args", "2"],
        ["args", "-3"],
        ["args", "first"],
        ["files", "/etc", "hosts"],
        ["mounts_by_point", "/dev/shm", "fstype", "x"],
        ["empty", "x"],
        ["fds", "7"],
    ],
)
def test_lookup_missing(path: list[str]) -> None:
    assert lookup(REPORT, path) is _MISSING


def test_lookup_nested_int_keys() -> None:
    data = {0: "root zero", "fds": {3: "/dev/null"}, "nested": {}}
    assert lookup(data, ["fds", "3"]) == "/dev/null"
    assert lookup(data, ["nested", "0"]) is _MISSING


# -- Expectation.check ------------------------------------------------------------------------

OBSERVED: dict[str, Any] = {
    "uid": 0,
    "hostname": "oci-conformance",
    "args": ["/oci-probe", "a"],
    "env": {"PATH": "/bin", "HOME": "/root"},
    "namespaces": {"net": "net:[4026531840]"},
    "seccomp": None,
    "unobservable": ["rlimits", "namespaces.time", "seccomp"],
}
HOST = {"ns": {"net": "net:[4026531840]", "pid": "pid:[4026531836]"}}

#: operator -> (field, a value that passes, a value that fails)
OPERATOR_CASES: dict[str, tuple[str, Any, Any]] = {
    "equals": ("uid", 0, 1000),
    "not_equals": ("uid", 1000, 0),
    "contains": ("args", "/oci-probe", "/bin/sh"),
    "excludes": ("args", "/bin/sh", "a"),
    "matches": ("hostname", r"^oci-.*ance$", r"^other"),
    "one_of": ("uid", [0, 1], [1, 2]),
    "exists": ("hostname", True, False),
}


def test_every_operator_has_cases() -> None:
    """Adding an operator without tests for it must fail here."""
    assert set(OPERATOR_CASES) == set(OPERATORS)


@pytest.mark.parametrize("operator", sorted(OPERATOR_CASES))
def test_operator_passes(operator: str) -> None:
    field, good, _ = OPERATOR_CASES[operator]
    Expectation([field], operator, good).check(OBSERVED, ["t.must"], HOST)


@pytest.mark.parametrize("operator", sorted(OPERATOR_CASES))
def test_operator_fails_with_requirement_expected_and_observed(operator: str) -> None:
    field, _, bad = OPERATOR_CASES[operator]
    with pytest.raises(AssertionError) as info:
        Expectation([field], operator, bad).check(OBSERVED, ["t.must", "t.may"], HOST)
    message = str(info.value)
    assert message.startswith("[t.must, t.may] ")
    wording = OPERATORS[operator][1]
    assert f"expected: {field} {wording} {bad!r}" in message
    assert f"observed: {OBSERVED[field]!r}" in message


@pytest.mark.parametrize(
    ("operator", "observed", "expected", "verdict"),
    [
        ("contains", {"a": 1, "b": 2}, {"a": 1}, True),
        ("contains", {"a": 1, "b": 2}, {"a": 2}, False),
        ("contains", {"a": 1}, {"c": 1}, False),
        ("contains", [1, 2, 3], [3, 1], True),
        ("contains", [1, 2, 3], [1, 4], False),
        ("contains", "rw,nosuid", "nosuid", True),
        ("contains", {"PATH": "/bin"}, "PATH", True),
        ("contains", 5, 5, False),
        ("excludes", [1, 2], [3, 4], True),
        ("excludes", [1, 2], [4, 2], False),
        ("excludes", "rw,nosuid", "noexec", True),
        ("excludes", "rw,nosuid", "nosuid", False),
        ("excludes", None, "x", True),
        ("one_of", "a", ["a", "b"], True),
        ("one_of", "c", ["a", "b"], False),
        ("matches", 5, "5", False),
        ("exists", None, True, False),
        ("exists", None, False, True),
        ("exists", 0, True, True),
        ("not_equals", None, 0, True),
    ],
)
def test_operator_semantics(operator: str, observed: Any, expected: Any, verdict: bool) -> None:
    test, _ = OPERATORS[operator]
    assert test(observed, expected) is verdict


def test_excludes_mapping_like_contains() -> None:
    expectation = Expectation(["env"], "excludes", {"PATH": "/bin"})
    expectation.check({"env": {"PATH": "/usr/bin"}}, ["t.must"], {})
    with pytest.raises(AssertionError):
        expectation.check({"env": {"PATH": "/bin"}}, ["t.must"], {})


def test_missing_field_fails_with_absent() -> None:
    with pytest.raises(AssertionError) as info:
        Expectation(["cwd"], "equals", "/").check(OBSERVED, ["t.must"], HOST)
    message = str(info.value)
    assert "[t.must] cwd was not reported by the probe" in message
    assert "observed: <absent>" in message


def test_custom_message_replaces_summary() -> None:
    with pytest.raises(AssertionError, match=r"^\[t\.must\] the uid is wrong\n"):
        Expectation(["uid"], "equals", 5, "the uid is wrong").check(OBSERVED, ["t.must"], HOST)


def test_exists_false_passes_on_absent_field() -> None:
    Expectation(["cwd"], "exists", False).check(OBSERVED, ["t.must"], HOST)
    with pytest.raises(AssertionError, match="observed: <absent>"):
        Expectation(["cwd"], "exists", True).check(OBSERVED, ["t.must"], HOST)


@pytest.mark.parametrize(
    ("field", "value"),
    [(["namespaces", "net"], "$host.ns.net"), (["namespaces", "net"], "net:[4026531840]")],
)
def test_host_substitution_passes(field: list[str], value: str) -> None:
    Expectation(field, "equals", value).check(OBSERVED, ["t.must"], HOST)


def test_host_substitution_fails_with_host_value_shown() -> None:
    """`$host.` is replaced by the host's value, which the failure shows (not the placeholder)."""
    with pytest.raises(AssertionError) as info:
        Expectation(["namespaces", "net"], "equals", "$host.ns.pid").check(OBSERVED, ["t.must"], HOST)
    assert "'pid:[4026531836]'" in str(info.value)
    assert "$host" not in str(info.value)


def test_host_substitution_only_for_prefix() -> None:
    """A value merely containing `$host.` is compared literally."""
    with pytest.raises(AssertionError, match=r"x\$host\.ns\.net"):
        Expectation(["namespaces", "net"], "equals", "x$host.ns.net").check(OBSERVED, ["t.must"], HOST)


@pytest.mark.parametrize(
    "field",
    [["rlimits"], ["rlimits", "RLIMIT_NOFILE"], ["namespaces", "time"], ["seccomp"]],
)
def test_unobservable_field_skips_naming_requirement(field: list[str]) -> None:
    """A field the container's /proc cannot show is not a failure: skip, naming the requirement."""
    with pytest.raises(pytest.skip.Exception) as info:
        Expectation(field, "equals", 1).check(OBSERVED, ["t.should"], HOST)
    assert "[t.should]" in str(info.value)
    assert field[0] in str(info.value)


@pytest.mark.parametrize(
    "field",
    [["rlimitsx"], ["namespaces", "timex"], ["namespaces", "mnt"]],
    ids=["prefix-not-dotted", "similar-name", "sibling"],
)
def test_field_not_listed_as_unobservable_fails(field: list[str]) -> None:
    with pytest.raises(AssertionError, match=r"^\[t\.should\] "):
        Expectation(field, "equals", 1).check(OBSERVED, ["t.should"], HOST)


def test_unobservable_only_applies_to_missing_fields() -> None:
    """A present value is judged even if its parent is listed as unobservable."""
    observed = {"rlimits": {"RLIMIT_NOFILE": [1, 1]}, "unobservable": ["rlimits"]}
    Expectation(["rlimits", "RLIMIT_NOFILE"], "equals", [1, 1]).check(observed, ["t.must"], {})
    with pytest.raises(AssertionError):
        Expectation(["rlimits", "RLIMIT_NOFILE"], "equals", [2, 2]).check(observed, ["t.must"], {})


def test_label_joins_field() -> None:
    assert Expectation(["a", "b", "0"], "equals", 1).label == "a.b.0"


def test_case_config_must_be_a_valid_config_json(tmp_path: Path, catalog: Catalog) -> None:
    """A typo in a patch (a string uid) is caught at load time, naming file, line and JSON path."""
    path = write(
        tmp_path,
        """\
        cases:
          - id: bad-uid
            requirements: [t.must]
            config: {process: {user: {uid: "1000", gid: 0}}}
            expect: [{field: uid, equals: 1000}]
        """,
    )
    error = load_error(path, catalog)
    assert error.line == 2
    assert "$.process.user.uid" in str(error)


def test_valid_case_config_loads(tmp_path: Path, catalog: Catalog) -> None:
    path = write(
        tmp_path,
        """\
        cases:
          - id: good-uid
            requirements: [t.must]
            config: {process: {user: {uid: 1000, gid: 0}}}
            expect: [{field: uid, equals: 1000}]
        """,
    )
    assert load_matrix(path, catalog)[0].config["process"]["user"]["uid"] == 1000


def test_unknown_host_feature_is_an_error(tmp_path: Path, catalog: Catalog) -> None:
    path = write(tmp_path, GOOD.replace("requires: cgroup-v2", "requires: [cgroup-v9]"))
    error = load_error(path, catalog)
    assert "unknown host feature(s) cgroup-v9" in str(error) and ":20:" in str(error)


def test_exec_probe_requests_are_accepted_and_checked(tmp_path: Path, catalog: Catalog) -> None:
    old = 'probe: ["file /etc/hosts", "stat /dev/null", "link /dev/fd"]'
    good = GOOD.replace(old, "probe: [\"exec forks sh -c 'echo hi'\"]")
    assert load_matrix(write(tmp_path, good), catalog)[0].probe == ("exec forks sh -c 'echo hi'",)
    for bad in ('"exec onlyname"', '"exec Bad/Name echo"', '"file"'):
        broken = GOOD.replace(old, f"probe: [{bad}]")
        assert "is not a valid probe request" in str(load_error(write(tmp_path, broken), catalog))
