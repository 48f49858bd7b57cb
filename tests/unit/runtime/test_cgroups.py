"""Host-side cgroup reading against fake trees: cgroup v1, hybrid and v2 (unified) layouts."""

from __future__ import annotations

from pathlib import Path

from conformance.runtime import cgroups

V1_MOUNTINFO = """\
25 30 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate
27 25 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd
28 25 0:25 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
30 25 0:27 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
"""
V1_PROC = "5:pids:/box/c1\n4:cpu,cpuacct:/box/c1\n3:memory:/box/c1\n1:name=systemd:/box\n0::/box\n"
V2_MOUNTINFO = "25 30 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"


def tree(root: Path, files: dict[str, str]) -> None:
    for name, value in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")


def test_hierarchies_of_a_hybrid_host() -> None:
    found = {str(h.mount_point): h for h in cgroups.hierarchies(V1_MOUNTINFO)}
    assert found["/sys/fs/cgroup/memory"].controllers == ("memory",)
    assert found["/sys/fs/cgroup/cpu,cpuacct"].controllers == ("cpu", "cpuacct")
    assert found["/sys/fs/cgroup/unified"].version == 2
    assert found["/sys/fs/cgroup/systemd"].controllers == ("name=systemd",)
    assert "/sys/fs/cgroup" not in found


def test_proc_cgroup_splits_joined_controllers() -> None:
    paths = cgroups.parse_proc_cgroup(V1_PROC)
    assert paths["cpu"] == paths["cpuacct"] == "/box/c1"
    assert paths[cgroups.UNIFIED] == "/box"
    assert paths["name=systemd"] == "/box"


def test_v1_view_reads_each_controller_directory(tmp_path: Path) -> None:
    tree(
        tmp_path / "sys/fs/cgroup",
        {
            "memory/box/c1/memory.limit_in_bytes": "67108864",
            "cpu,cpuacct/box/c1/cpu.shares": "512",
            "pids/box/c1/pids.max": "20",
            "unified/box/cgroup.procs": "",
        },
    )
    view = cgroups.observe(V1_PROC, V1_MOUNTINFO, prefix=tmp_path)
    assert view.version == "hybrid"
    assert view.files["memory"]["memory.limit_in_bytes"] == "67108864"
    assert view.files["cpu"]["cpu.shares"] == view.files["cpuacct"]["cpu.shares"] == "512"
    assert view.files["pids"] == {"pids.max": "20"}
    assert view.dirs["memory"] == str(tmp_path / "sys/fs/cgroup/memory/box/c1")
    resolved = cgroups.resolve(V1_PROC, V1_MOUNTINFO, prefix=tmp_path)
    assert (resolved.dirs, resolved.version, resolved.files) == (view.dirs, view.version, {})


def test_v2_view_reads_the_unified_directory(tmp_path: Path) -> None:
    tree(
        tmp_path / "sys/fs/cgroup/box/c1",
        {"memory.max": "67108864", "pids.max": "20", "cpu.max": "50000 100000"},
    )
    view = cgroups.observe("0::/box/c1\n", V2_MOUNTINFO, prefix=tmp_path)
    assert view.version == "v2"
    assert view.files[cgroups.UNIFIED] == {
        "memory.max": "67108864",
        "pids.max": "20",
        "cpu.max": "50000 100000",
    }


def test_a_missing_directory_reads_as_empty(tmp_path: Path) -> None:
    view = cgroups.observe(V1_PROC, V1_MOUNTINFO, prefix=tmp_path)
    assert view.files["memory"] == {}


def test_a_non_root_mount_resolves_relative_to_its_root(tmp_path: Path) -> None:
    """Inside a cgroup namespace a hierarchy may be mounted from a sub-directory."""
    mountinfo = "28 25 0:25 /box /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    tree(tmp_path / "sys/fs/cgroup/memory/c1", {"memory.limit_in_bytes": "1"})
    view = cgroups.observe("3:memory:/box/c1\n", mountinfo, prefix=tmp_path)
    assert view.files["memory"] == {"memory.limit_in_bytes": "1"}


def test_remove_named_takes_only_those_names_children_first(tmp_path: Path) -> None:
    root = tmp_path / "sys/fs/cgroup"
    for name in ("memory/oci-conf-a", "memory/box/oci-conf-b/sub", "pids/oci-conf-a", "memory/other"):
        (root / name).mkdir(parents=True)
    removed = cgroups.remove_named({"oci-conf-a", "oci-conf-b"}, V1_MOUNTINFO, prefix=tmp_path)
    assert sorted(removed) == sorted(
        str(root / p) for p in ("memory/oci-conf-a", "memory/box/oci-conf-b", "pids/oci-conf-a")
    )
    assert (root / "memory/other").is_dir() and (root / "memory/box").is_dir()


