"""The lifecycle of one container, observed once per runtime and judged requirement by requirement.

One container goes through create, start, kill and delete, with the invalid operations tried
at each status; every test below judges one requirement from that recorded trace.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance.core import semver
from conformance.core.asserts import check, check_equal
from conformance.core.result import CommandResult
from conformance.runtime import host
from conformance.runtime.asserts import check_refused_without_effect, released
from conformance.runtime.container import Container, StateReading
from conformance.runtime.drivers import RuntimeDriver
from conformance.runtime.fixtures import workspace
from conformance.schemas import validate

requirement = pytest.mark.requirement

ANNOTATIONS = {"org.opencontainers.conformance.case": "lifecycle", "com.example.empty": ""}
#: Prints a marker when started, reports each SIGUSR1, and exits on SIGTERM.
PROGRAM = [
    "/bin/sh",
    "-c",
    'echo started; trap "echo got-usr1" USR1; trap "echo got-term; exit 0" TERM; '
    "while :; do sleep 0.05; done",
]
SETTLE = 0.3  # seconds to give a program that should not run a chance to show itself


@dataclass
class Trace:
    """What the runtime did and reported at each step of the lifecycle."""

    container: Container
    steps: dict[str, CommandResult] = field(default_factory=dict)
    states: dict[str, StateReading] = field(default_factory=dict)
    output: dict[str, str] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)

    def context(self) -> str:
        return "runtime calls:\n" + self.container.transcript(30)


def _record_lifecycle(container: Container, runtime: RuntimeDriver) -> Trace:
    trace = Trace(container)
    bundle = container.bundle
    trace.steps["create"] = container.create()
    if not trace.steps["create"].ok:
        return trace
    trace.states["created"] = container.state()
    pid = trace.states["created"].document and trace.states["created"].document.get("pid")
    trace.facts["created_pid_alive"] = isinstance(pid, int) and pid > 0 and os.path.exists(f"/proc/{pid}")
    trace.facts["created_pid"] = pid
    visible = runtime.host_visible_process and isinstance(pid, int) and pid > 0
    trace.facts["outside"] = host.observe(pid) if visible else None
    time.sleep(SETTLE)
    trace.output["after_create"] = bundle.stdout
    # The config changes after create must not reach the container.
    changed = dict(
        bundle.config, process=dict(bundle.config["process"], args=["/bin/sh", "-c", "echo modified-config"])
    )
    bundle.write_config(changed)
    trace.steps["start"] = container.start()
    trace.facts["started_output_seen"] = container.wait_output("started", 10)
    trace.states["running"] = container.wait_status("running", 5)
    trace.steps["start_running"] = container.start()
    trace.states["after_start_running"] = container.state()
    trace.steps["delete_running"] = container.delete()
    trace.states["after_delete_running"] = container.state()
    trace.steps["kill_usr1"] = container.kill("SIGUSR1")
    trace.facts["usr1_seen"] = container.wait_output("got-usr1", 10)
    trace.states["after_usr1"] = container.state()
    trace.steps["kill_term"] = container.kill("SIGTERM")
    trace.states["stopped"] = container.wait_status("stopped", 15)
    trace.output["stopped"] = bundle.stdout
    trace.steps["kill_stopped"] = container.kill("SIGUSR1")
    trace.states["after_kill_stopped"] = container.state()
    trace.steps["start_stopped"] = container.start()
    trace.states["after_start_stopped"] = container.state()
    time.sleep(SETTLE)
    trace.output["after_start_stopped"] = bundle.stdout
    root = runtime.state_root
    trace.facts["state_entries_before_delete"] = _entries_naming(root, container.id)
    trace.steps["delete"] = container.delete()
    trace.states["after_delete"] = container.state()
    trace.facts["state_entries_after_delete"] = _entries_naming(root, container.id)
    trace.facts["cgroups_after_delete"] = _cgroups_naming(container.id)
    trace.facts["released"] = released(pid, trace.facts["outside"], bundle.rootfs)
    trace.facts["bundle_after_delete"] = bundle.config_path.exists() and (bundle.rootfs / "bin").is_dir()
    trace.steps["delete_again"] = container.delete()
    return trace


def _entries_naming(root: Path | None, container_id: str) -> list[str]:
    if root is None or not root.exists():
        return []
    return sorted(str(p) for p in root.rglob(f"*{container_id}*"))


def _cgroups_naming(container_id: str) -> list[str]:
    found = []
    for controller in Path("/sys/fs/cgroup").glob("*"):
        try:
            found += [str(p) for p in controller.rglob(f"*{container_id}*") if p.is_dir()]
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def trace(request: pytest.FixtureRequest, runtime: RuntimeDriver) -> Trace:
    shared = workspace(request)
    container_id = shared.factory.new_id("lifecycle")
    bundle = shared.factory.create(container_id, {"process": {"args": PROGRAM}, "annotations": ANNOTATIONS})
    container = Container(runtime, bundle, container_id, shared.janitor)
    request.addfinalizer(container.cleanup)
    recorded = _record_lifecycle(container, runtime)
    if not recorded.steps["create"].ok:
        pytest.fail(
            "[runtime.create.creates] create of a valid bundle failed:\n"
            + recorded.steps["create"].describe()
        )
    return recorded


@pytest.fixture(autouse=True)
def _show_trace_on_failure(request: pytest.FixtureRequest) -> None:
    if "trace" in request.fixturenames:
        from conformance.plugin.stash import USED_BUNDLES

        recorded = request.getfixturevalue("trace")
        request.node.stash.setdefault(USED_BUNDLES, []).append(
            (recorded.container.bundle, recorded.container)
        )


STATUSES = ("created", "running", "stopped")


@requirement("runtime.state.schema", "runtime.query-state.returns-state")
def test_state_documents_match_schema(trace: Trace) -> None:
    for status in STATUSES:
        reading = trace.states[status]
        check(
            "runtime.query-state.returns-state",
            reading.document is not None,
            f"state of a {status} container is a JSON object",
            "a JSON state document",
            reading.error or reading.result.describe(),
            trace.context(),
        )
        violations = validate("runtime/state", reading.document)
        check(
            "runtime.state.schema",
            not violations,
            f"state while {status} adheres to the state schema",
            "no schema violations",
            "; ".join(f"{v.path}: {v.message}" for v in violations),
        )


@requirement("runtime.state.ociversion")
def test_state_oci_version(trace: Trace) -> None:
    for status in STATUSES:
        version = trace.states[status].get("ociVersion")
        check(
            semver.is_semver(version),
            f"ociVersion while {status} is a SemVer 2.0.0 version",
            "e.g. 1.0.2",
            repr(version),
        )


@requirement("runtime.state.id")
def test_state_id(trace: Trace) -> None:
    for status in STATUSES:
        check_equal(
            f"id while {status}",
            trace.container.id,
            trace.states[status].get("id"),
        )


@requirement("runtime.state.status", "runtime.state.status-values")
def test_state_status_transitions(trace: Trace) -> None:
    observed = [trace.states[s].status for s in STATUSES]
    check_equal(
        ["runtime.state.status", "runtime.state.status-values"],
        "status after create, after start, after the process exited",
        list(STATUSES),
        observed,
        trace.context(),
    )


@requirement("runtime.state.pid")
def test_state_pid(trace: Trace) -> None:
    created = trace.states["created"].get("pid")
    running = trace.states["running"].get("pid")
    for status, pid in (("created", created), ("running", running)):
        check(
            isinstance(pid, int) and not isinstance(pid, bool) and pid > 0,
            f"pid while {status}",
            "a positive integer",
            repr(pid),
        )
    check_equal("the container process keeps its pid from created to running", created, running)
    check(
        trace.facts["created_pid_alive"],
        "the created pid is a live process on the host",
        f"/proc/{created} exists",
        "no such process",
    )


@requirement("runtime.state.bundle")
def test_state_bundle(trace: Trace) -> None:
    expected = str(trace.container.bundle.path)
    for status in STATUSES:
        bundle = trace.states[status].get("bundle")
        check(
            isinstance(bundle, str) and os.path.isabs(bundle),
            f"bundle while {status} is an absolute path",
            "an absolute path",
            repr(bundle),
        )
        check(
            os.path.realpath(bundle) == os.path.realpath(expected),
            f"bundle while {status} names the bundle directory",
            expected,
            bundle,
        )


@requirement("runtime.state.annotations", "config.annotations.map")
def test_state_annotations_round_trip(trace: Trace) -> None:
    for status in STATUSES:
        check_equal(
            ["runtime.state.annotations", "config.annotations.map"],
            f"annotations while {status}",
            ANNOTATIONS,
            trace.states[status].get("annotations"),
        )


@requirement("runtime.lifecycle.create-no-program", "runtime.create.args-deferred")
def test_create_does_not_run_program(trace: Trace) -> None:
    check(
        ["runtime.lifecycle.create-no-program", "runtime.create.args-deferred"],
        "started" not in trace.output["after_create"],
        f"the user program has not run {SETTLE}s after create",
        "no output yet",
        repr(trace.output["after_create"][-300:]),
    )
    check_equal(
        "runtime.lifecycle.create-no-program",
        "status after create",
        "created",
        trace.states["created"].status,
    )


@requirement("runtime.lifecycle.config-immutable")
def test_config_changes_after_create_have_no_effect(trace: Trace) -> None:
    check(
        "modified-config" not in trace.output["stopped"] and "started" in trace.output["stopped"],
        "the program from config.json at create time runs, not the edited one",
        "output with 'started' and without 'modified-config'",
        repr(trace.output["stopped"][-300:]),
    )


@requirement("runtime.start.runs-program", "runtime.lifecycle.run-program")
def test_start_runs_program(trace: Trace) -> None:
    check(
        ["runtime.start.runs-program"],
        trace.steps["start"].ok,
        "start of a created container succeeds",
        "exit 0",
        trace.steps["start"].describe(),
    )
    check(
        ["runtime.start.runs-program", "runtime.lifecycle.run-program"],
        trace.facts["started_output_seen"],
        "the user program runs after start",
        "'started' on stdout",
        repr(trace.output["stopped"][-300:]),
    )


@requirement("runtime.start.error-not-created")
def test_start_of_running_container_fails_without_effect(trace: Trace) -> None:
    check_refused_without_effect(
        "start",
        trace.steps["start_running"],
        status="running",
        after=trace.states["after_start_running"],
        output=trace.output["stopped"],
    )


@requirement("runtime.start.error-not-created")
def test_start_of_stopped_container_fails_without_effect(trace: Trace) -> None:
    check_refused_without_effect(
        "start",
        trace.steps["start_stopped"],
        status="stopped",
        after=trace.states["after_start_stopped"],
        output=trace.output["after_start_stopped"],
    )


@requirement("runtime.delete.error-not-stopped")
def test_delete_of_running_container_fails_without_effect(trace: Trace) -> None:
    check_refused_without_effect(
        "delete", trace.steps["delete_running"], status="running", after=trace.states["after_delete_running"]
    )


@requirement("runtime.kill.sends-signal")
def test_kill_delivers_signal(trace: Trace) -> None:
    check(
        trace.steps["kill_usr1"].ok,
        "kill SIGUSR1 of a running container succeeds",
        "exit 0",
        trace.steps["kill_usr1"].describe(),
    )
    check(
        trace.facts["usr1_seen"],
        "the process's SIGUSR1 trap ran",
        "'got-usr1' on stdout",
        repr(trace.output["stopped"][-300:]),
    )
    check_equal("a trapped signal does not stop the container", "running", trace.states["after_usr1"].status)
    check(
        "got-term" in trace.output["stopped"],
        "SIGTERM reached the process's trap",
        "'got-term' on stdout",
        repr(trace.output["stopped"][-300:]),
    )


@requirement("runtime.kill.error-not-running")
def test_kill_of_stopped_container_fails_without_effect(trace: Trace) -> None:
    check_refused_without_effect(
        "kill", trace.steps["kill_stopped"], status="stopped", after=trace.states["after_kill_stopped"]
    )


@requirement(
    "runtime.delete.removes-resources", "runtime.lifecycle.destroy", "runtime.query-state.error-not-exist"
)
def test_delete_removes_container(trace: Trace) -> None:
    rid = "runtime.delete.removes-resources"
    check(
        rid,
        trace.steps["delete"].ok,
        "delete of a stopped container succeeds",
        "exit 0",
        trace.steps["delete"].describe(),
    )
    check(
        "runtime.query-state.error-not-exist",
        trace.states["after_delete"].result.refused,
        "state of a deleted container is an error",
        "non-zero exit",
        trace.states["after_delete"].result.describe(),
    )
    check(
        rid,
        not trace.facts["state_entries_after_delete"],
        "nothing named after the container is left in the runtime's state directory",
        "[]",
        trace.facts["state_entries_after_delete"],
    )
    left = trace.facts["released"]
    check(
        rid,
        not left["process_alive"],
        "the container's process is gone after delete",
        f"no live process {trace.facts['created_pid']}",
        "still alive",
    )
    check_equal(
        rid,
        "the container's cgroup directories (seen at create) left after delete",
        [],
        left["cgroup_dirs_left"],
    )
    check_equal(
        rid, "mounts of the container's rootfs left on the host after delete", [], left["mounts_left"]
    )
    check(
        rid,
        not trace.facts["cgroups_after_delete"],
        "no cgroup named after the container is left",
        "[]",
        trace.facts["cgroups_after_delete"],
    )
    check(
        rid,
        trace.steps["delete_again"].refused,
        "a second delete of the same id is an error",
        "non-zero exit",
        trace.steps["delete_again"].describe(),
    )


@requirement("runtime.delete.keeps-foreign-resources")
def test_delete_keeps_bundle(trace: Trace) -> None:
    check(
        trace.facts["bundle_after_delete"],
        "the bundle (not created by the runtime) survives delete",
        "config.json and rootfs/bin exist",
        "missing",
    )


@requirement("runtime.operations.supported", "runtime.scope.same-entity")
def test_operations_supported(trace: Trace) -> None:
    for step in ("create", "start", "kill_usr1", "kill_term", "delete"):
        check(
            ["runtime.operations.supported", "runtime.scope.same-entity"],
            trace.steps[step].ok,
            f"the {step.split('_')[0]} operation on the suite's own container succeeds",
            "exit 0",
            trace.steps[step].describe(),
        )
    for status in STATUSES:
        check(
            "runtime.operations.supported",
            trace.states[status].result.ok,
            f"state while {status}",
            "exit 0",
            trace.states[status].result.describe(),
        )
