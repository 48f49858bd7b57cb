"""YAML data files (catalog, matrices, expectations, ...) loaded with line numbers for error messages.

`load_checked` also validates a file against its JSON Schema (`conformance/schemas/data/`) and
reports the first violation, in file order, as a `DataFileError` naming the file, the line and
the JSON path of the offending value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError, best_match, relevance

from conformance import schemas
from conformance.core.errors import DataFileError


class LineDict(dict):
    """A mapping that remembers the line it started on in its file."""

    line: int | None = None


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
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


#: Wording of JSON Schema types in messages.
_EXPECTED = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}
#: Several violations of one value are listed in this order (the rest after, as found).
_ORDER = ("type", "required", "additionalProperties")
#: A pattern that only refuses empty or blank strings.
_NOT_BLANK = r"\S"


def _kind(value: Any) -> str:
    """A value's type in the words of a YAML author."""
    for kind, types in (
        ("boolean", bool),
        ("mapping", dict),
        ("list", list),
        ("string", str),
        ("integer", int),
        ("number", float),
    ):
        if isinstance(value, types):
            return kind
    return "null" if value is None else type(value).__name__


def _position(data: Any, parts: Iterable[str | int]) -> tuple[int, ...]:
    """Where a path lies in the file: list indexes, and each key's place in its mapping."""
    position = []
    current = data
    for part in parts:
        if isinstance(current, dict):
            keys = list(current)
            position.append(keys.index(part) if part in current else len(keys))
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int):
            position.append(part)
            current = current[part] if part < len(current) else None
        else:
            position.append(0)
    return tuple(position)


def line_at(data: Any, parts: Iterable[str | int]) -> int | None:
    """The line of the innermost mapping on the path through `data` (a value's own line if it has one)."""
    line = line_of(data)
    current = data
    for part in parts:
        try:
            current = current[part]
        except (KeyError, IndexError, TypeError):
            break
        line = line_of(current) or line
    return line


def _problem(error: ValidationError) -> str:
    """What is wrong with the value, in plain words (without its path)."""
    kind, value, instance, schema = error.validator, error.validator_value, error.instance, error.schema
    title = schema.get("title") if isinstance(schema, dict) else None
    if kind == "type":
        expected = " or ".join(_EXPECTED.get(t, t) for t in ([value] if isinstance(value, str) else value))
        return f"{title + ' ' if title else ''}must be {expected}, got {_kind(instance)}"
    if kind == "required":
        return f"missing key(s) {', '.join(k for k in value if k not in instance)}"
    if kind == "additionalProperties" and value is False:
        known = schema.get("properties", {})
        unknown = ", ".join(sorted(str(k) for k in instance if k not in known))
        return f"unknown key(s) {unknown} (allowed: {', '.join(sorted(known))})"
    if kind == "oneOf" and all(
        list(option) == ["required"] and len(option["required"]) == 1 for option in value
    ):
        options = [option["required"][0] for option in value]
        given = [key for key in options if key in instance]
        return f"needs exactly one of {', '.join(options)}; got {', '.join(given) or 'none'}"
    if kind in ("anyOf", "oneOf") and error.context:
        return _problem(best_match(error.context))
    if kind == "enum":
        last = error.absolute_path[-1] if error.absolute_path else None
        what = last if isinstance(last, str) else "value"
        return f"unknown {what} {instance!r} (allowed: {', '.join(map(str, value))})"
    if kind == "pattern":
        if value == _NOT_BLANK:
            return "must not be empty or blank"
        return f"{instance!r} is not a valid {title}" if title else f"{instance!r} must match {value}"
    if kind in ("minItems", "minLength", "minProperties") and value == 1:
        return "must not be empty"
    if kind == "uniqueItems":
        return "lists an item more than once"
    return " ".join(error.message.splitlines())


def _first(found: Sequence[ValidationError], data: Any) -> list[ValidationError]:
    """The violations of the value that comes first in the file (an enclosing value before its parts)."""
    where = min(_position(data, e.absolute_path) for e in found)
    here = [e for e in found if _position(data, e.absolute_path) == where]
    strong = [e for e in here if e.validator not in ("anyOf", "oneOf")] or here
    if len({tuple(e.absolute_path) for e in strong}) > 1:  # paths through a missing key tie
        strong = [max(strong, key=relevance)]
    return sorted(strong, key=lambda e: _ORDER.index(e.validator) if e.validator in _ORDER else len(_ORDER))


def describe(errors: Sequence[ValidationError], root_title: str | None = None) -> str:
    """`path: problem[; problem]` for violations of one value, e.g. `cases[2]: unknown key(s) x (...)`.

    At the root the file's title (e.g. `matrix file`) stands for the path.
    """
    path = schemas.json_path(errors[0].absolute_path).removeprefix("$").removeprefix(".")
    problems = "; ".join(dict.fromkeys(_problem(e) for e in errors))
    if path:
        return f"{path}: {problems}"
    if errors[0].validator == "type" or not root_title:
        return problems
    return f"{root_title}: {problems}"


def load_checked(path: Path, schema: str) -> Any:
    """Load a YAML data file and check it against `conformance/schemas/data/<schema>.schema.json`.

    Mappings come back as LineDict. The first violation in file order (all of them, if that value
    breaks several rules) raises DataFileError with the line of the innermost mapping holding it.
    """
    data = load_yaml(path)
    name = f"data/{schema}"
    found = schemas.errors(name, data)
    if found:
        first = _first(found, data)
        message = describe(first, schemas.load_schema(name).get("title"))
        raise DataFileError(path, message, line_at(data, first[0].absolute_path))
    return data
