"""`oci-conformance catalog` and `oci-conformance coverage`: the requirements, and what checks each.

oci-conformance catalog [--level L] [--document D] [--format json]
oci-conformance coverage [--spec S] [--document D] [--level L] [--strict]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from conformance.core.errors import ConformanceError
from conformance.kinds import kinds
from conformance.requirements import LEVELS, load_catalog


def add_parsers(subparsers: Any) -> None:
    catalog = subparsers.add_parser("catalog", help="list the requirement catalog")
    catalog.add_argument("--level", choices=LEVELS, default="MAY", help="only at or above this level")
    catalog.add_argument("--document", action="append", help="only this spec document (e.g. runtime.md)")
    catalog.add_argument("--format", choices=["text", "json"], default="text")
    catalog.set_defaults(handler=cmd_catalog)
    coverage = subparsers.add_parser("coverage", help="which tests cover which requirement")
    coverage.add_argument("--document", action="append", help="only this spec document (e.g. runtime.md)")
    coverage.add_argument(
        "--spec", choices=sorted({kind.spec for kind in kinds()}), help="only this specification"
    )
    coverage.add_argument(
        "--level", choices=LEVELS, default="MAY", help="only requirements at or above this level"
    )
    coverage.add_argument(
        "--strict", action="store_true", help="exit 1 if a requirement is neither covered nor explained"
    )
    coverage.add_argument(
        "--summary", action="store_true", help="print a table per spec document instead of every requirement"
    )
    coverage.set_defaults(handler=cmd_coverage)
    drift = subparsers.add_parser(
        "drift", help="check that every normative sentence of a spec's markdown has a catalog entry"
    )
    drift.add_argument("spec_dir", metavar="SPEC_DIR", help="the spec's markdown documents (a checkout)")
    drift.add_argument(
        "--spec", default="runtime-spec", choices=sorted({kind.spec for kind in kinds()}), help="which spec"
    )
    drift.set_defaults(handler=cmd_drift)


def cmd_catalog(args: argparse.Namespace, extra: Sequence[str] = ()) -> int:
    catalog = load_catalog()
    rows = [
        r for r in catalog if r.at_or_above(args.level) and (not args.document or r.document in args.document)
    ]
    if args.format == "json":
        print(json.dumps([vars(r) | {"link": r.link} for r in rows], indent=2))
        return 0
    for r in rows:
        note = f"  [untested: {r.untested}]" if r.untested else ""
        print(f"{r.id:58} {r.level:6} {r.summary}{note}")
    print(f"{len(rows)} requirements (catalog {catalog.digest})")
    return 0


class _MarkerCollector:
    """A pytest plugin that records each collected test's requirement ids."""

    def __init__(self) -> None:
        self.tests: dict[str, list[str]] = {}

    def pytest_collection_finish(self, session) -> None:
        for item in session.items:
            for mark in item.iter_markers("requirement"):
                for rid in mark.args:
                    self.tests.setdefault(str(rid), []).append(item.nodeid.split("[")[0])


def requirement_coverage(suite: str) -> dict[str, list[str]]:
    """Requirement id -> test functions covering it, by collecting the suite without a runtime."""
    import pytest

    collector = _MarkerCollector()
    code = pytest.main(
        [suite, "--collect-only", "-q", "-p", "no:cacheprovider", "--report-dir=none"], plugins=[collector]
    )
    if code not in (0, 5):
        raise ConformanceError(f"collecting {suite} failed (pytest exit {code})")
    return {rid: sorted(set(tests)) for rid, tests in collector.tests.items()}


def validator_coverage() -> dict[str, list[str]]:
    """Requirement id -> the finding codes of both validators (image, runtime bundle) that check it."""
    from conformance.report.validators import validator_coverage as coverage

    return coverage()


def cmd_coverage(args: argparse.Namespace, extra: Sequence[str] = ()) -> int:
    """Each requirement with the tests (or validator rules) that cover it, or why it is untested."""
    import contextlib
    import io

    covered: dict[str, list[str]] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for kind in kinds():
            if args.spec and kind.spec != args.spec:
                continue
            for rid, tests in requirement_coverage(str(kind.suite_dir)).items():
                covered.setdefault(rid, []).extend(tests)
    for rid, codes in validator_coverage().items():
        covered.setdefault(rid, []).extend(codes)
    catalog = load_catalog()
    if args.summary:
        print(coverage_table(catalog, covered, args))
    gaps = 0
    for r in catalog:
        if args.document and r.document not in args.document:
            continue
        if (args.spec and r.spec != args.spec) or not r.at_or_above(args.level):
            continue
        tests = covered.get(r.id, [])
        if tests:
            status = f"{len(tests)} check(s): {', '.join(t.split('::')[-1] for t in tests)}"
        elif r.untested:
            status = f"untested: {r.untested}"
        else:
            status = "NOT COVERED"
            gaps += 1
        if not args.summary:
            print(f"{r.id:58} {r.level:6} {status}")
    print(f"{gaps} requirement(s) neither covered nor explained")
    return 1 if args.strict and gaps else 0


def coverage_table(catalog, covered: dict[str, list[str]], args: argparse.Namespace) -> str:
    """Per spec document: entries, how many are explained as untestable, and how many of the
    MUST/SHOULD entries a black-box suite can observe (not explained) have a check."""
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for r in catalog:
        if (args.spec and r.spec != args.spec) or (args.document and r.document not in args.document):
            continue
        row = rows.setdefault(
            (r.spec, r.document), dict.fromkeys(("all", "untested", "observable", "checked"), 0)
        )
        row["all"] += 1
        if r.untested:
            row["untested"] += 1
        elif r.level in ("MUST", "SHOULD"):
            row["observable"] += 1
            row["checked"] += bool(covered.get(r.id))
    lines = [
        "| spec | document | entries | explained as untestable | observable MUST/SHOULD | checked | share |",
        "|---|---|---|---|---|---|---|",
    ]
    for (spec, document), row in sorted(rows.items()):
        share = f"{100 * row['checked'] / row['observable']:.0f}%" if row["observable"] else "-"
        lines.append(
            f"| {spec} | {document} | {row['all']} | {row['untested']} | {row['observable']} "
            f"| {row['checked']} | {share} |"
        )
    return "\n".join(lines)


def cmd_drift(args: argparse.Namespace, extra: Sequence[str] = ()) -> int:
    """Print the drift report; exit 1 when a sentence maps to no entry or an entry is stale."""
    from pathlib import Path

    from conformance.requirements.drift import check_drift

    spec_dir = Path(args.spec_dir)
    if not spec_dir.is_dir():
        raise ConformanceError(f"drift: {spec_dir} is not a directory of spec documents")
    report = check_drift(spec_dir, load_catalog(), args.spec)
    print(report.render())
    return 0 if report.ok else 1
