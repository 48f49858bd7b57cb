"""Namespaces and id mappings (config-linux.md) beyond what a matrix case can express.

Joining namespaces by path needs real namespaces made by the suite itself: a holder process in
new pid, ipc and uts namespaces (util-linux `unshare`), and a network namespace kept alive by a
bind mount on a file under the session directory. Each is marked (a process, a hostname, a
System V shared memory segment, an address) so that joining is visible from inside even where
namespace inodes mean nothing (a sandbox's /proc). They are removed after every test, also
after a failure. The configs a runtime must refuse are checked to leave nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.core.asserts import check, check_equal, fail, skip_unsupported
from conformance.core.errors import ProbeError
from conformance.runtime import host
from conformance.runtime.asserts import check_refused_without_trace
from conformance.runtime.bundle.probe import PROC_NS_NAMES, ProbeReport, parse_report

requirement = pytest.mark.requirement

#: The /proc/PID/ns names of the namespace types of config-linux.md.
NS_NAMES = PROC_NS_NAMES

#: Container ids 0-999 are host ids 100000-100999, container id 1000 is host root: the rootfs
#: (owned by host root) stays readable and shows as owned by 1000 inside.
MAPPINGS = [{"containerID": 0, "hostID": 100000, "size": 1000}, {"containerID": 1000, "hostID": 0, "size": 1}]
USERNS = {
    "linux": {
        "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "user")],
        "uidMappings": MAPPINGS,
        "gidMappings": MAPPINGS,
    }
}

#: Markers placed in the namespaces a container is to join.
JOINED_HOSTNAME = "oci-joined-uts"
JOINED_ADDRESS = "10.213.7.9"
HOLDER_SLEEP = "7261"


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=20, check=False)


def _ns_id(path: str | Path) -> str:
    """The namespace a path refers to, as /proc/PID/ns links name it (e.g. "net:[4026532177]")."""
    try:
        return os.readlink(path)
    except OSError:
        # A bind-mounted namespace file: its inode is the namespace's.
        return f"?:[{os.stat(path).st_ino}]"


@dataclass
class NamespaceFiles:
    """Network namespaces kept alive by bind mounts (like `ip netns add`), removed at teardown."""

    busybox: Path
    made: list[Path] = field(default_factory=list)

    def network(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        self.made.append(path)
        done = _run("unshare", f"--net={path}", "true")
        if done.returncode != 0:
            pytest.fail(f"cannot make a network namespace at {path}: {done.stderr.strip()}")
        return path

    def cleanup(self) -> list[str]:
        problems = []
        for path in reversed(self.made):
            _run("umount", str(path))
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                problems.append(f"{path}: {exc}")
        return problems


def _need_tools(*names: str) -> None:
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        pytest.skip(f"the host lacks {', '.join(missing)} (util-linux) to make namespaces to join")


@pytest.fixture
def namespace_files(bundles_factory) -> Iterator[NamespaceFiles]:
    _need_tools("unshare", "umount")
    files = NamespaceFiles(bundles_factory.busybox)
    yield files
    problems = files.cleanup()
    assert not problems, f"namespace files left behind: {problems}"


@dataclass
class Holder:
    """A process in new pid, ipc and uts namespaces, plus a network namespace file, all marked."""

    pid: int
    paths: dict[str, str]
    shm_key: str


@pytest.fixture
def holder(bundles_factory, namespace_files: NamespaceFiles) -> Iterator[Holder]:
    _need_tools("nsenter", "ipcmk")
    busybox = str(bundles_factory.busybox)
    process = subprocess.Popen(
        ["unshare", "--ipc", "--uts", "--pid", "--fork", "--mount-proc", "sleep", HOLDER_SLEEP],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        child = _child_of(process.pid)
        if child is None:
            pytest.fail(f"unshare made no namespace holder process: {_stderr(process)}")
        hostname = _run("nsenter", "-t", str(child), "-u", busybox, "hostname", JOINED_HOSTNAME)
        made = _run("nsenter", "-t", str(child), "-i", "ipcmk", "-M", "4096")
        segments = _run("nsenter", "-t", str(child), "-i", "cat", "/proc/sysvipc/shm")
        keys = [line.split()[0] for line in segments.stdout.splitlines()[1:] if line.split()]
        if hostname.returncode or made.returncode or len(keys) != 1:
            pytest.fail(
                f"cannot mark the holder's namespaces: {hostname.stderr}{made.stderr}{segments.stdout}"
            )
        netns = namespace_files.network(
            bundles_factory.workdir / "namespaces" / f"net-{secrets.token_hex(4)}"
        )
        address = _run(
            "nsenter", f"--net={netns}", busybox, "ip", "addr", "add", f"{JOINED_ADDRESS}/32", "dev", "lo"
        )
        if address.returncode:
            pytest.fail(f"cannot mark the network namespace {netns}: {address.stderr.strip()}")
        paths = {t: f"/proc/{child}/ns/{NS_NAMES[t]}" for t in ("pid", "ipc", "uts")}
        paths["network"] = str(netns)
        yield Holder(pid=child, paths=paths, shm_key=keys[0])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _child_of(pid: int, timeout: float = 5.0) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return None
        if children:
            return int(children[0])
        time.sleep(0.02)
    return None


def _stderr(process: subprocess.Popen) -> str:
    if process.poll() is None or process.stderr is None:
        return "(still running)"
    return process.stderr.read().decode(errors="replace").strip()


# -- joining ----------------------------------------------------------------------------------


@requirement("config-linux.namespaces.join-path", "config-linux.namespaces.path-absolute")
def test_namespaces_are_joined_by_path(runtime, probe, holder: Holder) -> None:
    """The container joins the holder's pid, ipc and uts namespaces and a bind-mounted network namespace.

    Every path is absolute and exists only in the runtime's mount namespace, not in the container's.
    """
    rid = "config-linux.namespaces.join-path"
    rids = [rid, "config-linux.namespaces.path-absolute"]
    namespaces = [{"type": t, "path": holder.paths[t]} for t in ("pid", "network", "ipc", "uts")]
    patch = {"hostname": None, "linux": {"namespaces": [*namespaces, {"type": "mount"}]}}
    run = probe(
        patch,
        (
            "exec pid1 tr '\\0' ' ' < /proc/1/cmdline",
            "exec addresses ip -o addr show dev lo",
            "file /proc/sysvipc/shm",
        ),
    )
    report = run.require_report(rids)
    check_equal(
        rid, "hostname in the joined uts namespace (set there by the suite)", JOINED_HOSTNAME, report.hostname
    )
    addresses = report.exec["addresses"]["output"]
    check(
        rids,
        JOINED_ADDRESS in addresses,
        f"the joined network namespace has {JOINED_ADDRESS} on lo",
        JOINED_ADDRESS,
        addresses,
    )
    shm = report.files.get("/proc/sysvipc/shm") or ""
    check(
        rid,
        holder.shm_key in shm,
        "the joined ipc namespace holds the suite's shared memory segment",
        f"key {holder.shm_key}",
        shm,
    )
    pid1 = report.exec["pid1"]["output"].strip()
    check_equal(rid, "pid 1 of the joined pid namespace (the holder)", f"sleep {HOLDER_SLEEP}", pid1)
    expected = {NS_NAMES[t]: _ns_id(path) for t, path in holder.paths.items()}
    if runtime.host_visible_process:
        # A sandbox's /proc numbers its own namespaces; only a host-visible process shows host inodes.
        inside = {ns: _inode(report.namespaces.get(ns)) for ns in expected}
        check_equal(
            rids,
            "namespace inodes inside the container",
            {ns: _inode(v) for ns, v in expected.items()},
            inside,
        )
    if run.outside is not None:
        outside = {ns: _inode(run.outside["namespaces"].get(ns)) for ns in expected}
        check_equal(
            rids,
            "namespace inodes of the container process (host view)",
            {ns: _inode(v) for ns, v in expected.items()},
            outside,
        )


def _inode(link: str | None) -> str | None:
    return None if link is None else link.rpartition(":")[2].strip("[]")


# -- configs a runtime must refuse ------------------------------------------------------------

PLAIN = [{"type": t} for t in ("pid", "ipc", "uts", "mount")]


@requirement("config-linux.namespaces.duplicate", "runtime.errors.no-side-effects")
def test_duplicate_namespace_type_is_refused(make_container, state_entries) -> None:
    container = make_container(
        {"linux": {"namespaces": [*PLAIN, {"type": "network"}, {"type": "network"}]}}, valid=False
    )
    check_refused_without_trace(
        container,
        container.create(),
        "config-linux.namespaces.duplicate",
        "create with two namespaces entries of type network is an error",
        state_entries,
    )


@requirement("config-linux.namespaces.path-type-mismatch", "runtime.errors.no-side-effects")
def test_namespace_path_of_another_type_is_refused(make_container, state_entries) -> None:
    """/proc/self/ns/uts is a namespace, but a uts one: it cannot be the network namespace."""
    container = make_container(
        {"linux": {"namespaces": [*PLAIN, {"type": "network", "path": "/proc/self/ns/uts"}]}}
    )
    check_refused_without_trace(
        container,
        container.create(),
        "config-linux.namespaces.path-type-mismatch",
        "create with a uts namespace path given for type network is an error",
        state_entries,
    )


@requirement("config-linux.namespaces.type-required", "runtime.errors.no-side-effects")
def test_namespace_without_type_is_refused(make_container, state_entries) -> None:
    container = make_container(
        {"linux": {"namespaces": [*PLAIN, {"type": "network"}, {"path": "/proc/self/ns/ipc"}]}}, valid=False
    )
    check_refused_without_trace(
        container,
        container.create(),
        "config-linux.namespaces.type-required",
        "create with a namespaces entry that has no type is an error",
        state_entries,
    )


# -- user namespace mappings and file ownership ------------------------------------------------


@dataclass
class OwnershipRun:
    report: ProbeReport
    before: dict[str, tuple[int, int]]
    after_create: dict[str, tuple[int, int]]
    after_delete: dict[str, tuple[int, int]]


#: Files the suite places in the rootfs, by host owner: name -> (host uid, host gid).
OWNED = {
    "in-range": (100005, 100007),
    "range-end": (100999, 100999),
    "past-range": (101000, 101000),
}


def _ownership(root: Path) -> dict[str, tuple[int, int]]:
    owners = {}
    for directory, dirs, files in os.walk(root):
        for name in [*dirs, *files, ""]:
            path = os.path.join(directory, name) if name else directory
            info = os.lstat(path)
            owners[os.path.relpath(path, root)] = (info.st_uid, info.st_gid)
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
    return owners


def _run_with_owned_files(make_container, requirements: list[str]) -> OwnershipRun:
    missing = host.missing_features(["user-namespaces"])
    if missing:
        skip_unsupported(requirements, "; ".join(missing))
    container = make_container(USERNS)
    rootfs = container.bundle.rootfs
    (rootfs / "oci-ids").mkdir()
    for name, (uid, gid) in OWNED.items():
        path = rootfs / "oci-ids" / name
        path.write_text(name)
        os.chown(path, uid, gid)
    container.bundle.probe_requests([*(f"stat /oci-ids/{name}" for name in OWNED), "stat /bin/busybox"])
    before = _ownership(rootfs)
    created = container.create()
    check(
        requirements, created.ok, "create with user namespace mappings succeeds", "exit 0", created.describe()
    )
    after_create = _ownership(rootfs)
    started = container.start()
    check(requirements, started.ok, "start succeeds", "exit 0", started.describe())
    container.wait_status("stopped", 30)
    try:
        report = parse_report(container.bundle.stdout)
    except ProbeError as exc:
        fail(requirements, "the probe reports", "a probe report", str(exc), container.bundle.stderr[-1500:])
    container.delete(force=True)
    return OwnershipRun(report, before, after_create, _ownership(rootfs))


def _overflow(kind: str) -> int:
    try:
        return int(Path(f"/proc/sys/kernel/overflow{kind}").read_text())
    except (OSError, ValueError):
        return 65534


@requirement(
    "config-linux.userns-mappings.apply",
    "config-linux.userns-mappings.container-id",
    "config-linux.userns-mappings.host-id",
    "config-linux.userns-mappings.size",
)
def test_mappings_translate_file_ownership(make_container) -> None:
    """Host owners show through the mappings: 100005 as 5, 100999 as 999, 0 as 1000, 101000 unmapped."""
    rids = [
        "config-linux.userns-mappings.apply",
        "config-linux.userns-mappings.container-id",
        "config-linux.userns-mappings.host-id",
    ]
    run = _run_with_owned_files(make_container, rids)
    seen = {
        path: (s.uid, s.gid)
        for path, s in run.report.stats.items()
        if path.startswith(("/oci-ids/", "/bin/busybox"))
    }
    check_equal(
        rids,
        "owners inside of files owned by host 100005:100007, 100999 and 0",
        {"/oci-ids/in-range": (5, 7), "/oci-ids/range-end": (999, 999), "/bin/busybox": (1000, 1000)},
        {k: v for k, v in seen.items() if k != "/oci-ids/past-range"},
    )
    overflow = (_overflow("uid"), _overflow("gid"))
    check_equal(
        "config-linux.userns-mappings.size",
        "owner inside of a file owned by host 101000, one past the 1000 ids mapped from 100000 "
        "(unmapped, so the overflow id)",
        overflow,
        seen.get("/oci-ids/past-range"),
    )


@requirement("config-linux.userns-mappings.no-chown")
def test_mappings_leave_rootfs_ownership_alone(make_container) -> None:
    rid = "config-linux.userns-mappings.no-chown"
    run = _run_with_owned_files(make_container, [rid])
    for when, owners in (("after create", run.after_create), ("after delete", run.after_delete)):
        changed = {
            path: f"{run.before[path][0]}:{run.before[path][1]} -> {owner[0]}:{owner[1]}"
            for path, owner in owners.items()
            if path in run.before and owner != run.before[path]
        }
        check_equal(
            rid, f"rootfs entries whose host owner changed {when}", {}, dict(sorted(changed.items())[:10])
        )


# -- features ---------------------------------------------------------------------------------


@requirement("features-linux.namespaces.recognized")
def test_advertised_namespace_types_are_accepted(runtime, probe) -> None:
    """Every namespace type listed by `features` is accepted in linux.namespaces and made new."""
    rid = "features-linux.namespaces.recognized"
    result = runtime.features()
    if not result.ok:
        skip_unsupported(
            rid,
            f"{runtime.name} {runtime.version} has no features operation "
            f"({(result.stderr or result.stdout).strip()[:120]})",
        )
    try:
        document = json.loads(result.stdout)
    except ValueError:
        fail(rid, "features prints JSON", "a JSON object", result.stdout[:300])
    advertised = ((document.get("linux") or {}).get("namespaces")) or []
    if not advertised:
        skip_unsupported(rid, f"{runtime.name} lists no namespace types in its features")
    unknown = [t for t in advertised if t not in NS_NAMES]
    check_equal(rid, "advertised namespace types unknown to runtime-spec v1.3.0", [], unknown)
    patch: dict[str, Any] = {"linux": {"namespaces": [{"type": t} for t in advertised]}}
    if "user" in advertised:
        patch["linux"].update(uidMappings=MAPPINGS, gidMappings=MAPPINGS)
    run = probe(patch)
    report = run.require_report([rid])
    views: list[tuple[str, dict[str, str]]] = [("outside", run.outside["namespaces"])] if run.outside else []
    if runtime.host_visible_process:
        views.insert(0, ("inside", report.namespaces))
    for where, namespaces in views:
        shared = [t for t in advertised if namespaces.get(NS_NAMES[t]) == run.host["ns"].get(NS_NAMES[t])]
        check_equal(rid, f"advertised namespace types not made new ({where} view)", [], shared)
