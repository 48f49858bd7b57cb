"""Assertions whose failure message names the requirement and shows expected vs observed.

Each function takes the requirement ids it judges as an optional first argument (or as the
keyword ``requirements=``). Without them, the ids come from the running test's
``@pytest.mark.requirement`` marker(s): the plugin sets them around each test's call
(:func:`requirements_in_effect`). So a test that checks one requirement writes
``check(ok, "what", expected, observed)``, and a test covering several still names the one a
particular check is about: ``check("runtime.x.y", ok, "what", expected, observed)``.

A leading argument is taken for explicit ids by its form: a requirement id (lowercase, dotted,
no spaces: ``runtime.state.pid``) or a non-empty list/tuple/set of them. Outside a test call
(a fixture, a helper thread) there are no marker ids: pass them explicitly there.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any, overload

import pytest

Requirements = str | Iterable[str]

_ID = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+")
_CURRENT: ContextVar[tuple[str, ...]] = ContextVar("oci_conformance_requirements", default=())


@contextlib.contextmanager
def requirements_in_effect(ids: Iterable[str]) -> Iterator[None]:
    """Within the block, checks without explicit ids judge `ids` (the plugin wraps each test call)."""
    token = _CURRENT.set(tuple(ids))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_requirements() -> tuple[str, ...]:
    """The requirement ids of the running test's marker(s); () outside a test call."""
    return _CURRENT.get()


def _is_ids(value: object) -> bool:
    if isinstance(value, str):
        return _ID.fullmatch(value) is not None
    if isinstance(value, list | tuple | set | frozenset) and value:
        return all(isinstance(item, str) and _ID.fullmatch(item) for item in value)
    return False


def _split(
    args: tuple[Any, ...], least: int, name: str, given: Requirements | None = None
) -> tuple[Requirements, tuple[Any, ...]]:
    """(requirements, the other arguments): explicit ids if given, else the running test's."""
    if given is not None:
        return given, args
    if len(args) > least and _is_ids(args[0]):
        return args[0], args[1:]
    ids = current_requirements()
    if not ids:
        raise TypeError(
            f"{name}() got no requirement ids and no running test names any "
            "(pass them first, or mark the test with @pytest.mark.requirement)"
        )
    return ids, args


def _ids(requirements: Requirements) -> str:
    return requirements if isinstance(requirements, str) else ", ".join(requirements)


def _fail(requirements: Requirements, what: str, expected: Any, observed: Any, context: str = "") -> None:
    lines = [f"[{_ids(requirements)}] {what}", f"  expected: {expected}", f"  observed: {observed}"]
    if context:
        lines.append(context.rstrip())
    raise AssertionError("\n".join(lines))


@overload
def fail(
    what: str, expected: Any, observed: Any, context: str = "", *, requirements: Requirements | None = None
) -> None: ...
@overload
def fail(
    requirements: Requirements, /, what: str, expected: Any, observed: Any, context: str = ""
) -> None: ...
def fail(*args: Any, requirements: Requirements | None = None, **kwargs: Any) -> None:
    """Fail the test with a message a runtime implementer can act on."""
    requirements, rest = _split(args, 3, "fail", requirements)
    _fail(requirements, *rest, **kwargs)


@overload
def check(
    condition: object,
    what: str,
    expected: Any,
    observed: Any,
    context: str = "",
    *,
    requirements: Requirements | None = None,
) -> None: ...
@overload
def check(
    requirements: Requirements,
    /,
    condition: object,
    what: str,
    expected: Any,
    observed: Any,
    context: str = "",
) -> None: ...
def check(*args: Any, requirements: Requirements | None = None, **kwargs: Any) -> None:
    """Fail unless `condition` holds."""
    requirements, rest = _split(args, 4, "check", requirements)
    _check(requirements, *rest, **kwargs)


def _check(
    requirements: Requirements,
    condition: object,
    what: str,
    expected: Any,
    observed: Any,
    context: str = "",
) -> None:
    if not condition:
        _fail(requirements, what, expected, observed, context)


@overload
def check_equal(
    what: str, expected: Any, observed: Any, context: str = "", *, requirements: Requirements | None = None
) -> None: ...
@overload
def check_equal(
    requirements: Requirements, /, what: str, expected: Any, observed: Any, context: str = ""
) -> None: ...
def check_equal(*args: Any, requirements: Requirements | None = None, **kwargs: Any) -> None:
    """Fail unless `observed` equals `expected` (both shown with repr)."""
    requirements, rest = _split(args, 3, "check_equal", requirements)
    _check_equal(requirements, *rest, **kwargs)


def _check_equal(
    requirements: Requirements, what: str, expected: Any, observed: Any, context: str = ""
) -> None:
    _check(requirements, expected == observed, what, repr(expected), repr(observed), context)


@overload
def skip_unsupported(reason: str, *, requirements: Requirements | None = None) -> None: ...
@overload
def skip_unsupported(requirements: Requirements, /, reason: str) -> None: ...
def skip_unsupported(*args: Any, requirements: Requirements | None = None) -> None:
    """Skip naming the requirement: the environment or runtime cannot exercise it."""
    requirements, rest = _split(args, 1, "skip_unsupported", requirements)
    (reason,) = rest
    pytest.skip(f"[{_ids(requirements)}] not exercised: {reason}")
