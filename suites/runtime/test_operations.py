"""Each OCI operation's error cases: missing arguments, wrong status, unknown ids, bad bundles."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.runtime.asserts import check_refused_without_effect, check_refused_without_trace
from conformance.runtime.bundle import build_config

requirement = pytest.mark.requirement

#: Waits for a signal; prints a marker only if it ever runs.
IDLE = {"process": {"args": ["/bin/sh", "-c", "echo program-ran; exec sleep 600"]}}


@requirement("runtime.query-state.error-no-id")
def test_state_without_id_fails(runtime) -> None:
    result = runtime.invoke("state")
    check(
        result.refused,
        "state without a container id is an error",
        "non-zero exit",
        result.describe(),
    )


@requirement("runtime.query-state.error-not-exist")
def test_state_of_unknown_id_fails(runtime, bundles_factory) -> None:
    result = runtime.state(bundles_factory.new_id("never-created"))
    check(
        result.refused,
        "state of an id never created is an error",
        "non-zero exit",
        result.describe(),
    )


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(op, marks=requirement(f"runtime.{op}.error-no-id"), id=op)
        for op in ("start", "kill", "delete")
    ],
)
def test_operation_without_id_fails(runtime, operation: str) -> None:
    result = runtime.invoke(operation)
    check(
        result.refused,
        f"{operation} without a container id is an error",
        "non-zero exit",
        result.describe(),
    )


@requirement("runtime.create.error-missing-args")
def test_create_without_id_fails(runtime, make_container) -> None:
    container = make_container(IDLE)
    result = runtime.invoke("create", "--bundle", str(container.bundle.path))
    check(
        result.refused,
        "create without a container id is an error",
        "non-zero exit",
        result.describe(),
    )


@requirement("runtime.create.error-duplicate-id", "runtime.state.id-unique")
def test_create_with_duplicate_id_fails_and_keeps_first(make_container) -> None:
    rids = ["runtime.create.error-duplicate-id", "runtime.state.id-unique"]
    first = make_container(IDLE, hint="dup")
    check(rids, first.create().ok, "create of the first container succeeds", "exit 0", first.transcript())
    before = first.state().document
    second = make_container(IDLE, {"hostname": "second"}, hint="dup")
    second.id = first.id
    result = second.create()
    after = first.state().document
    check(
        rids,
        result.refused,
        "a second create with the same id is an error",
        "non-zero exit",
        result.describe(),
    )
    check_equal(rids, "the first container's state is untouched", before, after)


@requirement("runtime.lifecycle.create-error", "runtime.errors.no-side-effects", "bundle.config.required")
def test_create_with_missing_bundle_fails_cleanly(runtime, make_container, state_entries) -> None:
    container = make_container(IDLE)
    missing = container.bundle.path.parent / (container.bundle.path.name + "-absent")
    result = runtime.create(container.id, missing, output_dir=container.bundle.output_dir)
    container.calls.append(result)
    check_refused_without_trace(
        container,
        result,
        "runtime.lifecycle.create-error",
        "create with a bundle path that does not exist",
        state_entries,
    )


@requirement("bundle.config.required", "runtime.errors.no-side-effects")
def test_create_without_config_json_fails_cleanly(make_container, state_entries) -> None:
    container = make_container(IDLE)
    container.bundle.config_path.unlink()
    check_refused_without_trace(
        container,
        container.create(),
        "bundle.config.required",
        "create of a bundle without config.json is an error",
        state_entries,
    )


@requirement(
    "runtime.create.error-unsupported", "runtime.errors.no-side-effects", "runtime.lifecycle.create-error"
)
def test_create_with_unapplicable_config_fails_cleanly(runtime, make_container, state_entries) -> None:
    """A namespace path that does not exist cannot be joined: create must fail and leave nothing."""
    rids = ["runtime.create.error-unsupported", "runtime.lifecycle.create-error"]
    patch = {
        "linux": {
            "namespaces": [
                {"type": "pid"},
                {"type": "mount"},
                {"type": "network", "path": "/proc/self/ns/oci-absent"},
            ]
        }
    }
    container = make_container(patch)
    check_refused_without_trace(
        container,
        container.create(),
        rids,
        "create with an unjoinable namespace path is an error",
        state_entries,
    )


@requirement("runtime.start.error-no-process", "config.process.required-for-start")
def test_start_without_process_fails(make_container) -> None:
    config = build_config()
    del config["process"]
    container = make_container(config=config)
    created = container.create()
    if created.refused:
        # Refusing the bundle at create also keeps the program from running; nothing to start.
        check(
            "runtime.start.error-no-process",
            container.state().result.refused,
            "a refused create leaves no container",
            "state is an error",
            "state succeeded",
        )
        return
    started = container.start()
    check(
        "runtime.start.error-no-process",
        started.refused,
        "start of a container without process is an error",
        "non-zero exit",
        started.describe(),
    )


@requirement("runtime.delete.error-not-stopped")
def test_delete_of_created_container_fails_without_effect(make_container) -> None:
    container = make_container(IDLE)
    check(container.create().ok, "create succeeds", "exit 0", container.transcript())
    result = container.delete()
    check_refused_without_effect("delete", result, status="created", after=container.state())


@requirement("runtime.kill.sends-signal")
def test_kill_of_created_container_stops_it(make_container) -> None:
    container = make_container(IDLE)
    check(container.create().ok, "create succeeds", "exit 0", container.transcript())
    result = container.kill("SIGKILL")
    check(result.ok, "kill SIGKILL of a created container succeeds", "exit 0", result.describe())
    final = container.wait_status("stopped", 10)
    check_equal("status after SIGKILL", "stopped", final.status)
    time.sleep(0.1)
    check(
        "program-ran" not in container.bundle.stdout,
        "the user program never ran",
        "no output",
        repr(container.bundle.stdout[-200:]),
    )


@requirement("runtime.delete.id-reuse", "runtime.create.creates")
def test_id_can_be_reused_after_delete(make_container) -> None:
    first = make_container(IDLE, hint="reuse")
    check("runtime.create.creates", first.create().ok, "create succeeds", "exit 0", first.transcript())
    first.kill("SIGKILL")
    first.wait_status("stopped", 10)
    check("runtime.create.creates", first.delete().ok, "delete succeeds", "exit 0", first.transcript())
    second = make_container(IDLE, hint="reuse")
    second.id = first.id
    result = second.create()
    check(
        "runtime.delete.id-reuse",
        result.ok,
        "create with the id of a deleted container",
        "exit 0",
        result.describe(),
    )
    check_equal("runtime.delete.id-reuse", "status of the new container", "created", second.state().status)


@requirement("runtime.state.annotations-empty")
def test_state_without_annotations(make_container) -> None:
    container = make_container(IDLE)
    check(container.create().ok, "create succeeds", "exit 0", container.transcript())
    document = container.state().document or {}
    check(
        document.get("annotations", {}) == {},
        "annotations of a container configured without any",
        "absent or {}",
        repr(document.get("annotations")),
    )


#: The namespaces the default config asks for, by their /proc/PID/ns name.
DEFAULT_NAMESPACES = ("pid", "net", "ipc", "uts", "mnt")


@requirement(
    "runtime.lifecycle.create-environment",
    "runtime.lifecycle.create-resources",
    "runtime.create.apply-config",
)
def test_create_builds_environment_before_start(runtime, make_container) -> None:
    """Seen from the host: after create, before start, the container process already has its namespaces."""
    rids = ["runtime.lifecycle.create-environment", "runtime.create.apply-config"]
    if not runtime.host_visible_process:
        skip_unsupported(
            rids, f"{runtime.name} runs the container in a sandbox; its namespaces are not the host's"
        )
    container = make_container(IDLE, {"hostname": "created-env"})
    check(rids, container.create().ok, "create succeeds", "exit 0", container.transcript())
    pid = (container.state().document or {}).get("pid")
    check("runtime.state.pid", isinstance(pid, int) and pid > 0, "pid of the created container", "> 0", pid)
    shared = [ns for ns in DEFAULT_NAMESPACES if _ns(pid, ns) == _ns("self", ns)]
    check_equal(
        "runtime.lifecycle.create-resources",
        "requested namespaces shared with the host after create",
        [],
        shared,
    )
    hostname = _hostname_in_uts_of(pid)
    check_equal(
        "runtime.create.apply-config",
        "hostname in the created container's UTS namespace",
        "created-env",
        hostname,
    )
    check(
        "runtime.lifecycle.create-environment",
        "program-ran" not in container.bundle.stdout,
        "the program has not run",
        "no output",
        repr(container.bundle.stdout[-200:]),
    )


def _ns(pid: int | str, name: str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/ns/{name}")
    except OSError as exc:
        return f"<{exc.strerror}>"


def _hostname_in_uts_of(pid: int) -> str:
    done = subprocess.run(
        ["nsenter", "-t", str(pid), "-u", "hostname"], capture_output=True, text=True, timeout=10
    )
    return done.stdout.strip() if done.returncode == 0 else f"<nsenter failed: {done.stderr.strip()}>"


def _hand_written(name: str, make_container):
    """A container whose bundle is a hand-written fixture plus the suite's rootfs."""
    from conformance.fixture_bundles import bundle_dir

    container = make_container(hint=name)
    source = bundle_dir(name) / "config.json"
    container.bundle.config_path.write_bytes(source.read_bytes())
    return container


@requirement("runtime.lifecycle.create-error", "runtime.errors.no-side-effects")
def test_create_with_config_that_is_not_json_fails_cleanly(make_container, state_entries) -> None:
    container = _hand_written("config-not-json", make_container)
    check_refused_without_trace(
        container,
        container.create(),
        "runtime.lifecycle.create-error",
        "create of a bundle whose config.json is not JSON",
        state_entries,
    )


@requirement("config.extensibility.unknown-properties")
def test_unknown_config_properties_are_ignored(make_container) -> None:
    container = _hand_written("unknown-properties", make_container)
    check(
        container.create().ok,
        "create of a config with unknown properties succeeds",
        "exit 0",
        container.transcript(),
    )
    check(container.start().ok, "start succeeds", "exit 0", container.transcript())
    check(
        container.wait_output("unknown-properties-ok", 10),
        "the program runs",
        "its output",
        repr(container.bundle.stdout[-300:]),
    )
