"""A private containerd: its own config.toml, root, state, gRPC socket and opt directory.

Host facts (Debian 12, containerd 1.6.20): the CRI plugin is disabled (no CNI, no bridge); the
`opt` plugin would otherwise create /opt/containerd, so its path is set below the private root;
the overlayfs snapshotter works on the suite's temp directory (tmpfs or ext4). containerd writes
shim sockets to /run/containerd/s (hard-coded in 1.6): it runs in a private mount namespace whose
/run/containerd is its own (daemons/namespace.py), so the host's /run is never written.
"""

from __future__ import annotations

from pathlib import Path

from conformance.engine.daemons.namespace import private_run
from conformance.engine.daemons.process import DaemonProcess

CONFIG = """version = 2
root = "{root}/root"
state = "{root}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{root}/containerd.sock"

[ttrpc]
  address = "{root}/containerd.sock.ttrpc"

[debug]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{root}/opt"
"""


class ContainerdDaemon:
    """containerd started by the suite; the docker daemon uses one too (namespace `moby`)."""

    def __init__(self, root: Path, executable: str = "containerd", namespace: str = "default") -> None:
        self.root = root
        self.executable = executable
        self.namespace = namespace
        self.process = DaemonProcess("containerd", root)

    @property
    def socket(self) -> Path:
        return self.root / "containerd.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        config = self.root / "config.toml"
        config.write_text(CONFIG.format(root=self.root))
        argv = private_run([self.executable, "--config", str(config)], self.root / "host-run")
        self.process.start(argv, self.socket, timeout)

    @property
    def pid(self) -> int:
        """The daemon's pid (the namespace wrapper exec()s containerd: the same process)."""
        assert self.process.proc is not None, "containerd not started"
        return self.process.proc.pid

    def stop(self, timeout: float) -> list[str]:
        killed = self.process.stop(timeout)
        self.process.remove()
        return killed

    def config_path(self, container_id: str) -> Path:
        return (
            self.root
            / "state"
            / "io.containerd.runtime.v2.task"
            / self.namespace
            / container_id
            / "config.json"
        )

    def storage(self) -> tuple[Path, ...]:
        return (self.root,)
