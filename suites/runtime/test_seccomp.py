"""linux.seccomp beyond the matrix: a real user-notification agent, errors, and the features document.

The agent listens on an AF_UNIX stream socket at `listenerPath`; the runtime connects, sends the
container process state (JSON) with the seccomp notify descriptor as SCM_RIGHTS; the agent then
answers the container's intercepted syscalls with the SECCOMP_IOCTL_NOTIF_RECV/SEND ioctls, and the
probe reports what the container saw.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import platform
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.core.asserts import check, check_equal, fail, skip_unsupported
from conformance.core.errors import ProbeError
from conformance.core.sockets import socket_path
from conformance.runtime import host
from conformance.runtime.bundle.probe import ProbeReport, parse_report
from conformance.schemas import validate

requirement = pytest.mark.requirement

# --- The kernel's user-notification interface (include/uapi/linux/seccomp.h) -----------------


class SeccompData(ctypes.Structure):
    _fields_ = [
        ("nr", ctypes.c_int32),
        ("arch", ctypes.c_uint32),
        ("instruction_pointer", ctypes.c_uint64),
        ("args", ctypes.c_uint64 * 6),
    ]


class SeccompNotif(ctypes.Structure):
    _fields_ = [
        ("id", ctypes.c_uint64),
        ("pid", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("data", SeccompData),
    ]


class SeccompNotifResp(ctypes.Structure):
    _fields_ = [
        ("id", ctypes.c_uint64),
        ("val", ctypes.c_int64),
        ("error", ctypes.c_int32),
        ("flags", ctypes.c_uint32),
    ]


class SeccompNotifSizes(ctypes.Structure):
    _fields_ = [
        ("seccomp_notif", ctypes.c_uint16),
        ("seccomp_notif_resp", ctypes.c_uint16),
        ("seccomp_data", ctypes.c_uint16),
    ]


def _iowr(number: int, size: int) -> int:
    """_IOWR(SECCOMP_IOC_MAGIC '!', number, size) as asm-generic/ioctl.h encodes it."""
    return (3 << 30) | (size << 16) | (ord("!") << 8) | number


SECCOMP_IOCTL_NOTIF_RECV = _iowr(0, ctypes.sizeof(SeccompNotif))  # 0xc0502100
SECCOMP_IOCTL_NOTIF_SEND = _iowr(1, ctypes.sizeof(SeccompNotifResp))  # 0xc0182101
SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1
SECCOMP_GET_NOTIF_SIZES = 3
#: seccomp(2) by machine; the kernel's structure sizes are asked for where it is known.
SECCOMP_SYSCALL = {"x86_64": 317, "aarch64": 277}
#: x86_64 syscall numbers the agent answers (the suite's busybox is x86_64).
NR = {"kill": 62, "mkdir": 83, "mknod": 133, "mkdirat": 258, "mknodat": 259}


def kernel_layout_problem() -> str:
    """Why the hard-coded structures cannot be used with this kernel, or ''."""
    number = SECCOMP_SYSCALL.get(platform.machine())
    if number is None:
        return f"no seccomp(2) number known for {platform.machine()}"
    libc = ctypes.CDLL(None, use_errno=True)
    sizes = SeccompNotifSizes()
    if libc.syscall(number, SECCOMP_GET_NOTIF_SIZES, 0, ctypes.byref(sizes)) != 0:
        return f"SECCOMP_GET_NOTIF_SIZES failed: {os.strerror(ctypes.get_errno())}"
    ours = (ctypes.sizeof(SeccompNotif), ctypes.sizeof(SeccompNotifResp), ctypes.sizeof(SeccompData))
    theirs = (sizes.seccomp_notif, sizes.seccomp_notif_resp, sizes.seccomp_data)
    if theirs != ours:
        return f"the kernel's seccomp_notif/resp/data sizes {theirs} differ from the suite's {ours}"
    return ""


#: An answer to one notification: (val, error, flags); error is a negative errno.
Answer = tuple[int, int, int]
CONTINUE: Answer = (0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE)


@dataclass
class Connection:
    """One connection the runtime made to the listener, as received."""

    data: bytes = b""
    #: (byte offset of the chunk, descriptor numbers) of every recvmsg that carried SCM_RIGHTS.
    fd_chunks: list[tuple[int, list[int]]] = field(default_factory=list)
    #: readlink of each received descriptor, taken on arrival.
    fd_targets: list[str] = field(default_factory=list)
    closed_by_peer: bool = False
    error: str = ""

    @property
    def fds(self) -> list[int]:
        return [fd for _, fds in self.fd_chunks for fd in fds]

    def documents(self) -> tuple[list[Any], str]:
        """Every JSON value in the data, one after the other, and what was left unparsable."""
        text = self.data.decode(errors="replace")
        decoder = json.JSONDecoder()
        values: list[Any] = []
        position = 0
        while True:
            while position < len(text) and text[position].isspace():
                position += 1
            if position >= len(text):
                return values, ""
            try:
                value, position = decoder.raw_decode(text, position)
            except ValueError:
                return values, text[position:]
            values.append(value)

    @property
    def state(self) -> dict[str, Any] | None:
        values, rest = self.documents()
        return values[0] if len(values) == 1 and not rest and isinstance(values[0], dict) else None


class NotifyAgent:
    """A seccomp agent: listens at `path`, records each connection, answers notifications."""

    def __init__(self, path: Path, answer: Callable[[SeccompNotif], Answer], timeout: float = 10.0):
        self.path = path
        self.answer = answer
        self.timeout = timeout
        self.connections: list[Connection] = []
        #: (syscall number, pid, answer) of every notification answered.
        self.answered: list[tuple[int, int, Answer]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        self._server.listen(4)
        self._server.settimeout(0.1)

    def __enter__(self) -> NotifyAgent:
        thread = threading.Thread(target=self._accept, name="seccomp-agent", daemon=True)
        self._threads.append(thread)
        thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout)
        self._server.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        for connection in self.connections:
            for fd in connection.fds:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                peer, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                self.errors.append(f"accept: {exc}")
                return
            connection = Connection()
            self.connections.append(connection)
            with peer:
                self._receive(peer, connection)
            notify_fd = self._notify_fd(connection)
            if notify_fd is not None:
                thread = threading.Thread(target=self._serve, args=(notify_fd,), daemon=True)
                self._threads.append(thread)
                thread.start()

    def _receive(self, peer: socket.socket, connection: Connection) -> None:
        """Read until the runtime closes the connection (or `timeout` passes)."""
        peer.settimeout(self.timeout)
        try:
            while True:
                data, fds, _flags, _addr = socket.recv_fds(peer, 65536, 16)
                if fds:
                    connection.fd_chunks.append((len(connection.data), list(fds)))
                    for fd in fds:
                        try:
                            connection.fd_targets.append(os.readlink(f"/proc/self/fd/{fd}"))
                        except OSError as exc:
                            connection.fd_targets.append(f"<{exc}>")
                if not data and not fds:
                    connection.closed_by_peer = True
                    return
                connection.data += data
        except OSError as exc:
            connection.error = f"{type(exc).__name__}: {exc}"

    @staticmethod
    def _notify_fd(connection: Connection) -> int | None:
        state = connection.state
        names = state.get("fds") if state else None
        if not isinstance(names, list) or "seccompFd" not in names:
            return None
        index = names.index("seccompFd")
        fds = connection.fds
        return fds[index] if index < len(fds) else None

    def _serve(self, notify_fd: int) -> None:
        poller = select.poll()
        poller.register(notify_fd, select.POLLIN)
        while not self._stop.is_set():
            events = poller.poll(100)
            if not events:
                continue
            if any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in events):
                return  # every process of the filter is gone
            request = bytearray(ctypes.sizeof(SeccompNotif))
            try:
                fcntl.ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, request, True)
            except OSError as exc:
                if exc.errno in (errno.ENOENT, errno.EINTR):
                    continue  # the caller died or the call was interrupted meanwhile
                self.errors.append(f"NOTIF_RECV: {exc}")
                return
            notif = SeccompNotif.from_buffer_copy(request)
            val, error, flags = self.answer(notif)
            response = SeccompNotifResp(id=notif.id, val=val, error=error, flags=flags)
            buffer = bytearray(bytes(response))
            try:
                fcntl.ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, buffer, True)
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    self.errors.append(f"NOTIF_SEND: {exc}")
                continue
            self.answered.append((notif.data.nr, notif.pid, (val, error, flags)))


# --- One notify container per runtime, shared by the tests that judge it --------------------

NOTIFY_METADATA = "oci-conformance;MKDIR=EOPNOTSUPP;MKNOD=fake-success"
NOTIFY_REQUESTS = [
    "exec nmkdir mkdir /tmp/oci-notify-dir",
    "exec nmkdirls ls -d /tmp/oci-notify-dir",
    "exec nfifo mkfifo /tmp/oci-notify-fifo && echo made",
    "exec nfifols ls /tmp/oci-notify-fifo",
]


def notify_answer(notif: SeccompNotif) -> Answer:
    """mkdir: EOPNOTSUPP; mknod (mkfifo): success without doing anything; anything else proceeds."""
    nr = notif.data.nr
    if nr in (NR["mkdir"], NR["mkdirat"]):
        return (0, -errno.EOPNOTSUPP, 0)
    if nr in (NR["mknod"], NR["mknodat"]):
        return (0, 0, 0)
    return CONTINUE


def notify_patch(path: Path) -> dict[str, Any]:
    return {
        "linux": {
            "seccomp": {
                "defaultAction": "SCMP_ACT_ALLOW",
                "listenerPath": str(path),
                "listenerMetadata": NOTIFY_METADATA,
                "syscalls": [
                    {"names": ["mkdir", "mkdirat", "mknod", "mknodat"], "action": "SCMP_ACT_NOTIFY"}
                ],
            }
        }
    }


@dataclass
class NotifyRun:
    """One container whose seccomp filter notifies an agent; what the runtime and agent saw."""

    container_id: str = ""
    bundle: str = ""
    agent: NotifyAgent | None = None
    state_after_create: dict[str, Any] | None = None
    report: ProbeReport | None = None
    error: str = ""
    transcript: str = ""

    def require(self, requirements: list[str]) -> NotifyAgent:
        if self.error:
            fail(
                requirements,
                "the container with an SCMP_ACT_NOTIFY rule and a listenerPath ran",
                "create and start succeed, the agent receives the state, the probe reports",
                self.error,
                self.transcript,
            )
        assert self.agent is not None
        return self.agent

    def connection(self, requirements: list[str]) -> Connection:
        agent = self.require(requirements)
        if not agent.connections:
            fail(
                requirements,
                "the runtime connected to the seccomp listener",
                f"a connection to {agent.path}",
                "no connection (agent errors: " + "; ".join(agent.errors or ["none"]) + ")",
                self.transcript,
            )
        return agent.connections[0]

    def state(self, requirements: list[str]) -> dict[str, Any]:
        connection = self.connection(requirements)
        state = connection.state
        if state is None:
            fail(
                requirements,
                "the listener received one JSON object (the container process state)",
                "one JSON object",
                connection.data[:400].decode(errors="replace") or connection.error or "<nothing>",
            )
        return state


_NOTIFY_RUNS: dict[int, NotifyRun] = {}


def run_with_agent(
    make_container, bundles_factory, patch_for, answer, requests, hint: str
) -> tuple[NotifyRun, Any]:
    """create, state, start, wait, parse, delete, with an agent listening meanwhile."""
    run = NotifyRun()
    with socket_path(bundles_factory.workdir, f"{hint}.sock") as path:
        return _run_with_agent_at(path, run, make_container, patch_for, answer, requests, hint)


def _run_with_agent_at(path, run, make_container, patch_for, answer, requests, hint):
    container = make_container(patch_for(path), hint=hint)
    container.bundle.probe_requests(list(requests))
    run.container_id, run.bundle = container.id, str(container.bundle.path)
    with NotifyAgent(path, answer) as agent:
        run.agent = agent
        try:
            created = container.create()
            if not created.ok:
                run.error = f"create failed: {created.describe(600)}"
                return run, container
            run.state_after_create = container.state().document
            started = container.start()
            if not started.ok:
                run.error = f"start failed: {started.describe(600)}"
                return run, container
            final = container.wait_status("stopped", 30)
            if final.status != "stopped":
                run.error = f"the container did not stop within 30s (last status {final.status!r})"
                return run, container
            try:
                run.report = parse_report(container.bundle.stdout)
            except ProbeError as exc:
                run.error = str(exc)
        finally:
            run.transcript = container.transcript()
            container.cleanup()
            # Give the agent the moment it needs to see the last notifications and hang-up.
            time.sleep(0.1)
    return run, container


@pytest.fixture
def notify_run(request, runtime, make_container, bundles_factory) -> NotifyRun:
    marker = request.node.get_closest_marker("requirement")
    ids = list(marker.args) if marker else ["config-linux.seccomp-state.payload"]
    missing = host.missing_features(["seccomp"])
    if missing:
        skip_unsupported(ids, "; ".join(missing))
    problem = kernel_layout_problem()
    if problem:
        skip_unsupported(ids, problem)
    run = _NOTIFY_RUNS.get(id(runtime))
    if run is None:
        run, _ = run_with_agent(
            make_container, bundles_factory, notify_patch, notify_answer, NOTIFY_REQUESTS, "seccomp-notify"
        )
        _NOTIFY_RUNS[id(runtime)] = run
    return run


@requirement("config-linux.seccomp.listener-socket-type", "config-linux.seccomp-state.payload")
def test_notify_state_reaches_listener(notify_run: NotifyRun) -> None:
    """The runtime connects to an AF_UNIX stream listener and sends JSON with descriptors."""
    ids = ["config-linux.seccomp.listener-socket-type", "config-linux.seccomp-state.payload"]
    connection = notify_run.connection(ids)
    state = notify_run.state(ids)
    check(
        "config-linux.seccomp-state.payload",
        bool(connection.fds),
        "the file descriptors arrive as SCM_RIGHTS ancillary data",
        "at least one descriptor",
        "none",
    )
    check_equal(
        "config-linux.seccomp-state.payload",
        "metadata (listenerMetadata from the config)",
        NOTIFY_METADATA,
        state.get("metadata"),
    )
    names = state.get("fds")
    check(
        "config-linux.seccomp-state.payload",
        isinstance(names, list) and len(names) == len(connection.fds),
        "fds names each descriptor passed, by index",
        f"{len(connection.fds)} names",
        names,
    )


@requirement("config-linux.seccomp.listener-one-state", "config-linux.seccomp.listener-no-reuse")
def test_notify_one_state_per_connection(notify_run: NotifyRun) -> None:
    ids = ["config-linux.seccomp.listener-one-state", "config-linux.seccomp.listener-no-reuse"]
    agent = notify_run.require(ids)
    notify_run.connection(ids)
    for index, connection in enumerate(agent.connections):
        values, rest = connection.documents()
        check(
            "config-linux.seccomp.listener-one-state",
            len(values) == 1 and not rest,
            f"connection {index + 1} carries exactly one container process state",
            "one JSON document",
            f"{len(values)} document(s)" + (f", then {rest[:200]!r}" if rest else ""),
        )


@requirement("config-linux.seccomp.listener-close")
def test_notify_connection_is_closed(notify_run: NotifyRun) -> None:
    connection = notify_run.connection(["config-linux.seccomp.listener-close"])
    check(
        "config-linux.seccomp.listener-close",
        connection.closed_by_peer,
        "the runtime closes the connection after sending the state",
        "end of stream on the listener's side",
        connection.error or "the connection stayed open",
    )


@requirement("config-linux.seccomp-state.fds-first")
def test_notify_descriptors_come_first(notify_run: NotifyRun) -> None:
    connection = notify_run.connection(["config-linux.seccomp-state.fds-first"])
    check_equal(
        "config-linux.seccomp-state.fds-first",
        "byte offsets of the messages that carried descriptors",
        [0],
        [offset for offset, _ in connection.fd_chunks],
    )


@requirement("config-linux.seccomp.state-fd")
def test_notify_state_fd_is_the_seccomp_descriptor(notify_run: NotifyRun) -> None:
    """fds names seccompFd; that descriptor is a seccomp notifier the agent can answer through."""
    ids = ["config-linux.seccomp.state-fd"]
    connection = notify_run.connection(ids)
    names = notify_run.state(ids).get("fds")
    check(
        ids[0],
        isinstance(names, list) and "seccompFd" in names,
        "fds names seccompFd",
        "'seccompFd' in fds",
        names,
    )
    index = names.index("seccompFd")
    target = connection.fd_targets[index] if index < len(connection.fd_targets) else "<not passed>"
    check(
        ids[0],
        "seccomp" in target,
        "seccompFd is a seccomp notify descriptor",
        "anon_inode:seccomp notify",
        target,
    )
    agent = notify_run.require(ids)
    check(
        ids[0],
        bool(agent.answered),
        "the container's intercepted syscalls reach the agent through seccompFd",
        "at least one notification answered",
        f"none (agent errors: {'; '.join(agent.errors) or 'none'})",
    )


@requirement("config-linux.seccomp-state.ociversion")
def test_notify_state_oci_version(notify_run: NotifyRun) -> None:
    """A runtime-spec version the state complies with: no release before 1.0 defines this state."""
    version = notify_run.state(["config-linux.seccomp-state.ociversion"]).get("ociVersion")
    parts = str(version).split("-")[0].split(".")
    check(
        "config-linux.seccomp-state.ociversion",
        isinstance(version, str)
        and len(parts) == 3
        and all(p.isdigit() for p in parts)
        and int(parts[0]) >= 1,
        "ociVersion gives a runtime-spec version that defines the container process state",
        "a 1.x version such as 1.0.2",
        version,
    )


@requirement("config-linux.seccomp-state.pid")
def test_notify_state_pid(notify_run: NotifyRun) -> None:
    ids = ["config-linux.seccomp-state.pid"]
    payload = notify_run.state(ids)
    expected = (notify_run.state_after_create or {}).get("pid")
    check(ids[0], isinstance(payload.get("pid"), int), "pid is an integer", "an int", payload.get("pid"))
    check_equal(ids[0], "pid (the runtime's `state` reports after create)", expected, payload.get("pid"))


@requirement("config-linux.seccomp-state.state")
def test_notify_state_embeds_container_state(notify_run: NotifyRun) -> None:
    ids = ["config-linux.seccomp-state.state"]
    inner = notify_run.state(ids).get("state")
    if not isinstance(inner, dict):
        fail(ids, "the container process state embeds the container's state", "a state object", inner)
    violations = validate("runtime/state", inner)
    check(
        ids[0],
        not violations,
        "state adheres to the state schema",
        "no violations",
        "; ".join(f"{v.path}: {v.message}" for v in violations),
    )
    check_equal(ids[0], "state.id", notify_run.container_id, inner.get("id"))
    check_equal(ids[0], "state.bundle", notify_run.bundle, inner.get("bundle"))


@requirement("config-linux.seccomp.syscall-action")
def test_notify_answers_reach_the_container(notify_run: NotifyRun) -> None:
    """SCMP_ACT_NOTIFY: mkdir fails with the agent's EOPNOTSUPP, mkfifo 'succeeds' without a fifo."""
    ids = ["config-linux.seccomp.syscall-action"]
    notify_run.require(ids)
    if notify_run.report is None:
        fail(ids, "the probe reported", "a probe report", notify_run.error or "<none>")
    seen = notify_run.report.exec
    mkdir, listed = seen.get("nmkdir", {}), seen.get("nmkdirls", {})
    check(
        ids[0],
        mkdir.get("rc") != 0 and "Operation not supported" in mkdir.get("output", ""),
        "mkdir fails with the agent's answer, EOPNOTSUPP",
        "mkdir: ... Operation not supported",
        mkdir,
    )
    check(ids[0], listed.get("rc") != 0, "no directory was made", "ls -d fails", listed)
    fifo, fifo_listed = seen.get("nfifo", {}), seen.get("nfifols", {})
    check(
        ids[0],
        fifo.get("rc") == 0 and "made" in fifo.get("output", ""),
        "mkfifo succeeds, as the agent answered",
        "rc 0 and 'made'",
        fifo,
    )
    check(
        ids[0],
        fifo_listed.get("rc") != 0,
        "the fabricated success made no fifo (the agent, not the kernel, answered)",
        "ls fails",
        fifo_listed,
    )


