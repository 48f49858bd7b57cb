"""Hooks: each type runs at its lifecycle step, in order, in its namespaces, with the state on stdin.

One container carries two hooks of every type. Each hook program exists at the same absolute
path on the host and inside the rootfs, as two marked copies, and records which copy ran, its
namespaces, argv, environment and stdin (conformance/runtime/hooks.py HookRig). The tests judge
those records against the container's and the host's namespaces seen from outside.
"""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.core.asserts import check, check_equal, current_requirements, fail, skip_unsupported
from conformance.runtime import host
from conformance.runtime.asserts import check_released
from conformance.runtime.container import Container
from conformance.runtime.drivers import RuntimeDriver
from conformance.runtime.fixtures import workspace
from conformance.runtime.hooks import (
    EXEC_IN_CONTAINER,
    HOOK_TYPES,
    PATH_IN_CONTAINER,
    RECORDS,
    HookRig,
)
from conformance.runtime.probing import host_facts

requirement = pytest.mark.requirement

#: Logs that it ran, then waits to be killed (so poststart sees a running container).
PROGRAM = {"process": {"args": ["/bin/sh", "-c", f"echo program >> /{RECORDS}/log; exec sleep 120"]}}
#: Arguments and environment every hook gets beyond its script, to check they arrive exactly.
EXTRA_ARGS = ("two words", "", "--flag=x")
EXTRA_ENV = ("OCI_HOOK_A=1", "OCI_HOOK_SPACES=a  b", "OCI_HOOK_EMPTY=")
#: The status the state given to each hook type must show (runtime.md, State and Lifecycle):
#: create-time hooks run inside the create operation (steps 3-5), after step 2, so "creating"
#: or "created"; startContainer runs before the program is executed ("created"); poststart after
#: it was executed and while it runs ("running"); poststop after the process exited ("stopped").
STATUS_SEEN = {
    "prestart": ("creating", "created"),
    "createRuntime": ("creating", "created"),
    "createContainer": ("creating", "created"),
    "startContainer": ("created",),
    "poststart": ("running",),
    "poststop": ("stopped",),
}


def _with_hooks(container: Container, hooks: dict[str, list[dict[str, Any]]]) -> Container:
    container.bundle.write_config(dict(container.bundle.config, hooks=hooks))
    return container


def _runs_in_other_mount_ns(runtime: RuntimeDriver) -> bool:
    """Whether the suite wraps the runtime in a mount namespace of its own (crun on hybrid hosts)."""
    prefix = getattr(runtime, "command_prefix", None)
    return bool(prefix and prefix())


def _observe(runtime: RuntimeDriver, pid: object) -> dict[str, Any] | None:
    if runtime.host_visible_process and isinstance(pid, int) and pid > 0:
        return host.observe(pid)
    return None


def _record_full_run(container: Container, rig: HookRig, runtime: RuntimeDriver) -> SimpleNamespace:
    logs: dict[str, list[str]] = {}
    run = SimpleNamespace(container=container, rig=rig, logs=logs, start=None, delete=None, outside=None)
    run.host_ns = host_facts()["ns"]
    run.create = container.create()
    logs["created"] = rig.log()
    created = container.state()
    run.created_pid = (created.document or {}).get("pid")
    run.outside = _observe(runtime, run.created_pid)
    if run.create.ok:
        run.start = container.start()
        deadline = time.monotonic() + 10
        while "program" not in rig.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        logs["started"] = rig.log()
        run.running = container.state()
        container.kill("SIGKILL")
        container.wait_status("stopped", 15)
    logs["stopped"] = rig.log()
    run.delete = container.delete()
    logs["deleted"] = rig.log()
    return run


