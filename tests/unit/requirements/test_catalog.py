"""Unit tests for :mod:`conformance.requirements`: the shipped catalog and the loader's errors."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from conformance.core.errors import DataFileError
from conformance.requirements import (
    ID_PATTERN,
    KEYWORD_LEVELS,
    LEVELS,
    Catalog,
    Requirement,
    catalog_root,
    load_catalog,
    load_catalog_from,
)

HEADER = """\
spec: test-spec
version: v0.0.1
document: test.md
url: https://example.invalid/test.md
requirements:
"""


def entry(rid: str, level: str = "MUST", keyword: str = "MUST", extra: str = "") -> str:
    """One catalog entry as YAML, indented for the `requirements:` list."""
    text = f"  - id: {rid}\n    level: {level}\n    keyword: {keyword}\n    section: sec\n    summary: s\n"
    return text + (textwrap.indent(extra, "    ") + "\n" if extra else "")


def write_catalog(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def load_error(root: Path) -> DataFileError:
    with pytest.raises(DataFileError) as info:
        load_catalog_from(root)
    return info.value


# -- the shipped catalog ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog()


def test_shipped_catalog_is_not_empty(shipped: Catalog) -> None:
    assert len(shipped) > 0
    assert len(list(shipped)) == len(shipped)


def test_shipped_ids_are_unique_and_well_formed(shipped: Catalog) -> None:
    """Catalog() rejects duplicates; counting raw entries makes sure none was dropped either."""
    raw_ids = [
        match.group(1)
        for path in sorted(catalog_root().rglob("*.yaml"))
        for match in re.finditer(r"^  - id: *(\S+)", path.read_text(), re.MULTILINE)
    ]
    assert len(raw_ids) == len(set(raw_ids)) == len(shipped)
    assert all(ID_PATTERN.match(r.id) for r in shipped)


def test_shipped_levels_and_keywords_agree(shipped: Catalog) -> None:
    for requirement in shipped:
        assert requirement.level in LEVELS, requirement.id
        assert KEYWORD_LEVELS[requirement.keyword] == requirement.level, requirement.id


def test_shipped_links_are_https(shipped: Catalog) -> None:
    for requirement in shipped:
        assert requirement.link.startswith("https://"), requirement.id
        assert " " not in requirement.link, requirement.id


def test_shipped_untested_reasons_are_not_blank(shipped: Catalog) -> None:
    for requirement in shipped:
        assert requirement.untested is None or requirement.untested.strip(), requirement.id


def test_shipped_sources_point_at_the_entry(shipped: Catalog) -> None:
    """`source` is file:line; that line must be the entry's `- id:` line (used in error messages)."""
    for requirement in list(shipped)[:: max(1, len(shipped) // 25)]:
        path, _, line = requirement.source.rpartition(":")
        text = Path(path).read_text().splitlines()[int(line) - 1]
        assert re.search(rf"id: *['\"]?{re.escape(requirement.id)}['\"]?$", text), requirement.source


def test_shipped_digest_is_stable(shipped: Catalog) -> None:
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", shipped.digest)
    assert load_catalog_from(catalog_root()).digest == shipped.digest


def test_load_catalog_is_cached() -> None:
    assert load_catalog() is load_catalog()


# -- load_catalog_from: good input ------------------------------------------------------------


def test_small_catalog_loads(tmp_path: Path) -> None:
    root = write_catalog(
        tmp_path,
        {
            "spec/a.yaml": HEADER
            + entry("a.one", extra="untested: '  needs hardware  '")
            + entry("a.two", "SHOULD", "NOT RECOMMENDED"),
            "spec/b.yaml": HEADER.replace("document: test.md", "document: b.md")
            + entry("b.one", "MAY", "OPTIONAL"),
        },
    )
    catalog = load_catalog_from(root)
    assert sorted(r.id for r in catalog) == ["a.one", "a.two", "b.one"]
    one = catalog.get("a.one")
    assert one == Requirement(
        id="a.one",
        level="MUST",
        keyword="MUST",
        spec="test-spec",
        version="v0.0.1",
        document="test.md",
        section="sec",
        summary="s",
        url="https://example.invalid/test.md",
        untested="needs hardware",
        source=f"{root / 'spec' / 'a.yaml'}:6",
        sentences=(),
    )
    assert one.link == "https://example.invalid/test.md#sec"
    assert catalog.get("a.two").untested is None
    assert catalog.get("b.one").document == "b.md"
    assert "a.one" in catalog
    assert "a.three" not in catalog


def test_summary_whitespace_is_collapsed_and_empty_section_has_no_anchor(tmp_path: Path) -> None:
    text = (
        HEADER
        + "  - id: a.b\n    level: MAY\n    keyword: MAY\n    section:\n"
        + "    summary: >\n      one\n      two   three\n"
    )
    catalog = load_catalog_from(write_catalog(tmp_path, {"a.yaml": text}))
    requirement = catalog.get("a.b")
    assert requirement.summary == "one two three"
    assert requirement.link == "https://example.invalid/test.md"


# -- load_catalog_from: broken input ----------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "keyword"),
    [("MUST", "SHOULD"), ("SHOULD", "MUST NOT"), ("MAY", "REQUIRED"), ("MUST", "OPTIONAL")],
)
def test_keyword_level_mismatch(tmp_path: Path, level: str, keyword: str) -> None:
    root = write_catalog(tmp_path, {"a.yaml": HEADER + entry("a.ok") + entry("a.bad", level, f"'{keyword}'")})
    error = load_error(root)
    assert error.line == 11
    assert str(error).startswith(f"{root / 'a.yaml'}:11: a.bad: keyword {keyword} is level")


def test_unknown_keyword(tmp_path: Path) -> None:
    root = write_catalog(tmp_path, {"a.yaml": HEADER + entry("a.bad", "MUST", "MUSTN'T")})
    assert "unknown keyword" in str(load_error(root))


def test_level_must_be_normalized(tmp_path: Path) -> None:
    """`level` is the normalized level, never the keyword itself."""
    root = write_catalog(tmp_path, {"a.yaml": HEADER + entry("a.bad", "'MUST NOT'", "'MUST NOT'")})
    assert "requirements[0].level: unknown level 'MUST NOT' (allowed: MUST, SHOULD, MAY)" in str(
        load_error(root)
    )


@pytest.mark.parametrize("rid", ["Config.foo", "a_b", "a..b!", "-a", "a.", "x", "a b"])
def test_bad_id_charset(tmp_path: Path, rid: str) -> None:
    root = write_catalog(tmp_path, {"a.yaml": HEADER + entry(f"'{rid}'")})
    error = load_error(root)
    assert f"requirements[0].id: {rid!r} must match" in str(error)
    assert error.line == 6


@pytest.mark.parametrize("rid", ["a.b", "a-b.c-d", "x1.2y", "ab"])
def test_good_ids(tmp_path: Path, rid: str) -> None:
    assert rid in load_catalog_from(write_catalog(tmp_path, {"a.yaml": HEADER + entry(rid)}))


def test_duplicate_id_across_files_names_both(tmp_path: Path) -> None:
    root = write_catalog(
        tmp_path,
        {"a.yaml": HEADER + entry("dup.id"), "sub/b.yaml": HEADER + entry("other") + entry("dup.id")},
    )
    message = str(load_error(root))
    assert message.startswith(f"{root / 'sub' / 'b.yaml'}:11: duplicate requirement id 'dup.id'")
    assert f"{root / 'a.yaml'}:6" in message


def test_duplicate_id_in_one_file(tmp_path: Path) -> None:
    root = write_catalog(tmp_path, {"a.yaml": HEADER + entry("dup.id") + entry("dup.id")})
    assert "duplicate requirement id 'dup.id'" in str(load_error(root))


@pytest.mark.parametrize("untested", ["''", "'   '", '"\\n"'])
def test_empty_untested_reason(tmp_path: Path, untested: str) -> None:
    root = write_catalog(tmp_path, {"a.yaml": HEADER + entry("a.b", extra=f"untested: {untested}")})
    error = load_error(root)
    assert "requirements[0].untested: must not be empty or blank" in str(error)
    assert error.line == 6


def test_unknown_requirement_key(tmp_path: Path) -> None:
    root = write_catalog(tmp_path, {"a.yaml": HEADER + entry("a.ok") + entry("a.b", extra="untestd: typo")})
    error = load_error(root)
    assert "requirements[1]: unknown key(s) untestd (allowed: " in str(error)
    assert str(error).startswith(f"{root / 'a.yaml'}:11:")


def test_missing_requirement_key(tmp_path: Path) -> None:
    text = HEADER + "  - id: a.b\n    level: MUST\n    keyword: MUST\n    summary: s\n"
    error = load_error(write_catalog(tmp_path, {"a.yaml": text}))
    assert "missing key(s) section" in str(error)
    assert error.line == 6


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (HEADER.replace("url: https://example.invalid/test.md\n", "") + entry("a.b"), "missing key(s) url"),
        (HEADER + entry("a.b") + "extra: 1\n", "unknown key(s) extra"),
        (HEADER + "  {}\n", "requirements: must be a list, got mapping"),
        (HEADER + "  - just-a-string\n", "requirement must be a mapping"),
        ("[]\n", "catalog file must be a mapping"),
        (HEADER + "  - id: [\n", "invalid YAML"),
    ],
    ids=["no-url", "extra-file-key", "requirements-mapping", "entry-string", "file-list", "bad-yaml"],
)
def test_broken_catalog_files(tmp_path: Path, text: str, fragment: str) -> None:
    root = write_catalog(tmp_path, {"a.yaml": text})
    message = str(load_error(root))
    assert fragment in message
    assert message.startswith(str(root / "a.yaml"))