@requirement("config-linux.seccomp.listener-error")
def test_unreachable_listener_is_an_error(runtime, make_container, bundles_factory) -> None:
    """A listenerPath nobody listens on: sending the state fails, so create or start must fail."""
    if host.missing_features(["seccomp"]):
        skip_unsupported("config-linux.seccomp.listener-error", "; ".join(host.missing_features(["seccomp"])))
    with socket_path(bundles_factory.workdir, "seccomp-nobody.sock") as path:
        _check_unreachable_listener(make_container, path)


def _check_unreachable_listener(make_container, path: Path) -> None:
    container = make_container(notify_patch(path), hint="seccomp-nobody")
    container.bundle.probe_requests(["exec ran echo the-program-ran"])
    created = container.create()
    started = container.start() if created.ok else None
    if started is not None and started.ok:
        container.wait_status("stopped", 15)
    check(
        "config-linux.seccomp.listener-error",
        not created.ok or (started is not None and not started.ok),
        "create or start fails when the state cannot be sent to listenerPath",
        f"a failing create or start ({path} does not exist)",
        "both succeeded; container stdout: " + container.bundle.stdout[-300:],
        container.transcript(),
    )


def _must_refuse(container, requirement_id: str, what: str) -> None:
    created = container.create()
    started = container.start() if created.ok else None
    failed = created if not created.ok else started
    refused = failed is not None and not failed.ok
    check(
        requirement_id,
        refused,
        f"the runtime fails for {what}",
        "create (or start) fails",
        "create and start succeeded",
        container.transcript(),
    )
    check(
        requirement_id,
        bool((failed.stderr or failed.stdout).strip()),
        "the runtime prints an error",
        "a message on stderr",
        "nothing",
        container.transcript(),
    )


