"""Unit tests for :mod:`conformance.core.hostinfo`: cgroup layout detection from mountinfo text.

Synthetic mountinfo covers the layouts this host cannot show (pure cgroup v2 among them);
crun's hybrid-host workaround depends on getting 'hybrid' exactly right.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core import hostinfo
from conformance.core.hostinfo import cgroup_mode_from_mountinfo

BASE = """\
22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
23 27 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
24 27 0:6 / /dev rw,nosuid,relatime shared:3 - devtmpfs devtmpfs rw,size=4096k,mode=755
27 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
"""

UNIFIED = BASE + (
    "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n"
)

V1_CONTROLLERS = """\
31 23 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755
32 31 0:29 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec shared:5 - cgroup cgroup rw,xattr,name=systemd
33 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec shared:6 - cgroup cgroup rw,cpu,cpuacct
34 31 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:7 - cgroup cgroup rw,memory
35 31 0:32 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:8 - cgroup cgroup rw,pids
"""

LEGACY = BASE + V1_CONTROLLERS

HYBRID = LEGACY + (
    "36 31 0:33 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate\n"
)


@pytest.mark.parametrize(
    ("mountinfo", "mode"),
    [
        (UNIFIED, "unified"),
        (HYBRID, "hybrid"),
        (LEGACY, "legacy"),
        (BASE, "none"),
        ("", "none"),
    ],
    ids=["unified", "hybrid", "legacy", "none", "empty"],
)
def test_cgroup_modes(mountinfo: str, mode: str) -> None:
    assert cgroup_mode_from_mountinfo(mountinfo) == mode


def test_hybrid_needs_v1_controllers() -> None:
    """cgroup2 at .../unified alone (no v1 controller mounted) is not a hybrid host."""
    only_unified = BASE + HYBRID.splitlines()[-1] + "\n"
    assert cgroup_mode_from_mountinfo(only_unified) == "unified"


def test_unified_wins_when_v2_is_mounted_at_the_root() -> None:
    """A stray v1 mount somewhere below does not turn a v2 root into hybrid."""
    text = UNIFIED + "40 30 0:40 / /sys/fs/cgroup/net_cls rw - cgroup cgroup rw,net_cls\n"
    assert cgroup_mode_from_mountinfo(text) == "unified"


@pytest.mark.parametrize(
    "line",
    [
        "40 27 0:40 / /mnt/cgroup rw - cgroup cgroup rw,cpu\n",
        "40 27 0:40 / /sys/fs/cgroupfoo rw - cgroup cgroup rw,cpu\n",
        "40 27 0:40 / /sys/fs/cgroup2 rw - cgroup2 cgroup2 rw\n",
        "40 27 0:40 / /mnt/unified rw - cgroup2 cgroup2 rw\n",
        "40 23 0:40 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n",
    ],
    ids=["v1-elsewhere", "v1-sibling-prefix", "v2-sibling", "v2-elsewhere", "tmpfs-only"],
)
def test_mounts_outside_sys_fs_cgroup_do_not_count(line: str) -> None:
    assert cgroup_mode_from_mountinfo(BASE + line) == "none"


def test_later_mount_over_the_root_wins() -> None:
    """mountinfo lists mounts in order; a v2 mount on top of a v1 tmpfs root makes it unified."""
    text = LEGACY + "50 31 0:50 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
    assert cgroup_mode_from_mountinfo(text) == "unified"


def test_lines_without_separator_are_ignored() -> None:
    assert cgroup_mode_from_mountinfo("garbage\n" + UNIFIED + "more garbage\n") == "unified"


def test_cgroup_mode_of_this_host_agrees_with_its_mountinfo() -> None:
    mountinfo = Path("/proc/self/mountinfo")
    if not mountinfo.exists():
        pytest.skip("no /proc/self/mountinfo on this host")
    assert hostinfo.cgroup_mode() == cgroup_mode_from_mountinfo(mountinfo.read_text())
    assert hostinfo.cgroup_mode() in {"unified", "hybrid", "legacy", "none"}


def test_kernel_and_distro_are_strings() -> None:
    assert hostinfo.kernel().split()[0]
    assert hostinfo.distro()
