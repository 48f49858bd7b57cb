"""The per-run HTML page: content, escaping, self-containment, JUnit sections, and `report` CLI."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.report.html import (
    junit_for,
    junit_key,
    parse_message,
    parse_sections,
    read_junit,
    render_html,
    write_html,
)

pytest_plugins = ["pytester"]

SPEC = "https://github.com/opencontainers/runtime-spec/blob/v1.3.0"
HOSTILE = "<script>alert('x')</script>"
FAIL_NODE = "suites/runtime/test_hooks.py::test_hook_timeout_is_enforced[runsc]"
XFAIL_NODE = "suites/runtime/test_matrix.py::test_matrix_case[runsc-process.cwd]"
SKIP_NODE = "suites/runtime/test_matrix.py::test_matrix_case[runsc-namespaces.uts]"
PASS_NODE = "suites/runtime/test_bundle.py::test_config_is_read[runsc]"


def sample_results() -> dict[str, Any]:
    """A trimmed runsc results.json (the structure `build_results` writes)."""
    return {
        "suite": {"name": "oci-conformance", "version": "0.1.0"},
        "spec": {"name": "runtime-spec", "version": "v1.3.0"},
        "catalog_digest": "sha256:0d871abfd953e71c14fc2ce5894a01ab2a9c5a5fa8ec948de4e8a38da874239a",
        "subject": {
            "label": "runsc",
            "kind": "runtime",
            "profile": "runsc",
            "path": "/usr/bin/runsc",
            "version": "0.0~20221219.0",
            "version_output": "runsc version 0.0~20221219.0\nspec: 1.0.2-dev",
            "digest": "sha256:de98831af671d537a66cd36b4ae1d797e03f9d265375162ab2221a9a33c2592c",
            "notes": ["runsc runs with --network=none (the suite prepares no network namespace)"],
        },
        "environment": {
            "kernel": "Linux 6.18.44-fc-v782 x86_64",
            "distro": "Debian GNU/Linux 12 (bookworm)",
            "arch": "x86_64",
            "cgroup_mode": "hybrid",
            "python": "3.11.7",
            "options": {"runtime": ["runsc"], "report_dir": "/tmp/rep"},
        },
        "started": "2026-11-26T17:36:56Z",
        "finished": "2026-11-26T17:38:11Z",
        "counts": {
            "tests": {"passed": 1, "failed": 1, "xfailed": 1, "skipped": 1},
            "requirements": {"pass": 1, "fail": 2, "skip": 1, "not covered": 1},
        },
        "tests": [
            {
                "nodeid": FAIL_NODE,
                "outcome": "failed",
                "requirements": ["config.hooks.timeout"],
                "level": "MAY",
                "runtime": "runsc",
                "duration": 31.92,
                "message": "AssertionError: [config.hooks.timeout] create fails soon after the 1 s hook "
                "timeout\n"
                "  expected: error within 20 s\n"
                f"  observed: ok=False after 30.0s {HOSTILE}",
                "known_deviation": "",
            },
            {
                "nodeid": XFAIL_NODE,
                "outcome": "xfailed",
                "requirements": ["config.process.cwd"],
                "level": "MUST",
                "runtime": "runsc",
                "duration": 1.9,
                "message": "known deviation of runsc 0.0~20221219.0 from config.process.cwd: "
                "/proc/self/cwd cannot be read inside the sandbox. (runsc.yaml:46)",
                "known_deviation": "config.process.cwd",
            },
            {
                "nodeid": SKIP_NODE,
                "outcome": "skipped",
                "requirements": ["config-linux.namespaces.type-uts"],
                "level": "MUST",
                "runtime": "runsc",
                "duration": 0.001,
                "message": "Skipped: [config-linux.namespaces.type-uts] not exercised: the container's "
                "/proc does not show namespaces.uts, so it cannot be observed",
                "known_deviation": "",
            },
            {
                "nodeid": PASS_NODE,
                "outcome": "passed",
                "requirements": ["bundle.config.required"],
                "level": "MUST",
                "runtime": "runsc",
                "duration": 0.57,
                "message": "",
                "known_deviation": "",
            },
        ],
        "requirements": {
            "bundle.config.required": {
                "level": "MUST",
                "document": "bundle.md",
                "section": "containerFormat01",
                "link": f"{SPEC}/bundle.md#containerFormat01",
                "summary": "A bundle always holds its configuration as a file called config.json.",
                "verdict": "pass",
                "tests": [PASS_NODE],
            },
            "bundle.artifacts.single-directory": {
                "level": "MUST",
                "document": "bundle.md",
                "section": "containerFormat",
                "link": f"{SPEC}/bundle.md#containerFormat",
                "summary": "The bundle's artifacts all live together in one local directory.",
                "verdict": "not covered",
                "tests": [],
                "reason": "describes the bundle the caller lays out, not runtime behaviour",
            },
            "config-linux.namespaces.type-uts": {
                "level": "SHOULD",
                "document": "config-linux.md",
                "section": "configLinuxNamespaces",
                "link": f"{SPEC}/config-linux.md#configLinuxNamespaces",
                "summary": "The runtime supports the `uts` namespace type.",
                "verdict": "skip",
                "tests": [SKIP_NODE],
                "reason": "Skipped: [config-linux.namespaces.type-uts] not exercised: the container's /proc "
                "does not show namespaces.uts, so it cannot be observed",
            },
            "config.process.cwd": {
                "level": "MUST",
                "document": "config.md",
                "section": "configProcess",
                "link": f"{SPEC}/config.md#configProcess",
                "summary": "process.cwd is the working directory of the executed program.",
                "verdict": "fail",
                "tests": [XFAIL_NODE],
                "known_deviation": True,
            },
            "config.hooks.timeout": {
                "level": "MAY",
                "document": "config.md",
                "section": "configHooks",
                "link": f"{SPEC}/config.md#configHooks",
                "summary": f"A hook with a timeout is aborted once that many seconds have elapsed. {HOSTILE}",
                "verdict": "fail",
                "tests": [FAIL_NODE],
            },
        },
    }


#: A JUnit file as pytest writes it, with the plugin's report sections in the failure text
#: (the `---- name ----` lines of a longrepr section) and captured output in system-out.
JUNIT = f"""<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="2" tests="4">
<testcase classname="suites.runtime.test_hooks" name="test_hook_timeout_is_enforced[runsc]" time="31.9">
<properties><property name="requirement" value="config.hooks.timeout"/></properties>
<failure message="AssertionError: [config.hooks.timeout] create fails soon">make_container = &lt;function&gt;
E       AssertionError: [config.hooks.timeout] create fails soon after the 1 s hook timeout
E         expected: error within 20 s
E         observed: ok=False after 30.0s

