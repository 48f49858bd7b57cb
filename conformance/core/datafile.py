"""YAML data files (catalog, matrices, expectations) loaded with line numbers for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from conformance.core.errors import DataFileError


class LineDict(dict):
    """A mapping that remembers the line it started on in its file."""

    line: int | None = None


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    seen: set[object] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            key = loader.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; mappings come back as LineDict. Errors name file and line."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise DataFileError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise DataFileError(path, f"invalid YAML: {problem}", mark.line + 1 if mark else None) from None


def line_of(value: Any) -> int | None:
    return getattr(value, "line", None)


def require_mapping(path: Path, value: Any, what: str, line: int | None = None) -> LineDict:
    if not isinstance(value, dict):
        found = type(value).__name__
        raise DataFileError(path, f"{what} must be a mapping, got {found}", line_of(value) or line)
    return value  # type: ignore[return-value]


def check_keys(
    path: Path, entry: dict, what: str, required: set[str], optional: set[str] = frozenset()
) -> None:
    """Missing or unknown keys are errors, so a typo never silently drops data."""
    line = line_of(entry)
    missing = required - entry.keys()
    if missing:
        raise DataFileError(path, f"{what}: missing key(s) {', '.join(sorted(missing))}", line)
    unknown = entry.keys() - required - set(optional)
    if unknown:
        allowed = ", ".join(sorted(required | set(optional)))
        raise DataFileError(
            path, f"{what}: unknown key(s) {', '.join(sorted(unknown))} (allowed: {allowed})", line
        )