@requirement("config-linux.seccomp.default-errno-unsupported")
def test_default_errno_with_action_without_errno(make_container) -> None:
    container = make_container(
        {"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 5}}},
        hint="seccomp-default-errno",
        valid=False,
    )
    _must_refuse(
        container, "config-linux.seccomp.default-errno-unsupported", "defaultErrnoRet with SCMP_ACT_ALLOW"
    )


@requirement("config-linux.seccomp.errno-unsupported")
def test_rule_errno_with_action_without_errno(make_container) -> None:
    rule = {"names": ["mkdir"], "action": "SCMP_ACT_LOG", "errnoRet": 5}
    container = make_container(
        {"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}}},
        hint="seccomp-rule-errno",
        valid=False,
    )
    _must_refuse(container, "config-linux.seccomp.errno-unsupported", "errnoRet with SCMP_ACT_LOG")


# --- features: what the runtime advertises under linux.seccomp is recognized and works -------


_FEATURES: dict[int, dict[str, Any] | str] = {}


@pytest.fixture
def seccomp_features(request, runtime) -> dict[str, Any]:
    """linux.seccomp of the features document, or a skip naming the test's requirement."""
    marker = request.node.get_closest_marker("requirement")
    ids = list(marker.args) if marker else ["features-linux.seccomp.actions"]
    if id(runtime) not in _FEATURES:
        _FEATURES[id(runtime)] = _read_seccomp_features(runtime)
    found = _FEATURES[id(runtime)]
    if isinstance(found, str):
        skip_unsupported(ids, found)
    if host.missing_features(["seccomp"]):
        skip_unsupported(ids, "; ".join(host.missing_features(["seccomp"])))
    return found


def _read_seccomp_features(runtime) -> dict[str, Any] | str:
    result = runtime.features()
    if result.timed_out or result.refused:
        return f"{runtime.name} {runtime.version} does not implement the features operation"
    try:
        document = json.loads(result.stdout)
    except ValueError:
        return "the features document is not JSON (test_features judges that)"
    seccomp = ((document if isinstance(document, dict) else {}).get("linux") or {}).get("seccomp") or {}
    if not seccomp or seccomp.get("enabled") is False:
        return f"{runtime.name} advertises no seccomp support in its features"
    return seccomp


#: libseccomp puts only architectures of one byte order in a filter, and always the native one.
LITTLE_ENDIAN_ARCHS = {
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X32",
    "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32",
    "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_LOONGARCH64",
}


def usable_archs(archs: list[str]) -> list[str]:
    """The advertised architectures a filter on this (little-endian) host can hold."""
    if platform.machine() not in ("x86_64", "aarch64"):
        return []
    return [a for a in archs if a in LITTLE_ENDIAN_ARCHS]


#: What `sh -c 'kill -0 PID'` of a pid that cannot exist shows under each action.
ACTION_EFFECTS: dict[str, tuple[str, str]] = {
    "SCMP_ACT_ALLOW": ("output", "No such process"),
    "SCMP_ACT_LOG": ("output", "No such process"),
    "SCMP_ACT_ERRNO": ("output", "Operation not permitted"),
    # Without a tracer the kernel fails the call with ENOSYS.
    "SCMP_ACT_TRACE": ("output", "Function not implemented"),
    # SIGSYS: the shell that made the call dies, 128 + 31.
    "SCMP_ACT_KILL": ("rc", "159"),
    "SCMP_ACT_KILL_THREAD": ("rc", "159"),
    "SCMP_ACT_KILL_PROCESS": ("rc", "159"),
    "SCMP_ACT_TRAP": ("rc", "159"),
    # The agent answers EOPNOTSUPP.
    "SCMP_ACT_NOTIFY": ("output", "Operation not supported"),
}
_FEATURE_RUNS: dict[int, tuple[NotifyRun, list[str]]] = {}


def features_answer(notif: SeccompNotif) -> Answer:
    return (0, -errno.EOPNOTSUPP, 0) if notif.data.nr == NR["kill"] else CONTINUE


def _actions_run(runtime, seccomp: dict, make_container, bundles_factory) -> tuple[NotifyRun, list[str]]:
    """One container: a kill rule per advertised action, every advertised architecture."""
    cached = _FEATURE_RUNS.get(id(runtime))
    if cached:
        return cached
    actions = [a for a in seccomp.get("actions") or [] if isinstance(a, str)]
    archs = usable_archs([a for a in seccomp.get("archs") or [] if isinstance(a, str)])
    notify = "SCMP_ACT_NOTIFY" in actions and not kernel_layout_problem()
    rules = [
        {
            "names": ["kill"],
            "action": action,
            "args": [{"index": 0, "value": 410001 + i, "op": "SCMP_CMP_EQ"}],
        }
        for i, action in enumerate(actions)
        if action != "SCMP_ACT_NOTIFY" or notify
    ]

    def patch(path: Path) -> dict[str, Any]:
        seccomp_config: dict[str, Any] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": rules}
        if archs:
            seccomp_config["architectures"] = archs
        if notify:
            seccomp_config["listenerPath"] = str(path)
        return {"linux": {"seccomp": seccomp_config}}

    requests = [f"exec a{i} kill -0 {410001 + i}" for i in range(len(actions))]
    run, _ = run_with_agent(
        make_container, bundles_factory, patch, features_answer, requests, "seccomp-features"
    )
    _FEATURE_RUNS[id(runtime)] = (run, actions)
    return run, actions


@requirement("features-linux.seccomp.actions")
def test_features_advertised_actions_work(runtime, seccomp_features, make_container, bundles_factory) -> None:
    ids = ["features-linux.seccomp.actions"]
    if not seccomp_features.get("actions"):
        skip_unsupported(ids, "the runtime lists no seccomp actions")
    run, actions = _actions_run(runtime, seccomp_features, make_container, bundles_factory)
    run.require(ids)
    if run.report is None:
        fail(ids, "the probe reported", "a probe report", run.error or "<none>")
    wrong = {}
    for i, action in enumerate(actions):
        if action not in ACTION_EFFECTS or (action == "SCMP_ACT_NOTIFY" and kernel_layout_problem()):
            continue  # recognized (the container ran) but no known effect to look for
        seen = run.report.exec.get(f"a{i}", {})
        key, expected = ACTION_EFFECTS[action]
        if expected not in str(seen.get(key, "")):
            wrong[action] = f"{key} {seen.get(key)!r}, expected {expected!r}"
    check_equal(ids[0], "advertised actions without their effect on kill(2)", {}, wrong)


@requirement("features-linux.seccomp.archs")
def test_features_advertised_archs_are_recognized(
    runtime, seccomp_features, make_container, bundles_factory
) -> None:
    """Every advertised architecture of the host's byte order in one filter: the container runs and
    the rules still apply. libseccomp refuses (EDOM) to mix byte orders in one filter, and the
    native architecture is always in it, so the others cannot be used on this host at all."""
    ids = ["features-linux.seccomp.archs"]
    if not usable_archs(seccomp_features.get("archs") or []):
        skip_unsupported(ids, "the runtime lists no seccomp architecture of this host's byte order")
    run, actions = _actions_run(runtime, seccomp_features, make_container, bundles_factory)
    run.require(ids)
    if run.report is None:
        fail(ids, "the probe reported", "a probe report", run.error or "<none>")
    if "SCMP_ACT_ERRNO" in actions:
        seen = run.report.exec.get(f"a{actions.index('SCMP_ACT_ERRNO')}", {})
        check(
            ids[0],
            "Operation not permitted" in seen.get("output", ""),
            "with every advertised architecture listed, the native rules still apply",
            "kill denied with EPERM",
            seen,
        )


#: Operator -> the seccomp matrix case that shows its effect.
OPERATOR_CASES = {
    "SCMP_CMP_EQ": "seccomp.args-eq",
    "SCMP_CMP_NE": "seccomp.args-op-ne",
    "SCMP_CMP_LT": "seccomp.args-op-lt",
    "SCMP_CMP_LE": "seccomp.args-op-le",
    "SCMP_CMP_GE": "seccomp.args-op-ge",
    "SCMP_CMP_GT": "seccomp.args-op-gt",
    "SCMP_CMP_MASKED_EQ": "seccomp.args-op-masked-eq",
}


@requirement("features-linux.seccomp.operators")
def test_features_advertised_operators_work(seccomp_features, probe) -> None:
    """Each advertised operator has its effect (the matrix's deny-list container, shared)."""
    from conformance.requirements import load_catalog
    from conformance.runtime.matrix import load_matrix

    ids = ["features-linux.seccomp.operators"]
    advertised = [op for op in seccomp_features.get("operators") or [] if op in OPERATOR_CASES]
    if not advertised:
        skip_unsupported(ids, "the runtime lists no seccomp operator the suite knows")
    cases = {
        c.id: c for c in load_matrix(Path(__file__).parent / "matrices" / "seccomp.yaml", load_catalog())
    }
    first = cases[OPERATOR_CASES[advertised[0]]]
    run = probe(first.config, first.probe)
    run.require_report(ids)
    data = run.observed()
    for op in advertised:
        case = cases[OPERATOR_CASES[op]]
        for expectation in case.expect:
            if expectation.label.startswith("exec."):
                expectation.check(data, ids, run.host)


def _flags_run(probe, flags: list[str]):
    patch = {
        "linux": {
            "seccomp": {
                "defaultAction": "SCMP_ACT_ALLOW",
                "flags": flags,
                "syscalls": [
                    {
                        "names": ["kill"],
                        "action": "SCMP_ACT_ERRNO",
                        "args": [{"index": 0, "value": 420001, "op": "SCMP_CMP_EQ"}],
                    }
                ],
            }
        }
    }
    return probe(
        patch, ("exec deny kill -0 420001", "exec ssb grep Speculation_Store_Bypass /proc/self/status")
    )


#: Flags that only make sense with a listener; kept out of the flag containers.
LISTENER_FLAGS = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}


@requirement("features-linux.seccomp.supported-flags")
def test_features_supported_flags_take_effect(seccomp_features, probe) -> None:
    ids = ["features-linux.seccomp.supported-flags"]
    flags = [f for f in seccomp_features.get("supportedFlags") or [] if f not in LISTENER_FLAGS]
    if not flags:
        skip_unsupported(ids, "the runtime lists no supportedFlags (usable without a listener)")
    run = _flags_run(probe, flags)
    report = run.require_report(ids)
    denied = report.exec.get("deny", {})
    check(
        ids[0],
        "Operation not permitted" in denied.get("output", ""),
        "the filter with the flags applies",
        "kill denied",
        denied,
    )
    if "SECCOMP_FILTER_FLAG_SPEC_ALLOW" in flags:
        ssb = report.exec.get("ssb", {}).get("output", "")
        check(
            ids[0],
            "force mitigated" not in ssb,
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW: seccomp does not force the store-bypass mitigation",
            "no 'thread force mitigated'",
            ssb,
        )


@requirement("features-linux.seccomp.known-flags")
def test_features_known_flags_are_recognized(seccomp_features, probe) -> None:
    ids = ["features-linux.seccomp.known-flags"]
    known = [f for f in seccomp_features.get("knownFlags") or [] if f not in LISTENER_FLAGS]
    if not known:
        skip_unsupported(ids, "the runtime lists no knownFlags (usable without a listener)")
    supported = seccomp_features.get("supportedFlags")
    run = _flags_run(probe, known)
    if run.report is None and isinstance(supported, list) and set(known) - set(supported):
        skip_unsupported(
            ids,
            f"{sorted(set(known) - set(supported))} are known but not supported here (kernel or libseccomp)",
        )
    run.require_report(ids)
