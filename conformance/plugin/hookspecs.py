"""Hooks of the oci-conformance plugin, for other plugins and conftest files to implement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("pytest")


@hookspec
def pytest_conformance_subject_opened(label: str, kind: Any, subject: Any) -> None:
    """A subject of `kind` (a SubjectKind) was opened under `label`, before any test runs."""


@hookspec
def pytest_conformance_report(directory: Path, results: dict[str, Any], kind: Any) -> list[Path] | None:
    """results.json of one subject was written to `directory`: write more report formats.

    Return the paths written (they are listed with the suite's own reports), or None.
    """
