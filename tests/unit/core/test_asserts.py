"""Unit tests for :mod:`conformance.core.asserts`: explicit requirement ids, and ids taken from the
running test's ``requirement`` marker (set by the plugin around each test call)."""

from __future__ import annotations

import os

import pytest

from conformance.core.asserts import (
    check,
    check_equal,
    current_requirements,
    fail,
    requirements_in_effect,
    skip_unsupported,
)

pytest_plugins = ["pytester"]


def message(call, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def test_explicit_ids_lead_the_message() -> None:
    assert message(check, "runtime.state.pid", False, "what", "e", "o").splitlines() == [
        "[runtime.state.pid] what",
        "  expected: e",
        "  observed: o",
    ]
    assert message(check, ["runtime.state.pid", "runtime.state.id"], 0, "what", "e", "o", "ctx").startswith(
        "[runtime.state.pid, runtime.state.id] what"
    )
    assert message(check_equal, ("runtime.state.id",), "what", 1, 2).splitlines() == [
        "[runtime.state.id] what",
        "  expected: 1",
        "  observed: 2",
    ]
    assert message(fail, "runtime.state.id", "what", "e", "o", "context").endswith("context")
    assert message(fail, "what", "e", "o", requirements=("runtime.state.id",)).startswith(
        "[runtime.state.id]"
    )


def test_passing_checks_raise_nothing() -> None:
    check("runtime.state.pid", True, "what", "e", "o")
    check_equal("runtime.state.pid", "what", [1], [1])
    with requirements_in_effect(["runtime.state.pid"]):
        check(True, "what", "e", "o")
        check_equal("what", "a", "a", "context")


def test_ids_in_effect_are_used_when_none_are_given() -> None:
    with requirements_in_effect(["runtime.state.pid", "runtime.state.id"]):
        assert current_requirements() == ("runtime.state.pid", "runtime.state.id")
        assert message(check, False, "what", "e", "o").startswith(
            "[runtime.state.pid, runtime.state.id] what"
        )
        assert message(check, False, "what", "e", "o", "context").endswith("context")
        assert message(check_equal, "what", 1, 2, "context").startswith(
            "[runtime.state.pid, runtime.state.id]"
        )
        assert message(fail, "what", "e", "o").startswith("[runtime.state.pid, runtime.state.id] what")
        # explicit ids still win
        assert message(check, "runtime.state.id", False, "what", "e", "o").startswith(
            "[runtime.state.id] what"
        )
        assert message(check, False, "what", "e", "o", requirements="runtime.state.id").startswith(
            "[runtime.state.id] what"
        )
        with pytest.raises(
            pytest.skip.Exception, match=r"^\[runtime.state.pid, runtime.state.id\] not exercised"
        ):
            skip_unsupported("no way to see it")
    assert current_requirements() == ()


def test_no_ids_outside_a_marked_test_is_a_programming_error() -> None:
    """This test has no requirement marker, so there is nothing to default to."""
    with pytest.raises(TypeError, match="no requirement ids"):
        check(False, "what", "e", "o")
    with pytest.raises(TypeError, match="no requirement ids"):
        skip_unsupported("reason")


INNER = """
import pytest

from conformance.core.asserts import check, check_equal, current_requirements, skip_unsupported

requirement = pytest.mark.requirement


@requirement("runtime.state.pid")
def test_one_requirement():
    assert current_requirements() == ("runtime.state.pid",)
    with pytest.raises(AssertionError, match=r"^\\[runtime\\.state\\.pid\\] the pid\\n"):
        check(False, "the pid", "> 0", "0")


@requirement("runtime.state.pid", "runtime.state.id")
def test_several_requirements():
    with pytest.raises(AssertionError, match=r"^\\[runtime\\.state\\.pid, runtime\\.state\\.id\\] both"):
        check_equal("both", 1, 2)
    with pytest.raises(AssertionError, match=r"^\\[runtime\\.state\\.id\\] only the id"):
        check("runtime.state.id", False, "only the id", "e", "o")


@pytest.mark.parametrize(
    "rid", [pytest.param(rid, marks=requirement(rid)) for rid in ("runtime.state.pid", "runtime.state.id")]
)
def test_param_marks(rid):
    assert current_requirements() == (rid,)
    with pytest.raises(AssertionError, match=rf"^\\[{rid}\\] per param"):
        check(False, "per param", "e", "o")


@requirement("runtime.state.pid")
def test_skip_names_the_marker():
    skip_unsupported("cannot be seen here")


def test_unmarked():
    assert current_requirements() == ()


def test_ids_are_gone_after_the_call():
    assert current_requirements() == ()
"""


def test_checks_take_the_running_tests_marker_ids(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER)
    plugin = ["-p", "conformance.plugin.main"] if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") else []
    result = pytester.runpytest_inprocess(*plugin, "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=6, skipped=1)
    result.stdout.fnmatch_lines(["*runtime.state.pid? not exercised: cannot be seen here*"])