@pytest.fixture(scope="module")
def full_run(request: pytest.FixtureRequest, runtime: RuntimeDriver) -> SimpleNamespace:
    """Two hooks of every type on one container; the hook log after create, start, stop, delete."""
    shared = workspace(request)
    container_id = shared.factory.new_id("hooks")
    bundle = shared.factory.create(container_id, PROGRAM)
    container = Container(runtime, bundle, container_id, shared.janitor)
    request.addfinalizer(container.cleanup)
    rig = HookRig(bundle.path, bundle.rootfs)
    hooks = {
        kind: [rig.entry(kind, f"{kind}-{n}", extra_args=EXTRA_ARGS, env=EXTRA_ENV) for n in (1, 2)]
        for kind in HOOK_TYPES
    }
    _with_hooks(container, hooks)
    return _record_full_run(container, rig, runtime)


@pytest.fixture(autouse=True)
def _show_bundle_on_failure(request: pytest.FixtureRequest) -> None:
    if "full_run" in request.fixturenames:
        from conformance.plugin.stash import USED_BUNDLES

        run = request.getfixturevalue("full_run")
        request.node.stash.setdefault(USED_BUNDLES, []).append((run.container.bundle, run.container))


def _order(log: list[str], *names: str) -> bool:
    positions = [log.index(name) for name in names if name in log]
    return len(positions) == len(names) and positions == sorted(positions)


@requirement("runtime.lifecycle.prestart", "config.hooks.prestart")
def test_prestart_hooks_run_at_create_in_order(full_run) -> None:
    container, logs, create = full_run.container, full_run.logs, full_run.create
    check(create.ok, "create with hooks succeeds", "exit 0", container.transcript())
    check(
        _order(logs["created"], "prestart-1", "prestart-2"),
        "both prestart hooks ran during create",
        "prestart-1, prestart-2 in the log after create",
        logs["created"],
    )
    check(
        "program" not in logs["created"],
        "prestart ran before the user program (which must not run at create)",
        "no 'program' after create",
        logs["created"],
    )


@requirement("config.hooks.order")
def test_hooks_of_each_type_run_in_listed_order(full_run) -> None:
    log = full_run.logs["deleted"]
    for kind in HOOK_TYPES:
        first, second = f"{kind}-1", f"{kind}-2"
        if first not in log and second not in log:
            continue  # a type that never ran is judged by its own test
        check(
            _order(log, first, second), f"the two {kind} hooks ran in listed order", f"{first}, {second}", log
        )
    check(any(f"{kind}-2" in log for kind in HOOK_TYPES), "some hooks ran", "a non-empty log", log)


@requirement(
    "runtime.lifecycle.createruntime",
    "config.hooks.createruntime",
    "config.hooks.prestart-before-createruntime",
)
def test_createruntime_hooks_run_during_create(full_run) -> None:
    logs = full_run.logs
    check(
        ["runtime.lifecycle.createruntime", "config.hooks.createruntime"],
        "createRuntime-1" in logs["created"] and "program" not in logs["created"],
        "createRuntime ran during create",
        "createRuntime logged after create",
        logs["created"],
    )
    check(
        "config.hooks.prestart-before-createruntime",
        _order(logs["created"], "prestart-2", "createRuntime-1"),
        "prestart hooks ran before createRuntime",
        "prestart-2 before createRuntime-1",
        logs["created"],
    )


@requirement(
    "runtime.lifecycle.createcontainer",
    "config.hooks.createcontainer",
    "config.hooks.createcontainer-after-createruntime",
)
def test_createcontainer_hooks_run_during_create(full_run) -> None:
    logs = full_run.logs
    check(
        ["runtime.lifecycle.createcontainer", "config.hooks.createcontainer"],
        "createContainer-1" in logs["created"],
        "createContainer ran during create",
        "createContainer logged after create",
        logs["created"],
    )
    check(
        "config.hooks.createcontainer-after-createruntime",
        _order(logs["created"], "createRuntime-2", "createContainer-1"),
        "createRuntime ran before createContainer",
        "createRuntime-2 before createContainer-1",
        logs["created"],
    )


