"""The `oci-conformance` command line: one module per command group, registered here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from conformance import __version__
from conformance.cli import attest, catalog, report, run, validate
from conformance.core.errors import ConformanceError

#: Command groups, each with an `add_parsers(subparsers)`; the order is the order of `--help`.
GROUPS = (run, validate, catalog, report, attest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oci-conformance", description="Run the OCI conformance suites, list and check what they cover."
    )
    parser.add_argument("--version", action="version", version=f"oci-conformance {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and not getattr(args, "passes_extra", False):
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