def test_only_yaml_files_are_read(tmp_path: Path) -> None:
    root = write_catalog(tmp_path, {"a.yaml": HEADER + entry("a.b"), "notes.txt": "not: [yaml"})
    assert len(load_catalog_from(root)) == 1


# -- Catalog and Requirement ------------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Catalog:
    text = (
        HEADER
        + entry("config.process.args")
        + entry("config.process.env", "SHOULD", "SHOULD")
        + entry("config.hostname", "MAY", "MAY")
        + entry("runtime.state")
    )
    return load_catalog_from(write_catalog(tmp_path, {"a.yaml": text}))


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (["config.process.*"], {"config.process.args", "config.process.env"}),
        (["config.*"], {"config.process.args", "config.process.env", "config.hostname"}),
        (["runtime.state"], {"runtime.state"}),
        (["*.state", "config.host*"], {"runtime.state", "config.hostname"}),
        (["config.process.?rgs"], {"config.process.args"}),
        (["config.process"], set()),
        (["CONFIG.*"], set()),
        (["nothing*"], set()),
        ([], set()),
    ],
)
def test_matching_globs(small: Catalog, patterns: list[str], expected: set[str]) -> None:
    assert small.matching(patterns) == expected


@pytest.mark.parametrize(
    ("rid", "level", "expected"),
    [
        ("config.process.args", "MUST", True),
        ("config.process.args", "MAY", True),
        ("config.process.env", "MUST", False),
        ("config.process.env", "SHOULD", True),
        ("config.process.env", "MAY", True),
        ("config.hostname", "SHOULD", False),
        ("config.hostname", "MAY", True),
    ],
)
def test_at_or_above(small: Catalog, rid: str, level: str, expected: bool) -> None:
    assert small.get(rid).at_or_above(level) is expected


