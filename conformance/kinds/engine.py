"""The engine kind: container engines (Docker Engine, Podman, containerd) pulling and running images.

Each pytest process (controller or xdist worker) opens its engines, but a private daemon is
started only when a test first needs it, so under `-n 2` every worker runs its own daemons below
its own work directory and the controller runs none. Containers, images and cgroup directories
carry a per-process token, so a shared machine's own engines and other workers are never touched.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from conformance import IMAGE_SPEC_VERSION
from conformance.kinds import Subject, SubjectKind
from conformance.plugin.settings import Setting

if TYPE_CHECKING:
    from conformance.distribution.layout_server import LayoutServer
    from conformance.plugin.session import Session


@dataclass
class EngineWorkspace:
    """What the engine tests of one pytest process share: its token and the layout server."""

    token: str
    server: LayoutServer | None = None
    closed: list[str] = field(default_factory=list)

    def layout_server(self) -> LayoutServer:
        if self.server is None:
            from conformance.distribution.layout_server import LayoutServer

            self.server = LayoutServer()
        return self.server


class EngineKind(SubjectKind):
    name = "engine"
    title = "engine"
    fixture = "engine"
    spec = "image-spec"
    spec_version = IMAGE_SPEC_VERSION
    suite = "engine"
    default_profile = "engine-image-must"
    fixtures_module = "conformance.engine.fixtures"
    usage = "pass --engine=docker|podman|containerd|unix:///path.sock (or set OCI_ENGINE)"
    selector: ClassVar[Setting] = Setting(
        "engine",
        "--engine",
        "OCI_ENGINE",
        multiple=True,
        help="container engine under test: docker, podman or containerd (a private daemon the "
        "suite starts and stops) or unix:///path.sock (a running Docker-API engine); repeat or "
        "comma-separate to run the engine suite once per engine",
    )
    settings: ClassVar[tuple[Setting, ...]] = (
        Setting(
            "engine_timeout",
            "--engine-timeout",
            "OCI_ENGINE_TIMEOUT",
            default=60.0,
            parse=float,
            help="seconds before a daemon start or stop, an API call or a ctr call is abandoned (default 60)",
        ),
    )

    def prepare(self, session: Session) -> None:
        session.state[self.name] = EngineWorkspace(token=secrets.token_hex(4))

    def open(self, value: str, session: Session) -> Subject:
        from conformance.engine import open_engine

        assert session.workdir is not None
        workspace: EngineWorkspace = session.state[self.name]
        return open_engine(value, workdir=session.workdir, token=workspace.token,
                           timeout=session.value("engine_timeout"))  # fmt: skip

    def close(self, session: Session) -> list[str]:
        """Remove the session's containers and images, stop private daemons, stop the server."""
        workspace: EngineWorkspace | None = session.state.get(self.name)
        left: list[str] = []
        for engine in session.subjects_of(self).values():
            try:
                left += engine.close()  # type: ignore[attr-defined]
            except Exception as exc:
                left.append(f"engine {engine.name}: {exc}")
        if workspace is not None and workspace.server is not None:
            workspace.server.close()
            workspace.server = None
        return left

    def tidy(self, session: Session) -> list[str]:
        """Cgroup directories named after this process's token (the engines' cgroup parent)."""
        workspace: EngineWorkspace | None = session.state.get(self.name)
        if workspace is None:
            return []
        from conformance.core import hostinfo
        from conformance.runtime import cgroups

        names = {f"oci-conformance-{workspace.token}"}
        return [f"cgroup directory {p}" for p in cgroups.remove_named(names, hostinfo.mountinfo(), depth=2)]
