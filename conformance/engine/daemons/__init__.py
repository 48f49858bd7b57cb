"""Private engine daemons: each module starts one engine on paths of the suite's own.

Every daemon keeps its socket, data root, exec/run root, pid file and state below one directory
of the session (`session.workdir/<engine name>`), listens on a unix socket only, sets up no
bridge, no CNI network and no iptables rules, and is stopped (process group, then anything
naming its directory) with its mounts and directory removed at the end of the session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Daemon(Protocol):
    """A daemon the suite started: where it answers and where it keeps generated runtime configs."""

    #: unix:// URL of its API socket (the Docker API for docker and podman, gRPC for containerd).
    url: str
    root: Path

    def start(self, timeout: float) -> None: ...

    def stop(self, timeout: float) -> list[str]:
        """Stop it and remove its directory; returns processes that had to be killed by name."""

    def config_path(self, container_id: str) -> Path:
        """Where the runtime config.json of a started container lies while it runs."""

    def container_ulimits(self) -> dict[str, tuple[int, int]]:
        """Ulimits (soft, hard) to give every container so that it can start on this host; {} for none."""

    def storage(self) -> tuple[Path, ...]:
        """Directories it writes its images and containers to."""
