"""Helpers several unit-test modules share: fake executables and the schema description check."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def executable(tmp_path: Path) -> Callable[..., Path]:
    """Factory: a /bin/sh script named `name` in tmp_path (or `directory`) running `body`."""

    def make(body: str, name: str = "fake-runtime", directory: Path | None = None) -> Path:
        path = (directory or tmp_path) / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)
        return path

    return make


def static_elf_bytes() -> bytes:
    """The smallest header that passes the static-busybox check (an x86-64 ELF with no PT_INTERP)."""
    ident = b"\x7fELF\x02\x01\x01" + bytes(9)
    return ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, 64, 0, 0, 64, 56, 0, 0, 0, 0)


@pytest.fixture
def static_elf(tmp_path: Path) -> Callable[..., Path]:
    """Factory: a synthetic static ELF (accepted as busybox, never run) at directory/name."""

    def make(name: str = "busybox", directory: Path | None = None) -> Path:
        path = (directory or tmp_path) / name
        path.write_bytes(static_elf_bytes())
        path.chmod(0o755)
        return path

    return make


def _undescribed(node: Any, where: str) -> Iterator[str]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _undescribed(item, f"{where}/{index}")
        return
    if not isinstance(node, dict):
        return
    if (node.get("type") == "object" or "properties" in node) and "description" not in node:
        yield where
    for key in ("properties", "$defs"):
        for child_name, child in node.get(key, {}).items():
            if "description" not in child:
                yield f"{where}/{key}/{child_name}"
    for key, child in node.items():
        if key not in ("enum", "required", "const"):
            yield from _undescribed(child, f"{where}/{key}")


@pytest.fixture
def undescribed() -> Callable[[Any], list[str]]:
    """JSON pointers of schema objects and properties without a description."""
    return lambda schema: list(_undescribed(schema, "#"))
