"""`oci-conformance report` and `oci-conformance compare`: pages and tables from results.json files.

    oci-conformance report RUN_DIR                  write RUN_DIR/index.html (RUN_DIR holds results.json;
                                                    a reports directory gets one page per run in it)
    oci-conformance compare FILES... [--html OUT] [--only-differences]
                                                    verdicts side by side (FILES: results.json or run dirs)

Exit status: 0 done, 2 usage error (missing or unreadable results).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
        "files", metavar="FILES", nargs="+", help="results.json files, or run directories holding one"
    )
    comparison.add_argument("--html", metavar="OUT", help="also write the comparison as an HTML page")
    comparison.add_argument(
        "--only-differences",
        action="store_true",
        help="show only requirements on which the runs disagree",
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


def _load(name: str) -> dict[str, Any]:
    path = Path(name)
    if path.is_dir():
        path = path / "results.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("requirements"), dict):
        raise UsageError(f"{path}: not a results.json document (no 'requirements' mapping)")
    return document


def cmd_compare(args: argparse.Namespace, extra: Sequence[str] = ()) -> int:
    """Print the table; write the page too with --html."""
    try:
        documents = [_load(name) for name in args.files]
    except UsageError as exc:
        print(f"oci-conformance compare: {exc}", file=sys.stderr)
        return 2
    comparison = compare(documents)
    if args.only_differences:
        comparison = comparison.only_differences()
    sys.stdout.write(to_terminal(comparison))
    if args.html:
        out = Path(args.html)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(to_html(comparison), encoding="utf-8")
        except OSError as exc:
            print(f"oci-conformance compare: {out}: {exc}", file=sys.stderr)
            return 2
        print(f"written: {out}")
    return 0