conformance/asserts.py:22: AssertionError
------------------------------ config.json bundle-hooks ------------------------------
{{
  "ociVersion": "1.3.0",
  "hooks": {{"prestart": [{{"path": "/bin/sleep", "timeout": 1}}]}},
  "annotations": {{"x": "{HOSTILE.replace("<", "&lt;").replace(">", "&gt;")}"}}
}}
------------------------------ runtime calls c-7f3a ------------------------------
$ runsc create --bundle /tmp/b c-7f3a
exit 0 after 30.0s
stderr: timed out waiting for hook</failure>
<system-out>-------------------------------- Captured Out --------------------------------
probe said hello
</system-out>
</testcase>
<testcase classname="suites.runtime.test_matrix" name="test_matrix_case[runsc-process.cwd]" time="1.9">
<skipped type="pytest.xfail" message="known deviation of runsc"/></testcase>
</testsuite></testsuites>
"""


class _Checker(HTMLParser):
    """Collects tags, attributes and text, and checks that non-void elements are balanced."""

    VOID = {"meta", "br", "input", "img", "link", "hr", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def parse(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    return checker


@pytest.fixture
def junit(tmp_path: Path) -> Path:
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)
    return path


def text_of(page: str) -> str:
    return " ".join(" ".join(parse(page).text).split())


def test_page_is_well_formed_and_self_contained(junit: Path) -> None:
    page = render_html(sample_results(), junit)
    checker = parse(page)
    assert checker.errors == []
    assert checker.stack == []
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    for tag, attrs in checker.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed"), tag
        assert "src" not in attrs, (tag, attrs)
        if tag != "a":
            assert "href" not in attrs, (tag, attrs)
    hrefs = [attrs["href"] for tag, attrs in checker.tags if tag == "a"]
    assert all(h and (h.startswith("#") or h.startswith("https://")) for h in hrefs)
    assert "@import" not in page and "url(" not in page
    assert "@media print" in page and "details::details-content" in page
    # the only script is the optional print helper; the page does not need it
    assert len([t for t, _ in checker.tags if t == "script"]) == 1


def test_hostile_text_is_escaped(junit: Path) -> None:
    results = sample_results()
    results["subject"]["label"] = HOSTILE
    results["requirements"]["config.hooks.timeout"]["link"] = "javascript:alert(1)"
    page = render_html(results, junit)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page and "href='javascript:" not in page
    checker = parse(page)
    assert not any("alert" in s for s in checker.scripts)
    assert HOSTILE in " ".join(checker.text)  # shown as text, in the summary, message and config


def test_header_names_subject_suite_spec_catalog_environment_and_date() -> None:
    text = text_of(render_html(sample_results()))
    for expected in (
        "runsc",
        "0.0~20221219.0",
        "sha256:de98831af671d537a66cd36b4ae1d797e03f9d265375162ab2221a9a33c2592c",
        "oci-conformance 0.1.0",
        "runtime-spec v1.3.0",
        "sha256:0d871abfd953e71c14fc2ce5894a01ab2a9c5a5fa8ec948de4e8a38da874239a",
        "Linux 6.18.44-fc-v782 x86_64",
        "Debian GNU/Linux 12 (bookworm)",
        "hybrid",
        "2026-11-26T17:36:56Z",
        "runsc runs with --network=none",
        "runtime=runsc",
    ):
        assert expected in text, expected


def test_summary_counts_by_verdict_and_level() -> None:
    page = render_html(sample_results())
    summary = page[page.index("id='summary'") : page.index("<nav")]
    rows = re.findall(r"<tr><th>(.*?)</th>(.*?)</tr>", summary)
    table = {re.sub(r"<[^>]+>", "", head): re.findall(r">(\d+)<", cells) for head, cells in rows}
    # columns: MUST, SHOULD, MAY, all
    assert table["\u2717\u00a0FAIL"] == ["1", "0", "1", "2"]
    assert table["\u2713\u00a0PASS"] == ["1", "0", "0", "1"]
    assert table["\u2298\u00a0SKIP"] == ["0", "1", "0", "1"]
    assert table["\u25cb\u00a0NOT COVERED"] == ["1", "0", "0", "1"]
    assert table["all"] == ["3", "1", "1", "5"]
    assert "Tests: 1 passed, 1 failed, 1 xfailed, 1 skipped (4 in all)." in text_of(page)
    assert "Failing requirements (2)" in page


def test_certification_line_only_with_a_verdict() -> None:
    assert 'id="certification"' not in render_html(sample_results())
    results = sample_results()
    results["verdict"] = {"certified": False, "level": "MUST", "reason": "1 MUST requirement fails"}
    text = text_of(render_html(results))
    assert "NOT CERTIFIED at level MUST 1 MUST requirement fails" in text
    results["verdict"] = "certified"
    assert "\u2713 CERTIFIED" in text_of(render_html(results))
    # the shape of conformance.report.certification.profiles.Verdict.to_dict()
    results["verdict"] = {
        "profile": "runtime-core",
        "spec": "runtime-spec",
        "certified": False,
        "counts": {"in scope": 3},
        "blocking": [{"requirement": "config.process.cwd", "level": "MUST", "verdict": "fail"}],
        "warnings": [],
        "problems": [],
    }
    page = render_html(results)
    assert "NOT CERTIFIED under runtime-core 1 blocking requirement(s)" in text_of(page)
    assert "<a href='#req-config.process.cwd'><code>config.process.cwd</code></a>" in page
    results["verdict"] = {"profile": "runtime-core", "certified": True}
    assert "\u2713 CERTIFIED under runtime-core" in text_of(render_html(results))


def test_requirements_grouped_by_document_and_section_in_catalog_order() -> None:
    page = render_html(sample_results())
    main = page[page.index("<main>") :]
    docs = re.findall(r"<section class='doc' id='doc-([^']+)'>", main)
    assert docs == ["bundle.md", "config-linux.md", "config.md"]
    sections = re.findall(r"<h3><a href=\"[^\"]+\">#(\w+)</a></h3>", main)
    assert sections == [
        "containerFormat01",
        "containerFormat",
        "configLinuxNamespaces",
        "configProcess",
        "configHooks",
    ]
    assert f'<a href="{SPEC}/config.md#configHooks">config.md#configHooks</a>' in main


def _article(page: str, rid: str) -> str:
    start = page.index(f"id='req-{rid}'")
    return page[start : page.index("</article>", start)]


def test_failure_shows_expected_observed_config_and_runtime_output(junit: Path) -> None:
    page = render_html(sample_results(), junit)
    row = _article(page, "config.hooks.timeout")
    assert (
        "req v-fail" in page[page.rindex("<article", 0, page.index("id='req-config.hooks.timeout'")) :][:40]
    )
    assert "\u2717\u00a0FAIL" in row and "MAY" in row
    assert "<details class='failure' open><summary>expected vs observed</summary>" in row
    assert "<dt>expected</dt><dd><pre>error within 20 s</pre></dd>" in row
    assert "<dt>observed</dt><dd><pre>ok=False after 30.0s &lt;script&gt;" in row
    assert "<summary>config used: config.json bundle-hooks</summary>" in row
    assert "&quot;timeout&quot;: 1" in row
    assert "<summary>runtime output: runtime calls c-7f3a</summary>" in row
    assert "stderr: timed out waiting for hook" in row
    assert "<summary>Captured Out</summary><pre>probe said hello</pre>" in row
    assert "<summary>full failure output</summary>" in row
    traceback = row[row.index("full failure output") :]
    assert "conformance/asserts.py:22: AssertionError" in traceback and "ociVersion" not in traceback
    assert row.index("config used") < row.index("runtime output") < row.index("Captured Out")


def test_failure_without_junit_still_shows_expected_and_observed() -> None:
    row = _article(render_html(sample_results(), None), "config.hooks.timeout")
    assert "<dt>expected</dt>" in row and "<dt>observed</dt>" in row
    assert "config used" not in row and "full failure output" not in row


def test_known_deviation_skip_and_not_covered_rows(junit: Path) -> None:
    page = render_html(sample_results(), junit)
    deviation = _article(page, "config.process.cwd")
    assert "KNOWN DEVIATION" in deviation and "XFAIL" in deviation
    assert "/proc/self/cwd cannot be read inside the sandbox" in deviation
    skipped = _article(page, "config-linux.namespaces.type-uts")
    assert "\u2298\u00a0SKIP" in skipped
    assert "<p class='reason'>Skipped: [config-linux.namespaces.type-uts] not exercised:" in skipped
    assert "Skipped: Skipped:" not in skipped
    uncovered = _article(page, "bundle.artifacts.single-directory")
    assert "NOT COVERED" in uncovered
    assert "Not tested: describes the bundle the caller lays out" in uncovered
    assert "<ul class='tests'>" not in uncovered


def test_verdicts_are_never_colour_alone() -> None:
    page = render_html(sample_results())
    for rid, entry in sample_results()["requirements"].items():
        word = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "not covered": "NOT COVERED"}[
            entry["verdict"]
        ]
        assert word in _article(page, rid)


def test_tolerates_missing_fields_and_empty_documents() -> None:
    results = sample_results()
    del results["subject"]["kind"], results["environment"], results["counts"]
    results["tests"] = []  # requirements name tests that are not in the list
    page = render_html(results)
    assert parse(page).errors == []
    assert "NOT RUN" in page
    empty = render_html({})
    assert parse(empty).errors == [] and "lists no requirements" in empty


def test_parse_message() -> None:
    failure = parse_message(
        "AssertionError: [a.b] the thing works\n  expected: 1\n  observed: 2\ncontext line\nmore"
    )
    assert (failure.headline, failure.expected, failure.observed) == ("[a.b] the thing works", "1", "2")
    assert failure.rest == "context line\nmore"
    other = parse_message("RuntimeError: boom\nTraceback")
    assert (other.headline, other.expected, other.observed, other.rest) == ("boom", None, None, "Traceback")


def test_parse_sections() -> None:
    text = "head\n----- config.json b1 -----\n{}\n\n==== runtime calls c ====\n$ runc state\n"
    assert parse_sections(text) == {"config.json b1": "{}", "runtime calls c": "$ runc state"}
    assert parse_sections("no sections _ _ _ here") == {}


def test_junit_key_matches_pytest() -> None:
    assert junit_key("suites/runtime/test_x.py::test_y[runc-a.b::c]") == (
        "suites.runtime.test_x",
        "test_y[runc-a.b::c]",
    )
    assert junit_key("tests/test_x.py::TestC::test_y") == ("tests.test_x.TestC", "test_y")


def test_unreadable_junit_is_ignored(tmp_path: Path) -> None:
    broken = tmp_path / "junit.xml"
    broken.write_text("<testsuites><testcase")
    assert read_junit(broken) == {}
    assert read_junit(tmp_path / "absent.xml") == {}
    assert "<dt>expected</dt>" in render_html(sample_results(), broken)


def test_sections_from_a_real_pytest_junit_file(pytester: pytest.Pytester) -> None:
    """pytest's own JUnit writer, with a longrepr section added the way the plugin could add it."""
    pytester.makeconftest(
        """
        import pytest

        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_makereport(item, call):
            report = yield
            if report.failed:
                report.longrepr.addsection("config.json bundle-1", '{"ociVersion": "1.3.0"}')
                report.longrepr.addsection("runtime calls c1", "$ runc create c1\\nexit 1")
            return report
        """
    )
    pytester.makepyfile(
        test_inner="""
        def test_fails():
            raise AssertionError("[x.y] it works\\n  expected: yes\\n  observed: no")
        """
    )
    junit = pytester.path / "junit.xml"
    pytester.runpytest("-p", "no:cacheprovider", f"--junitxml={junit}").assert_outcomes(failed=1)
    case = read_junit(junit)[("test_inner", "test_fails")]
    assert case.sections["config.json bundle-1"] == '{"ociVersion": "1.3.0"}'
    assert case.sections["runtime calls c1"] == "$ runc create c1\nexit 1"


