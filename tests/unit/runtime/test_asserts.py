"""Unit tests for :mod:`conformance.runtime.asserts`."""

from __future__ import annotations

import pytest

from conformance.core.asserts import requirements_in_effect
from conformance.core.result import CommandResult
from conformance.runtime.asserts import check_refused_without_effect
from conformance.runtime.container import StateReading

RID = "runtime.start.error-not-created"


def result(returncode: int | None, timed_out: bool = False) -> CommandResult:
    return CommandResult(("runc", "start", "x"), returncode, "", "", 0.1, timed_out)


def state(status: str) -> StateReading:
    return StateReading(result(0), {"status": status})


def test_a_refusal_without_effect_passes() -> None:
    check_refused_without_effect(
        "start", result(1), status="running", after=state("running"), output="started\n", requirements=RID
    )


@pytest.mark.parametrize(
    ("call", "after", "output", "complaint"),
    [
        (
            result(0),
            "running",
            None,
            "[runtime.start.error-not-created] start of a running container is an error",
        ),
        (result(None, timed_out=True), "running", None, "start of a running container is an error"),
        (result(1), "stopped", None, "status after the refused start"),
        (result(1), "running", "started\nstarted\n", "the program did not run again"),
    ],
)
def test_each_effect_is_a_failure(
    call: CommandResult, after: str, output: str | None, complaint: str
) -> None:
    with requirements_in_effect([RID]), pytest.raises(AssertionError) as caught:
        check_refused_without_effect("start", call, status="running", after=state(after), output=output)
    assert complaint in str(caught.value)
    assert str(caught.value).startswith(f"[{RID}]")