# -- limits(): v1 and v2 files read into one vocabulary ---------------------------------------

V1_FULL_MOUNTINFO = """\
25 30 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
28 25 0:25 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
30 25 0:27 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
31 25 0:28 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset
32 25 0:29 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio
33 25 0:30 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices
34 25 0:31 / /sys/fs/cgroup/hugetlb rw - cgroup cgroup rw,hugetlb
35 25 0:32 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio
36 25 0:33 / /sys/fs/cgroup/rdma rw - cgroup cgroup rw,rdma
"""
V1_CONTROLLERS = [
    "memory",
    "cpu,cpuacct",
    "pids",
    "cpuset",
    "blkio",
    "devices",
    "hugetlb",
    "net_cls,net_prio",
    "rdma",
]
V1_FULL_PROC = "".join(f"{n}:{c}:/c1\n" for n, c in enumerate(V1_CONTROLLERS, start=1))

#: The same settings as each version writes them: limit 256 MiB, reservation 128 MiB,
#: memory+swap 512 MiB, shares 513, quota 30000/150000, burst 1000, cpus 1, mems 0, pids 77,
#: a bfq weight 123, per-device weight 345 and rates for 254:0, hugetlb 2MB, rdma.
V1_FILES = {
    "memory/c1/memory.limit_in_bytes": "268435456",
    "memory/c1/memory.soft_limit_in_bytes": "134217728",
    "memory/c1/memory.memsw.limit_in_bytes": "536870912",
    "memory/c1/memory.kmem.limit_in_bytes": "9223372036854771712",
    "memory/c1/memory.kmem.tcp.limit_in_bytes": "1048576",
    "memory/c1/memory.swappiness": "37",
    "memory/c1/memory.oom_control": "oom_kill_disable 1\nunder_oom 0\noom_kill 0",
    "memory/c1/memory.use_hierarchy": "1",
    "cpu,cpuacct/c1/cpu.shares": "513",
    "cpu,cpuacct/c1/cpu.cfs_quota_us": "30000",
    "cpu,cpuacct/c1/cpu.cfs_period_us": "150000",
    "cpu,cpuacct/c1/cpu.cfs_burst_us": "1000",
    "cpu,cpuacct/c1/cpu.rt_runtime_us": "10000",
    "cpu,cpuacct/c1/cpu.rt_period_us": "1000000",
    "cpu,cpuacct/c1/cpu.idle": "1",
    "cpuset/c1/cpuset.cpus": "1",
    "cpuset/c1/cpuset.mems": "0",
    "pids/c1/pids.max": "77",
    "blkio/c1/blkio.bfq.weight": "123",
    "blkio/c1/blkio.bfq.weight_device": "default 123\n254:0 345",
    "blkio/c1/blkio.throttle.read_bps_device": "254:0 1048577",
    "blkio/c1/blkio.throttle.write_bps_device": "254:0 2097153",
    "blkio/c1/blkio.throttle.read_iops_device": "254:0 1001",
    "blkio/c1/blkio.throttle.write_iops_device": "",
    "devices/c1/devices.list": "c 1:3 rwm\nc 10:229 rw",
    "hugetlb/c1/hugetlb.2MB.limit_in_bytes": "209715200",
    "hugetlb/c1/hugetlb.2MB.rsvd.limit_in_bytes": "104857600",
    "hugetlb/c1/hugetlb.2MB.usage_in_bytes": "0",
    "net_cls,net_prio/c1/net_cls.classid": "1048577",
    "net_cls,net_prio/c1/net_prio.ifpriomap": "lo 0\neth0 500",
    "rdma/c1/rdma.max": "mlx5_1 hca_handle=3 hca_object=max",
}
V2_FILES = {
    "memory.max": "268435456",
    "memory.low": "134217728",
    "memory.swap.max": "268435456",
    "memory.pressure": "some avg10=0.00",
    "cpu.weight": str(cgroups.shares_to_weight(513)),
    "cpu.max": "30000 150000",
    "cpu.max.burst": "1000",
    "cpu.idle": "1",
    "cpuset.cpus": "1",
    "cpuset.mems": "0",
    "pids.max": "77",
    "io.bfq.weight": "default 123\n254:0 345",
    "io.max": "254:0 rbps=1048577 wbps=2097153 riops=1001 wiops=max",
    "hugetlb.2MB.max": "209715200",
    "hugetlb.2MB.rsvd.max": "104857600",
    "hugetlb.2MB.current": "0",
    "rdma.max": "mlx5_1 hca_handle=3 hca_object=max",
}
#: What both versions have in common, in the spec's vocabulary.
COMMON = {
    "memory": {"limit": 268435456, "reservation": 134217728, "swap": 536870912},
    "cpu": {
        "weight": 20,
        "quota": 30000,
        "period": 150000,
        "burst": 1000,
        "idle": 1,
        "cpus": "1",
        "mems": "0",
    },
    "blockIO": {
        "weight": 123,
        "weightDevice": {"254:0": 345},
        "throttleReadBpsDevice": {"254:0": 1048577},
        "throttleWriteBpsDevice": {"254:0": 2097153},
        "throttleReadIOPSDevice": {"254:0": 1001},
    },
    "pids": {"limit": 77},
    "hugepageLimits": {"2MB": 209715200},
    "hugepageReservations": {"2MB": 104857600},
    "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": -1}},
}


