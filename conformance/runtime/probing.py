"""Running the probe in a container and keeping what it saw."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.asserts import fail
from conformance.core.errors import ProbeError
from conformance.runtime import host
from conformance.runtime.bundle import Bundle, BundleFactory
from conformance.runtime.bundle.probe import ProbeReport, parse_report
from conformance.runtime.container import Container, Janitor
from conformance.runtime.drivers import RuntimeDriver

#: How long a probe container may take from start to stopped.
PROBE_WAIT = 30.0


@dataclass
class ProbeRun:
    """One probe container: its bundle, the runtime calls, and the report (or why none)."""

    bundle: Bundle
    container: Container
    report: ProbeReport | None = None
    error: str = ""
    host: dict[str, Any] = field(default_factory=dict)
    #: What the host saw of the created container (host.observe), or None where it cannot look.
    outside: dict[str, Any] | None = None
    #: Why `outside` is None.
    outside_missing: str = ""
    #: After delete: whether the process was gone and which of its cgroup directories remained.
    released: dict[str, Any] = field(default_factory=dict)

    def observed(self) -> dict[str, Any]:
        """The report as plain data with the host's view under `outside`, for matrix lookups."""
        assert self.report is not None
        data = self.report.as_dict()
        if self.outside is not None:
            data["outside"] = self.outside
        else:
            data["unobservable"] = [*data["unobservable"], "outside"]
            data.setdefault("unobservable_reasons", {})["outside"] = self.outside_missing
        return data

    def require_report(self, requirements: Iterable[str]) -> ProbeReport:
        """The report, or a failure naming the requirements and the runtime transcript."""
        if self.report is None:
            fail(
                list(requirements),
                "the probe container did not produce a report",
                "create/start succeed and the probe prints its report",
                self.error,
                f"container stdout:\n{self.bundle.stdout[-2000:]}\n"
                f"container stderr:\n{self.bundle.stderr[-2000:]}",
            )
        return self.report


def host_facts() -> dict[str, Any]:
    """Values matrices may compare against with `$host.` (e.g. `$host.ns.net`)."""

    namespaces = {}
    for name in os.listdir("/proc/self/ns"):
        try:
            namespaces[name] = os.readlink(f"/proc/self/ns/{name}")
        except OSError:
            continue
    return {"ns": namespaces}


def run_probe(
    runtime: RuntimeDriver,
    factory: BundleFactory,
    janitor: Janitor,
    patch: Mapping[str, Any],
    requests: Iterable[str] = (),
    hint: str = "probe",
) -> ProbeRun:
    """create, start, wait for stopped, parse the output, delete; always cleans up."""
    container_id = factory.new_id(hint)
    bundle = factory.create(container_id, patch)
    requests = list(requests)
    if requests:
        bundle.probe_requests(requests)
    container = Container(runtime, bundle, container_id, janitor)
    run = ProbeRun(bundle=bundle, container=container, host=host_facts())
    stopped = False
    try:
        pid_file = bundle.output_dir / "pid"
        created = container.create(pid_file=pid_file)
        if not created.ok:
            run.error = f"create failed: {created.describe()}"
            return run
        _look_outside(run, runtime, pid_file)
        started = container.start()
        if not started.ok:
            run.error = f"start failed: {started.describe()}"
            return run
        if run.outside is not None:
            host.wait_exit(run.outside["pid"], PROBE_WAIT)  # wakes on the exit itself
        else:
            container.wait_output("@done", PROBE_WAIT, or_stopped=True)
        final = container.wait_status("stopped", PROBE_WAIT)
        stopped = final.status == "stopped"
        if not stopped:
            run.error = f"the container did not stop within {PROBE_WAIT:g}s (last status {final.status!r})"
            return run
        try:
            run.report = parse_report(bundle.stdout)
        except ProbeError as exc:
            run.error = str(exc)
        return run
    finally:
        container.cleanup(stopped=stopped)
        if run.outside is not None:
            run.released = {
                "process_gone": not host.alive(run.outside["pid"]),
                "cgroup_dirs_left": host.container_cgroup_dirs_left(run.outside),
            }


def _look_outside(run: ProbeRun, runtime: RuntimeDriver, pid_file: Path) -> None:
    """Read the created container's process from the host, where the runtime lets the host see it.

    The pid comes from the --pid-file create wrote; `state` is asked only where there is none.
    """
    if not runtime.host_visible_process:
        run.outside_missing = "the runtime runs the container in a sandbox whose process the host cannot see"
        return
    try:
        pid: object = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        reading = run.container.state()
        pid = (reading.document or {}).get("pid")
    if not isinstance(pid, int) or pid <= 0:
        run.outside_missing = f"no usable pid for the created container ({pid!r})"
        return
    run.outside = host.observe(pid)
