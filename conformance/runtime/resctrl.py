"""Reading Intel RDT (resctrl) groups from the host, for intelRdt checks.

Takes the resctrl mount point as input, so the same code runs on a real /sys/fs/resctrl and on
a fake tree in unit tests.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

#: Where resctrl is mounted on hosts that have it.
ROOT = Path("/sys/fs/resctrl")


@dataclass
class ResctrlGroup:
    """One group: whether it exists, its tasks, its schemata lines, its monitoring groups."""

    name: str
    exists: bool
    tasks: list[int] = field(default_factory=list)
    schemata: list[str] = field(default_factory=list)
    mon_groups: list[str] = field(default_factory=list)


def group_dir(name: str, root: Path = ROOT) -> Path:
    """closID "/" is the root group (the default class of service); any other name a directory."""
    return root if name.strip("/") == "" else root / name


def read_group(name: str, root: Path = ROOT) -> ResctrlGroup:
    directory = group_dir(name, root)
    if not directory.is_dir():
        return ResctrlGroup(name, exists=False)
    group = ResctrlGroup(name, exists=True)
    with contextlib.suppress(OSError):
        group.tasks = [int(word) for word in (directory / "tasks").read_text().split() if word.isdigit()]
    with contextlib.suppress(OSError):
        group.schemata = schema_lines((directory / "schemata").read_text())
    monitoring = directory / "mon_groups"
    if monitoring.is_dir():
        group.mon_groups = sorted(child.name for child in monitoring.iterdir() if child.is_dir())
    return group


def groups(root: Path = ROOT) -> list[str]:
    """The control groups below the root (the directories holding a schemata file)."""
    if not root.is_dir():
        return []
    return sorted(child.name for child in root.iterdir() if (child / "schemata").is_file())


def schema_lines(schema: str) -> list[str]:
    """The lines a schema string stands for, as resctrl shows them (one resource a line)."""
    return [line.strip() for line in schema.splitlines() if line.strip()]
