"""Unit tests for :mod:`conformance.requirements.drift`: sentence extraction and the drift report."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance.requirements import Catalog, Requirement, load_catalog
from conformance.requirements.drift import (
    EXCLUDED,
    check_drift,
    extract,
    fingerprint,
    normalize,
    sentences,
    split_sentences,
)

SPEC_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "specs" / "runtime-spec"

SAMPLE = textwrap.dedent(
    """\
    # <a name="top" />Top

    The runtime MUST do one thing.
    This sentence is wrapped over
    two lines and SHOULD stay whole. A third sentence MAY follow on the same line.
    Nothing normative here; lowercase must and may do not count.

    ## <a name="fields" />Fields

    * **`name`** *(string, REQUIRED)* - the name.
        * **`inner`** *(int, OPTIONAL)* - nested item, only OPTIONAL.
        * **`deep`** *(int, OPTIONAL)* - nested item whose value MUST NOT be negative.
    * **`other`** *(string, OPTIONAL)* - a field
        continued here; the runtime MUST NOT fail, and MAY warn.

    ```json
    {"MUST": "ignored in code blocks"}
    ```

    | Option | Requirement | Description |
    |--------|-------------|-------------|
    | `ro`   | MUST        | read-only   |
    | `foo`  | optional    | nothing     |

    See [the spec](https://example.invalid/spec.md), e.g. for details. It SHALL NOT mislead.

    [ref]: https://example.invalid/MUST
    """
)


@pytest.fixture(scope="module")
def found() -> list:
    return extract(SAMPLE, "sample.md")


def texts(found: list) -> list[str]:
    return [s.text for s in found]


def test_paragraph_sentences_are_split_and_wrapped_lines_joined(found: list) -> None:
    assert texts(found)[:3] == [
        "The runtime MUST do one thing.",
        "This sentence is wrapped over two lines and SHOULD stay whole.",
        "A third sentence MAY follow on the same line.",
    ]
    assert [s.line for s in found[:3]] == [3, 4, 5]
    assert found[0].section == "top"


def test_lowercase_keywords_and_optional_are_ignored(found: list) -> None:
    assert not any("lowercase" in t for t in texts(found))
    assert not any("only OPTIONAL" in t for t in texts(found))
    assert not any("optional" in t for t in texts(found))


def test_list_items_including_nested_ones(found: list) -> None:
    assert "name (string, REQUIRED) - the name." in texts(found)
    deep = next(s for s in found if s.text.startswith("deep"))
    assert deep.text == "deep (int, OPTIONAL) - nested item whose value MUST NOT be negative."
    assert deep.section == "fields"
    assert deep.keywords == ("MUST NOT",)


def test_multiple_keywords_in_one_wrapped_list_item(found: list) -> None:
    other = next(s for s in found if s.text.startswith("other"))
    assert (
        other.text
        == "other (string, OPTIONAL) - a field continued here; the runtime MUST NOT fail, and MAY warn."
    )
    assert other.keywords == ("MUST NOT", "MAY")
    assert other.line == 13


def test_table_rows_are_units_and_code_blocks_are_skipped(found: list) -> None:
    assert "ro | MUST | read-only" in texts(found)
    assert not any("ignored in code" in t for t in texts(found))
    assert not any(t.startswith("foo") or t.startswith("Option") for t in texts(found))


def test_links_and_abbreviations(found: list) -> None:
    assert texts(found)[-1] == "It SHALL NOT mislead."
    assert len(found) == 8


def test_normalize_strips_markdown() -> None:
    raw = '**`path`** *(string, REQUIRED)* - see [rt `ns`](g.md#x) and [proc][] <a name="a" /> _now_.'
    assert normalize(raw) == "path (string, REQUIRED) - see rt ns and proc now."
    assert normalize("`CLONE_NEWUSER` and snake_case stay") == "CLONE_NEWUSER and snake_case stay"


def test_split_sentences_keeps_abbreviations() -> None:
    parts = [text for _, text in split_sentences("Use e.g. this. Then (i.e. that) MUST. 3 more.")]
    assert parts == ["Use e.g. this.", "Then (i.e. that) MUST.", "3 more."]


def test_field_description_without_period_ends_at_capitalised_line() -> None:
    text = "* **`q`** *(int, OPTIONAL)* - a quota (see below)\n  If set, it MUST be positive.\n"
    assert texts(extract(text, "x.md")) == ["If set, it MUST be positive."]


def test_fingerprint_is_16_hex_of_sha256() -> None:
    assert fingerprint("abc") == "ba7816bf8f01cfea"


def requirement(rid: str, document: str, fingerprints: tuple[str, ...]) -> Requirement:
    return Requirement(
        id=rid,
        level="MUST",
        keyword="MUST",
        spec="runtime-spec",
        version="v0",
        document=document,
        section="s",
        summary="s",
        url="https://example.invalid/",
        untested=None,
        source="test.yaml:1",
        sentences=fingerprints,
    )


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    (tmp_path / "sample.md").write_text(SAMPLE)
    (tmp_path / "spec.md").write_text("The key words MUST and SHOULD are boilerplate.\n")
    return tmp_path


def full_catalog(spec_dir: Path) -> Catalog:
    fps = tuple(dict.fromkeys(s.fingerprint for s in extract(SAMPLE, "sample.md")))
    return Catalog([requirement("sample.all", "sample.md", fps)], "sha256:x")


def test_complete_catalog_is_ok(spec_dir: Path) -> None:
    report = check_drift(spec_dir, full_catalog(spec_dir))
    assert report.ok
    assert report.unmapped == report.stale == report.missing_documents == []
    assert "OK" in report.render()
    assert "spec.md" in EXCLUDED["runtime-spec"]


def test_missing_sentence_is_reported(spec_dir: Path) -> None:
    catalog = full_catalog(spec_dir)
    fps = catalog.get("sample.all").sentences
    dropped = fingerprint("It SHALL NOT mislead.")
    partial = Catalog([requirement("sample.all", "sample.md", tuple(f for f in fps if f != dropped))], "x")
    report = check_drift(spec_dir, partial)
    assert not report.ok
    assert [(s.document, s.line, s.text) for s in report.unmapped] == [
        ("sample.md", 25, "It SHALL NOT mislead.")
    ]
    assert "sample.md:25" in report.render()
    assert "It SHALL NOT mislead." in report.render()


def test_stale_fingerprint_is_reported(spec_dir: Path) -> None:
    catalog = full_catalog(spec_dir)
    stale = requirement("sample.gone", "sample.md", ("0123456789abcdef",))
    report = check_drift(spec_dir, Catalog([*catalog, stale], "x"))
    assert not report.ok
    assert [(s.requirement, s.fingerprint) for s in report.stale] == [("sample.gone", "0123456789abcdef")]
    assert "sample.gone 0123456789abcdef" in report.render()


def test_document_without_catalog_and_unanchored_entries(spec_dir: Path) -> None:
    (spec_dir / "new.md").write_text("A new document that MUST be catalogued.\n")
    bare = requirement("sample.bare", "sample.md", ())
    report = check_drift(spec_dir, Catalog([*full_catalog(spec_dir), bare], "x"))
    assert report.missing_documents == ["new.md"]
    assert report.unanchored == ["sample.bare"]
    assert not report.ok


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason=f"pinned runtime-spec text not found at {SPEC_DIR}")
def test_real_spec_is_fully_catalogued() -> None:
    report = check_drift(SPEC_DIR, load_catalog())
    assert report.ok, report.render()
    assert len(report.sentences) == len(sentences(SPEC_DIR)) > 400
