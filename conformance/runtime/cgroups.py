"""Reading a process's control groups from the host: cgroup v1 controllers and the v2 tree.

Everything takes the text of /proc/self/mountinfo and /proc/PID/cgroup and a root directory
as input, so the same code runs against the host and against a fake tree in unit tests.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Longest value kept of one cgroup file (stat files are long; limits are short).
FILE_LIMIT = 16384
#: Key of the unified (v2) hierarchy in the maps below.
UNIFIED = "unified"


@dataclass(frozen=True)
class Hierarchy:
    """One mounted cgroup hierarchy: where it is, its version and its controllers."""

    mount_point: Path
    version: int
    controllers: tuple[str, ...]
    #: The hierarchy's directory shown at the mount point (mountinfo field 4), usually "/".
    root: str = "/"


def hierarchies(mountinfo: str) -> list[Hierarchy]:
    """Every cgroup and cgroup2 mount in mountinfo text, later mounts over earlier ones."""
    found: dict[str, Hierarchy] = {}
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if not sep or len(fields) < 5 or len(rest) < 3 or rest[0] not in ("cgroup", "cgroup2"):
            continue
        if rest[0] == "cgroup2":
            found[fields[4]] = Hierarchy(Path(fields[4]), 2, (UNIFIED,), fields[3])
            continue
        options = rest[2].split(",")
        controllers = tuple(
            o for o in options if o not in ("rw", "ro") and "=" not in o and not o.startswith("x")
        )
        named = tuple(o for o in options if o.startswith("name="))
        found[fields[4]] = Hierarchy(Path(fields[4]), 1, controllers + named, fields[3])
    return list(found.values())


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """`/proc/PID/cgroup` -> controller (or "name=...", or UNIFIED for v2's "0::") -> path."""
    paths: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if not controllers:
            paths[UNIFIED] = path
            continue
        for controller in controllers.split(","):
            paths[controller] = path
    return paths


def read_files(directory: Path) -> dict[str, str]:
    """The readable regular files of one cgroup directory, values stripped (unreadable: skipped)."""
    values: dict[str, str] = {}
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return values
    for name in names:
        path = directory / name
        try:
            if not path.is_file():
                continue
            with open(path, "rb") as handle:
                values[name] = handle.read(FILE_LIMIT).decode("utf-8", "replace").strip()
        except OSError:
            continue
    return values


@dataclass
class CgroupView:
    """A process's cgroups as the host sees them: per controller, the directory and its files."""

    paths: dict[str, str] = field(default_factory=dict)
    dirs: dict[str, str] = field(default_factory=dict)
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    version: str = "none"

    def as_dict(self) -> dict[str, object]:
        return {"version": self.version, "paths": self.paths, "dirs": self.dirs, "files": self.files}


def resolve(proc_cgroup: str, mountinfo: str, *, prefix: Path = Path("/")) -> CgroupView:
    """Resolve a process's cgroup paths to host directories, without reading their files.

    `prefix` re-roots every mount point (a fake tree in tests); the host uses "/".
    """
    view = CgroupView(paths=parse_proc_cgroup(proc_cgroup))
    mounted = hierarchies(mountinfo)
    versions = {h.version for h in mounted if h.controllers and h.controllers != ("name=systemd",)}
    view.version = {frozenset({1}): "v1", frozenset({2}): "v2", frozenset({1, 2}): "hybrid"}.get(
        frozenset(versions), "none"
    )
    for hierarchy in mounted:
        for controller in hierarchy.controllers:
            path = view.paths.get(controller)
            if path is None or controller in view.dirs:
                continue
            relative = os.path.relpath(path, hierarchy.root) if hierarchy.root != "/" else path.lstrip("/")
            view.dirs[controller] = str(prefix / str(hierarchy.mount_point).lstrip("/") / relative)
    return view


def observe(proc_cgroup: str, mountinfo: str, *, prefix: Path = Path("/")) -> CgroupView:
    """Resolve a process's cgroup paths to host directories and read their files."""
    view = resolve(proc_cgroup, mountinfo, prefix=prefix)
    for controller, directory in view.dirs.items():
        view.files[controller] = read_files(Path(directory))
    return view


def find_named(names: set[str], mountinfo: str, *, depth: int = 6, prefix: Path = Path("/")) -> list[Path]:
    """Cgroup directories whose name is in `names`, in every mounted hierarchy, deepest first."""
    found = []
    for hierarchy in hierarchies(mountinfo):
        top = prefix / str(hierarchy.mount_point).lstrip("/")
        for current, dirs, _ in os.walk(top):
            if len(Path(current).relative_to(top).parts) >= depth:
                dirs[:] = []
            found += [Path(current) / d for d in dirs if d in names]
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def remove_named(names: set[str], mountinfo: str, *, depth: int = 6, prefix: Path = Path("/")) -> list[str]:
    """Remove cgroup directories whose name is in `names`, in every mounted hierarchy.

    For what a runtime left behind after its containers were deleted: a directory still
    holding a process cannot be removed and is left (rmdir fails); its children go first.
    """
    removed = []
    for directory in find_named(names, mountinfo, depth=depth, prefix=prefix):
        for child in sorted(directory.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if child.is_dir():
                with contextlib.suppress(OSError):
                    child.rmdir()
        try:
            directory.rmdir()
        except OSError:
            continue
        removed.append(str(directory))
    return removed


# -- one vocabulary for v1 and v2 limits ------------------------------------------------------

#: v1 reads an unset memory limit as PAGE_COUNTER_MAX pages (9223372036854771712 on 4 KiB pages);
#: any value this large means "no limit", which the spec writes as -1.
_V1_UNLIMITED = 1 << 62


def shares_to_weight(shares: int) -> int:
    """cpu.shares (v1, 2..262144) -> cpu.weight (v2, 1..10000), the conversion runc and crun document.

    From runc's docs/cgroup-v2.md (and crun's crun.1 "CPU controller"): weight = 1 + ((shares - 2)
    * 9999) / 262142, integer division. Newer releases of both may use another mapping; a
    normalized expectation on a v2 host holds for runtimes using this one.
    """
    return 1 + ((shares - 2) * 9999) // 262142


def _int(text: str | None) -> int | None:
    """A limit file's value as an int: "max" (and v1's huge "unlimited") -> -1; unreadable -> None."""
    if text is None:
        return None
    text = text.strip()
    if text == "max":
        return -1
    try:
        value = int(text)
    except ValueError:
        return None
    return -1 if value >= _V1_UNLIMITED else value


def _keyed(text: str | None) -> dict[str, str]:
    """Lines "KEY VALUE..." (device rules, ifpriomap, stat-like files) -> {KEY: "VALUE..."}."""
    rows: dict[str, str] = {}
    for line in (text or "").splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            rows[key] = value.strip()
    return rows


def _settings(text: str) -> dict[str, str]:
    """ "rbps=1 wbps=max" -> {"rbps": "1", "wbps": "max"}."""
    return dict(word.split("=", 1) for word in text.split() if "=" in word)


def _put(section: dict[str, Any], key: str, value: Any) -> None:
    """Record a value that could be read; absent files leave the key out."""
    if value is not None and value != {}:
        section[key] = value


def limits(view: CgroupView) -> dict[str, Any]:
    """The container's cgroup settings in the spec's own vocabulary, whichever cgroup version.

    Keys follow `linux.resources` of config.json and values its units (bytes, microseconds,
    "-1" for no limit), read from v1 controller files or, where a v1 controller is not there,
    from the v2 (unified) directory:

      memory.limit         memory.limit_in_bytes         | memory.max
      memory.reservation   memory.soft_limit_in_bytes    | memory.low
      memory.swap          memory.memsw.limit_in_bytes   | memory.max + memory.swap.max
      memory.kernel / kernelTCP / swappiness / disableOOMKiller / useHierarchy: v1 only
      cpu.shares           cpu.shares (v1 only)
      cpu.weight           cpu.weight | shares_to_weight(cpu.shares)
      cpu.quota, period    cpu.cfs_quota_us, cpu.cfs_period_us | cpu.max "QUOTA PERIOD"
      cpu.burst            cpu.cfs_burst_us              | cpu.max.burst
      cpu.realtimeRuntime / realtimePeriod: v1 only (cpu.rt_runtime_us, cpu.rt_period_us)
      cpu.idle             cpu.idle (both)
      cpu.cpus, cpu.mems   cpuset.cpus, cpuset.mems (both)
      blockIO.weight       blkio.weight or blkio.bfq.weight | io.bfq.weight "default N"
      blockIO.leafWeight   blkio.leaf_weight (v1, CFQ only)
      blockIO.weightDevice {"MAJ:MIN": weight}   blkio[.bfq].weight_device | io.bfq.weight lines
      blockIO.throttle{Read,Write}{Bps,IOPS}Device {"MAJ:MIN": rate}
                           blkio.throttle.*_device       | io.max rbps/wbps/riops/wiops
      pids.limit           pids.max (both)
      hugepageLimits       {"2MB": limit}  hugetlb.2MB.limit_in_bytes | hugetlb.2MB.max
      hugepageReservations {"2MB": limit}  hugetlb.2MB.rsvd.limit_in_bytes | hugetlb.2MB.rsvd.max
      network.classID / priorities {name: prio}: net_cls.classid, net_prio.ifpriomap (v1 only)
      rdma                 {"dev": {"hcaHandles": n, "hcaObjects": n}}  rdma.max (both)
      devices              the v1 devices.list rules (v2 uses an eBPF program, not readable)

    A setting whose file is absent is left out, so "not applied" and "cannot be read" differ
    from a value.
    """
    unified = view.files.get(UNIFIED, {})

    def v1(controller: str, name: str) -> str | None:
        return view.files.get(controller, {}).get(name)

    def pick(controller: str, v1_name: str, v2_name: str) -> str | None:
        """The v1 file where that controller is a v1 hierarchy, else the v2 file."""
        value = v1(controller, v1_name)
        return value if value is not None else unified.get(v2_name)

    out: dict[str, Any] = {}

    memory: dict[str, Any] = {}
    _put(memory, "limit", _int(pick("memory", "memory.limit_in_bytes", "memory.max")))
    _put(memory, "reservation", _int(pick("memory", "memory.soft_limit_in_bytes", "memory.low")))
    swap = _int(v1("memory", "memory.memsw.limit_in_bytes"))
    if swap is None and "memory.swap.max" in unified:
        swap_only, limit = _int(unified["memory.swap.max"]), _int(unified.get("memory.max"))
        if swap_only == -1 or limit == -1:
            swap = -1
        elif swap_only is not None and limit is not None:
            swap = swap_only + limit
    _put(memory, "swap", swap)
    _put(memory, "kernel", _int(v1("memory", "memory.kmem.limit_in_bytes")))
    _put(memory, "kernelTCP", _int(v1("memory", "memory.kmem.tcp.limit_in_bytes")))
    _put(memory, "swappiness", _int(v1("memory", "memory.swappiness")))
    oom = _keyed(v1("memory", "memory.oom_control")).get("oom_kill_disable")
    _put(memory, "disableOOMKiller", None if oom is None else oom == "1")
    hierarchy = v1("memory", "memory.use_hierarchy")
    _put(memory, "useHierarchy", None if hierarchy is None else hierarchy == "1")
    _put(out, "memory", memory)

    cpu: dict[str, Any] = {}
    shares = _int(v1("cpu", "cpu.shares"))
    _put(cpu, "shares", shares)
    weight = _int(unified.get("cpu.weight")) if shares is None else shares_to_weight(shares)
    _put(cpu, "weight", weight)
    quota, period = _int(v1("cpu", "cpu.cfs_quota_us")), _int(v1("cpu", "cpu.cfs_period_us"))
    if quota is None and period is None and "cpu.max" in unified:
        words = unified["cpu.max"].split()
        quota = _int(words[0]) if words else None
        period = _int(words[1]) if len(words) > 1 else None
    _put(cpu, "quota", quota)
    _put(cpu, "period", period)
    _put(cpu, "burst", _int(pick("cpu", "cpu.cfs_burst_us", "cpu.max.burst")))
    _put(cpu, "realtimeRuntime", _int(v1("cpu", "cpu.rt_runtime_us")))
    _put(cpu, "realtimePeriod", _int(v1("cpu", "cpu.rt_period_us")))
    _put(cpu, "idle", _int(pick("cpu", "cpu.idle", "cpu.idle")))
    _put(cpu, "cpus", pick("cpuset", "cpuset.cpus", "cpuset.cpus"))
    _put(cpu, "mems", pick("cpuset", "cpuset.mems", "cpuset.mems"))
    _put(out, "cpu", cpu)

    block: dict[str, Any] = {}
    weight_file = v1("blkio", "blkio.weight") or v1("blkio", "blkio.bfq.weight")
    if weight_file is None and "io.bfq.weight" in unified:
        weight_file = _keyed(unified["io.bfq.weight"]).get("default")
    _put(block, "weight", _int(weight_file))
    _put(block, "leafWeight", _int(v1("blkio", "blkio.leaf_weight")))
    devices_text = v1("blkio", "blkio.weight_device") or v1("blkio", "blkio.bfq.weight_device")
    if devices_text is None:
        devices_text = unified.get("io.bfq.weight")
    per_device = {k: _int(v) for k, v in _keyed(devices_text).items() if k != "default"}
    _put(block, "weightDevice", {k: v for k, v in per_device.items() if v is not None})
    io_max = {k: _settings(v) for k, v in _keyed(unified.get("io.max")).items()}
    for field_name, v1_name, v2_key in (
        ("throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps"),
        ("throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps"),
        ("throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops"),
        ("throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops"),
    ):
        text = v1("blkio", v1_name)
        if text is not None:
            rates = {k: _int(v) for k, v in _keyed(text).items()}
        else:
            rates = {k: _int(v.get(v2_key)) for k, v in io_max.items() if v.get(v2_key, "max") != "max"}
        _put(block, field_name, {k: v for k, v in rates.items() if v is not None})
    _put(out, "blockIO", block)

    pids: dict[str, Any] = {}
    _put(pids, "limit", _int(pick("pids", "pids.max", "pids.max")))
    _put(out, "pids", pids)

    huge: dict[str, int] = {}
    reserved: dict[str, int] = {}
    for name, value in {**unified, **view.files.get("hugetlb", {})}.items():
        parts = name.split(".")
        if len(parts) < 3 or parts[0] != "hugetlb" or _int(value) is None:
            continue
        if parts[2:] in (["limit_in_bytes"], ["max"]):
            huge[parts[1]] = _int(value)  # type: ignore[assignment]
        elif parts[2:] in (["rsvd", "limit_in_bytes"], ["rsvd", "max"]):
            reserved[parts[1]] = _int(value)  # type: ignore[assignment]
    _put(out, "hugepageLimits", huge)
    _put(out, "hugepageReservations", reserved)

    network: dict[str, Any] = {}
    _put(network, "classID", _int(v1("net_cls", "net_cls.classid")))
    priorities = _keyed(v1("net_prio", "net_prio.ifpriomap"))
    _put(network, "priorities", {k: _int(v) for k, v in priorities.items() if _int(v) is not None})
    _put(out, "network", network)

    rdma: dict[str, Any] = {}
    for device, text in _keyed(pick("rdma", "rdma.max", "rdma.max")).items():
        values = _settings(text)
        entry: dict[str, Any] = {}
        _put(entry, "hcaHandles", _int(values.get("hca_handle")))
        _put(entry, "hcaObjects", _int(values.get("hca_object")))
        rdma[device] = entry
    _put(out, "rdma", rdma)

    rules = v1("devices", "devices.list")
    if rules is not None:
        out["devices"] = [line.strip() for line in rules.splitlines() if line.strip()]
    return out
