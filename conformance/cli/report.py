"""`oci-conformance report` and `oci-conformance compare`: pages and tables from results.json files.

    oci-conformance report RUN_DIR                  write RUN_DIR/index.html (RUN_DIR holds results.json;
                                                    a reports directory gets one page per run in it)
    oci-conformance compare FILES... [--html OUT] [--only-differences] [--baseline OLD]
                                                    verdicts side by side (FILES: results.json, run
                                                    dirs, or directories searched for results.json);
                                                    with --baseline, what changed since OLD

Exit status: 0 done, 1 a regression since the baseline, 2 usage error (missing or unreadable results).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.report import regressions
from conformance.report.allure import write_allure_extras
from conformance.report.compare import compare, to_html, to_terminal
from conformance.report.html import write_html


class UsageError(Exception):
    """Nothing to report on: exit status 2."""


def add_parsers(subparsers: Any) -> None:
    """Register `report` and `compare` on the `oci-conformance` sub-command parser."""
    report = subparsers.add_parser(
        "report",
        help="write index.html, a self-contained HTML report, next to a run's results.json",
        description="Write RUN_DIR/index.html from RUN_DIR/results.json (and junit.xml when present). "
        "Given a reports directory holding several runs, write one page per run.",
    )
    report.add_argument("run_dir", metavar="RUN_DIR", help="directory holding results.json")
    report.set_defaults(handler=cmd_report)
    comparison = subparsers.add_parser(
        "compare",
        help="compare the verdicts of several runs side by side",
        description="Print one row per requirement and one column per run (PASS/FAIL/SKIP/\u2014).",
    )
    comparison.add_argument(
        "files",
        metavar="FILES",
        nargs="+",
        help="results.json files, run directories holding one, or directories searched for them",
    )
    comparison.add_argument("--html", metavar="OUT", help="also write the comparison as an HTML page")
    comparison.add_argument(
        "--only-differences",
        action="store_true",
        help="show only requirements on which the runs disagree",
    )
    comparison.add_argument(
        "--baseline",
        metavar="OLD",
        help="an earlier run (or directory of runs): list regressions, new deviations and fixes "
        "since then, and exit 1 on a regression",
    )
    comparison.add_argument(
        "--allure-results",
        metavar="DIR",
        help="write the compared runs' environment.properties and categories.json into DIR",
    )
    comparison.set_defaults(handler=cmd_compare)


def _run_dirs(path: Path) -> list[Path]:
    if (path / "results.json").is_file():
        return [path]
    if path.is_dir():
        runs = sorted(p.parent for p in path.glob("*/results.json"))
        if runs:
            return runs
    raise UsageError(f"{path}: no results.json here (run the suite first, or pass the run's directory)")


def cmd_report(args: argparse.Namespace, extra: Sequence[str] = ()) -> int:
    """Write the page(s) and print where."""
    try:
        for run_dir in _run_dirs(Path(args.run_dir)):
            try:
                print(write_html(run_dir))
            except (OSError, ValueError) as exc:
                raise UsageError(f"{run_dir / 'results.json'}: {exc}") from None
    except UsageError as exc:
        print(f"oci-conformance report: {exc}", file=sys.stderr)
        return 2
    return 0


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("requirements"), dict):
        raise UsageError(f"{path}: not a results.json document (no 'requirements' mapping)")
    return document


def _found(name: str) -> list[tuple[str, Path]]:
    """(key, path) of each results.json that `name` stands for; the key is its run's place below it."""
    path = Path(name)
    if not path.is_dir():
        return [(path.parent.name or ".", path)]
    if (path / "results.json").is_file():
        return [(".", path / "results.json")]
    found = sorted(path.rglob("results.json"))
    if not found:
        raise UsageError(f"{path}: no results.json here or below (run the suite first)")
    return [(p.parent.relative_to(path).as_posix(), p) for p in found]


def _load_runs(names: Sequence[str]) -> dict[str, tuple[Path, dict[str, Any]]]:
    """key -> (path, document) over every name, in order; repeated keys get a suffix."""
    runs: dict[str, tuple[Path, dict[str, Any]]] = {}
    for name in names:
        for key, path in _found(name):
            unique, n = key, 2
            while unique in runs:
                unique, n = f"{key}#{n}", n + 1
            runs[unique] = (path, _read(path))
    return runs


def _page_href(results_path: Path, out: Path) -> str:
    """The run's own page (index.html beside its results.json) relative to the comparison page."""
    index = results_path.parent / "index.html"
    if not index.is_file():
        return ""
    relative = os.path.relpath(index.resolve(), out.resolve().parent)
    return urllib.parse.quote(Path(relative).as_posix())


def cmd_compare(args: argparse.Namespace, extra: Sequence[str] = ()) -> int:
    """Print the table (and the changes since --baseline); write the page too with --html."""
    try:
        runs = _load_runs(args.files)
        baseline = _load_runs([args.baseline]) if args.baseline else None
    except UsageError as exc:
        print(f"oci-conformance compare: {exc}", file=sys.stderr)
        return 2
    out = Path(args.html) if args.html else None
    pages = [_page_href(path, out) for path, _ in runs.values()] if out else None
    comparison = compare([document for _, document in runs.values()], pages=pages)
    if args.only_differences:
        comparison = comparison.only_differences()
    sys.stdout.write(to_terminal(comparison))
    changes = None
    if baseline is not None:
        changes = regressions.diff(
            {key: doc for key, (_, doc) in baseline.items()}, {key: doc for key, (_, doc) in runs.items()}
        )
        sys.stdout.write("\n" + regressions.to_terminal(changes))
    try:
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(to_html(comparison, changes), encoding="utf-8")
            print(f"written: {out}")
        if args.allure_results:
            documents = [document for _, document in runs.values()]
            for path in write_allure_extras(Path(args.allure_results), documents):
                print(f"written: {path}")
    except OSError as exc:
        print(f"oci-conformance compare: {exc}", file=sys.stderr)
        return 2
    return 1 if changes is not None and changes.regressed else 0
