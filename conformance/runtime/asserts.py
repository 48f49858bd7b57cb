"""Runtime-specific assertions, built on conformance.core.asserts (which knows no runtime types)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.core import hostinfo
from conformance.core.asserts import Requirements, check, check_equal
from conformance.core.result import CommandResult
from conformance.runtime import cgroups, host
from conformance.runtime.container import Container, StateReading


def check_refused_without_effect(
    operation: str,
    result: CommandResult,
    *,
    status: str,
    after: StateReading,
    output: str | None = None,
    marker: str = "started",
    requirements: Requirements | None = None,
    context: str = "",
) -> None:
    """An operation the runtime must refuse on a container in `status` (e.g. start of a running one).

    Checks that `result` is an error, that `after` (state read after the call) still shows `status`,
    and, given `output` (the program's stdout since), that the program did not run again: `marker`,
    printed once when it started, is there exactly once. Requirements: as for `check`.
    """
    check(
        result.refused,
        f"{operation} of a {status} container is an error",
        "non-zero exit",
        result.describe(),
        context,
        requirements=requirements,
    )
    check_equal(
        f"status after the refused {operation}", status, after.status, context, requirements=requirements
    )
    if output is not None:
        check_equal(
            "the program did not run again", 1, output.count(marker), context, requirements=requirements
        )


def check_refused_without_trace(
    container: Container,
    result: CommandResult,
    rids: Requirements,
    what: str,
    state_entries: Callable[[str], list[str]],
) -> None:
    """A create that must fail: an error in time, then no container, no state files and no cgroup
    directories for the id (a runtime that failed half-way must undo what it did)."""
    check(
        rids,
        result.refused,
        what,
        "non-zero exit in time",
        result.describe(),
        container.transcript(),
    )
    check(
        "runtime.errors.no-side-effects",
        container.state().result.refused,
        "no container exists after the failed create",
        "state is an error",
        "state succeeded",
    )
    check_equal(
        "runtime.errors.no-side-effects",
        "files left in the runtime's state directory for the id",
        [],
        state_entries(container.id),
    )
    check_equal(
        "runtime.errors.no-side-effects",
        "cgroup directories left on the host for the id",
        [],
        [str(path) for path in cgroups.find_named({container.id}, hostinfo.mountinfo())],
    )


def mounts_under(path: Path | str) -> list[str]:
    """Mount points in the host's (this process's) mount table at or below `path`."""
    text = hostinfo.mountinfo()
    base = str(path).rstrip("/")
    found = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        point = fields[4].encode().decode("unicode_escape")
        if point == base or point.startswith(base + "/"):
            found.append(point)
    return found


def released(
    pid: object, outside: dict[str, Any] | None, rootfs: Path, within: float = 5.0
) -> dict[str, Any]:
    """What is left of a destroyed container: its process, cgroup directories, rootfs mounts.

    `pid` is the container process as the host saw it, `outside` what host.observe saw of it
    (None where the runtime hides the process). Waits up to `within` seconds for the process
    to go, since a runtime may reap it asynchronously.
    """
    alive = False
    if isinstance(pid, int) and pid > 0:
        deadline = time.monotonic() + within
        alive = host.alive(pid)
        while alive and time.monotonic() < deadline:
            time.sleep(0.05)
            alive = host.alive(pid)
    return {
        "process_alive": alive,
        "cgroup_dirs_left": host.container_cgroup_dirs_left(outside) if outside else [],
        "mounts_left": mounts_under(rootfs),
    }


def check_released(
    requirements: Requirements,
    pid: object,
    outside: dict[str, Any] | None,
    rootfs: Path,
    what: str = "the container",
    context: str = "",
) -> None:
    """Nothing of a destroyed container remains: no process, no cgroup directory, no rootfs mount."""
    left = released(pid, outside, rootfs)
    check(
        requirements,
        not left["process_alive"],
        f"the process of {what} is gone",
        f"no live process {pid}",
        f"process {pid} still alive",
        context,
    )
    check_equal(requirements, f"cgroup directories of {what} left", [], left["cgroup_dirs_left"], context)
    check_equal(requirements, f"mounts of {what}'s rootfs left on the host", [], left["mounts_left"], context)
