"""Per-process state of a conformance run: settings, the subjects of every kind, cleanup."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core import hostinfo
from conformance.core.workdirs import make_workdir
from conformance.kinds import Subject, SubjectKind, kinds
from conformance.plugin.settings import Resolved
from conformance.requirements import Catalog, load_catalog


def _unique(name: str, taken: dict) -> str:
    """`name`, or `name2`, `name3`... when the same subject is under test twice."""
    label, suffix = name, 2
    while label in taken:
        label, suffix = f"{name}{suffix}", suffix + 1
    return label


def kill_processes_mentioning(text: str) -> list[str]:
    """SIGKILL processes whose command line names `text` (the session's private directory).

    A runtime may leave helper processes behind (runsc's sandbox and gofer after a clobbered
    create); they carry the suite's --root in their arguments, so nothing else matches.
    """
    killed = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            with contextlib.suppress(OSError):
                os.kill(int(proc.name), signal.SIGKILL)
                killed.append(f"{proc.name} {cmdline[:120].strip()}")
    return killed


def unmount_below(directory: Path) -> None:
    """Lazily unmount anything a subject left mounted inside the session directory."""
    prefix = str(directory) + "/"
    lines = hostinfo.mountinfo().splitlines()
    points = [
        line.split()[4] for line in lines if len(line.split()) > 4 and line.split()[4].startswith(prefix)
    ]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, timeout=10, check=False)


@dataclass
class Session:
    """Everything one pytest process (controller or xdist worker) shares between tests."""

    settings: dict[str, Resolved]
    catalog: Catalog
    kinds: tuple[SubjectKind, ...] = ()
    #: Every subject under test by label, and the kind each label belongs to.
    subjects: dict[str, Subject] = field(default_factory=dict)
    kind_of: dict[str, SubjectKind] = field(default_factory=dict)
    #: What each kind keeps for its tests (by kind name), set up in SubjectKind.prepare.
    state: dict[str, Any] = field(default_factory=dict)
    workdir: Path | None = None
    worker: str = "main"
    kept: list[tuple[str, Path]] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    #: Processes a subject left running after its containers were deleted (killed at close).
    strays: list[str] = field(default_factory=list)
    #: Other things a subject left behind that the session removed (e.g. cgroup directories).
    removed: list[str] = field(default_factory=list)
    closed: bool = False

    def value(self, name: str) -> Any:
        return self.settings[name].value

    @property
    def active(self) -> bool:
        return bool(self.subjects)

    def subjects_of(self, kind: SubjectKind) -> dict[str, Subject]:
        return {label: s for label, s in self.subjects.items() if self.kind_of[label] is kind}

    @classmethod
    def open(cls, settings: dict[str, Resolved], registered: tuple[SubjectKind, ...] = ()) -> Session:
        """Open every subject the settings name; raises ConformanceError with one clear message."""
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        session = cls(settings=settings, catalog=load_catalog(), kinds=registered or kinds(), worker=worker)
        wanted = [(kind, settings[kind.selector.name].value or []) for kind in session.kinds]
        if not any(values for _, values in wanted):
            return session
        session.workdir = make_workdir(f"oci-conformance-{worker}-")
        try:
            for kind, values in wanted:
                if not values:
                    continue
                kind.prepare(session)
                for value in values:
                    subject = kind.open(value, session)
                    label = _unique(subject.name, session.subjects)
                    session.subjects[label] = subject
                    session.kind_of[label] = kind
                    kind.opened(label, subject, session)
        except BaseException:
            shutil.rmtree(session.workdir, ignore_errors=True)
            raise
        return session

    def close(self) -> None:
        """Let every kind remove what it created, then the work directory (kept bundles excepted)."""
        if not self.active or self.closed:
            return
        self.closed = True
        for kind in self.kinds:
            if self.subjects_of(kind):
                self.leftovers += kind.close(self)
        if self.workdir is None:
            return
        self.strays = kill_processes_mentioning(str(self.workdir))
        for kind in self.kinds:
            if self.subjects_of(kind):
                self.removed += kind.tidy(self)
        unmount_below(self.workdir)
        if self.kept:
            bundles = self.workdir / "bundles"
            keep = {path.name for _, path in self.kept}
            for child in bundles.iterdir() if bundles.exists() else ():
                if child.name.removesuffix(".io") not in keep:
                    shutil.rmtree(child, ignore_errors=True)
        elif not self.leftovers:
            shutil.rmtree(self.workdir, ignore_errors=True)
