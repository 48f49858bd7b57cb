"""The matrix page (`oci-conformance compare reports --html reports/matrix.html`) in headless Chromium:
it renders at desktop and phone width, the DOM holds the table with subjects as columns and
requirements grouped by spec document, known deviations are marked, each subject's column links to
its own page, and the phone layout does not scroll sideways.

Needs Debian's `chromium` package (scripts/bootstrap installs it); skipped without it.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from conformance.cli import main
from conformance.report.html import write_html
from tests.integration.test_html_in_browser import (
    CHROMIUM,
    _png_size_and_colours,
    browser,
    phone_widths,
    results_document,
)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; scripts/bootstrap does)"
)
SUBJECTS = ("runc", "crun", "runsc")
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def matrix(tmp_path: Path) -> Path:
    """reports/<subject>/ with results.json and index.html for three runtimes, and matrix.html."""
    reports = tmp_path / "reports"
    base = results_document()
    for index, label in enumerate(SUBJECTS):
        document = copy.deepcopy(base)
        document["subject"]["label"] = label
        for n, entry in enumerate(document["requirements"].values()):
            if (n + index) % 3 == 0:  # every subject differs somewhere
                entry["verdict"] = "pass"
                entry.pop("known_deviation", None)
        run = reports / label
        run.mkdir(parents=True)
        (run / "results.json").write_text(json.dumps(document))
        write_html(run)
    out = reports / "matrix.html"
    assert main(["compare", str(reports), "--html", str(out)]) == 0
    return out


def test_dom_has_subjects_as_columns_groups_deviations_and_links(matrix: Path, tmp_path: Path) -> None:
    result = browser(tmp_path, "--window-size=1280,900", "--dump-dom", matrix.as_uri())
    dom = result.stdout
    assert '<table class="cmp">' in dom, result.stderr[-2000:]
    head = re.search(r"<thead>(.*?)</thead>", dom, re.S)
    assert head, dom[:2000]
    columns = re.findall(r"<th>(.*?)</th>", head.group(1))
    names = [re.sub(r"<[^>]+>", "", c) for c in columns]
    assert sorted(names) == sorted(SUBJECTS)  # one column per subject, in the order found
    links = dict(re.findall(r'<a class="subject" href="([^"]+)">([^<]+)</a>', head.group(1)))
    assert sorted(links.values()) == sorted(SUBJECTS)
    for href, label in links.items():
        assert (matrix.parent / unquote(href)).resolve() == (matrix.parent / label / "index.html").resolve()
    groups = re.findall(r'<tr class="group"><th colspan="4"><span>(.*?)</span>', dom)
    assert groups and all(g.startswith("runtime-spec \u00b7 ") for g in groups)
    assert 'title="known deviation"' in dom


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_screenshot_renders(matrix: Path, tmp_path: Path, size: str) -> None:
    width, height = SIZES[size]
    shot = tmp_path / f"{size}.png"
    result = browser(tmp_path, f"--window-size={width},{height}", f"--screenshot={shot}", matrix.as_uri())
    assert shot.is_file(), result.stderr[-2000:]
    got_width, got_height, values = _png_size_and_colours(shot)
    assert (got_width, got_height) == (width, height)
    assert values > 50  # text, table lines and coloured badges, not a blank page


def test_phone_layout_does_not_scroll_sideways(matrix: Path, tmp_path: Path) -> None:
    """The table may scroll inside its box; the page itself must not."""
    scroll_width, viewport = phone_widths(matrix, tmp_path)
    assert scroll_width <= viewport
