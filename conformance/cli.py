"""The `oci-conformance` command line: run the suites, list the catalog, show coverage."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from conformance import __version__, cli_attest, cli_report, cli_validate
from conformance.errors import ConformanceError
from conformance.requirements import LEVELS, load_catalog


def _suite_path(name: str) -> str:
    from conformance.plugin import SUITES_DIR

    return str(SUITES_DIR / name)


def cmd_run(args: argparse.Namespace, extra: list[str]) -> int:
    """Run the bundled suites: `oci-conformance run --runtime=runc` or `--image-tool=umoci` [pytest args]."""
    import pytest

    suites = [
        _suite_path(suite)
        for suite, option in (("runtime", "--runtime"), ("image", "--image-tool"))
        if any(arg == option or arg.startswith(option + "=") for arg in extra)
    ]
    if not suites:
        print("oci-conformance run: pass --runtime=... and/or --image-tool=...", file=sys.stderr)
        return 2
    return int(pytest.main([*suites, "-p", "no:cacheprovider", *extra]))


def cmd_catalog(args: argparse.Namespace, extra: list[str]) -> int:
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
    """Requirement id -> the image validator's finding codes that check it."""
    from conformance.image.rules import RULES

    covered: dict[str, list[str]] = {}
    for rule in RULES.values():
        covered.setdefault(rule.requirement, []).append(f"validator:{rule.code}")
    return covered


def cmd_coverage(args: argparse.Namespace, extra: list[str]) -> int:
    """Each requirement with the tests (or validator rules) that cover it, or why it is untested."""
    import contextlib
    import io

    covered: dict[str, list[str]] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for suite in ("runtime", "image"):
            for rid, tests in requirement_coverage(_suite_path(suite)).items():
                covered.setdefault(rid, []).extend(tests)
    for rid, codes in validator_coverage().items():
        covered.setdefault(rid, []).extend(codes)
    catalog = load_catalog()
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
        print(f"{r.id:58} {r.level:6} {status}")
    print(f"{gaps} requirement(s) neither covered nor explained")
    return 1 if args.strict and gaps else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oci-conformance", description=__doc__)
    parser.add_argument("--version", action="version", version=f"oci-conformance {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the runtime suite; other arguments go to pytest")
    run.set_defaults(handler=cmd_run)
    catalog = commands.add_parser("catalog", help="list the requirement catalog")
    catalog.add_argument("--level", choices=LEVELS, default="MAY", help="only at or above this level")
    catalog.add_argument("--document", action="append", help="only this spec document (e.g. runtime.md)")
    catalog.add_argument("--format", choices=["text", "json"], default="text")
    catalog.set_defaults(handler=cmd_catalog)
    coverage = commands.add_parser("coverage", help="which tests cover which requirement")
    coverage.add_argument("--document", action="append", help="only this spec document (e.g. runtime.md)")
    coverage.add_argument("--spec", choices=["runtime-spec", "image-spec"], help="only this specification")
    coverage.add_argument(
        "--level", choices=LEVELS, default="MAY", help="only requirements at or above this level"
    )
    coverage.add_argument(
        "--strict", action="store_true", help="exit 1 if a requirement is neither covered nor explained"
    )
    coverage.set_defaults(handler=cmd_coverage)
    cli_validate.add_parser(commands)
    cli_report.add_parsers(commands)
    cli_attest.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and args.command != "run":
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # --help (0) or a usage error (2): a return code, for callers and tests
        return int(exc.code or 0)
    try:
        return args.handler(args, extra)
    except ConformanceError as exc:
        print(f"oci-conformance: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
