"""Host-side reading of the probe's report into a typed ProbeReport."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from conformance.core.errors import ProbeError
from conformance.runtime.bundle.config import PROBE_PATH

#: Linux capability names by bit number (linux/capability.h).
CAPABILITY_NAMES = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
]

#: /proc/PID/limits row titles -> RLIMIT_* names.
_LIMIT_NAMES = {
    "Max cpu time": "RLIMIT_CPU",
    "Max file size": "RLIMIT_FSIZE",
    "Max data size": "RLIMIT_DATA",
    "Max stack size": "RLIMIT_STACK",
    "Max core file size": "RLIMIT_CORE",
    "Max resident set": "RLIMIT_RSS",
    "Max processes": "RLIMIT_NPROC",
    "Max open files": "RLIMIT_NOFILE",
    "Max locked memory": "RLIMIT_MEMLOCK",
    "Max address space": "RLIMIT_AS",
    "Max file locks": "RLIMIT_LOCKS",
    "Max pending signals": "RLIMIT_SIGPENDING",
    "Max msgqueue size": "RLIMIT_MSGQUEUE",
    "Max nice priority": "RLIMIT_NICE",
    "Max realtime priority": "RLIMIT_RTPRIO",
    "Max realtime timeout": "RLIMIT_RTTIME",
}


def probe_script() -> bytes:
    """The probe program placed in every rootfs."""
    return resources.files("conformance.runtime.bundle").joinpath("probe.sh").read_bytes()


@dataclass(frozen=True)
class Mount:
    mount_point: str
    fstype: str
    source: str
    options: tuple[str, ...]
    super_options: tuple[str, ...]
    #: Propagation tags from mountinfo's optional fields, numbers dropped: "shared", "master",
    #: "propagate_from", "unbindable"; empty for a private mount. Raw fields in `optional_fields`.
    propagation: tuple[str, ...] = ()
    optional_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileStat:
    """One path as the container sees it; `type` is from lstat, `target_*` from stat."""

    path: str
    exists: bool
    type: str = ""
    major: int | None = None
    minor: int | None = None
    mode: str = ""
    uid: int | None = None
    gid: int | None = None
    target_type: str = ""
    target_major: int | None = None
    target_minor: int | None = None


@dataclass
class ProbeReport:
    """Everything the probe saw, parsed; assertions compare against these fields."""

    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    env_list: list[str] = field(default_factory=list)
    cwd: str = ""
    uid: int | None = None
    gid: int | None = None
    euid: int | None = None
    egid: int | None = None
    groups: list[int] = field(default_factory=list)
    umask: str = ""
    hostname: str = ""
    domainname: str = ""
    capabilities: dict[str, list[str]] = field(default_factory=dict)
    no_new_privs: bool | None = None
    seccomp: int | None = None
    rlimits: dict[str, list[int | None]] = field(default_factory=dict)
    oom_score_adj: int | None = None
    namespaces: dict[str, str] = field(default_factory=dict)
    mounts: list[Mount] = field(default_factory=list)
    cgroups: list[str] = field(default_factory=list)
    fds: dict[int, str] = field(default_factory=dict)
    #: Open descriptors beyond stdio, the probe script's own excepted.
    extra_fds: dict[int, str] = field(default_factory=dict)
    stats: dict[str, FileStat] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    root_writable: bool | None = None
    files: dict[str, str | None] = field(default_factory=dict)
    #: "exec NAME COMMAND" requests: NAME -> {"rc": exit code, "output": stdout and stderr}.
    exec: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Dotted fields the container's /proc did not provide (nothing to judge, not a failure).
    unobservable: list[str] = field(default_factory=list)

    def mount_at(self, mount_point: str) -> Mount | None:
        """The topmost mount at a path, or None."""
        found = None
        for mount in self.mounts:
            if mount.mount_point == mount_point:
                found = mount
        return found

    def as_dict(self) -> dict[str, Any]:
        """Plain data (for matrix field lookups and reports)."""
        data = dataclasses.asdict(self)
        data["mounts_by_point"] = {m["mount_point"]: m for m in data["mounts"]}
        return data


def decode_sections(output: str) -> dict[str, bytes]:
    """Split probe output into raw section values; raises ProbeError on any framing fault."""
    lines = output.splitlines()
    try:
        start = lines.index("@probe 1")
    except ValueError:
        head = output.strip()[:200] or "<empty>"
        raise ProbeError(f"no probe report in the container's output (got: {head!r})") from None
    sections: dict[str, bytes] = {}
    name: str | None = None
    raw = False
    chunk: list[str] = []
    for number, line in enumerate(lines[start + 1 :], start + 2):
        if name is None:
            if line == "@done":
                return sections
            if not line.startswith("@") or line == "@end":
                raise ProbeError(f"probe output line {number}: expected a section, got {line!r}")
            raw = line.startswith("@raw ")
            name, chunk = (line[5:] if raw else line[1:]), []
        elif line == "@end":
            if raw:
                sections[name] = "".join(f"{text}\n" for text in chunk).encode()
            else:
                try:
                    sections[name] = base64.b64decode("".join(chunk), validate=True)
                except (binascii.Error, ValueError) as exc:
                    raise ProbeError(f"probe section {name!r}: bad base64 ({exc})") from None
            name = None
        else:
            chunk.append(line)
    raise ProbeError(
        "the probe report is truncated (no '@done'; the process was killed or its output cut)"
        + (f" inside section {name!r}" if name else "")
    )


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ProbeError(f"probe {what}: not an integer: {text!r}") from None


def capability_names(mask_hex: str) -> list[str]:
    mask = int(mask_hex, 16)
    names = [name for bit, name in enumerate(CAPABILITY_NAMES) if mask >> bit & 1]
    names += [f"CAP_{bit}" for bit in range(len(CAPABILITY_NAMES), 64) if mask >> bit & 1]
    return names


def _parse_status(text: str, report: ProbeReport) -> None:
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    for key, attrs in (("Uid", ("uid", "euid")), ("Gid", ("gid", "egid"))):
        if key in fields:
            values = fields[key].split()
            setattr(report, attrs[0], _int(values[0], key))
            setattr(report, attrs[1], _int(values[1], key))
    report.groups = [_int(g, "Groups") for g in fields.get("Groups", "").split()]
    caps = {
        "CapInh": "inheritable",
        "CapPrm": "permitted",
        "CapEff": "effective",
        "CapBnd": "bounding",
        "CapAmb": "ambient",
    }
    for key, name in caps.items():
        if key in fields:
            report.capabilities[name] = capability_names(fields[key])
    if "NoNewPrivs" in fields:
        report.no_new_privs = fields["NoNewPrivs"] == "1"
    if "Seccomp" in fields:
        report.seccomp = _int(fields["Seccomp"], "Seccomp")
    if "Umask" in fields and not report.umask:
        report.umask = fields["Umask"]


def parse_limits(text: str) -> dict[str, list[int | None]]:
    """/proc/<pid>/limits: RLIMIT_* name -> [soft, hard], None for unlimited."""
    limits: dict[str, list[int | None]] = {}
    for line in text.splitlines()[1:]:
        for title, name in _LIMIT_NAMES.items():
            if line.startswith(title):
                soft, hard = line[len(title) :].split()[:2]
                limits[name] = [
                    None if soft == "unlimited" else _int(soft, name),
                    None if hard == "unlimited" else _int(hard, name),
                ]
    return limits


def _unescape(text: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as \\ooo octal."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def _parse_mountinfo(text: str) -> list[Mount]:
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if not sep or len(fields) < 6 or len(rest) < 2:
            raise ProbeError(f"probe mountinfo: malformed line {line!r}")
        mounts.append(
            Mount(
                mount_point=_unescape(fields[4]),
                fstype=rest[0],
                source=rest[1],
                options=tuple(fields[5].split(",")),
                super_options=tuple(rest[2].split(",")) if len(rest) > 2 else (),
                propagation=tuple(tag.partition(":")[0] for tag in fields[6:]),
                optional_fields=tuple(fields[6:]),
            )
        )
    return mounts


def _hex(text: str) -> int | None:
    try:
        return int(text, 16)
    except ValueError:
        return None


def _parse_stat(line: str) -> FileStat:
    parts = line.split("|")
    if len(parts) == 2 and parts[1] == "missing":
        return FileStat(path=parts[0], exists=False)
    parts += [""] * (10 - len(parts))
    path, ftype, major, minor, mode, uid, gid, ttype, tmajor, tminor = parts[:10]
    return FileStat(
        path=path,
        exists=True,
        type=ftype,
        major=_hex(major),
        minor=_hex(minor),
        mode=mode,
        uid=int(uid) if uid.isdigit() else None,
        gid=int(gid) if gid.isdigit() else None,
        target_type=ttype,
        target_major=_hex(tmajor),
        target_minor=_hex(tminor),
    )


def _parse_fds(text: str) -> dict[int, str]:
    """`ls -l /proc/PID/fd/` lines ('... 3 -> pipe:[123]') -> {3: 'pipe:[123]'}."""
    fds = {}
    for line in text.splitlines():
        left, arrow, target = line.partition(" -> ")
        if arrow and left.split():
            fds[_int(left.split()[-1], "fd")] = target
    return fds


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(k, v) for k, _, v in (line.partition(" ") for line in text.splitlines()) if k]


def parse_report(output: str) -> ProbeReport:
    """Parse the probe's stdout into a ProbeReport; ProbeError names what is wrong."""
    try:
        return _parse_report(output)
    except (ValueError, IndexError) as exc:
        raise ProbeError(f"probe report is malformed: {exc}") from None


