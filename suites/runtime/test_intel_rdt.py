"""config-linux.md intelRdt: resctrl groups, their tasks and schemata, monitoring groups.

Every test needs a resctrl filesystem at /sys/fs/resctrl and is skipped with that host fact
where it is absent (the refusal without resctrl is tested in test_linux.py). Schema values are
taken from the root group's own schemata, so they are valid for the host's caches.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.runtime import host, resctrl

requirement = pytest.mark.requirement

IDLE = {"process": {"args": ["/bin/sh", "-c", "exec sleep 600"]}}


def _need_resctrl(requirements: list[str]) -> None:
    missing = host.missing_features(["resctrl"])
    if missing:
        skip_unsupported(requirements, "; ".join(missing))


def _root_line(resource: str, requirements: list[str]) -> str:
    """The root group's schemata line for L3 or MB: a value this host accepts."""
    for line in resctrl.read_group("/").schemata:
        if line.startswith(f"{resource}:"):
            return line
    skip_unsupported(requirements, f"the host's resctrl root group has no {resource} resource")
    raise AssertionError("unreachable")


def _pid(container) -> int:
    reading = container.state()
    pid = (reading.document or {}).get("pid")
    check("config-linux.intel-rdt.tasks", isinstance(pid, int) and pid > 0, "state pid", "a pid", pid)
    return pid


@pytest.fixture
def foreign_group() -> Iterator[str]:
    """A resctrl group the suite makes itself (as an administrator would), removed afterwards."""
    _need_resctrl(["config-linux.intel-rdt.preconfigured-check"])
    name = f"oci-conformance-{secrets.token_hex(4)}"
    directory = resctrl.group_dir(name)
    directory.mkdir()
    try:
        yield name
    finally:
        with contextlib.suppress(OSError):
            directory.rmdir()


@requirement(
    "config-linux.intel-rdt.tasks",
    "config-linux.intel-rdt.default-closid",
    "config-linux.intel-rdt.one-schema",
    "config-linux.intel-rdt.remove-own",
)
def test_group_named_after_the_container(make_container) -> None:
    rids = ["config-linux.intel-rdt.default-closid"]
    _need_resctrl(rids)
    schema = _root_line("L3", rids)
    container = make_container(IDLE, {"linux": {"intelRdt": {"l3CacheSchema": schema}}})
    check(
        container.create().ok, "create with intelRdt.l3CacheSchema", "exit 0", container.calls[-1].describe()
    )
    group = resctrl.read_group(container.id)
    check(
        "config-linux.intel-rdt.default-closid",
        group.exists,
        f"resctrl group {container.id}",
        "exists",
        group,
    )
    check(
        "config-linux.intel-rdt.tasks",
        _pid(container) in group.tasks,
        "the pid in tasks",
        "listed",
        group.tasks,
    )
    check_equal(
        "config-linux.intel-rdt.one-schema",
        "L3 line of the schemata",
        [schema],
        [line for line in group.schemata if line.startswith("L3:")],
    )
    container.kill("SIGKILL")
    container.wait_status("stopped", 10)
    container.delete()
    check(
        "config-linux.intel-rdt.remove-own",
        not resctrl.read_group(container.id).exists,
        "the group the runtime made is gone after delete",
        "absent",
        "still there",
    )


@requirement("config-linux.intel-rdt.both-schemas", "config-linux.intel-rdt.schemata")
def test_both_schemas_and_schemata_lines(make_container) -> None:
    rids = ["config-linux.intel-rdt.both-schemas"]
    _need_resctrl(rids)
    l3, mb = _root_line("L3", rids), _root_line("MB", rids)
    container = make_container(IDLE, {"linux": {"intelRdt": {"l3CacheSchema": l3, "memBwSchema": mb}}})
    check(rids, container.create().ok, "create with both schemas", "exit 0", container.calls[-1].describe())
    written = resctrl.read_group(container.id).schemata
    check(rids, l3 in written and mb in written, "both lines in schemata", [l3, mb], written)
    other = make_container(IDLE, {"linux": {"intelRdt": {"schemata": [l3, mb]}}})
    check(
        "config-linux.intel-rdt.schemata",
        other.create().ok,
        "create with schemata",
        "exit 0",
        other.calls[-1].describe(),
    )
    written = resctrl.read_group(other.id).schemata
    check(
        "config-linux.intel-rdt.schemata",
        l3 in written and mb in written,
        "schemata lines",
        [l3, mb],
        written,
    )


@requirement("config-linux.intel-rdt.closid-root")
def test_closid_root_is_the_default_class(make_container) -> None:
    _need_resctrl(["config-linux.intel-rdt.closid-root"])
    container = make_container(IDLE, {"linux": {"intelRdt": {"closID": "/"}}})
    check(container.create().ok, "create with closID /", "exit 0", container.calls[-1].describe())
    root = resctrl.read_group("/")
    check(_pid(container) in root.tasks, "the pid is in the root group's tasks", "listed", root.tasks[:20])


