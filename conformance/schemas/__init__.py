"""JSON schemas for the OCI documents the suite validates, and a validator.

The schemas are package data stored beside this module as
``<group>/<document>.schema.json`` (for example ``runtime/config.schema.json``)
and are addressed by name without the suffix (``"runtime/config"``).
They use JSON Schema draft 2020-12 and are self-contained (``$defs`` only).

The ``data/<kind>`` schemas describe the suite's own YAML data files (the requirement catalog,
matrices, expectations, profiles, tool descriptions); `conformance.core.datafile.load_checked`
reports their violations with file and line.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

__all__ = ["SchemaViolation", "errors", "json_path", "load_schema", "schema_names", "validate"]

_SUFFIX = ".schema.json"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_VALUE_REPR = 80


@dataclass(frozen=True)
class SchemaViolation:
    """One way in which a document breaks its schema."""

    path: str
    """JSON path of the offending value, e.g. ``$.process.user.uid``."""
    message: str
    """Single-line, human-readable explanation."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _root() -> Traversable:
    return resources.files(__name__)


def _walk(directory: Traversable, prefix: str) -> Iterable[tuple[str, Traversable]]:
    for entry in directory.iterdir():
        if entry.is_dir():
            yield from _walk(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(_SUFFIX):
            yield f"{prefix}{entry.name[: -len(_SUFFIX)]}", entry


@cache
def _index() -> dict[str, Traversable]:
    return dict(_walk(_root(), ""))


def schema_names() -> list[str]:
    """Return the names of all bundled schemas, sorted (e.g. ``"runtime/config"``)."""
    return sorted(_index())


@cache
def _load(name: str) -> dict[str, Any]:
    try:
        entry = _index()[name]
    except KeyError:
        available = ", ".join(schema_names()) or "none"
        raise KeyError(f"unknown schema {name!r}; available schemas: {available}") from None
    schema: dict[str, Any] = json.loads(entry.read_text(encoding="utf-8"))
    return schema


def load_schema(name: str) -> dict[str, Any]:
    """Return the schema called *name* (parsed once, a fresh copy per call).

    Raises:
        KeyError: if no bundled schema has that name.
    """
    return copy.deepcopy(_load(name))


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(_load(name), format_checker=None)


def json_path(parts: Iterable[str | int]) -> str:
    """The JSON path of an instance path, e.g. ``$.a[0]['b.c']`` for ``a, 0, b.c``."""
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            path += f".{part}"
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            path += f"['{escaped}']"
    return path


def _message(error: ValidationError) -> str:
    text = error.message
    value = repr(error.instance)
    if len(value) > _MAX_VALUE_REPR and value in text:
        text = text.replace(value, value[: _MAX_VALUE_REPR - 3] + "...")
    return " ".join(text.splitlines())


def _sort_key(error: ValidationError) -> tuple[tuple[tuple[int, int | str], ...], str]:
    parts = tuple((0, p) if isinstance(p, int) else (1, p) for p in error.absolute_path)
    return parts, _message(error)


def validate(name: str, document: object) -> list[SchemaViolation]:
    """Validate *document* against the schema called *name*.

    Format assertions are not checked. Returns an empty list when the document
    is valid, otherwise one violation per failed keyword, ordered by path.

    Raises:
        KeyError: if no bundled schema has that name.
    """
    found = sorted(_validator(name).iter_errors(document), key=_sort_key)
    return [SchemaViolation(json_path(e.absolute_path), _message(e)) for e in found]


def errors(name: str, document: object) -> list[ValidationError]:
    """The raw `ValidationError`s of *document* against the schema called *name*, unsorted.

    For callers that word violations their own way (see `conformance.core.datafile`).

    Raises:
        KeyError: if no bundled schema has that name.
    """
    return list(_validator(name).iter_errors(document))
