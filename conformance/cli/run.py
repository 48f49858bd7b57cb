"""`oci-conformance run`: the bundled suites of every kind named on the command line, through pytest.

oci-conformance run --runtime=runc [--image-tool=umoci] [pytest arguments...]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from conformance.kinds import kinds


def add_parsers(subparsers: Any) -> None:
    run = subparsers.add_parser(
        "run",
        help="run the bundled suite of each kind named (--runtime, --image-tool, ...); "
        "other arguments go to pytest",
    )
    run.set_defaults(handler=cmd_run, passes_extra=True)


def cmd_run(args: argparse.Namespace, extra: Sequence[str]) -> int:
    import pytest

    option_given = lambda option: any(arg == option or arg.startswith(option + "=") for arg in extra)  # noqa: E731
    suites = [str(kind.suite_dir) for kind in kinds() if option_given(kind.selector.option)]
    if not suites:
        options = " and/or ".join(f"{kind.selector.option}=..." for kind in kinds())
        print(f"oci-conformance run: pass {options}", file=sys.stderr)
        return 2
    return int(pytest.main([*suites, "-p", "no:cacheprovider", *extra]))
