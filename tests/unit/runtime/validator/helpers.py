"""Configs for the runtime validator's tests: the suite's default config, and edits of it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from conformance.runtime.bundle.config import build_config

DELETE = object()
Edit = Callable[[dict[str, Any]], None]

WINDOWS_ROOT = "\\\\?\\Volume{ec84d99e-3f02-11e7-ac6c-00155d7682cf}\\"


def base() -> dict[str, Any]:
    """The suite's default config: no finding at all."""
    return build_config()


def windows_base() -> dict[str, Any]:
    """A Windows Server container config without findings."""
    return {
        "ociVersion": "1.2.0",
        "root": {"path": WINDOWS_ROOT},
        "process": {"cwd": "C:\\", "args": ["cmd.exe"]},
        "windows": {"layerFolders": ["C:\\layers\\base"]},
    }


def put(path: str, value: Any) -> Edit:
    """Set (or, with DELETE, remove) the value at a dotted path; numeric parts index lists."""

    def edit(doc: dict[str, Any]) -> None:
        parts: list[Any] = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = doc
        for part in parts[:-1]:
            if isinstance(part, str) and part not in target:
                target[part] = {}
            target = target[part]
        if value is DELETE:
            del target[parts[-1]]
        else:
            target[parts[-1]] = copy.deepcopy(value)

    return edit


def both(*edits: Edit) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        for one in edits:
            one(doc)

    return edit


def edited(edit: Edit, start: Callable[[], dict[str, Any]] = base) -> dict[str, Any]:
    doc = start()
    edit(doc)
    return doc
