"""A private `podman system service` (the Docker-compatible API) on storage of its own.

Host facts (Debian 12, podman 4.3.1, cgroup v1, no systemd): `--cgroup-manager=cgroupfs` and
`--events-backend=file` are needed without systemd; the overlay storage driver works on the
suite's temp directory. Registries, storage and engine settings come from files of the suite's
own (CONTAINERS_REGISTRIES_CONF, CONTAINERS_STORAGE_CONF, CONTAINERS_CONF), so /etc/containers
is not read for them; the layout server's 127.0.0.1 is marked insecure there. Containers are
created with network mode none, so no CNI/netavark network (podman0, cni0) is set up.
Container rlimits: podman 4.3 puts RLIMIT_NOFILE and RLIMIT_NPROC (1048576 by default, or
containers.conf's default_ulimits) into every container's config.json, and the service lowers its
own RLIMIT_NPROC to 32768 at start (observed: a service started under 96365/96365 runs with
32768/32768). The OCI runtime, a child of the service, may not raise a hard limit without
CAP_SYS_RESOURCE, which the development host's bounding set lacks, so no container could start
(setrlimit RLIMIT_NPROC: EPERM). Containers are therefore created with explicit ulimits equal to
the service's own limits as it runs (`container_ulimits`): the limits the host already grants,
raised by no one. No check of conversion.md concerns rlimits (the image config has no field
that maps to them), so this judges the same conversion.
OCI runtime: runc. crun 1.8.1 refuses the host's cgroup v1 hybrid layout ("cgroups in hybrid mode
not supported"); the runtime only executes the config.json podman generated, which is what the
converter checks read.
runc keeps its container state below the private directory (`--runtime-flag=root=`), not in the
host's /run/runc (its default as root).
Generated runtime configs are at <graphroot>/overlay-containers/<id>/userdata/config.json.
"""

from __future__ import annotations

from pathlib import Path

from conformance.engine.daemons.process import DaemonProcess, process_limits

REGISTRIES = """unqualified-search-registries = []

[[registry]]
location = "127.0.0.1"
insecure = true
"""

STORAGE = """[storage]
driver = "overlay"
graphroot = "{root}/storage"
runroot = "{root}/run"
"""

CONTAINERS = """[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{root}/events.log"
tmp_dir = "{root}/tmp"
volume_path = "{root}/volumes"
static_dir = "{root}/storage/libpod"
network_config_dir = "{root}/networks"

[network]
network_config_dir = "{root}/networks"
"""


#: Where the system blob-info cache is, or the nearest existing parent to hide it under.
SYSTEM_CACHE_CANDIDATES = (Path("/var/lib/containers/cache"), Path("/var/lib/containers"), Path("/var/lib"))


class PodmanDaemon:
    def __init__(self, root: Path, executable: str = "podman") -> None:
        self.root = root
        self.executable = executable
        self.process = DaemonProcess("podman", root)
        self._limits: dict[str, tuple[int, int]] = {}

    @property
    def socket(self) -> Path:
        return self.root / "podman.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def env(self) -> dict[str, str]:
        return {
            "CONTAINERS_REGISTRIES_CONF": str(self.root / "registries.conf"),
            "CONTAINERS_STORAGE_CONF": str(self.root / "storage.conf"),
            "CONTAINERS_CONF": str(self.root / "containers.conf"),
            "TMPDIR": str(self.root / "tmp"),
        }

    def argv(self) -> list[str]:
        return [
            self.executable,
            f"--root={self.root / 'storage'}",
            f"--runroot={self.root / 'run'}",
            "--storage-driver=overlay",
            "--cgroup-manager=cgroupfs",
            "--events-backend=file",
            f"--tmpdir={self.root / 'tmp'}",
            f"--network-config-dir={self.root / 'networks'}",
            f"--volumepath={self.root / 'volumes'}",
            f"--runtime-flag=root={self.root / 'runc'}",
            "system",
            "service",
            "--time=0",
            self.url,
        ]

    def isolated(self, argv: list[str]) -> list[str]:
        """`argv` in a private mount namespace where the system blob-info cache is a private dir.

        podman 4.3 records blob digests in /var/lib/containers/cache (as root) whatever its
        --root says; a bind mount seen only by the suite's podman keeps the host's file untouched.
        Its container mounts stay in that namespace too and vanish with it.
        """
        target = next(p for p in SYSTEM_CACHE_CANDIDATES if p.is_dir())
        private = self.root / "system-cache"
        (private / "cache" if target != SYSTEM_CACHE_CANDIDATES[0] else private).mkdir(
            parents=True, exist_ok=True
        )
        script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
        return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "podman-ns",
                str(private), str(target), *argv]  # fmt: skip

    def start(self, timeout: float) -> None:
        for sub in ("tmp", "networks", "volumes"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "registries.conf").write_text(REGISTRIES)
        (self.root / "storage.conf").write_text(STORAGE.format(root=self.root))
        (self.root / "containers.conf").write_text(CONTAINERS.format(root=self.root))
        self.process.start(self.isolated(self.argv()), self.socket, timeout, env=self.env())
        assert self.process.proc is not None
        self._limits = process_limits(self.process.proc.pid)  # the wrapper exec()s podman: same pid

    def container_ulimits(self) -> dict[str, tuple[int, int]]:
        """nofile and nproc (soft, hard) for every container: the running service's own limits."""
        return dict(self._limits)

    def stop(self, timeout: float) -> list[str]:
        killed = self.process.stop(timeout)
        self.process.remove()
        return killed

    def config_path(self, container_id: str) -> Path:
        return self.root / "storage" / "overlay-containers" / container_id / "userdata" / "config.json"

    def storage(self) -> tuple[Path, ...]:
        return (self.root,)
