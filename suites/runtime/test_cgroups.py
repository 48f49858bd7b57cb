"""Control groups (config-linux.md) where a matrix case cannot say it: settings naming a block
device of this host, cgroupsPath values unique to one test, two containers, cgroups made by hand,
ownership, and what delete leaves behind. The host reads the created container's cgroups
(conformance/runtime/host.py, cgroups.py); `limits` is the same for cgroup v1 and v2.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.core import hostinfo
from conformance.core.asserts import check, check_equal, fail, skip_unsupported
from conformance.runtime import cgroups, host

requirement = pytest.mark.requirement

#: Waits, doing nothing, so that a created or started container stays put.
IDLE = {"process": {"args": ["/bin/sh", "-c", "exec sleep 600"]}}
#: Resource controllers whose directory a container's cgroupsPath names (v1), plus v2's tree.
RESOURCE_CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids")


def _mode() -> str:
    return hostinfo.cgroup_mode()


def created_view(container, rids) -> dict[str, Any]:
    """Create the container and read its cgroups from the host (skip where the host cannot look)."""
    if not container.runtime.host_visible_process:
        skip_unsupported(
            rids, "the runtime runs the container in a sandbox whose process the host cannot see"
        )
    result = container.create()
    check(rids, result.ok, "create succeeds", "exit 0", result.describe())
    pid = container.state().get("pid")
    check(rids, isinstance(pid, int) and pid > 0, "state after create gives the pid", "a pid", pid)
    return host.observe(pid)


def resource_paths(outside: dict[str, Any]) -> dict[str, str]:
    """controller -> cgroup path of the container, for the resource controllers (and v2)."""
    paths = outside["cgroup"]["paths"]
    wanted = [*RESOURCE_CONTROLLERS, cgroups.UNIFIED] if _mode() == "unified" else RESOURCE_CONTROLLERS
    return {c: paths[c] for c in wanted if c in paths and c in outside["cgroup"]["dirs"]}


def root_block_device() -> str:
    """MAJ:MIN of the whole disk holding / (a partition's parent: throttling takes whole disks)."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[4] == "/":
            device = fields[2]
    sysfs = Path("/sys/dev/block") / device
    if (sysfs / "partition").exists():
        device = (sysfs.resolve().parent / "dev").read_text().strip()
    return device


def device_rules(device: str, **rates: int) -> dict[str, list[dict[str, int]]]:
    major, minor = (int(part) for part in device.split(":"))
    return {name: [{"major": major, "minor": minor, "rate": rate}] for name, rate in rates.items()}


def _v1_file_exists(controller: str, name: str) -> bool:
    """Whether a v1 controller's root directory on this host has the file `name`."""
    return any(
        (Path(str(h.mount_point)) / name).exists()
        for h in cgroups.hierarchies(Path("/proc/self/mountinfo").read_text())
        if h.version == 1 and controller in h.controllers
    )


def _need_io_controller(rids) -> None:
    if _mode() == "unified":
        return
    ok, fact = host.HOST_FEATURES["cgroup:blkio"]()
    if not ok:
        skip_unsupported(rids, fact)


# -- blockIO: a real block device of this host ---------------------------------------------------

BLKIO_THROTTLE = ["config-linux.blkio.throttle.major-minor", "runtime.lifecycle.create-resources"]


@requirement(*BLKIO_THROTTLE, "config-linux.blkio.throttle.bps-rate", "config-linux.blkio.throttle.iops-rate")
def test_blkio_throttle_rates_apply_to_the_named_device(make_container) -> None:
    """Four throttles on the disk holding /, each a different rate: each lands on that device.

    The rates are what the config says, per second: bytes for the Bps lists, operations for
    the IOPS lists (v1 blkio.throttle.*_device, v2 io.max rbps/wbps/riops/wiops).
    """
    rids = [*BLKIO_THROTTLE, "config-linux.blkio.throttle.bps-rate", "config-linux.blkio.throttle.iops-rate"]
    _need_io_controller(rids)
    device = root_block_device()
    wanted = {
        "throttleReadBpsDevice": 1048577,
        "throttleWriteBpsDevice": 2097153,
        "throttleReadIOPSDevice": 1001,
        "throttleWriteIOPSDevice": 1002,
    }
    container = make_container(IDLE, {"linux": {"resources": {"blockIO": device_rules(device, **wanted)}}})
    found = created_view(container, rids)["limits"].get("blockIO", {})
    for name, rate in wanted.items():
        check_equal(
            rids,
            f"{name} of the cgroup (device {device}: rate per second)",
            {device: rate},
            found.get(name),
            container.transcript(),
        )


@requirement("runtime.lifecycle.create-resources")
def test_blkio_weight_is_the_cgroup_weight(make_container) -> None:
    """blockIO.weight 123 (default 100 for BFQ, 500 for CFQ) is the cgroup's I/O weight."""
    rids = ["runtime.lifecycle.create-resources"]
    _need_io_controller(rids)
    container = make_container(IDLE, {"linux": {"resources": {"blockIO": {"weight": 123}}}})
    if container.runtime.host_visible_process:
        result = container.create()
        if (
            result.refused
            and "blkio.weight" in result.stderr
            and not _v1_file_exists("blkio", "blkio.weight")
        ):
            skip_unsupported(
                rids,
                "the runtime writes blkio.weight, which this kernel lacks without the CFQ scheduler "
                "(BFQ offers blkio.bfq.weight), and refuses create with an error: "
                + result.stderr.strip()[-200:],
            )
        container.cleanup()
    found = created_view(container, rids)["limits"].get("blockIO", {})
    check_equal(rids, "the cgroup's block I/O weight", 123, found.get("weight"), container.transcript())


@requirement("config-linux.blkio.weight-device.major-minor", "runtime.lifecycle.create-resources")
def test_blkio_weight_device_applies_to_the_named_device(make_container) -> None:
    """A per-device weight (345) for the disk holding / is that device's weight in the cgroup."""
    rids = ["config-linux.blkio.weight-device.major-minor", "runtime.lifecycle.create-resources"]
    _need_io_controller(rids)
    device = root_block_device()
    scheduler = Path(f"/sys/dev/block/{device}/queue/scheduler")
    active = re.search(r"\[(\S+)\]", scheduler.read_text()) if scheduler.exists() else None
    if active is None or active.group(1) not in ("bfq", "cfq"):
        skip_unsupported(
            rids,
            f"the disk holding / ({device}) uses the I/O scheduler "
            f"{active.group(1) if active else 'unknown'}; per-device weights need BFQ or CFQ "
            "(the kernel refuses them with EOPNOTSUPP otherwise)",
        )
    major, minor = (int(part) for part in device.split(":"))
    patch = {"blockIO": {"weightDevice": [{"major": major, "minor": minor, "weight": 345}]}}
    container = make_container(IDLE, {"linux": {"resources": patch}})
    found = created_view(container, rids)["limits"].get("blockIO", {})
    check_equal(rids, "per-device weights of the cgroup", {device: 345}, found.get("weightDevice"))


@pytest.fixture
def cgroup_parent() -> Iterator[str]:
    """The parent "oci-conformance" of the cgroupsPath values the tests use; removed afterwards
    where empty (runtimes create missing parents and leave them), absolute and relative to the
    suite's own cgroup alike. Listed first by a test, so that it is torn down last."""
    yield "oci-conformance"
    mountinfo = Path("/proc/self/mountinfo").read_text()
    own = cgroups.parse_proc_cgroup(Path("/proc/self/cgroup").read_text())
    for hierarchy in cgroups.hierarchies(mountinfo):
        for base in {"/", *(own.get(c, "/") for c in hierarchy.controllers)}:
            directory = Path(str(hierarchy.mount_point)) / base.lstrip("/") / "oci-conformance"
            with contextlib.suppress(OSError):
                directory.rmdir()


# -- cgroupsPath ------------------------------------------------------------------------------------


@requirement("config-linux.cgroups-path.absolute")
def test_absolute_cgroups_path_is_below_each_mount_point(cgroup_parent, make_container) -> None:
    """An absolute cgroupsPath is the cgroup path in every hierarchy (relative to its mount point),
    not below the runtime's own cgroup (this suite runs in a memory cgroup of its own)."""
    rids = ["config-linux.cgroups-path.absolute"]
    container = make_container(IDLE, hint="cgpath-abs")
    path = f"/oci-conformance/{container.id}"
    container.bundle.config["linux"]["cgroupsPath"] = path
    container.bundle.write_config()
    outside = created_view(container, rids)
    paths = resource_paths(outside)
    check(rids, bool(paths), "the container has cgroups", "some controller", outside["cgroup"]["paths"])
    check_equal(rids, "the container's cgroup path per controller", dict.fromkeys(paths, path), paths)
    mounts = {
        c: str(h.mount_point)
        for h in cgroups.hierarchies(Path("/proc/self/mountinfo").read_text())
        for c in h.controllers
        if h.root == "/"
    }
    for controller, directory in outside["cgroup"]["dirs"].items():
        if controller in paths and controller in mounts:
            check_equal(rids, f"the {controller} directory", f"{mounts[controller]}{path}", directory)


@pytest.mark.parametrize("form", ["absolute", "relative"])
@requirement("config-linux.cgroups-path.consistent")
def test_same_cgroups_path_lands_in_the_same_place(cgroup_parent, make_container, form: str) -> None:
    """Two containers with one cgroupsPath value, one after the other and (where the runtime
    accepts a second container in a used cgroup) side by side: the same cgroup each time."""
    rids = ["config-linux.cgroups-path.consistent"]
    first = make_container(IDLE, hint=f"cgpath-{form}")
    value = f"oci-conformance/{first.id}-shared"
    if form == "absolute":
        value = "/" + value
    patch = {"linux": {"cgroupsPath": value}}
    first.bundle.config["linux"]["cgroupsPath"] = value
    first.bundle.write_config()
    before = resource_paths(created_view(first, rids))
    again = make_container(IDLE, patch, hint=f"cgpath-{form}-2")
    beside = again.create()
    if beside.ok:
        alongside = resource_paths(host.observe(again.state().get("pid")))
        check_equal(rids, f"cgroups of a second container with cgroupsPath {value!r}", before, alongside)
        again.cleanup()
    first.cleanup()
    later = make_container(IDLE, patch, hint=f"cgpath-{form}-3")
    after = resource_paths(created_view(later, rids))
    check_equal(rids, f"cgroups for cgroupsPath {value!r} after the first container went", before, after)


@requirement("config-linux.cgroups-path.invalid", "runtime.lifecycle.create-error")
def test_unusable_cgroups_path_is_an_error(make_container) -> None:
    """A cgroupsPath through a cgroup *file* (cgroup.procs, in every hierarchy's root) cannot name
    a cgroup: create must fail rather than put the container somewhere else."""
    rids = ["config-linux.cgroups-path.invalid", "runtime.lifecycle.create-error"]
    container = make_container(IDLE, hint="cgpath-invalid")
    container.bundle.config["linux"]["cgroupsPath"] = f"/cgroup.procs/{container.id}"
    container.bundle.write_config()
    result = container.create()
    where = ""
    if result.ok:
        pid = container.state().get("pid")
        if isinstance(pid, int) and pid > 0:
            found = host.observe(pid)["cgroup"]["paths"]
            where = f"; cgroups of the process in state (pid {pid}): {found}"
    check(
        rids,
        result.refused,
        "create with cgroupsPath /cgroup.procs/ID fails",
        "non-zero exit",
        result.describe() + where,
    )
    check(
        rids, container.state().result.refused, "no container is left", "state is an error", "state succeeded"
    )


# -- pids -----------------------------------------------------------------------------------------


@requirement("config-linux.pids.zero-limit")
def test_pids_limit_zero_is_a_limit(make_container) -> None:
    """pids.limit 0 is a valid limit for the kernel: the created container's pids.max is 0 (not
    left at "max" as if unset). Read right after create; the program never runs."""
    rids = ["config-linux.pids.zero-limit"]
    ok, fact = host.HOST_FEATURES["cgroup:pids"]()
    if not ok and _mode() != "unified":
        skip_unsupported(rids, fact)
    container = make_container(IDLE, {"linux": {"resources": {"pids": {"limit": 0}}}})
    found = created_view(container, rids)["limits"].get("pids", {})
    check_equal(rids, "the cgroup's pids limit", 0, found.get("limit"), container.transcript())


# -- fitness check and foreign processes in a cgroup made by hand ---------------------------------


@pytest.fixture
def occupied_cgroup(cgroup_parent, bundles_factory) -> Iterator[tuple[str, int]]:
    """A cgroup (absolute path, in every v1 resource hierarchy) holding a process of the suite."""
    if _mode() == "unified":
        pytest.skip("the hand-made cgroup is built for cgroup v1 hierarchies (this host: unified)")
    path = "/oci-conformance/" + bundles_factory.new_id("occupied")
    mounts = {
        c: Path(str(h.mount_point))
        for h in cgroups.hierarchies(Path("/proc/self/mountinfo").read_text())
        if h.version == 1 and h.root == "/"
        for c in h.controllers
        if c in RESOURCE_CONTROLLERS
    }
    made = sorted({m / path.lstrip("/") for m in mounts.values()})
    for directory in made:
        directory.mkdir(parents=True, exist_ok=True)
    if "cpuset" in mounts:
        for name in ("cpuset.cpus", "cpuset.mems"):
            for directory in (mounts["cpuset"] / "oci-conformance", mounts["cpuset"] / path.lstrip("/")):
                current = (directory / name).read_text().strip()
                if not current:
                    (directory / name).write_text((mounts["cpuset"] / name).read_text())
    sleeper = subprocess.Popen(["sleep", "600"], start_new_session=True)
    try:
        for directory in made:
            (directory / "cgroup.procs").write_text(str(sleeper.pid))
        yield path, sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait()
        for directory in made:
            for _ in range(60):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


@requirement("config-linux.cgroups.fitness-check-error")
def test_unfit_cgroup_found_by_a_check_is_an_error(occupied_cgroup, make_container) -> None:
    """The spec's example of an unfit cgroup for create: a non-empty one. A runtime need not check
    (then nothing is observable: skipped); one whose check finds the cgroup unfit must fail
    create, not go on after saying so."""
    rids = ["config-linux.cgroups.fitness-check-error"]
    path, _ = occupied_cgroup
    container = make_container(IDLE, {"linux": {"cgroupsPath": path}})
    result = container.create()
    container.cleanup()
    if result.refused:
        return
    said = re.search(r"[^\n]*(not empty|non-empty|unfit|frozen)[^\n]*", result.stdout + result.stderr)
    if said is None:
        skip_unsupported(
            rids,
            "create in a non-empty cgroup succeeded without a word: the runtime does not check "
            "(config-linux.cgroups.fitness-check permits that)",
        )
    fail(
        rids,
        "the runtime's check found the cgroup unfit but create succeeded",
        "create fails with an error",
        f"exit 0 after: {said.group(0).strip()}",
        result.describe(),
    )


@requirement("runtime.delete.keeps-foreign-resources")
def test_delete_leaves_a_cgroup_it_did_not_create(occupied_cgroup, make_container) -> None:
    """A cgroup that existed before create, with a process of someone else in it, is not the
    container's: after delete that process still runs and the cgroup is still there."""
    rids = ["runtime.delete.keeps-foreign-resources"]
    path, sleeper = occupied_cgroup
    container = make_container(IDLE, {"linux": {"cgroupsPath": path}})
    if not container.create().ok:
        skip_unsupported(
            rids, "the runtime refuses a non-empty cgroup at create (allowed): nothing to delete"
        )
    container.cleanup()
    time.sleep(0.2)
    check(
        rids,
        host.alive(sleeper),
        "the foreign process in the container's cgroup survives delete",
        f"pid {sleeper} alive",
        "killed",
        container.transcript(),
    )
    mounts = [
        Path(str(h.mount_point))
        for h in cgroups.hierarchies(Path("/proc/self/mountinfo").read_text())
        if h.version == 1 and h.root == "/" and set(h.controllers) & set(RESOURCE_CONTROLLERS)
    ]
    gone = [str(m / path.lstrip("/")) for m in mounts if not (m / path.lstrip("/")).is_dir()]
    check_equal(rids, "pre-existing cgroup directories removed by delete", [], gone)


# -- released on delete ----------------------------------------------------------------------------


@requirement("runtime.delete.removes-resources")
def test_delete_removes_the_cgroups_create_made(probe) -> None:
    """The cgroups create made for a container with resources are gone once it is deleted."""
    rids = ["runtime.delete.removes-resources"]
    run = probe({"linux": {"resources": {"pids": {"limit": 1000}, "memory": {"limit": 268435456}}}})
    run.require_report(rids)
    if run.outside is None:
        skip_unsupported(rids, run.outside_missing)
    check(rids, bool(run.outside["cgroup"]["dirs"]), "the container had cgroups", "some", "none")
    check_equal(rids, "container cgroup directories left after delete", [], run.released["cgroup_dirs_left"])


# -- ownership ------------------------------------------------------------------------------------

#: The host uid process.user.uid maps to in the delegation configs below.
OWNER = 100000


def delegating_config(
    *, cgroupns: bool = True, mount: str | None = "rw", userns: bool = True
) -> dict[str, Any]:
    """With a user namespace the container's root is host uid OWNER; without one the process runs
    as uid OWNER itself: either way OWNER is the host uid process.user.uid maps to."""
    namespaces = [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")]
    config: dict[str, Any] = {"linux": {"namespaces": namespaces}}
    if userns:
        namespaces.append({"type": "user"})
        config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": OWNER, "size": 65536}]
        config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": OWNER, "size": 65536}]
    else:
        config["process"] = {"user": {"uid": OWNER, "gid": OWNER}}
    if cgroupns:
        namespaces.append({"type": "cgroup"})
    if mount is not None:
        from conformance.runtime.bundle.config import default_config

        options = ["nosuid", "noexec", "nodev", "relatime", mount]
        config["mounts"] = [
            *default_config()["mounts"],
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": options},
        ]
    return config


def owned_by(directories: list[str], uid: int) -> list[str]:
    """Each directory and file in `directories` owned by `uid`."""
    found = []
    for directory in directories:
        for path in [directory, *(os.path.join(directory, n) for n in sorted(os.listdir(directory)))]:
            if (os.path.isfile(path) or path == directory) and os.lstat(path).st_uid == uid:
                found.append(path)
    return found


def _own_dirs(outside: dict[str, Any]) -> list[str]:
    dirs = outside["cgroup"]["dirs"]
    return sorted({d for c, d in dirs.items() if c in RESOURCE_CONTROLLERS or c == cgroups.UNIFIED})


def _need_userns(rids) -> None:
    ok, fact = host.HOST_FEATURES["user-namespaces"]()
    if not ok:
        skip_unsupported(rids, fact)


@requirement("config-linux.cgroups-ownership.not-v1")
def test_no_cgroup_ownership_change_on_v1(make_container) -> None:
    """Every condition for delegation but cgroup v2 (a new cgroup namespace, a rw cgroup mount, a
    non-root process user): on v1 no cgroup directory or file of the container is handed to the
    host uid of process.user.uid. (No user namespace: so that the rootfs under the suite's
    private directory stays reachable for the container's root.)"""
    rids = ["config-linux.cgroups-ownership.not-v1"]
    if _mode() == "unified":
        skip_unsupported(rids, "the host's cgroup layout is unified (v2); this concerns cgroup v1")
    _need_userns(rids)
    container = make_container(IDLE, delegating_config(userns=False))
    outside = created_view(container, rids)
    v1_dirs = sorted({d for c, d in outside["cgroup"]["dirs"].items() if c in RESOURCE_CONTROLLERS})
    check_equal(
        rids,
        f"v1 cgroup paths owned by the container's root (host uid {OWNER})",
        [],
        owned_by(v1_dirs, OWNER),
    )


def _v2_only(rids) -> None:
    if _mode() != "unified":
        skip_unsupported(
            rids, f"the host's cgroup layout is {_mode()}; cgroup delegation is a cgroup v2 matter"
        )


DELEGATE_FALLBACK = ("cgroup.procs", "cgroup.subtree_control", "cgroup.threads")


def delegate_list() -> tuple[str, ...]:
    path = Path("/sys/kernel/cgroup/delegate")
    return tuple(path.read_text().split()) if path.exists() else DELEGATE_FALLBACK


@requirement(
    "config-linux.cgroups-ownership.rw-mount",
    "config-linux.cgroups-ownership.delegate-files",
    "config-linux.cgroups-ownership.existing-files",
    "config-linux.cgroups-ownership.missing-files",
    "config-linux.cgroups-ownership.no-other-files",
)
def test_v2_delegation_hands_over_exactly_the_delegate_files(make_container) -> None:
    """cgroup v2, a user and a cgroup namespace, a rw cgroup mount: the container's cgroup
    directory and the delegate-listed files that exist belong to its root; no other file does;
    create does not fail over listed files the cgroup lacks."""
    rids = [
        "config-linux.cgroups-ownership.rw-mount",
        "config-linux.cgroups-ownership.delegate-files",
        "config-linux.cgroups-ownership.existing-files",
        "config-linux.cgroups-ownership.missing-files",
        "config-linux.cgroups-ownership.no-other-files",
    ]
    _v2_only(rids)
    _need_userns(rids)
    container = make_container(IDLE, delegating_config())
    directory = created_view(container, rids)["cgroup"]["dirs"][cgroups.UNIFIED]
    listed = {
        os.path.join(directory, n) for n in delegate_list() if os.path.exists(os.path.join(directory, n))
    }
    check_equal(
        rids,
        f"cgroup paths owned by host uid {OWNER}",
        sorted({directory, *listed}),
        owned_by([directory], OWNER),
    )


@requirement("config-linux.cgroups-ownership.fallback-list")
def test_v2_delegation_without_a_delegate_file_uses_the_fixed_list(make_container) -> None:
    rids = ["config-linux.cgroups-ownership.fallback-list"]
    _v2_only(rids)
    if Path("/sys/kernel/cgroup/delegate").exists():
        skip_unsupported(rids, "the host has /sys/kernel/cgroup/delegate, so the fallback list is not used")
    _need_userns(rids)
    container = make_container(IDLE, delegating_config())
    directory = created_view(container, rids)["cgroup"]["dirs"][cgroups.UNIFIED]
    wanted = sorted({directory, *(os.path.join(directory, n) for n in DELEGATE_FALLBACK)})
    check_equal(rids, f"cgroup paths owned by host uid {OWNER}", wanted, owned_by([directory], OWNER))


@pytest.mark.parametrize(
    ("case", "patch", "rid"),
    [
        pytest.param(case, patch, rid, id=case, marks=requirement(rid))
        for case, patch, rid in (
            (
                "no-cgroupns",
                delegating_config(cgroupns=False),
                "config-linux.cgroups-ownership.needs-cgroupns",
            ),
            ("ro-mount", delegating_config(mount="ro"), "config-linux.cgroups-ownership.rw-mount"),
            ("no-mount", delegating_config(mount=None), "config-linux.cgroups-ownership.no-mount"),
        )
    ],
)
def test_v2_no_delegation_without_its_conditions(make_container, case: str, patch, rid: str) -> None:
    """Without a new cgroup namespace, or with the cgroup mount read-only or absent, nothing of
    the container's cgroup belongs to its root."""
    _v2_only([rid])
    _need_userns([rid])
    container = make_container(IDLE, patch)
    directory = created_view(container, [rid])["cgroup"]["dirs"][cgroups.UNIFIED]
    check_equal(rid, f"cgroup paths owned by host uid {OWNER} ({case})", [], owned_by([directory], OWNER))


# -- unified ---------------------------------------------------------------------------------------


@requirement("config-linux.unified.missing-controller")
def test_unified_setting_without_its_controller_is_an_error(make_container, state_entries) -> None:
    """A unified key for a controller the v2 hierarchy does not offer must fail create: a made-up
    controller on any host, and on a v1 or hybrid host also pids (a v1 hierarchy holds it)."""
    rids = ["config-linux.unified.missing-controller"]
    settings = [{"oci_absent.max": "1"}]
    if _mode() != "unified":
        settings.append({"pids.max": "77"})
    for unified in settings:
        container = make_container(IDLE, {"linux": {"resources": {"unified": unified}}})
        result = container.create()
        check(
            rids,
            result.refused,
            f"create with unified {unified} fails ({_mode()} host)",
            "non-zero exit",
            result.describe(),
        )
        container.cleanup()


@requirement("config-linux.unified.enable-controllers", "config-linux.unified.unknown-keys")
def test_unified_settings_are_written(make_container) -> None:
    """On cgroup v2: pids.max needs the pids controller enabled for the cgroup, and
    memory.oom.group (no field of linux.resources) is still written to its file."""
    rids = ["config-linux.unified.enable-controllers", "config-linux.unified.unknown-keys"]
    _v2_only(rids)
    container = make_container(
        IDLE, {"linux": {"resources": {"unified": {"pids.max": "77", "memory.oom.group": "1"}}}}
    )
    files = created_view(container, rids)["cgroup"]["files"][cgroups.UNIFIED]
    check_equal(rids[0], "pids.max of the container's cgroup", "77", files.get("pids.max"))
    check_equal(rids[1], "memory.oom.group of the container's cgroup", "1", files.get("memory.oom.group"))


@requirement("config-linux.unified.v1-conversion-error")
def test_v1_setting_without_a_v2_form_is_an_error(make_container) -> None:
    """On cgroup v2, memory.swappiness has no v2 file to convert to: create must fail."""
    rids = ["config-linux.unified.v1-conversion-error"]
    _v2_only(rids)
    container = make_container(IDLE, {"linux": {"resources": {"memory": {"swappiness": 37}}}})
    result = container.create()
    check(
        rids,
        result.refused,
        "create with memory.swappiness on cgroup v2 fails",
        "non-zero exit",
        result.describe(),
    )
