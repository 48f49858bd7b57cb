"""The process object where a matrix case cannot say it: refused configs, the caller's inheritance,
what `features` advertises, and processes started by `exec`."""

from __future__ import annotations

import json
import os

import pytest

from conformance.core.asserts import check, check_equal, fail, skip_unsupported
from conformance.runtime.asserts import check_refused_without_trace
from conformance.runtime.bundle.probe import capability_names

requirement = pytest.mark.requirement

#: A container that stays running until it is killed.
IDLE = {"process": {"args": ["/bin/sleep", "600"]}}


@requirement("config.process.rlimits.duplicate", "runtime.errors.no-side-effects")
def test_duplicate_rlimit_type_is_refused(make_container, state_entries) -> None:
    container = make_container(
        {
            "process": {
                "rlimits": [
                    {"type": "RLIMIT_NOFILE", "soft": 256, "hard": 512},
                    {"type": "RLIMIT_NOFILE", "soft": 128, "hard": 256},
                ]
            }
        },
        valid=False,
    )
    check_refused_without_trace(
        container,
        container.create(),
        "config.process.rlimits.duplicate",
        "create with two rlimits entries of type RLIMIT_NOFILE is an error",
        state_entries,
    )


@requirement("config.process.rlimits.type-unmappable", "runtime.errors.no-side-effects")
def test_unmappable_rlimit_type_is_refused(make_container, state_entries) -> None:
    container = make_container(
        {"process": {"rlimits": [{"type": "RLIMIT_OCI_CONFORMANCE_UNKNOWN", "soft": 1, "hard": 1}]}},
        valid=False,
    )
    check_refused_without_trace(
        container,
        container.create(),
        "config.process.rlimits.type-unmappable",
        "create with an rlimit type no kernel interface has is an error",
        state_entries,
    )


def _own_oom_score_adj() -> int:
    with open("/proc/self/oom_score_adj") as handle:
        return int(handle.read())


@requirement("config.process.oom-score-adj-unset")
def test_oom_score_adj_unset_keeps_the_inherited_value(runtime, probe, monkeypatch) -> None:
    """Without oomScoreAdj the process keeps what it inherits from the runtime's caller.

    The caller's value is raised first (raising needs no privilege), so that a runtime that
    writes any value of its own (0, a default) is told apart from one that leaves it alone.
    """
    rid = "config.process.oom-score-adj-unset"
    own = _own_oom_score_adj()
    inherited = min(own + 217, 1000)
    if inherited == own:
        skip_unsupported(rid, f"the suite's oom_score_adj is already {own}; it cannot be raised further")
    prefix = runtime.command_prefix()
    wrapper = f'echo {inherited} > /proc/self/oom_score_adj && exec "$@"'
    monkeypatch.setattr(runtime, "command_prefix", lambda: ["sh", "-c", wrapper, "sh", *prefix])
    run = probe({"process": {"oomScoreAdj": None}}, key=f"process-oom-score-adj-inherited-{inherited}")
    report = run.require_report(rid)
    if report.oom_score_adj is None:
        skip_unsupported(rid, "the container's /proc does not show oom_score_adj")
    check_equal(
        rid, "oom_score_adj of a process whose config has no oomScoreAdj", inherited, report.oom_score_adj
    )


def _host_bounding_set() -> list[str]:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("CapBnd:"):
                return capability_names(line.split(":", 1)[1].strip())
    return []


@requirement("features-linux.capabilities.recognized", "config.process.capabilities")
def test_recognized_capabilities_are_accepted(runtime, probe) -> None:
    """Every name `features` lists under linux.capabilities is applied in process.capabilities.

    Names this host cannot grant (it withholds CAP_SYS_RESOURCE) are left out: whether a
    runtime fails on those is config.process.capabilities-no-fail, a separate case.
    """
    rid = "features-linux.capabilities.recognized"
    result = runtime.features()
    if not result.ok:
        skip_unsupported(rid, f"{runtime.name} {runtime.version} has no features operation")
    try:
        document = json.loads(result.stdout)
    except ValueError:
        fail(rid, "features prints a JSON document", "JSON", result.stdout[:200])
    recognized = ((document.get("linux") or {}).get("capabilities")) or []
    if not recognized:
        skip_unsupported(rid, f"{runtime.name} lists no capabilities in its features")
    grantable = set(_host_bounding_set())
    names = [name for name in recognized if name in grantable]
    expected = [name for name in capability_names("f" * 16) if name in names]
    run = probe({"process": {"capabilities": {"bounding": names, "inheritable": names}}})
    report = run.require_report(rid)
    for which in ("bounding", "inheritable"):
        if which not in report.capabilities:
            skip_unsupported(rid, f"the container's /proc does not show the {which} set")
        check_equal(
            rid,
            f"the {which} set when every recognized (and grantable) name is requested",
            expected,
            report.capabilities[which],
        )


@requirement("config.process.exec-cpu-affinity-final")
def test_exec_cpu_affinity_without_final_is_not_changed(runtime, make_container, monkeypatch) -> None:
    """With execCPUAffinity.final omitted, an exec'd process keeps the affinity it had when it
    entered the container's cgroup: its caller's (pinned to one CPU here) or `initial` (another
    CPU), never one the runtime sets afterwards (e.g. all of the cgroup's CPUs)."""
    rid = "config.process.exec-cpu-affinity-final"
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        skip_unsupported(rid, f"the suite may run on {len(cpus)} CPU only; two are needed")
    initial, caller = str(cpus[0]), str(cpus[1])
    container = make_container(IDLE, {"process": {"execCPUAffinity": {"initial": initial}}})
    for step in (container.create, container.start):
        outcome = step()
        if not outcome.ok:
            fail(
                rid,
                f"the container with execCPUAffinity runs ({step.__name__})",
                "exit 0",
                outcome.describe(),
            )
    prefix = runtime.command_prefix()
    monkeypatch.setattr(runtime, "command_prefix", lambda: ["taskset", "-c", caller, *prefix])
    result = runtime.invoke("exec", container.id, "cat", "/proc/self/status")
    monkeypatch.undo()
    if not result.ok:
        skip_unsupported(
            rid, f"{runtime.name} cannot exec a process in the container: {result.describe(300)}"
        )
    fields = dict(line.split(":", 1) for line in result.stdout.splitlines() if ":" in line)
    observed = fields.get("Cpus_allowed_list", "").strip()
    if not observed:
        skip_unsupported(rid, "the container's /proc/self/status has no Cpus_allowed_list")
    check(
        rid,
        observed in (initial, caller),
        "CPU affinity of a process started by exec with execCPUAffinity.final omitted",
        f"{initial} (initial) or {caller} (the caller's)",
        observed,
    )
