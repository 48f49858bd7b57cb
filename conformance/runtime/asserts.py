"""Runtime-specific assertions, built on conformance.core.asserts (which knows no runtime types)."""

from __future__ import annotations

from conformance.core.asserts import Requirements, check, check_equal
from conformance.core.result import CommandResult
from conformance.runtime.container import StateReading


def check_refused_without_effect(
    operation: str,
    result: CommandResult,
    *,
    status: str,
    after: StateReading,
    output: str | None = None,
    marker: str = "started",
    requirements: Requirements | None = None,
    context: str = "",
) -> None:
    """An operation the runtime must refuse on a container in `status` (e.g. start of a running one).

    Checks that `result` is an error, that `after` (state read after the call) still shows `status`,
    and, given `output` (the program's stdout since), that the program did not run again: `marker`,
    printed once when it started, is there exactly once. Requirements: as for `check`.
    """
    check(
        result.refused,
        f"{operation} of a {status} container is an error",
        "non-zero exit",
        result.describe(),
        context,
        requirements=requirements,
    )
    check_equal(
        f"status after the refused {operation}", status, after.status, context, requirements=requirements
    )
    if output is not None:
        check_equal(
            "the program did not run again", 1, output.count(marker), context, requirements=requirements
        )