@requirement("runtime.lifecycle.startcontainer", "config.hooks.startcontainer")
def test_startcontainer_hooks_run_at_start_before_program(full_run) -> None:
    logs = full_run.logs
    check(
        "startContainer-1" not in logs["created"],
        "startContainer did not run at create",
        "absent after create",
        logs["created"],
    )
    check(
        _order(logs["deleted"], "startContainer-2", "program"),
        "startContainer ran at start, before the program",
        "startContainer-2 before program",
        logs["deleted"],
    )


@requirement("runtime.lifecycle.poststart", "config.hooks.poststart")
def test_poststart_hooks_run_after_start(full_run) -> None:
    logs, start = full_run.logs, full_run.start
    check(
        start is not None and start.ok,
        "start with hooks succeeds",
        "exit 0",
        start.describe() if start else "create failed",
    )
    check(
        "poststart-2" in logs["started"] and "poststart-1" not in logs["created"],
        "poststart ran by the time start returned, and not at create",
        "poststart logged after start only",
        logs,
    )


@requirement("runtime.lifecycle.poststop", "config.hooks.poststop")
def test_poststop_hooks_run_at_delete(full_run) -> None:
    logs, delete = full_run.logs, full_run.delete
    check(delete.ok, "delete succeeds", "exit 0", delete.describe())
    check(
        "poststop-2" in logs["deleted"] and "poststop-1" not in logs["stopped"],
        "poststop ran at delete (by the time it returned) and not before",
        "poststop logged after delete only",
        logs,
    )


def _record_of(full_run, kind: str):
    record = full_run.rig.record(f"{kind}-1")
    if record is None:
        fail(
            f"the {kind} hook ran and recorded itself",
            f"a record of {kind}-1",
            f"none; hook log {full_run.logs['deleted']}",
            full_run.container.transcript(),
        )
    return record


def _per_kind(prefix: str, suffix: str = ""):
    return pytest.mark.parametrize(
        "kind",
        [
            pytest.param(kind, marks=requirement(f"{prefix}{kind.lower()}{suffix}"), id=kind)
            for kind in HOOK_TYPES
        ],
    )


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(
            kind, marks=requirement("config.hooks.state-stdin", "runtime.state.pid-hook-namespace"), id=kind
        )
        for kind in HOOK_TYPES
    ],
)
def test_hooks_receive_state_on_stdin(full_run, kind: str) -> None:
    container = full_run.container
    record = _record_of(full_run, kind)
    state = record.state
    shown = f"the state {kind}-1 got: {json.dumps(state)}"
    check(
        "config.hooks.state-stdin",
        state is not None,
        f"{kind} got a JSON state on stdin",
        "a JSON object",
        state,
    )
    check_equal(
        "config.hooks.state-stdin", f"id in the state given to {kind}", container.id, state.get("id"), shown
    )
    check_equal(
        "config.hooks.state-stdin",
        f"bundle in the state given to {kind}",
        str(container.bundle.path),
        state.get("bundle"),
        shown,
    )
    check(
        "config.hooks.state-stdin",
        state.get("status") in STATUS_SEEN[kind],
        f"status in the state given to {kind}",
        " or ".join(STATUS_SEEN[kind]),
        state.get("status"),
        shown,
    )
    if kind == "poststop":
        return  # the container is gone: pid is not required
    if kind in EXEC_IN_CONTAINER:
        expected, where = 1, "as seen in the container's pid namespace, where it is init"
    else:
        expected, where = full_run.created_pid, "as seen by the runtime (state after create)"
    check_equal(
        "runtime.state.pid-hook-namespace",
        f"pid in the state given to {kind}, {where}",
        expected,
        state.get("pid"),
        shown,
    )


