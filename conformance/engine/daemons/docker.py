"""A private dockerd on a private containerd, both below one directory of the session.

Host facts (Debian 12, docker.io 20.10.24, cgroup v1 hybrid, no systemd): overlay2 works on the
suite's temp directory; `--bridge=none --iptables=false --ip6tables=false --ip-forward=false
--ip-masq=false` create no docker0 and no iptables rules; `--exec-opt native.cgroupdriver=cgroupfs`
(no systemd). By default dockerd 20.10 writes /etc/docker/key.json, and
without `--config-file` it reads /etc/docker/daemon.json; a private daemon.json sets
`deprecated-key-path` (a daemon.json key only, no flag in 20.10) below the private root.
dockerd always creates /run/docker/plugins (hard-coded); it is removed again if the suite's
daemon created it. dockerd joins its containerd's private mount namespace (daemons/namespace.py),
so the network namespaces it bind-mounts below /run/docker are seen by the runc containerd
starts, and a /run/docker the host lacks is created only there. Generated runtime configs are
in the private containerd's state directory, namespace `moby`.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from conformance.engine.daemons.containerd import ContainerdDaemon
from conformance.engine.daemons.namespace import joined
from conformance.engine.daemons.process import DaemonProcess

#: dockerd's hard-coded plugin socket directory (not below --exec-root in 20.10).
PLUGINS_DIR = Path("/run/docker/plugins")
DOCKER_NAMESPACE = "moby"


class DockerDaemon:
    def __init__(self, root: Path, executable: str = "dockerd", containerd: str = "containerd") -> None:
        self.root = root
        self.executable = executable
        self.containerd = ContainerdDaemon(root / "containerd", containerd, namespace=DOCKER_NAMESPACE)
        self.process = DaemonProcess("dockerd", root)
        self._created_plugins_dir = False

    @property
    def socket(self) -> Path:
        return self.root / "docker.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def argv(self) -> list[str]:
        return [
            self.executable,
            f"--host={self.url}",
            f"--data-root={self.root / 'data'}",
            f"--exec-root={self.root / 'exec'}",
            f"--pidfile={self.root / 'docker.pid'}",
            f"--config-file={self.root / 'daemon.json'}",
            f"--containerd={self.containerd.socket}",
            "--bridge=none",
            "--iptables=false",
            "--ip6tables=false",
            "--ip-forward=false",
            "--ip-masq=false",
            "--userland-proxy=false",
            "--storage-driver=overlay2",
            "--exec-opt=native.cgroupdriver=cgroupfs",
            "--insecure-registry=127.0.0.0/8",
        ]

    def start(self, timeout: float) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "daemon.json").write_text(
            json.dumps({"deprecated-key-path": str(self.root / "key.json")})
        )
        self._created_plugins_dir = not PLUGINS_DIR.parent.exists()
        self.containerd.start(timeout)
        try:
            self.process.start(joined(self.containerd.pid, self.argv()), self.socket, timeout)
        except BaseException:
            self.containerd.stop(timeout)
            raise

    def stop(self, timeout: float) -> list[str]:
        killed = self.process.stop(timeout)
        killed += self.containerd.stop(timeout)
        self.process.remove()
        if self._created_plugins_dir:
            with contextlib.suppress(OSError):
                PLUGINS_DIR.rmdir()
                PLUGINS_DIR.parent.rmdir()
        return killed

    def config_path(self, container_id: str) -> Path:
        return self.containerd.config_path(container_id)

    def container_ulimits(self) -> dict[str, tuple[int, int]]:
        """None: dockerd's containers inherit the limits of its containerd, which the host grants."""
        return {}

    def storage(self) -> tuple[Path, ...]:
        return (self.root,)
