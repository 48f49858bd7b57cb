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