@_per_kind("config.hooks.", "-path-namespace")
def test_hook_path_resolves_in_its_namespace(full_run, kind: str) -> None:
    record = _record_of(full_run, kind)
    side = "container" if kind in PATH_IN_CONTAINER else "runtime"
    check_equal(
        f"which copy of {full_run.rig.program(kind)} (present in both namespaces) the {kind} hook ran",
        side,
        record.side,
    )


@_per_kind("config.hooks.", "-exec-namespace")
def test_hook_executes_in_its_namespace(full_run, runtime: RuntimeDriver, kind: str) -> None:
    record = _record_of(full_run, kind)
    observed = record.namespaces
    container_ns = (full_run.outside or {}).get("namespaces")
    if kind in EXEC_IN_CONTAINER:
        if container_ns is None:
            skip_unsupported(f"{runtime.name} hides the container's process, so its namespaces are unknown")
        for name in ("mnt", "pid", "net"):
            check_equal(
                f"{kind} hook's {name} namespace (the container's)",
                container_ns.get(name),
                observed.get(name),
            )
        return
    for name in ("pid", "net"):
        check_equal(
            f"{kind} hook's {name} namespace (the runtime's)", full_run.host_ns.get(name), observed.get(name)
        )
    if not _runs_in_other_mount_ns(runtime):
        check_equal(
            f"{kind} hook's mnt namespace (the runtime's)", full_run.host_ns.get("mnt"), observed.get("mnt")
        )
    if container_ns is not None and kind != "poststop":
        # (By poststop the container's namespaces are gone, and the kernel reuses their numbers.)
        check(
            observed.get("mnt") != container_ns.get("mnt"),
            f"{kind} hook's mnt namespace is not the container's",
            f"not {container_ns.get('mnt')}",
            observed.get("mnt"),
        )


@pytest.mark.parametrize(
    "kind", [pytest.param(kind, marks=requirement("config.hooks.args"), id=kind) for kind in HOOK_TYPES]
)
def test_hook_args_arrive_exactly(full_run, kind: str) -> None:
    """args are the hook's argv, byte for byte, empty and spaced arguments included (execv's argv)."""
    record = _record_of(full_run, kind)
    hook = full_run.container.bundle.config["hooks"][kind][0]
    check_equal(f"argv of the {kind} hook", hook["args"], record.argv)


@pytest.mark.parametrize(
    "kind", [pytest.param(kind, marks=requirement("config.hooks.env"), id=kind) for kind in HOOK_TYPES]
)
def test_hook_env_arrives_exactly(full_run, kind: str) -> None:
    """env is the hook's whole environment, nothing added or dropped (environ semantics)."""
    record = _record_of(full_run, kind)
    hook = full_run.container.bundle.config["hooks"][kind][0]
    check_equal(f"environment of the {kind} hook", hook["env"], record.env)


# -- failing hooks: an error, the container stopped and destroyed, poststop run -----------------


