"""Per-process state of a conformance run: settings, runtimes, bundles, cleanup."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from conformance.adapters.runtime import Runtime, open_runtime
from conformance.bundle import BundleFactory, check_busybox
from conformance.container import Janitor
from conformance.requirements import Catalog, load_catalog
from conformance.settings import Resolved


@dataclass
class RuntimeSession:
    """Everything one pytest process (controller or xdist worker) shares between tests."""

    settings: dict[str, Resolved]
    catalog: Catalog
    runtimes: dict[str, Runtime] = field(default_factory=dict)
    workdir: Path | None = None
    factory: BundleFactory | None = None
    janitor: Janitor = field(default_factory=Janitor)
    kept: list[tuple[str, Path]] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    probe_cache: dict[tuple[str, str], object] = field(default_factory=dict)
    closed: bool = False

    def value(self, name: str):
        return self.settings[name].value

    @property
    def active(self) -> bool:
        return bool(self.runtimes)

    @classmethod
    def open(cls, settings: dict[str, Resolved]) -> RuntimeSession:
        """Resolve the runtimes and busybox; raises ConformanceError with one clear message."""
        session = cls(settings=settings, catalog=load_catalog())
        specs = settings["runtime"].value or []
        if not specs:
            return session
        busybox = check_busybox(settings["busybox"].value)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        session.workdir = Path(tempfile.mkdtemp(prefix=f"oci-conformance-{worker}-"))
        try:
            session.factory = BundleFactory(session.workdir, busybox, worker=worker)
            for spec in specs:
                runtime = open_runtime(
                    spec,
                    profile=settings["runtime_profile"].value,
                    global_args=tuple(settings["runtime_arg"].value or ()),
                    timeout=settings["runtime_timeout"].value,
                )
                label = runtime.name
                suffix = 2
                while label in session.runtimes:
                    label, suffix = f"{runtime.name}{suffix}", suffix + 1
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
        if self.kept:
            bundles = self.workdir / "bundles"
            keep = {path.name for _, path in self.kept}
            for child in bundles.iterdir() if bundles.exists() else ():
                if child.name.removesuffix(".io") not in keep:
                    shutil.rmtree(child, ignore_errors=True)
        elif not self.leftovers:
            shutil.rmtree(self.workdir, ignore_errors=True)
