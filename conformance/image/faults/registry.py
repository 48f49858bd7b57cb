"""The registry of faults: name -> a function that breaks one thing in a written layout."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from conformance.core.errors import DataFileError
from conformance.image.generator import LayoutInfo

Fault = Callable[[LayoutInfo], None]

#: Deliberate faults: name -> transformation of a written layout. Each leaves the rest valid.
FAULTS: dict[str, Fault] = {}


def fault(name: str) -> Callable[[Fault], Fault]:
    """Register the decorated function as the fault `name`."""

    def register(function: Fault) -> Fault:
        if name in FAULTS:
            raise ValueError(f"fault {name!r} is registered twice")
        FAULTS[name] = function
        return function

    return register


def apply_faults(info: LayoutInfo, names: Iterable[str]) -> None:
    """Apply the named faults in order, recording each in `info.faults`."""
    for name in names:
        if name not in FAULTS:
            raise DataFileError(info.source, f"unknown fault {name!r} (known: {', '.join(FAULTS)})")
        FAULTS[name](info)
        info.faults.append(name)