def test_write_html_reads_results_and_junit(tmp_path: Path) -> None:
    run = tmp_path / "runsc"
    run.mkdir()
    (run / "results.json").write_text(json.dumps(sample_results()))
    (run / "junit.xml").write_text(JUNIT)
    out = write_html(run)
    assert out == run / "index.html"
    assert "runtime calls c-7f3a" in out.read_text(encoding="utf-8")


def test_junit_of_a_multi_subject_session_is_found(tmp_path: Path) -> None:
    """The plugin writes one JUnit file per session, in `reports/a+b/`, beside `reports/a/`."""
    run = tmp_path / "runsc"
    run.mkdir()
    combined = tmp_path / "runc+runsc"
    combined.mkdir()
    (combined / "junit.xml").write_text(JUNIT)
    assert junit_for(run) == combined / "junit.xml"
    assert junit_for(tmp_path / "crun") is None


def test_report_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for label in ("runc", "runsc"):
        results = copy.deepcopy(sample_results())
        results["subject"]["label"] = label
        (tmp_path / label).mkdir()
        (tmp_path / label / "results.json").write_text(json.dumps(results))
    assert main(["report", str(tmp_path / "runc")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "runc" / "index.html")
    assert main(["report", str(tmp_path)]) == 0  # a reports directory: one page per run
    assert (tmp_path / "runsc" / "index.html").is_file()
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "no results.json" in capsys.readouterr().err
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "results.json").write_text("{")
    assert main(["report", str(tmp_path / "bad")]) == 2