def _failing_run(make_container, runtime: RuntimeDriver, kind: str) -> SimpleNamespace:
    """A hook of `kind` that fails (exit 3), a prestart witness before it, and a poststop hook.

    A create-time failing hook waits for a signal before it exits, so the suite can look at the
    container (pid from the witness's state) while the runtime is inside the hook.
    """
    container = make_container(PROGRAM)
    rig = HookRig(container.bundle.path, container.bundle.rootfs)
    at_create = kind in ("prestart", "createRuntime", "createContainer")
    hooks: dict[str, list[dict[str, Any]]] = {"prestart": [rig.entry("prestart", "witness")]}
    failing = rig.entry(kind, "failing", exit_code=3, wait_for="go" if at_create else "")
    hooks.setdefault(kind, []).append(failing)
    hooks["poststop"] = [rig.entry("poststop", "poststop-1")]
    _with_hooks(container, hooks)
    run = SimpleNamespace(container=container, rig=rig, outside=None, pid=None, start=None)
    if at_create:
        result: list = []
        worker = threading.Thread(target=lambda: result.append(container.create()), daemon=True)
        worker.start()
        witness = rig.wait_record("witness", 30)
        # Up to 30 s for the failing hook to start; a create that returned without it never will.
        deadline = time.monotonic() + 30
        while rig.record("failing") is None and worker.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if rig.record("failing") is not None:
            rig.wait_record("failing", 30)  # until its record is complete
        run.pid = ((witness.state if witness else None) or {}).get("pid")
        run.outside = _observe(runtime, run.pid)
        rig.signal("go")
        worker.join(120)
        run.create = result[0] if result else None
        run.failed = run.create is not None and run.create.refused
        run.failure = run.create.describe() if run.create else "create did not return within 120 s"
    else:
        run.create = container.create()
        check(run.create.ok, "create succeeds", "exit 0", container.transcript())
        run.pid = (container.state().document or {}).get("pid")
        run.outside = _observe(runtime, run.pid)
        run.start = container.start()
        run.failed = run.start.refused
        run.failure = run.start.describe()
    # Destroying the container follows a failed operation; after a success there is nothing to wait for.
    run.gone = container.wait_for(lambda r: r.result.refused, 10 if run.failed else 0)
    # The lifecycle ends with the poststop hooks: once poststop-1 logged, nothing else can run.
    run.log = rig.wait_logged("poststop-1", 0.2)
    return run


def _check_failure_handled(run: SimpleNamespace, kind: str, program_may_run: bool) -> None:
    container = run.container
    check(run.failed, f"a failing {kind} hook makes the operation an error", "non-zero exit", run.failure)
    if not program_may_run:
        check(
            "program" not in run.log,
            f"the user program does not run after a failing {kind} hook",
            "no 'program' in the hook log",
            run.log,
        )
    check(
        run.gone.result.refused,
        f"the container is destroyed after the failing {kind} hook (lifecycle step 12)",
        "state refuses the id",
        f"state shows status {run.gone.status!r}",
        container.transcript(),
    )
    check(
        "poststop-1" in run.log,
        f"poststop hooks ran after the failing {kind} hook (lifecycle step 13)",
        "poststop-1 in the hook log",
        run.log,
    )
    check_released(
        current_requirements(),
        run.pid,
        run.outside,
        container.bundle.rootfs,
        "the container",
        container.transcript(),
    )


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(kind, marks=requirement(f"runtime.lifecycle.{kind.lower()}-fail"), id=kind)
        for kind in ("prestart", "createRuntime", "createContainer", "startContainer")
    ],
)
def test_failing_hook_stops_the_lifecycle(make_container, runtime: RuntimeDriver, kind: str) -> None:
    run = _failing_run(make_container, runtime, kind)
    _check_failure_handled(run, kind, program_may_run=False)


@requirement("runtime.lifecycle.poststart-fail")
def test_failing_poststart_hook_is_an_error(make_container, runtime: RuntimeDriver) -> None:
    run = _failing_run(make_container, runtime, "poststart")
    _check_failure_handled(run, "poststart", program_may_run=True)


@requirement("runtime.lifecycle.poststop-fail", "runtime.warnings.continue")
def test_failing_poststop_hook_is_only_a_warning(make_container, runtime: RuntimeDriver) -> None:
    container = make_container(PROGRAM)
    rig = HookRig(container.bundle.path, container.bundle.rootfs)
    _with_hooks(
        container,
        {"poststop": [rig.entry("poststop", "poststop-1", exit_code=3), rig.entry("poststop", "poststop-2")]},
    )
    rid = "runtime.lifecycle.poststop-fail"
    check(rid, container.create().ok, "create succeeds", "exit 0", container.transcript())
    pid = (container.state().document or {}).get("pid")
    outside = _observe(runtime, pid)
    container.start()
    container.kill("SIGKILL")
    container.wait_status("stopped", 15)
    delete = container.delete()
    log = rig.log()
    check(rid, delete.ok, "delete succeeds despite a failing poststop hook", "exit 0", delete.describe())
    check(
        "runtime.warnings.continue",
        _order(log, "poststop-1", "poststop-2"),
        "the hook after the failing one still runs",
        "poststop-1 then poststop-2 in the log",
        log,
    )
    check(rid, container.state().result.refused, "the container is gone", "state error", "state succeeded")
    check_released(rid, pid, outside, container.bundle.rootfs)