@requirement("config-linux.intel-rdt.create-closid", "config-linux.intel-rdt.keep-foreign")
def test_a_new_closid_group_is_created_and_kept(make_container) -> None:
    rids = ["config-linux.intel-rdt.create-closid"]
    _need_resctrl(rids)
    name = f"oci-conformance-{secrets.token_hex(4)}"
    schema = _root_line("L3", rids)
    try:
        container = make_container(IDLE, {"linux": {"intelRdt": {"closID": name, "l3CacheSchema": schema}}})
        check(
            rids, container.create().ok, "create with a new closID", "exit 0", container.calls[-1].describe()
        )
        check(rids, resctrl.read_group(name).exists, f"group {name} created", "exists", "absent")
        container.kill("SIGKILL")
        container.wait_status("stopped", 10)
        container.delete()
        check(
            "config-linux.intel-rdt.keep-foreign",
            resctrl.read_group(name).exists,
            "a group named by closID survives the container",
            "exists",
            "removed",
        )
    finally:
        with contextlib.suppress(OSError):
            resctrl.group_dir(name).rmdir()


@requirement(
    "config-linux.intel-rdt.preconfigured-check",
    "config-linux.intel-rdt.preconfigured-assign",
    "config-linux.intel-rdt.no-schema",
    "config-linux.intel-rdt.keep-foreign",
)
def test_a_preconfigured_group_is_joined_as_it_is(make_container, foreign_group: str) -> None:
    before = resctrl.read_group(foreign_group).schemata
    container = make_container(IDLE, {"linux": {"intelRdt": {"closID": foreign_group}}})
    check(
        "config-linux.intel-rdt.preconfigured-assign",
        container.create().ok,
        "create joining a pre-configured group",
        "exit 0",
        container.calls[-1].describe(),
    )
    group = resctrl.read_group(foreign_group)
    check(
        "config-linux.intel-rdt.preconfigured-assign",
        _pid(container) in group.tasks,
        "pid in tasks",
        "listed",
        group.tasks,
    )
    check_equal("config-linux.intel-rdt.no-schema", "the group's schemata", before, group.schemata)
    container.kill("SIGKILL")
    container.wait_status("stopped", 10)
    container.delete()
    check(
        "config-linux.intel-rdt.keep-foreign",
        resctrl.read_group(foreign_group).exists,
        "group kept",
        "exists",
        "removed",
    )


@requirement("config-linux.intel-rdt.preconfigured-assign", "runtime.errors.no-side-effects")
def test_a_missing_preconfigured_group_is_an_error(make_container) -> None:
    _need_resctrl(["config-linux.intel-rdt.preconfigured-assign"])
    name = f"oci-conformance-absent-{secrets.token_hex(4)}"
    container = make_container(IDLE, {"linux": {"intelRdt": {"closID": name}}})
    result = container.create()
    check(
        "config-linux.intel-rdt.preconfigured-assign",
        result.refused,
        "create with a missing group",
        "an error",
        result.describe(),
    )
    check(
        "runtime.errors.no-side-effects",
        not resctrl.read_group(name).exists,
        "no group made",
        "absent",
        "created",
    )


@requirement("config-linux.intel-rdt.existing-closid")
def test_an_existing_group_with_other_schemata_is_an_error(make_container, foreign_group: str) -> None:
    schema = _root_line("L3", ["config-linux.intel-rdt.existing-closid"])
    current = [line for line in resctrl.read_group(foreign_group).schemata if line.startswith("L3:")]
    domain, _, mask = schema.partition("=")
    other = f"{domain}={'1' if mask.split(';')[0] != '1' else '3'}"
    if current == [other]:
        other = schema
    container = make_container(
        IDLE, {"linux": {"intelRdt": {"closID": foreign_group, "l3CacheSchema": other}}}
    )
    result = container.create()
    check(
        result.refused, "create whose schema differs from the existing group's", "an error", result.describe()
    )


@requirement(
    "config-linux.intel-rdt.monitoring",
    "config-linux.intel-rdt.monitoring-name",
    "config-linux.intel-rdt.monitoring-delete",
)
def test_monitoring_group(make_container) -> None:
    rids = ["config-linux.intel-rdt.monitoring"]
    _need_resctrl(rids)
    schema = _root_line("L3", rids)
    container = make_container(
        IDLE, {"linux": {"intelRdt": {"l3CacheSchema": schema, "enableMonitoring": True}}}
    )
    check(
        rids, container.create().ok, "create with enableMonitoring", "exit 0", container.calls[-1].describe()
    )
    group = resctrl.read_group(container.id)
    check(
        "config-linux.intel-rdt.monitoring-name",
        container.id in group.mon_groups,
        f"mon_groups/{container.id} under the container's group",
        "exists",
        group.mon_groups,
    )
    container.kill("SIGKILL")
    container.wait_status("stopped", 10)
    container.delete()
    monitoring = resctrl.group_dir(container.id) / "mon_groups" / container.id
    check(
        "config-linux.intel-rdt.monitoring-delete",
        not monitoring.exists(),
        "monitoring group removed",
        "absent",
        monitoring,
    )


@requirement("config-linux.intel-rdt.unset")
def test_without_intel_rdt_resctrl_is_left_alone(make_container) -> None:
    _need_resctrl(["config-linux.intel-rdt.unset"])
    before = resctrl.groups()
    container = make_container(IDLE)
    check(container.create().ok, "create without intelRdt", "exit 0", container.calls[-1].describe())
    check_equal("resctrl groups after create", before, resctrl.groups())