def test_shares_to_weight_is_the_documented_conversion() -> None:
    assert cgroups.shares_to_weight(2) == 1
    assert cgroups.shares_to_weight(1024) == 39
    assert cgroups.shares_to_weight(262144) == 10000
    assert cgroups.shares_to_weight(513) == 20


def test_limits_of_a_v1_tree(tmp_path: Path) -> None:
    tree(tmp_path / "sys/fs/cgroup", V1_FILES)
    found = cgroups.limits(cgroups.observe(V1_FULL_PROC, V1_FULL_MOUNTINFO, prefix=tmp_path))
    for section, values in COMMON.items():
        assert {k: found[section][k] for k in values} == values, section
    assert found["memory"]["kernel"] == -1  # the huge "unlimited" value reads as -1
    assert found["memory"]["kernelTCP"] == 1048576
    assert found["memory"]["swappiness"] == 37
    assert found["memory"]["disableOOMKiller"] is True
    assert found["memory"]["useHierarchy"] is True
    assert found["cpu"]["shares"] == 513
    assert found["cpu"]["realtimeRuntime"] == 10000
    assert found["cpu"]["realtimePeriod"] == 1000000
    assert "throttleWriteIOPSDevice" not in found["blockIO"]  # an empty file: nothing set
    assert found["network"] == {"classID": 1048577, "priorities": {"lo": 0, "eth0": 500}}
    assert found["devices"] == ["c 1:3 rwm", "c 10:229 rw"]


def test_limits_of_a_v2_tree(tmp_path: Path) -> None:
    tree(tmp_path / "sys/fs/cgroup/c1", V2_FILES)
    found = cgroups.limits(cgroups.observe("0::/c1\n", V2_MOUNTINFO, prefix=tmp_path))
    for section, values in COMMON.items():
        assert {k: found[section][k] for k in values} == values, section
    # v1-only settings have no v2 file: left out, not guessed
    assert "shares" not in found["cpu"]
    assert "swappiness" not in found["memory"] and "disableOOMKiller" not in found["memory"]
    assert "throttleWriteIOPSDevice" not in found["blockIO"]  # wiops=max: no limit
    assert "network" not in found and "devices" not in found


def test_limits_of_a_hybrid_tree_prefer_the_v1_controller(tmp_path: Path) -> None:
    tree(
        tmp_path / "sys/fs/cgroup",
        {
            "memory/box/c1/memory.limit_in_bytes": "9223372036854771712",
            "pids/box/c1/pids.max": "max",
            "cpu,cpuacct/box/c1/cpu.shares": "1024",
            "unified/box/memory.pressure": "some avg10=0.00",
            "unified/box/pids.max": "5",
        },
    )
    found = cgroups.limits(cgroups.observe(V1_PROC, V1_MOUNTINFO, prefix=tmp_path))
    assert found["memory"] == {"limit": -1}
    assert found["pids"] == {"limit": -1}
    assert found["cpu"] == {"shares": 1024, "weight": 39}


def test_v2_swap_without_a_limit_is_unlimited(tmp_path: Path) -> None:
    tree(tmp_path / "sys/fs/cgroup/c1", {"memory.max": "268435456", "memory.swap.max": "max"})
    found = cgroups.limits(cgroups.observe("0::/c1\n", V2_MOUNTINFO, prefix=tmp_path))
    assert found["memory"] == {"limit": 268435456, "swap": -1}


def test_limits_of_an_empty_view_are_empty() -> None:
    assert cgroups.limits(cgroups.CgroupView()) == {}