# -- timeouts -------------------------------------------------------------------------------


def _hook_pid(rig: HookRig, label: str) -> int | None:
    record = rig.wait_record(label, 5)
    try:
        return int(record.pid) if record else None
    except ValueError:
        return None


@requirement("config.hooks.timeout")
def test_hook_timeout_aborts_prestart(make_container, runtime: RuntimeDriver) -> None:
    """A prestart hook sleeping 300 s with a 1 s timeout: create fails soon, the hook is killed."""
    container = make_container(PROGRAM)
    rig = HookRig(container.bundle.path, container.bundle.rootfs)
    _with_hooks(
        container,
        {
            "prestart": [rig.entry("prestart", "slow", sleep=300, timeout=1)],
            "poststop": [rig.entry("poststop", "poststop-1")],
        },
    )
    create = container.create(timeout=30)
    check(
        create.refused and create.duration < 20,
        "create fails once the 1 s hook timeout expires",
        "an error well within 20 s",
        f"{'timed out' if create.timed_out else f'exit {create.returncode}'} after {create.duration:.1f}s",
        container.transcript(),
    )
    pid = _hook_pid(rig, "slow")
    check(pid is not None, "the slow hook ran", "its record", rig.log())
    deadline = time.monotonic() + 5
    while host.alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    check(
        not host.alive(pid), "the hook that exceeded its timeout was killed", f"process {pid} gone", "alive"
    )
    gone = container.wait_for(lambda r: r.result.refused, 10)
    check(gone.result.refused, "the container is destroyed", "state refuses the id", gone.status)
    state = (rig.record("slow").state or {}) if rig.record("slow") else {}
    check_released("config.hooks.timeout", state.get("pid"), None, container.bundle.rootfs)


@requirement("config.hooks.timeout", "runtime.lifecycle.poststop-fail")
def test_hook_timeout_aborts_poststop(make_container, runtime: RuntimeDriver) -> None:
    """A poststop hook over its 1 s timeout is aborted; delete carries on (a failed poststop warns)."""
    container = make_container(PROGRAM)
    rig = HookRig(container.bundle.path, container.bundle.rootfs)
    _with_hooks(
        container,
        {
            "poststop": [
                rig.entry("poststop", "slow", sleep=300, timeout=1),
                rig.entry("poststop", "poststop-2"),
            ]
        },
    )
    check(container.create().ok, "create succeeds", "exit 0", container.transcript())
    container.start()
    container.kill("SIGKILL")
    container.wait_status("stopped", 15)
    delete = container.delete()
    check(
        "config.hooks.timeout",
        not delete.timed_out and delete.duration < 20,
        "delete returns once the 1 s poststop timeout expires",
        "well within 20 s",
        f"{'timed out' if delete.timed_out else f'exit {delete.returncode}'} after {delete.duration:.1f}s",
    )
    check("runtime.lifecycle.poststop-fail", delete.ok, "delete succeeds", "exit 0", delete.describe())
    pid = _hook_pid(rig, "slow")
    check("config.hooks.timeout", pid is not None, "the slow hook ran", "its record", rig.log())
    deadline = time.monotonic() + 5
    while host.alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    check(
        "config.hooks.timeout",
        not host.alive(pid),
        "the poststop hook that exceeded its timeout was killed",
        f"process {pid} gone",
        "alive",
    )
    check(
        "runtime.lifecycle.poststop-fail",
        "poststop-2" in rig.log(),
        "the next poststop hook still ran",
        "poststop-2 in the log",
        rig.log(),
    )
