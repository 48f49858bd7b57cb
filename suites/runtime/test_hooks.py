"""Hooks: each type runs at its lifecycle step, in order, with the state on stdin; failures stop it."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from conformance.core.asserts import check, check_equal
from conformance.runtime.hooks import HOOK_TYPES, logging_hook, read_log, read_stdin

requirement = pytest.mark.requirement

PROGRAM = {"process": {"args": ["/bin/sh", "-c", "echo program >> /oci-hooks.log"]}}


def _hooked(make_container, hooks: dict[str, list[dict]], *patches: dict):
    """A container whose config carries `hooks`; hook commands need the rootfs path, so build in two steps."""
    container = make_container(PROGRAM, *patches)
    rootfs = container.bundle.rootfs
    config = dict(container.bundle.config)
    config["hooks"] = {
        kind: [logging_hook(kind, rootfs, **opts) for opts in entries] for kind, entries in hooks.items()
    }
    container.bundle.write_config(config)
    return container


@pytest.fixture
def full_run(make_container):
    """All six hook types, two prestart hooks; the log after create, after stop and after delete."""
    hooks = {kind: [{}] for kind in HOOK_TYPES}
    hooks["prestart"] = [{"label": "prestart-1"}, {"label": "prestart-2"}]
    container = _hooked(make_container, hooks)
    rootfs = container.bundle.rootfs
    logs = {}
    create = container.create()
    logs["created"] = read_log(rootfs)
    created_pid = (container.state().document or {}).get("pid")
    start = container.start() if create.ok else None
    container.wait_status("stopped", 15)
    time.sleep(0.2)
    logs["stopped"] = read_log(rootfs)
    delete = container.delete()
    logs["deleted"] = read_log(rootfs)
    return SimpleNamespace(
        container=container, logs=logs, create=create, start=start, delete=delete, created_pid=created_pid
    )


def _order(log: list[str], *names: str) -> bool:
    positions = [log.index(name) for name in names if name in log]
    return len(positions) == len(names) and positions == sorted(positions)


@requirement("runtime.lifecycle.prestart", "config.hooks.prestart", "config.hooks.order")
def test_prestart_hooks_run_at_create_in_order(full_run) -> None:
    container, logs, create = full_run.container, full_run.logs, full_run.create
    check(
        "runtime.lifecycle.prestart",
        create.ok,
        "create with hooks succeeds",
        "exit 0",
        container.transcript(),
    )
    check(
        ["runtime.lifecycle.prestart", "config.hooks.order"],
        _order(logs["stopped"], "prestart-1", "prestart-2"),
        "both prestart hooks ran, in listed order, before the program",
        "prestart-1, prestart-2",
        logs["stopped"],
    )
    check(
        "config.hooks.prestart",
        "program" not in logs["created"] or "prestart-1" in logs["created"],
        "prestart ran before the user program",
        "prestart before program",
        logs["stopped"],
    )


@requirement(
    "runtime.lifecycle.createruntime",
    "config.hooks.createruntime",
    "config.hooks.prestart-before-createruntime",
)
def test_createruntime_hooks_run_during_create(full_run) -> None:
    logs = full_run.logs
    check(
        ["runtime.lifecycle.createruntime", "config.hooks.createruntime"],
        "createRuntime" in logs["created"],
        "createRuntime ran during create",
        "createRuntime logged after create",
        logs["created"],
    )
    check(
        "config.hooks.prestart-before-createruntime",
        _order(logs["created"], "prestart-2", "createRuntime"),
        "prestart hooks ran before createRuntime",
        "prestart-2 before createRuntime",
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
        "createContainer" in logs["created"],
        "createContainer ran during create",
        "createContainer logged after create",
        logs["created"],
    )
    check(
        "config.hooks.createcontainer-after-createruntime",
        _order(logs["created"], "createRuntime", "createContainer"),
        "createRuntime ran before createContainer",
        "createRuntime before createContainer",
        logs["created"],
    )


@requirement(
    "runtime.lifecycle.startcontainer",
    "config.hooks.startcontainer",
    "config.hooks.startcontainer-path-namespace",
)
def test_startcontainer_hooks_run_at_start_before_program(full_run) -> None:
    logs = full_run.logs
    rids = ["runtime.lifecycle.startcontainer", "config.hooks.startcontainer"]
    check(
        rids,
        "startContainer" not in logs["created"],
        "startContainer did not run at create",
        "absent after create",
        logs["created"],
    )
    check(
        rids,
        _order(logs["stopped"], "startContainer", "program"),
        "startContainer ran before the program",
        "startContainer before program",
        logs["stopped"],
    )


@requirement("runtime.lifecycle.poststart", "config.hooks.poststart")
def test_poststart_hooks_run_after_start(full_run) -> None:
    logs, start = full_run.logs, full_run.start
    check(
        ["runtime.lifecycle.poststart", "config.hooks.poststart"],
        start is not None and start.ok,
        "start with hooks succeeds",
        "exit 0",
        start.describe() if start else "create failed",
    )
    check(
        ["runtime.lifecycle.poststart", "config.hooks.poststart"],
        "poststart" in logs["stopped"] and "poststart" not in logs["created"],
        "poststart ran after start, not at create",
        "poststart logged after start only",
        logs,
    )


@requirement("runtime.lifecycle.poststop", "config.hooks.poststop")
def test_poststop_hooks_run_at_delete(full_run) -> None:
    logs, delete = full_run.logs, full_run.delete
    check(["runtime.lifecycle.poststop"], delete.ok, "delete succeeds", "exit 0", delete.describe())
    check(
        ["runtime.lifecycle.poststop", "config.hooks.poststop"],
        "poststop" in logs["deleted"] and "poststop" not in logs["stopped"],
        "poststop ran at delete and not before",
        "poststop logged after delete only",
        logs,
    )


@requirement("config.hooks.state-stdin", "runtime.state.pid-hook-namespace")
def test_hooks_receive_state_on_stdin(full_run) -> None:
    container, logs = full_run.container, full_run.logs
    for label in ("prestart-1", "createRuntime", "poststart", "poststop"):
        if label not in logs["deleted"]:
            continue
        state = read_stdin(container.bundle.rootfs, label)
        check(
            "config.hooks.state-stdin",
            state is not None,
            f"{label} got a JSON state on stdin",
            "a JSON object",
            "nothing or not JSON",
        )
        check_equal(
            "config.hooks.state-stdin", f"id in the state given to {label}", container.id, state.get("id")
        )
        check_equal(
            "config.hooks.state-stdin",
            f"bundle in the state given to {label}",
            str(container.bundle.path),
            state.get("bundle"),
        )
        if label in ("prestart-1", "createRuntime", "poststart"):
            check_equal(
                "runtime.state.pid-hook-namespace",
                f"pid in the state given to {label} (a hook in the runtime namespace)",
                full_run.created_pid,
                state.get("pid"),
            )


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(kind, marks=requirement(f"runtime.lifecycle.{kind.lower()}-fail"), id=kind)
        for kind in ("prestart", "createRuntime", "createContainer", "startContainer")
    ],
)
def test_failing_hook_stops_the_lifecycle(make_container, kind: str) -> None:
    container = _hooked(make_container, {kind: [{"exit_code": 3}], "poststop": [{}]})
    create = container.create()
    start = container.start() if create.ok else None
    failed = create.refused or (start is not None and start.refused)
    time.sleep(0.2)
    log = read_log(container.bundle.rootfs)
    check(
        failed,
        f"a failing {kind} hook makes create or start an error",
        "non-zero exit",
        container.transcript(),
    )
    check(
        "program" not in log,
        f"the user program does not run after a failing {kind} hook",
        "no 'program' in the hook log",
        log,
    )
    state = container.state()
    check(
        state.result.refused or state.status == "stopped",
        "the container is stopped or gone",
        "state error or status stopped",
        state.status,
    )


@requirement("runtime.lifecycle.poststart-fail")
def test_failing_poststart_hook_is_an_error(make_container) -> None:
    container = _hooked(
        make_container,
        {"poststart": [{"exit_code": 3}]},
        {"process": {"args": ["/bin/sh", "-c", "sleep 30"]}},
    )
    check(container.create().ok, "create succeeds", "exit 0", container.transcript())
    start = container.start()
    check(start.refused, "start reports the failing poststart hook", "non-zero exit", start.describe())
    final = container.wait_for(lambda r: r.result.refused or r.status == "stopped", 10)
    check(
        final.result.refused or final.status == "stopped",
        "the container is stopped after the failure",
        "stopped or gone",
        final.status,
    )


@requirement("runtime.lifecycle.poststop-fail", "runtime.warnings.continue")
def test_failing_poststop_hook_is_only_a_warning(make_container) -> None:
    container = _hooked(
        make_container, {"poststop": [{"exit_code": 3, "label": "poststop-1"}, {"label": "poststop-2"}]}
    )
    check(
        "runtime.lifecycle.poststop-fail",
        container.create().ok,
        "create succeeds",
        "exit 0",
        container.transcript(),
    )
    container.start()
    container.wait_status("stopped", 15)
    delete = container.delete()
    log = read_log(container.bundle.rootfs)
    check(
        "runtime.lifecycle.poststop-fail",
        delete.ok,
        "delete succeeds despite a failing poststop hook",
        "exit 0",
        delete.describe(),
    )
    check(
        "runtime.warnings.continue",
        "poststop-2" in log,
        "the hook after the failing one still runs",
        "poststop-2 in the log",
        log,
    )
    check(
        "runtime.lifecycle.poststop-fail",
        container.state().result.refused,
        "the container is gone",
        "state error",
        "state succeeded",
    )


@requirement("config.hooks.timeout")
def test_hook_timeout_is_enforced(make_container) -> None:
    """A prestart hook sleeping 300 s with a 1 s timeout: create must fail long before our 90 s limit."""
    container = make_container(PROGRAM)
    hook = logging_hook("prestart", container.bundle.rootfs, sleep=300)
    hook["timeout"] = 1
    container.bundle.write_config(dict(container.bundle.config, hooks={"prestart": [hook]}))
    create = container.create(timeout=90)
    check(
        create.refused and create.duration < 60,
        "create fails once the 1 s hook timeout expires",
        "an error well within 60 s",
        f"{'timed out' if create.timed_out else f'exit {create.returncode}'} after {create.duration:.1f}s",
    )
