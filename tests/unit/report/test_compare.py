"""`compare`: rows are the union of requirements, cells per subject, totals, and the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.report.compare import compare, to_html, to_terminal

SPEC = "https://github.com/opencontainers/runtime-spec/blob/v1.3.0"
IMAGE_SPEC = "https://github.com/opencontainers/image-spec/blob/v1.1.1"


def req(level: str, verdict: str, document: str = "config.md", **extra: Any) -> dict[str, Any]:
    base = "image-spec" if document.startswith("image-") else "runtime-spec"
    url = IMAGE_SPEC if base == "image-spec" else SPEC
    return {
        "level": level,
        "document": document,
        "section": "sec",
        "link": f"{url}/{document}#sec",
        "summary": f"summary of a {level} requirement",
        "verdict": verdict,
        "tests": [],
        **extra,
    }


def results(label: str, spec: str, requirements: dict[str, dict[str, Any]], **subject: Any) -> dict[str, Any]:
    return {
        "suite": {"name": "oci-conformance", "version": "0.1.0"},
        "spec": {"name": spec, "version": "v1.3.0" if spec == "runtime-spec" else "v1.1.1"},
        "catalog_digest": "sha256:0d871abfd953e71c14fc2ce5894a01ab",
        "subject": {"label": label, "version": "1.0", **subject},
        "finished": "2026-11-26T17:38:11Z",
        "requirements": requirements,
    }


@pytest.fixture
def documents() -> list[dict[str, Any]]:
    runc = results(
        "runc",
        "runtime-spec",
        {
            "config.a": req("MUST", "pass"),
            "config.b": req("MUST", "fail", known_deviation=True),
            "config.c": req("SHOULD", "skip"),
            "config.d": req("MAY", "not covered"),
        },
        version="1.1.5+ds1",
    )
    crun = results(
        "crun",
        "runtime-spec",
        {
            "config.a": req("MUST", "pass"),
            "config.b": req("MUST", "pass"),
            "config.c": req("SHOULD", "fail"),
            "config.d": req("MAY", "not covered"),
        },
        version="1.8.1",
    )
    umoci = results("umoci", "image-spec", {"image-layout.x": req("MUST", "pass", "image-layout.md")})
    return [runc, crun, umoci]


def test_rows_are_the_union_of_requirements_across_specs(documents: list[dict[str, Any]]) -> None:
    comparison = compare(documents)
    assert [s.label for s in comparison.subjects] == ["runc", "crun", "umoci"]
    assert [r.id for r in comparison.rows] == [
        "config.a",
        "config.b",
        "config.c",
        "config.d",
        "image-layout.x",
    ]
    rows = {r.id: r for r in comparison.rows}
    assert rows["config.b"].verdicts == ("fail", "pass", None)
    assert rows["config.b"].deviations == (True, False, False)
    assert rows["image-layout.x"].verdicts == (None, None, "pass")
    assert rows["image-layout.x"].spec == "image-spec"
    assert [r.id for r in comparison.rows if r.differs] == ["config.b", "config.c"]


def test_only_differences_keeps_totals(documents: list[dict[str, Any]]) -> None:
    comparison = compare(documents)
    only = comparison.only_differences()
    assert [r.id for r in only.rows] == ["config.b", "config.c"]
    assert only.totals() == comparison.totals()
    assert comparison.totals()[0] == {"pass": 1, "fail": 1, "skip": 1, "not covered": 1}


def test_terminal_table_is_fixed_width(documents: list[dict[str, Any]]) -> None:
    out = to_terminal(compare(documents))
    lines = out.splitlines()
    assert lines[:3] == [
        "runc: 1.1.5+ds1 (runtime-spec v1.3.0)",
        "crun: 1.8.1 (runtime-spec v1.3.0)",
        "umoci: 1.0 (image-spec v1.1.1)",
    ]
    header = next(line for line in lines if line.startswith("requirement"))
    columns = [m.start() for m in re.finditer(r"\S+", header)]
    table = lines[lines.index(header) + 2 : lines.index(header) + 7]
    cells = {line.split()[0]: line for line in table}
    assert [c[columns[2] :].split()[0] for c in (cells["config.b"], cells["config.c"])] == ["FAIL*", "SKIP"]
    assert cells["config.b"][columns[3] :].split()[0] == "PASS"
    assert cells["config.d"][columns[2] :].split()[:3] == ["\u2014", "\u2014", "\u2014"]
    assert cells["image-layout.x"].split()[1:] == ["MUST", "\u2014", "\u2014", "PASS"]
    for line in table:  # every cell starts in its column
        for start in columns:
            assert start == 0 or line[start - 2 : start] == "  " or line[start - 1] == " "
    total = next(line for line in lines if line.startswith("TOTAL"))
    assert total.split()[-3:] == ["1/1/1", "2/1/0", "1/0/0"]
    assert total.index("1/1/1") == columns[2]
    assert "* known deviation" in lines[-1]


def test_duplicate_labels_get_distinct_columns(documents: list[dict[str, Any]]) -> None:
    comparison = compare([documents[0], documents[0], documents[0]])
    assert [s.label for s in comparison.subjects] == ["runc", "runc#2", "runc#3"]
    assert comparison.only_differences().rows == []
    assert "(no requirements to show)" in to_terminal(comparison.only_differences())


def test_html_comparison(documents: list[dict[str, Any]]) -> None:
    documents[0]["subject"]["label"] = "<script>x</script>"
    documents[1]["requirements"]["config.a"]["link"] = "javascript:alert(1)"
    page = to_html(compare(documents))
    assert page.startswith("<!DOCTYPE html>") and 'name="viewport"' in page
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "javascript:" not in page  # the first document's link wins, and bad links are never hrefs
    assert re.search(r"<tr class='differs' id='req-config.b'>.*?FAIL.*?known deviation.*?PASS.*?n/a", page)
    assert "<tr class='same' id='req-config.a'>" in page
    assert "runtime-spec \u00b7 config.md" in page and "image-spec \u00b7 image-layout.md" in page
    assert "1/1/1" in page and "src=" not in page and "<link" not in page and "url(" not in page


def test_catalog_mismatch_is_noted(documents: list[dict[str, Any]]) -> None:
    documents[1]["catalog_digest"] = "sha256:other"
    comparison = compare(documents)
    assert comparison.notes == ["the runtime-spec runs used different requirement catalogs"]
    assert "note: the runtime-spec runs used different requirement catalogs" in to_terminal(comparison)


def test_compare_cli(
    tmp_path: Path, documents: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    paths = []
    for document in documents:
        run = tmp_path / document["subject"]["label"]
        run.mkdir()
        (run / "results.json").write_text(json.dumps(document))
        paths.append(str(run / "results.json"))
    out = tmp_path / "html" / "compare.html"
    assert main(["compare", *paths, "--only-differences", "--html", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "config.b" in printed and "config.a" not in printed
    assert out.is_file() and "config.b" in out.read_text(encoding="utf-8")
    assert main(["compare", str(tmp_path / "runc"), paths[1]]) == 0  # a run directory works too
    assert "config.a" in capsys.readouterr().out
    assert main(["compare", paths[0], str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err
    (tmp_path / "other.json").write_text("[]")
    assert main(["compare", str(tmp_path / "other.json")]) == 2