def test_get_unknown_raises_key_error(small: Catalog) -> None:
    with pytest.raises(KeyError):
        small.get("config.nope")


# -- digest -----------------------------------------------------------------------------------


def test_digest_depends_on_content_and_names(tmp_path: Path) -> None:
    """The digest identifies the catalog in reports: equal trees agree, any change shows."""
    one = write_catalog(tmp_path / "one", {"a.yaml": HEADER + entry("a.b")})
    two = write_catalog(tmp_path / "two", {"a.yaml": HEADER + entry("a.b")})
    base = load_catalog_from(one).digest
    assert load_catalog_from(two).digest == base

    (two / "a.yaml").write_text(HEADER + entry("a.b") + "\n")
    changed = load_catalog_from(two).digest
    assert changed != base

    (two / "a.yaml").write_text(HEADER + entry("a.b"))
    assert load_catalog_from(two).digest == base

    (two / "a.yaml").rename(two / "renamed.yaml")
    assert load_catalog_from(two).digest != base


# -- sentence fingerprints --------------------------------------------------------------------


def test_sentences_are_kept(tmp_path: Path) -> None:
    root = write_catalog(
        tmp_path, {"a.yaml": HEADER + entry("a.b", extra="sentences: [0123456789abcdef, fedcba9876543210]")}
    )
    assert load_catalog_from(root).get("a.b").sentences == ("0123456789abcdef", "fedcba9876543210")


@pytest.mark.parametrize(
    "value",
    [
        "[0123456789ABCDEF]",
        "[0123456789abcde]",
        "0123456789abcdef",
        "[0123456789abcdef, 0123456789abcdef]",
        "[1]",
    ],
    ids=["uppercase", "short", "not-a-list", "repeated", "number"],
)
def test_bad_sentences(tmp_path: Path, value: str) -> None:
    root = write_catalog(tmp_path, {"a.yaml": HEADER + entry("a.b", extra=f"sentences: {value}")})
    error = load_error(root)
    assert "requirements[0].sentences" in str(error)
    assert error.line == 6


def test_shipped_sentences_are_fingerprints(shipped: Catalog) -> None:
    runtime = [r for r in shipped if r.spec == "runtime-spec"]
    anchored = [r for r in runtime if r.sentences]
    assert len(anchored) > 0.9 * len(runtime)
    assert all(re.fullmatch(r"[0-9a-f]{16}", fp) for r in anchored for fp in r.sentences)
