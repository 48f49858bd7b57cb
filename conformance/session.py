"""Per-process state of a conformance run: settings, runtimes, bundles, cleanup."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from conformance.adapters.image import ImageTool, open_tool
from conformance.adapters.runtime import Runtime, open_runtime
from conformance.bundle import BundleFactory, check_busybox
from conformance.container import Janitor
from conformance.requirements import Catalog, load_catalog
from conformance.settings import Resolved


def _unique(name: str, taken: dict) -> str:
    """`name`, or `name2`, `name3`... when the same kind is under test twice."""
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
    """Lazily unmount anything a runtime left mounted inside the session directory."""
    prefix = str(directory) + "/"
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return
    points = [
        line.split()[4] for line in lines if len(line.split()) > 4 and line.split()[4].startswith(prefix)
    ]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, timeout=10, check=False)


@dataclass
class RuntimeSession:
    """Everything one pytest process (controller or xdist worker) shares between tests."""

    settings: dict[str, Resolved]
    catalog: Catalog
    runtimes: dict[str, Runtime] = field(default_factory=dict)
    image_tools: dict[str, ImageTool] = field(default_factory=dict)
    workdir: Path | None = None
    factory: BundleFactory | None = None
    janitor: Janitor = field(default_factory=Janitor)
    kept: list[tuple[str, Path]] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    probe_cache: dict[tuple[str, str], object] = field(default_factory=dict)
    #: Processes a runtime left running after its containers were deleted (killed at close).
    strays: list[str] = field(default_factory=list)
    closed: bool = False

    def value(self, name: str):
        return self.settings[name].value

    @property
    def active(self) -> bool:
        return bool(self.runtimes or self.image_tools)

    @property
    def subjects(self) -> dict[str, Runtime | ImageTool]:
        """Everything under test, by label (runtimes and image tools)."""
        return {**self.runtimes, **self.image_tools}

    @classmethod
    def open(cls, settings: dict[str, Resolved]) -> RuntimeSession:
        """Resolve runtimes, image tools and busybox; raises ConformanceError with one clear message."""
        session = cls(settings=settings, catalog=load_catalog())
        specs = settings["runtime"].value or []
        tools = settings["image_tool"].value or []
        if not specs and not tools:
            return session
        busybox = check_busybox(settings["busybox"].value) if specs else None
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        session.workdir = Path(tempfile.mkdtemp(prefix=f"oci-conformance-{worker}-"))
        try:
            for spec in tools:
                tool = open_tool(spec, workdir=session.workdir, timeout=settings["image_tool_timeout"].value)
                session.image_tools[_unique(tool.name, session.image_tools)] = tool
            if busybox is not None:
                session.factory = BundleFactory(session.workdir, busybox, worker=worker)
            for spec in specs:
                runtime = open_runtime(
                    spec,
                    profile=settings["runtime_profile"].value,
                    global_args=tuple(settings["runtime_arg"].value or ()),
                    timeout=settings["runtime_timeout"].value,
                )
                label = _unique(runtime.name, session.runtimes)
                runtime.state_root = session.workdir / "state" / label
                runtime.state_root.mkdir(parents=True)
                session.runtimes[label] = runtime
        except BaseException:
            shutil.rmtree(session.workdir, ignore_errors=True)
            raise
        return session

    def close(self) -> None:
        """Remove every container left, then the work directory (kept bundles excepted)."""
        if not self.active or self.closed:
            return
        self.closed = True
        self.leftovers = self.janitor.sweep(list(self.runtimes.values()))
        if self.workdir is None:
            return
        self.strays = kill_processes_mentioning(str(self.workdir))
        unmount_below(self.workdir)
        if self.kept:
            bundles = self.workdir / "bundles"
            keep = {path.name for _, path in self.kept}
            for child in bundles.iterdir() if bundles.exists() else ():
                if child.name.removesuffix(".io") not in keep:
                    shutil.rmtree(child, ignore_errors=True)
        elif not self.leftovers:
            shutil.rmtree(self.workdir, ignore_errors=True)
