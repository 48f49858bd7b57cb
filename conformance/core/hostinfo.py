"""Facts about the host the suite runs on (kernel, cgroup layout, arch)."""

from __future__ import annotations

import functools
import os
import platform
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _mount_types(mountinfo: str) -> dict[str, str]:
    """Map mount point to filesystem type from /proc/self/mountinfo text."""
    mounts: dict[str, str] = {}
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields = left.split()
        if len(fields) >= 5:
            mounts[fields[4]] = right.split()[0]
    return mounts


def cgroup_mode_from_mountinfo(mountinfo: str) -> str:
    """Classify the cgroup layout: 'unified' (v2 only), 'hybrid', 'legacy' (v1) or 'none'."""
    mounts = _mount_types(mountinfo)
    root = str(CGROUP_ROOT)
    if mounts.get(root) == "cgroup2":
        return "unified"
    v1 = any(fs == "cgroup" and point.startswith(root + "/") for point, fs in mounts.items())
    if mounts.get(f"{root}/unified") == "cgroup2":
        return "hybrid" if v1 else "unified"
    return "legacy" if v1 else "none"


def mountinfo() -> str:
    """This process's /proc/self/mountinfo, read now ('' where it cannot be read)."""
    try:
        return Path("/proc/self/mountinfo").read_text()
    except OSError:
        return ""


@functools.cache
def cgroup_mode() -> str:
    """The cgroup layout of this host."""
    return cgroup_mode_from_mountinfo(mountinfo())


def kernel() -> str:
    return f"{platform.system()} {platform.release()} {platform.machine()}"


def distro() -> str:
    """PRETTY_NAME from os-release, or 'unknown'."""
    for candidate in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            for line in Path(candidate).read_text().splitlines():
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
        except OSError:
            continue
    return "unknown"


def is_root() -> bool:
    return os.geteuid() == 0