def _parse_report(output: str) -> ProbeReport:
    raw = decode_sections(output)
    text = {name: value.decode("utf-8", "replace") for name, value in raw.items()}
    missing = {"args", "status", "environ", "mountinfo"} - text.keys()
    if missing:
        raise ProbeError(f"probe report lacks sections: {', '.join(sorted(missing))}")
    report = ProbeReport()
    report.args = text["args"].split("\0")[:-1]
    report.env_list = [item for item in text["environ"].split("\0") if item]
    report.env = dict(item.partition("=")[::2] for item in report.env_list)
    report.cwd = text.get("cwd", "").strip()
    report.umask = text.get("umask", "").strip()
    _parse_status(text["status"], report)
    report.hostname = text.get("hostname", "").strip()
    report.domainname = text.get("domainname", "").strip()
    report.rlimits = parse_limits(text.get("limits", ""))
    if text.get("oom_score_adj", "").strip():
        report.oom_score_adj = _int(text["oom_score_adj"].strip(), "oom_score_adj")
    report.namespaces = dict(_pairs(text.get("namespaces", "")))
    report.mounts = _parse_mountinfo(text["mountinfo"])
    report.cgroups = text.get("cgroup", "").splitlines()
    report.fds = _parse_fds(text.get("fds", ""))
    report.extra_fds = {fd: target for fd, target in report.fds.items() if fd > 2 and target != PROBE_PATH}
    report.stats = {s.path: s for s in map(_parse_stat, text.get("stats", "").splitlines())}
    report.links = dict(_pairs(text.get("links", "")))
    writable = text.get("root_writable", "").strip()
    report.root_writable = {"yes": True, "no": False}.get(writable)
    for name, value in text.items():
        if name.startswith("file:"):
            report.files[name[5:]] = value
        elif name.startswith("exec:"):
            code, _, output = value.partition("\n")
            report.exec[name[5:]] = {"rc": _int(code.strip(), name), "output": output}
    report.unobservable = _unobservable(report, text)
    return report


#: config-linux.md namespace types -> their names under /proc/PID/ns (what the probe reports).
PROC_NS_NAMES = {
    "pid": "pid",
    "network": "net",
    "ipc": "ipc",
    "uts": "uts",
    "mount": "mnt",
    "user": "user",
    "cgroup": "cgroup",
    "time": "time",
}

#: Namespaces and capability sets every current Linux kernel shows in /proc (time since 5.6).
_EXPECTED_NAMESPACES = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
_CAPABILITY_SETS = ("inheritable", "permitted", "effective", "bounding", "ambient")


def _unobservable(report: ProbeReport, text: dict[str, str]) -> list[str]:
    missing = [f"namespaces.{ns}" for ns in _EXPECTED_NAMESPACES if ns not in report.namespaces]
    missing += [f"capabilities.{cs}" for cs in _CAPABILITY_SETS if cs not in report.capabilities]
    if not report.rlimits:
        missing.append("rlimits")
    if not report.cwd:
        missing.append("cwd")
    for name in ("no_new_privs", "seccomp", "oom_score_adj", "root_writable"):
        if getattr(report, name) is None:
            missing.append(name)
    if not text.get("mountinfo", "").strip():
        missing += ["mounts", "mounts_by_point"]
    return missing
