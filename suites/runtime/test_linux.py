"""config-linux.md beyond what a matrix can express: configs that must be refused, network devices
moved from the host, memory policies a runtime advertises, and Intel RDT.

Every refused create must leave nothing behind (no container, no state files); every host
resource a test makes (network interfaces) is removed afterwards, also when the test fails.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.runtime.asserts import check_refused_without_trace

requirement = pytest.mark.requirement

#: A program that waits and prints a marker only if it ever runs.
IDLE = {"process": {"args": ["/bin/sh", "-c", "echo program-ran; exec sleep 600"]}}


# -- sysctl ------------------------------------------------------------------------------------

SWAPPINESS = Path("/proc/sys/vm/swappiness")


@requirement("config-linux.sysctl", "runtime.lifecycle.create-error", "runtime.errors.no-side-effects")
def test_non_namespaced_sysctl_is_refused(make_container, state_entries) -> None:
    """vm.swappiness belongs to no namespace: setting it "for the container" would set it for the
    whole host, so the environment cannot be built and create must fail, leaving the host as it was."""
    rids = ["config-linux.sysctl", "runtime.lifecycle.create-error"]
    before = SWAPPINESS.read_text().strip()
    wanted = "61" if before != "61" else "59"
    container = make_container(IDLE, {"linux": {"sysctl": {"vm.swappiness": wanted}}})
    try:
        result = container.create()
        after = SWAPPINESS.read_text().strip()
    finally:
        if SWAPPINESS.read_text().strip() != before:
            SWAPPINESS.write_text(before)
    check_equal(
        "runtime.errors.no-side-effects",
        "the host's vm.swappiness after the create",
        before,
        after,
    )
    check_refused_without_trace(
        container,
        result,
        rids,
        "create with a sysctl of no namespace (vm.swappiness) is an error",
        state_entries,
    )


# -- devices -----------------------------------------------------------------------------------

#: A device entry whose path is already taken by something else: an existing directory and an
#: existing regular file of the rootfs, and the default device /dev/null asked to be /dev/zero.
CONFLICTS = {
    "existing-directory": ({"path": "/home/oci", "type": "c", "major": 1, "minor": 3}, ()),
    "existing-file": ({"path": "/etc/hosts", "type": "c", "major": 1, "minor": 3}, ()),
    "default-device": (
        {"path": "/dev/null", "type": "c", "major": 1, "minor": 5},
        ("config-linux.devices.default-null",),
    ),
}


@pytest.mark.parametrize(
    "conflict",
    [
        pytest.param(name, id=name, marks=requirement("config-linux.devices.path-conflict", *extra))
        for name, (_, extra) in CONFLICTS.items()
    ],
)
def test_device_path_conflict_is_refused(make_container, state_entries, conflict: str) -> None:
    device, extra = CONFLICTS[conflict]
    rids = ["config-linux.devices.path-conflict", *extra]
    container = make_container(IDLE, {"linux": {"devices": [device]}})
    result = container.create()
    check_refused_without_trace(
        container,
        result,
        rids,
        f"create with a device at {device['path']} ({conflict.replace('-', ' ')}, not c 1:{device['minor']}) "
        "is an error",
        state_entries,
    )


# -- network devices (runtime-spec 1.3) --------------------------------------------------------


def _ip(*args: str, netns_pid: int | None = None) -> subprocess.CompletedProcess[str]:
    command = ["ip", *args]
    if netns_pid is not None:
        command = ["nsenter", "-t", str(netns_pid), "-n", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)


def _host_has_link(name: str) -> bool:
    return _ip("link", "show", "dev", name).returncode == 0


class HostInterface:
    """A virtual interface made on the host for one test (type ifb: a dummy-like device; this
    kernel has no dummy driver), with permanent global addresses of both families."""

    def __init__(self) -> None:
        token = secrets.token_hex(3)
        self.name = f"ocih{token}"
        #: Names tests may give it inside the container; removed from the host too if they appear.
        self.inner = f"ocic{token}"
        octet = int(token[:2], 16) % 250 + 2
        self.ipv4 = f"192.0.2.{octet}/24"
        self.ipv6 = f"2001:db8::{octet:x}/64"

    def make(self) -> None:
        for args in (
            ("link", "add", self.name, "type", "ifb"),
            ("addr", "add", self.ipv4, "dev", self.name),
            ("addr", "add", self.ipv6, "dev", self.name, "nodad"),
        ):
            done = _ip(*args)
            if done.returncode != 0:
                skip_unsupported(
                    "config-linux.netdevices.available",
                    f"cannot make a host interface for the test (ip {' '.join(args)}: {done.stderr.strip()})",
                )

    def remove(self) -> None:
        for name in (self.name, self.inner):
            if _host_has_link(name):
                _ip("link", "del", "dev", name)


@pytest.fixture
def host_interface() -> Iterator[HostInterface]:
    interface = HostInterface()
    try:
        interface.make()
        yield interface
    finally:
        interface.remove()


def _net_devices(devices: dict) -> dict:
    return {"linux": {"netDevices": devices}}


LINK_LINE = re.compile(r"^\d+: ([^:@]+)[:@].*<([^>]*)>", re.M)


def _links(output: str) -> dict[str, list[str]]:
    """`ip link show` output -> {name: [flags]}."""
    return {name: flags.split(",") for name, flags in LINK_LINE.findall(output)}


@pytest.fixture
def moved_interface(probe, host_interface: HostInterface):
    """One probe run with the host interface moved in under a new name; (interface, run, links)."""
    run = probe(
        _net_devices({host_interface.name: {"name": host_interface.inner}}),
        ("exec links ip link show", f"exec addrs ip addr show dev {host_interface.inner}"),
    )
    report = run.require_report(["config-linux.netdevices.available"])
    return host_interface, report, _links(report.exec["links"]["output"])


@requirement("config-linux.netdevices.available")
def test_netdevice_is_moved_in_under_its_new_name(moved_interface) -> None:
    interface, report, links = moved_interface
    check(
        "config-linux.netdevices.available",
        interface.inner in links,
        f"host interface {interface.name} is in the container as {interface.inner}",
        f"a link named {interface.inner}",
        f"links {sorted(links)}",
        report.exec["links"]["output"],
    )


@requirement("config-linux.netdevices.up")
def test_netdevice_is_up(moved_interface) -> None:
    interface, _, links = moved_interface
    check(
        "config-linux.netdevices.up",
        "UP" in links.get(interface.inner, []),
        f"the moved interface {interface.inner} is up (it was down on the host)",
        "flags containing UP",
        links.get(interface.inner, f"no link {interface.inner} (links {sorted(links)})"),
    )


@requirement("config-linux.netdevices.keep-addresses")
def test_netdevice_keeps_its_global_addresses(moved_interface) -> None:
    interface, report, _ = moved_interface
    output = report.exec["addrs"]["output"]
    for address in (interface.ipv4, interface.ipv6):
        check(
            "config-linux.netdevices.keep-addresses",
            re.search(rf"inet6? {re.escape(address)} .*scope global", output) is not None,
            f"the moved interface keeps its permanent global address {address}",
            f"'inet {address} ... scope global' in ip addr show",
            output.strip() or "(nothing)",
        )


@requirement("config-linux.netdevices.name-template")
def test_netdevice_name_template(probe, host_interface: HostInterface) -> None:
    template = "ocit%d"
    run = probe(_net_devices({host_interface.name: {"name": template}}), ("exec links ip link show",))
    report = run.require_report(["config-linux.netdevices.name-template"])
    links = _links(report.exec["links"]["output"])
    made = [name for name in links if re.fullmatch(r"ocit\d+", name)]
    check(
        "config-linux.netdevices.name-template",
        len(made) == 1,
        f"with name {template!r} the kernel picks a free name (ocit0, ocit1, ...)",
        "one link named ocit<N>",
        f"links {sorted(links)}",
    )


@requirement("config-linux.netdevices.name-conflict", "runtime.errors.no-side-effects")
def test_netdevice_name_conflict_is_refused(
    make_container, state_entries, host_interface: HostInterface
) -> None:
    """Every new network namespace has `lo`: moving a device in as `lo` must be an error."""
    container = make_container(IDLE, _net_devices({host_interface.name: {"name": "lo"}}))
    result = container.create()
    check_refused_without_trace(
        container,
        result,
        "config-linux.netdevices.name-conflict",
        "create moving a device in as 'lo', a name the container's namespace already has, is an error",
        state_entries,
    )
    check(
        "runtime.errors.no-side-effects",
        _host_has_link(host_interface.name),
        f"after the refused create the host still has {host_interface.name}",
        "the interface on the host",
        "gone",
    )


@pytest.mark.parametrize(
    "which",
    [pytest.param("missing", id="missing"), pytest.param("loopback", id="host-loopback")],
)
@requirement("config-linux.netdevices.check-move", "runtime.lifecycle.create-error")
def test_netdevice_that_cannot_move_is_refused(make_container, state_entries, which: str) -> None:
    """A device the host does not have, and the host's `lo` (which the kernel never lets leave its
    namespace), cannot be moved: create must find out and fail."""
    name = f"ocix{secrets.token_hex(3)}" if which == "missing" else "lo"
    container = make_container(IDLE, _net_devices({name: {"name": f"ociy{secrets.token_hex(3)}"}}))
    result = container.create()
    check_refused_without_trace(
        container,
        result,
        ["config-linux.netdevices.check-move", "runtime.lifecycle.create-error"],
        f"create moving host interface {name!r} ({which}) into the container is an error",
        state_entries,
    )


@requirement("config-linux.netdevices.no-move-back", "config-linux.netdevices.available")
def test_netdevice_is_not_moved_back_on_delete(
    runtime, make_container, host_interface: HostInterface
) -> None:
    """Created (its namespace alive), then force-deleted: the runtime must not move the device out
    first, so a virtual one is destroyed with the namespace and shows up on the host under no name."""
    container = make_container(IDLE, _net_devices({host_interface.name: {"name": host_interface.inner}}))
    created = container.create()
    check(
        "config-linux.netdevices.available",
        created.ok,
        "create with a host interface to move succeeds",
        "exit 0",
        created.describe(),
    )
    check(
        "config-linux.netdevices.available",
        not _host_has_link(host_interface.name),
        f"after create, {host_interface.name} has left the host's namespace",
        "no such link on the host",
        "still on the host",
    )
    pid = container.state().get("pid") if runtime.host_visible_process else None
    if isinstance(pid, int) and pid > 0:
        inside = _ip("link", "show", "dev", host_interface.inner, netns_pid=pid)
        check(
            "config-linux.netdevices.available",
            inside.returncode == 0,
            f"after create, the container's namespace has {host_interface.inner}",
            "ip link show succeeds there",
            (inside.stderr or inside.stdout).strip(),
        )
    deleted = container.delete(force=True)
    check(
        "config-linux.netdevices.no-move-back",
        deleted.ok,
        "delete --force succeeds",
        "exit 0",
        deleted.describe(),
    )
    back = [name for name in (host_interface.name, host_interface.inner) if _host_has_link(name)]
    check_equal(
        "config-linux.netdevices.no-move-back",
        "interfaces of the container back on the host after delete",
        [],
        back,
    )


# -- memory policy (runtime-spec 1.3) ----------------------------------------------------------

#: Mode -> (nodes, how /proc/PID/numa_maps shows the policy; see mpol_to_str in mm/mempolicy.c).
MEMORY_POLICY_MODES = {
    "MPOL_DEFAULT": (None, "default"),
    "MPOL_BIND": ("0", "bind:0"),
    "MPOL_INTERLEAVE": ("0", "interleave:0"),
    "MPOL_WEIGHTED_INTERLEAVE": ("0", "weighted interleave:0"),
    "MPOL_PREFERRED": ("0", "prefer:0"),
    "MPOL_PREFERRED_MANY": ("0", "prefer (many):0"),
    "MPOL_LOCAL": (None, "local"),
}
#: Flag -> (a mode it goes with, nodes, numa_maps text).
MEMORY_POLICY_FLAGS = {
    "MPOL_F_STATIC_NODES": ("MPOL_BIND", "0", "bind=static:0"),
    "MPOL_F_RELATIVE_NODES": ("MPOL_BIND", "0", "bind=relative:0"),
    "MPOL_F_NUMA_BALANCING": ("MPOL_BIND", "0", "bind=balancing:0"),
}
NUMA_MAPS = "exec numa cat /proc/self/numa_maps"


@pytest.fixture
def features_document(runtime) -> dict:
    result = runtime.features()
    if not result.ok:
        skip_unsupported(
            ["features-linux.memory-policy.modes", "features-linux.memory-policy.flags"],
            f"{runtime.name} {runtime.version} has no features operation",
        )
    try:
        return json.loads(result.stdout)
    except ValueError:
        pytest.fail(f"features printed invalid JSON:\n{result.describe(500)}")


def _policy_applied(probe, rid: str, policy: dict, shown: str) -> None:
    run = probe({"linux": {"memoryPolicy": policy}}, (NUMA_MAPS,))
    if run.report is None:
        check(rid, False, f"a container with memoryPolicy {policy} is created and runs", "it runs", run.error)
    output = run.report.exec["numa"]["output"]
    check(
        rid,
        re.search(rf"(?m)^[0-9a-f]+ {re.escape(shown)}( |$)", output) is not None,
        f"memoryPolicy {policy} is the program's NUMA policy",
        f"numa_maps lines with policy {shown!r}",
        output[:600] or "(nothing)",
    )


@pytest.mark.parametrize("mode", sorted(MEMORY_POLICY_MODES))
@requirement("features-linux.memory-policy.modes")
def test_advertised_memory_policy_mode_is_recognized(probe, features_document: dict, mode: str) -> None:
    listed = ((features_document.get("linux") or {}).get("memoryPolicy") or {}).get("modes") or []
    if mode not in listed:
        skip_unsupported(
            "features-linux.memory-policy.modes", f"features does not list memory policy mode {mode}"
        )
    nodes, shown = MEMORY_POLICY_MODES[mode]
    policy = {"mode": mode, **({"nodes": nodes} if nodes else {})}
    _policy_applied(probe, "features-linux.memory-policy.modes", policy, shown)


@pytest.mark.parametrize("flag", sorted(MEMORY_POLICY_FLAGS))
@requirement("features-linux.memory-policy.flags")
def test_advertised_memory_policy_flag_is_recognized(probe, features_document: dict, flag: str) -> None:
    listed = ((features_document.get("linux") or {}).get("memoryPolicy") or {}).get("flags") or []
    if flag not in listed:
        skip_unsupported(
            "features-linux.memory-policy.flags", f"features does not list memory policy flag {flag}"
        )
    mode, nodes, shown = MEMORY_POLICY_FLAGS[flag]
    _policy_applied(
        probe, "features-linux.memory-policy.flags", {"mode": mode, "nodes": nodes, "flags": [flag]}, shown
    )


# -- Intel RDT ---------------------------------------------------------------------------------


def _resctrl_mounted() -> bool:
    with open("/proc/self/mountinfo") as handle:
        return any(line.partition(" - ")[2].startswith("resctrl ") for line in handle)


@requirement("config-linux.intel-rdt.no-resctrl", "runtime.errors.no-side-effects")
def test_intel_rdt_without_resctrl_is_refused(make_container, state_entries) -> None:
    if _resctrl_mounted():
        skip_unsupported(
            "config-linux.intel-rdt.no-resctrl",
            "a resctrl filesystem is mounted on this host; the case needs a host without one",
        )
    container = make_container(IDLE, {"linux": {"intelRdt": {"closID": "oci-conformance"}}})
    result = container.create()
    check_refused_without_trace(
        container,
        result,
        "config-linux.intel-rdt.no-resctrl",
        "create with intelRdt set while no resctrl filesystem is mounted is an error",
        state_entries,
    )
