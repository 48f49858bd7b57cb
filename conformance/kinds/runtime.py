"""The runtime kind: OCI runtimes driven through the RuntimeDriver Protocol (runc-style CLIs today)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from conformance import RUNTIME_SPEC_VERSION
from conformance.kinds import Subject, SubjectKind
from conformance.plugin.settings import Setting

if TYPE_CHECKING:
    from conformance.plugin.session import Session
    from conformance.runtime.bundle import BundleFactory
    from conformance.runtime.container import Janitor


@dataclass
class RuntimeWorkspace:
    """What the runtime tests of one pytest process share: bundles, the janitor, probe runs."""

    factory: BundleFactory
    janitor: Janitor
    probe_cache: dict[tuple[str, str], Any] = field(default_factory=dict)


class RuntimeKind(SubjectKind):
    name = "runtime"
    title = "runtime"
    fixture = "runtime"
    spec = "runtime-spec"
    spec_version = RUNTIME_SPEC_VERSION
    suite = "runtime"
    default_profile = "runtime-linux-must"
    fixtures_module = "conformance.runtime.fixtures"
    usage = "pass --runtime=PATH_OR_NAME (or set OCI_RUNTIME)"
    selector: ClassVar[Setting] = Setting(
        "runtime",
        "--runtime",
        "OCI_RUNTIME",
        multiple=True,
        help="runtime under test: a path or a name on PATH; repeat or comma-separate to "
        "run the suite once per runtime",
    )
    settings: ClassVar[tuple[Setting, ...]] = (
        Setting(
            "runtime_profile",
            "--runtime-profile",
            "OCI_RUNTIME_PROFILE",
            help="force a profile (runc, crun, runsc, generic) instead of detecting it from --version",
        ),
        Setting(
            "runtime_arg",
            "--runtime-arg",
            "OCI_RUNTIME_ARGS",
            multiple=True,
            help="extra global flag passed to every runtime call (repeatable)",
        ),
        Setting(
            "runtime_timeout",
            "--runtime-timeout",
            "OCI_RUNTIME_TIMEOUT",
            default=30.0,
            parse=float,
            help="seconds before a runtime call is killed (default 30)",
        ),
        Setting(
            "busybox",
            "--busybox",
            "OCI_BUSYBOX",
            help="static busybox for the container rootfs (default: busybox on PATH)",
        ),
    )

    def prepare(self, session: Session) -> None:
        from conformance.runtime.bundle import BundleFactory, check_busybox
        from conformance.runtime.container import Janitor

        busybox = check_busybox(session.value("busybox"))
        assert session.workdir is not None
        session.state[self.name] = RuntimeWorkspace(
            BundleFactory(session.workdir, busybox, worker=session.worker),
            Janitor(),
        )

    def open(self, value: str, session: Session) -> Subject:
        from conformance.runtime.drivers import open_runtime

        return open_runtime(
            value,
            profile=session.value("runtime_profile"),
            global_args=tuple(session.value("runtime_arg") or ()),
            timeout=session.value("runtime_timeout"),
        )

    def opened(self, label: str, subject: Subject, session: Session) -> None:
        assert session.workdir is not None
        root = session.workdir / "state" / label
        root.mkdir(parents=True)
        subject.state_root = root  # type: ignore[attr-defined]

    def close(self, session: Session) -> list[str]:
        workspace: RuntimeWorkspace | None = session.state.get(self.name)
        if workspace is None:
            return []
        return workspace.janitor.sweep(list(session.subjects_of(self).values()))  # type: ignore[arg-type]

    def tidy(self, session: Session) -> list[str]:
        """Cgroup directories named after this session's containers that a runtime left behind.

        Runs once stray processes are killed; a killed process may take a moment to leave its
        cgroup, so removal is retried briefly.
        """
        workspace: RuntimeWorkspace | None = session.state.get(self.name)
        if workspace is None or not workspace.janitor.created:
            return []
        from conformance.core import hostinfo
        from conformance.runtime import cgroups

        mountinfo = hostinfo.mountinfo()
        removed: list[str] = []
        for _ in range(20):
            removed += cgroups.remove_named(workspace.janitor.created, mountinfo)
            if not cgroups.find_named(workspace.janitor.created, mountinfo):
                break
            time.sleep(0.1)
        return [f"cgroup directory {path}" for path in removed]
