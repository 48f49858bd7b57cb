"""Host-side readers beside the probe: what the host sees of a container's process.

The probe reports from inside; these read /proc/PID and the cgroup filesystem from outside,
while the container is created (its namespaces, cgroups and mounts exist, its program has not
run). Host facts (which features this kernel and machine offer) live here too, so a case can
name what it needs and be skipped with the host fact when it is missing.
"""

from __future__ import annotations

import functools
import os
import platform
from collections.abc import Callable
from typing import Any

from conformance.core import command, hostinfo
from conformance.runtime import cgroups


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return None


def _status(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def observe(pid: int) -> dict[str, Any]:
    """What the host sees of process `pid`: namespaces, cgroups (raw and as `limits`), status, mounts."""
    base = f"/proc/{pid}"
    namespaces = {}
    for name in sorted(os.listdir(f"{base}/ns")) if os.path.isdir(f"{base}/ns") else ():
        try:
            namespaces[name] = os.readlink(f"{base}/ns/{name}")
        except OSError:
            continue
    view = cgroups.observe(_read(f"{base}/cgroup") or "", hostinfo.mountinfo())
    return {
        "pid": pid,
        "namespaces": namespaces,
        "cgroup": view.as_dict(),
        "limits": cgroups.limits(view),
        "status": _status(_read(f"{base}/status") or ""),
        "mountinfo": _read(f"{base}/mountinfo") or "",
        "uid_map": (_read(f"{base}/uid_map") or "").split("\n"),
        "gid_map": (_read(f"{base}/gid_map") or "").split("\n"),
    }


def container_cgroup_dirs_left(outside: dict[str, Any]) -> list[str]:
    """The container's cgroup directories that still exist, other than ones the suite itself is in.

    A directory holding the suite's own process (a hierarchy root, a shared parent) was never
    the container's to remove.
    """
    own = cgroups.resolve(_read("/proc/self/cgroup") or "", hostinfo.mountinfo()).dirs.values()
    left = set()
    for directory in outside["cgroup"]["dirs"].values():
        shared = any(mine == directory or mine.startswith(directory + "/") for mine in own)
        if not shared and os.path.isdir(directory):
            left.add(directory)
    return sorted(left)


def wait_exit(pid: int, timeout: float) -> bool:
    """Wait for any process (not only a child) to exit, through a pidfd; True when it did
    (False also where the host gives no pidfd: callers then fall back to polling the runtime)."""
    return command.wait_exit(pid, timeout) is True


def alive(pid: int) -> bool:
    """Whether a process exists (and is not a zombie)."""
    status = _read(f"/proc/{pid}/status")
    return status is not None and "\nState:\tZ" not in status


# -- host features a case can require ---------------------------------------------------------


def _cgroup_controller(name: str) -> tuple[bool, str]:
    mounted = {c for h in cgroups.hierarchies(hostinfo.mountinfo()) for c in h.controllers}
    if name in mounted:
        return True, ""
    return (
        False,
        f"the host has no cgroup controller {name!r} mounted (mounted: {', '.join(sorted(mounted))})",
    )


def _file_exists(path: str, what: str) -> Callable[[], tuple[bool, str]]:
    return lambda: (
        (True, "") if os.path.exists(path) else (False, f"the host has no {what} ({path} is absent)")
    )


def _cgroup_version(version: str) -> Callable[[], tuple[bool, str]]:
    def check() -> tuple[bool, str]:
        mode = hostinfo.cgroup_mode()
        wanted = {"v1": ("legacy", "hybrid"), "v2": ("unified",)}[version]
        if mode in wanted:
            return True, ""
        return (
            False,
            f"the host's cgroup layout is {mode}, and containers get cgroup {version} only on {wanted}",
        )

    return check


def _lsm(name: str) -> Callable[[], tuple[bool, str]]:
    def check() -> tuple[bool, str]:
        active = (_read("/sys/kernel/security/lsm") or "").strip()
        if name in active.split(","):
            return True, ""
        return False, f"the {name} LSM is not active on this host (active: {active or 'unknown'})"

    return check


def _kernel_at_least(major: int, minor: int, what: str) -> Callable[[], tuple[bool, str]]:
    def check() -> tuple[bool, str]:
        release = platform.release()
        try:
            have = tuple(int(part) for part in release.split("-")[0].split(".")[:2])
        except ValueError:
            return False, f"cannot read the kernel version from {release!r}"
        if have >= (major, minor):
            return True, ""
        return False, f"{what} needs Linux {major}.{minor}; this host runs {release}"

    return check


#: Name -> check returning (available, the host fact when not). Cases name these in `requires`.
HOST_FEATURES: dict[str, Callable[[], tuple[bool, str]]] = {
    "cgroup-v1": _cgroup_version("v1"),
    "cgroup-v2": _cgroup_version("v2"),
    **{
        f"cgroup:{name}": functools.partial(_cgroup_controller, name)
        for name in (
            "memory",
            "cpu",
            "cpuacct",
            "cpuset",
            "pids",
            "blkio",
            "devices",
            "freezer",
            "hugetlb",
            "net_cls",
            "net_prio",
            "rdma",
            "perf_event",
        )
    },
    "user-namespaces": _file_exists("/proc/self/ns/user", "user namespaces"),
    "time-namespaces": _file_exists("/proc/self/ns/time", "time namespaces"),
    "cgroup-namespaces": _file_exists("/proc/self/ns/cgroup", "cgroup namespaces"),
    "seccomp": _file_exists("/proc/sys/kernel/seccomp/actions_avail", "seccomp filter support"),
    "apparmor": _lsm("apparmor"),
    "selinux": _lsm("selinux"),
    "resctrl": _file_exists("/sys/fs/resctrl/info", "resctrl filesystem (Intel RDT) mounted"),
    "mount_setattr": _kernel_at_least(5, 12, "mount_setattr (recursive mount attributes)"),
}


def missing_features(names: tuple[str, ...] | list[str]) -> list[str]:
    """The host facts explaining why each unavailable feature in `names` is missing."""
    facts = []
    for name in names:
        check = HOST_FEATURES.get(name)
        if check is None:
            facts.append(f"unknown host feature {name!r} (known: {', '.join(sorted(HOST_FEATURES))})")
            continue
        ok, fact = check()
        if not ok:
            facts.append(fact)
    return facts
