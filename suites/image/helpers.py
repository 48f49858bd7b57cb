"""What the image tests share: building vectors, running a role, proving nothing escaped."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.core.asserts import skip_unsupported
from conformance.image.tools import ImageTool
from conformance.image.validator import rule_results, validate_layout
from conformance.report.results import VALIDATOR_RULES

REF = "latest"
#: Host paths an unsafe layer aims at; none may be created or linked by a consumer.
ESCAPE_TARGETS = (Path("/etc/escape"),)


def require_role(tool: ImageTool, role: str, requirements) -> None:
    if not tool.supports(role):
        skip_unsupported(requirements, f"{tool.name} has no {role} role in this suite")


@dataclass
class Surroundings:
    """The throwaway parent of a test's work directory, as it was before the tool ran."""

    parent: Path
    before: dict[str, tuple[int, int]]
    host_escapes: dict[Path, bool]

    @classmethod
    def record(cls, work: Path) -> Surroundings:
        parent = work.parent
        before = {p.name: _identity(p) for p in parent.iterdir() if p != work}
        return cls(parent, before, {path: path.exists() for path in ESCAPE_TARGETS})

    def changes(self, work: Path, target: Path) -> list[str]:
        """What the tool changed outside `target` (its rootfs): beside the work dir or on the host."""
        found = []
        now = {p.name: _identity(p) for p in self.parent.iterdir() if p != work}
        for name in sorted(now.keys() | self.before.keys()):
            if name not in now:
                found.append(f"deleted {self.parent / name}")
            elif name not in self.before:
                found.append(f"created {self.parent / name}")
            elif now[name] != self.before[name]:
                found.append(f"modified {self.parent / name}")
        for path, existed in self.host_escapes.items():
            if path.exists() and not existed:
                found.append(f"created {path} on the host")
                path.unlink()
        for dirpath, dirnames, filenames in os.walk(work):
            if Path(dirpath) == target or target in Path(dirpath).parents:
                continue
            for name in filenames + dirnames:
                if "escape" in name:
                    found.append(f"created {Path(dirpath) / name} outside the rootfs")
        return found


def _identity(path: Path) -> tuple[int, int]:
    st = path.lstat()
    return (st.st_ino, st.st_mtime_ns)


def validate_output(request: pytest.FixtureRequest, layout: Path) -> list[str]:
    """Validate a layout the tool wrote; its errors, one line each.

    The rules that ran (and whether each found something) are recorded on the test, so results.json
    credits them to this tool's requirements; only layouts the tool itself wrote go through here.
    """
    report = validate_layout(layout)
    results = rule_results(report)
    request.node.user_properties.append(
        (VALIDATOR_RULES, " ".join(f"{c}={v}" for c, v in sorted(results.items())))
    )
    return [f"{f.requirement} {f.where} {f.path}: {f.message}" for f in report.errors]
