"""Unit tests for :mod:`conformance.runtime.bundle.probe`: parsing the in-container probe's report.

The reports are synthetic, framed the way ``probe.sh`` frames them ("@probe 1", then
"@NAME", base64 lines, "@end" per section, "@done"), so every field is checked without
running a container.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.core.errors import ProbeError
from conformance.runtime.bundle.probe import (
    CAPABILITY_NAMES,
    FileStat,
    Mount,
    ProbeReport,
    capability_names,
    decode_sections,
    parse_report,
    probe_script,
)

STATUS = """\
Name:\toci-probe
Umask:\t0077
State:\tR (running)
Uid:\t1000\t1001\t1002\t1003
Gid:\t100\t101\t102\t103
FDSize:\t64
Groups:\t5 29 1000
NoNewPrivs:\t1
Seccomp:\t2
Seccomp_filters:\t1
CapInh:\t0000000000000000
CapPrm:\t0000200000000000
CapEff:\t0000000020000420
CapBnd:\t000001ffffffffff
CapAmb:\t0000000000000001
"""

LIMITS = """\
Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max file size             unlimited            1048576              bytes
Max open files            1024                 4096                 files
Max processes             63536                63536                processes
Max locked memory         65536                unlimited            bytes
Max realtime priority     0                    0
Max realtime timeout      unlimited            unlimited            us
"""

MOUNTINFO = """\
22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
25 24 0:23 / /dev/shm rw,nosuid,nodev,noexec shared:5 master:1 - tmpfs shm rw,size=65536k,mode=1777
30 22 0:40 / /my\\040dir ro,relatime - tmpfs tmpfs
31 22 0:41 / /proc ro - tmpfs tmpfs rw
"""

NAMESPACES = """\
cgroup cgroup:[4026531835]
ipc ipc:[4026532204]
mnt mnt:[4026532202]
net net:[4026532207]
pid pid:[4026532205]
pid_for_children pid:[4026532205]
time time:[4026531834]
user user:[4026531837]
uts uts:[4026532203]
"""

STATS = """\
/dev/null|character special file|1|3|666|0|0|character special file|1|3
/dev/tty|missing
/dev/fd|symbolic link|0|0|777|0|0|directory|0|0
/dev/kmsg|character special file|1|b|600|0|5|character special file|1|b
/dev/dangling|symbolic link|0|0|777|0|0|
"""

LINKS = "/dev/fd /proc/self/fd\n/dev/stdin /proc/self/fd/0\n/dev/ptmx pts/ptmx\n/dev/console \n"


#: Sections probe.sh prints as plain text ("@raw NAME") rather than base64.
RAW_SECTIONS = frozenset({"fds"})


def frame(
    sections: list[tuple[str, bytes | str]],
    *,
    done: bool = True,
    head: str = "",
    raw: frozenset[str] = RAW_SECTIONS,
) -> str:
    """Probe output as probe.sh prints it: base64 wrapped at 76 columns like `base64`."""
    lines = [head, "@probe 1"] if head else ["@probe 1"]
    for name, value in sections:
        data = value.encode() if isinstance(value, str) else value
        if name in raw:
            lines.append(f"@raw {name}")
            lines += data.decode().splitlines()
        else:
            lines.append(f"@{name}")
            lines += base64.encodebytes(data).decode().splitlines()
        lines.append("@end")
    if done:
        lines.append("@done")
    return "\n".join(lines) + "\n"


#: `ls -l /proc/PID/fd/` as busybox prints it.
FDS = """\
total 0
lr-x------    1 root     root            64 Nov 26 17:20 0 -> /dev/null
l-wx------    1 root     root            64 Nov 26 17:20 1 -> pipe:[123]
l-wx------    1 root     root            64 Nov 26 17:20 2 -> pipe:[124]
lrwx------    1 root     root            64 Nov 26 17:20 5 -> /tmp/leaked file
lr-x------    1 root     root            64 Nov 26 17:20 10 -> /oci-probe
"""


def full_sections() -> list[tuple[str, bytes | str]]:
    return [
        ("args", b"/oci-probe\0first\0two words\0\0--flag=x\0"),
        ("status", STATUS),
        ("environ", b"PATH=/bin:/usr/bin\0EMPTY=\0EQ=x=y\0HOME=/root\0"),
        ("cwd", "/tmp\n"),
        ("umask", "0022\n"),
        ("hostname", "oci-conformance\n"),
        ("domainname", "(none)\n"),
        ("limits", LIMITS),
        ("oom_score_adj", "-500\n"),
        ("mountinfo", MOUNTINFO),
        ("cgroup", "12:pids:/x\n0::/\n"),
        ("namespaces", NAMESPACES),
        ("fds", FDS),
        ("stats", STATS),
        ("links", LINKS),
        ("root_writable", "no\n"),
        ("file:/etc/hosts", "127.0.0.1 localhost\n"),
        ("file:/proc/sys/net/core/somaxconn", ""),
    ]


def minimal_sections() -> list[tuple[str, bytes | str]]:
    return [("args", b"/oci-probe\0"), ("status", ""), ("environ", b""), ("mountinfo", "")]


@pytest.fixture(scope="module")
def report() -> ProbeReport:
    return parse_report(frame(full_sections()))


# -- every field ------------------------------------------------------------------------------


def test_args_env_cwd_umask(report: ProbeReport) -> None:
    assert report.args == ["/oci-probe", "first", "two words", "", "--flag=x"]
    assert report.env_list == ["PATH=/bin:/usr/bin", "EMPTY=", "EQ=x=y", "HOME=/root"]
    assert report.env == {"PATH": "/bin:/usr/bin", "EMPTY": "", "EQ": "x=y", "HOME": "/root"}
    assert report.cwd == "/tmp"
    assert report.umask == "0022"  # the umask section wins over status' Umask


def test_ids_and_groups(report: ProbeReport) -> None:
    assert (report.uid, report.euid, report.gid, report.egid) == (1000, 1001, 100, 101)
    assert report.groups == [5, 29, 1000]


def test_capabilities_from_hex_masks(report: ProbeReport) -> None:
    assert report.capabilities["inheritable"] == []
    assert report.capabilities["effective"] == ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"]
    assert report.capabilities["bounding"] == CAPABILITY_NAMES
    assert report.capabilities["permitted"] == ["CAP_45"]
    assert report.capabilities["ambient"] == ["CAP_CHOWN"]


@pytest.mark.parametrize(
    ("mask", "names"),
    [
        ("0", []),
        ("1", ["CAP_CHOWN"]),
        ("0000000000000002", ["CAP_DAC_OVERRIDE"]),
        ("240000", ["CAP_SYS_CHROOT", "CAP_SYS_ADMIN"]),
        ("10000000000", ["CAP_CHECKPOINT_RESTORE"]),
        ("8000000000000000", ["CAP_63"]),
    ],
)
def test_capability_names(mask: str, names: list[str]) -> None:
    assert capability_names(mask) == names


def test_capability_table_matches_kernel_numbering() -> None:
    """Names come from bit positions; a shifted table would silently misreport every set."""
    assert len(CAPABILITY_NAMES) == 41
    assert CAPABILITY_NAMES.index("CAP_SYS_ADMIN") == 21
    assert CAPABILITY_NAMES.index("CAP_AUDIT_WRITE") == 29
    assert CAPABILITY_NAMES.index("CAP_BPF") == 39


def test_no_new_privs_seccomp_oom(report: ProbeReport) -> None:
    assert report.no_new_privs is True
    assert report.seccomp == 2
    assert report.oom_score_adj == -500


def test_no_new_privs_zero_is_false() -> None:
    sections = dict(minimal_sections())
    sections["status"] = "NoNewPrivs:\t0\nSeccomp:\t0\n"
    parsed = parse_report(frame(list(sections.items())))
    assert parsed.no_new_privs is False
    assert parsed.seccomp == 0


def test_rlimits_including_unlimited(report: ProbeReport) -> None:
    assert report.rlimits == {
        "RLIMIT_CPU": [None, None],
        "RLIMIT_FSIZE": [None, 1048576],
        "RLIMIT_NOFILE": [1024, 4096],
        "RLIMIT_NPROC": [63536, 63536],
        "RLIMIT_MEMLOCK": [65536, None],
        "RLIMIT_RTPRIO": [0, 0],
        "RLIMIT_RTTIME": [None, None],
    }


def test_hostname_domainname_cgroups(report: ProbeReport) -> None:
    assert report.hostname == "oci-conformance"
    assert report.domainname == "(none)"
    assert report.cgroups == ["12:pids:/x", "0::/"]


def test_mounts(report: ProbeReport) -> None:
    assert report.mounts[1] == Mount(
        mount_point="/dev/shm",
        fstype="tmpfs",
        source="shm",
        options=("rw", "nosuid", "nodev", "noexec"),
        super_options=("rw", "size=65536k", "mode=1777"),
        propagation=("shared", "master"),
        optional_fields=("shared:5", "master:1"),
    )
    assert report.mounts[2].mount_point == "/my dir"
    assert report.mounts[2].super_options == ()
    assert [m.mount_point for m in report.mounts] == ["/proc", "/dev/shm", "/my dir", "/proc"]


def test_mount_at_is_the_topmost(report: ProbeReport) -> None:
    proc = report.mount_at("/proc")
    assert proc is not None
    assert proc.fstype == "tmpfs"
    assert report.mount_at("/nowhere") is None


def test_mountinfo_octal_escapes() -> None:
    sections = dict(minimal_sections())
    sections["mountinfo"] = "30 22 0:40 / /a\\011b\\134c rw - tmpfs tmpfs rw\n"
    parsed = parse_report(frame(list(sections.items())))
    assert parsed.mounts[0].mount_point == "/a\tb\\c"


def test_mountinfo_propagation_from_optional_fields() -> None:
    sections = dict(minimal_sections())
    sections["mountinfo"] = (
        "30 22 0:40 / /private rw - tmpfs a rw\n"
        "31 22 0:41 / /shared rw,nosuid shared:7 - tmpfs b rw\n"
        "32 22 0:41 / /slave rw master:7 - tmpfs b rw\n"
        "33 22 0:41 / /both rw shared:9 master:7 propagate_from:2 - tmpfs b rw\n"
        "34 22 0:42 / /unbindable rw unbindable - tmpfs c rw,size=1024k\n"
    )
    mounts = {m.mount_point: m for m in parse_report(frame(list(sections.items()))).mounts}
    assert mounts["/private"].propagation == () and mounts["/private"].optional_fields == ()
    assert mounts["/shared"].propagation == ("shared",)
    assert mounts["/shared"].optional_fields == ("shared:7",)
    assert mounts["/shared"].options == ("rw", "nosuid")
    assert mounts["/slave"].propagation == ("master",)
    assert mounts["/both"].propagation == ("shared", "master", "propagate_from")
    assert mounts["/unbindable"].propagation == ("unbindable",)
    assert mounts["/unbindable"].super_options == ("rw", "size=1024k")


def test_namespaces(report: ProbeReport) -> None:
    assert report.namespaces["net"] == "net:[4026532207]"
    assert report.namespaces["pid_for_children"] == "pid:[4026532205]"
    assert len(report.namespaces) == 9


def test_fds(report: ProbeReport) -> None:
    assert report.fds == {
        0: "/dev/null",
        1: "pipe:[123]",
        2: "pipe:[124]",
        5: "/tmp/leaked file",
        10: "/oci-probe",
    }


def test_extra_fds_leave_out_stdio_and_the_probe_script(report: ProbeReport) -> None:
    """A descriptor leaked into the container shows up; stdio and the script's own do not."""
    assert report.extra_fds == {5: "/tmp/leaked file"}
    clean = dict(full_sections())
    clean["fds"] = "\n".join(line for line in FDS.splitlines() if "leaked" not in line)
    assert parse_report(frame(list(clean.items()))).extra_fds == {}


def test_raw_section_is_plain_text() -> None:
    """A raw section is taken verbatim (not base64), one newline per line."""
    sections = decode_sections(frame([("fds", "not base64 !!\n  kept  \n")]))
    assert sections["fds"] == b"not base64 !!\n  kept  \n"
    assert decode_sections(frame([("fds", "")]))["fds"] == b""


def test_stats_including_missing(report: ProbeReport) -> None:
    assert report.stats["/dev/null"] == FileStat(
        path="/dev/null",
        exists=True,
        type="character special file",
        major=1,
        minor=3,
        mode="666",
        uid=0,
        gid=0,
        target_type="character special file",
        target_major=1,
        target_minor=3,
    )
    assert report.stats["/dev/tty"] == FileStat(path="/dev/tty", exists=False)
    assert report.stats["/dev/kmsg"].minor == 11  # stat prints %t/%T in hex
    assert report.stats["/dev/kmsg"].gid == 5
    fd = report.stats["/dev/fd"]
    assert (fd.type, fd.target_type) == ("symbolic link", "directory")
    dangling = report.stats["/dev/dangling"]
    assert dangling.exists
    assert (dangling.target_type, dangling.target_major) == ("", None)


def test_links(report: ProbeReport) -> None:
    assert report.links == {
        "/dev/fd": "/proc/self/fd",
        "/dev/stdin": "/proc/self/fd/0",
        "/dev/ptmx": "pts/ptmx",
        "/dev/console": "",
    }


@pytest.mark.parametrize(("text", "value"), [("yes\n", True), ("no\n", False), ("maybe\n", None), ("", None)])
def test_root_writable(text: str, value: bool | None) -> None:
    sections = [*minimal_sections(), ("root_writable", text)]
    assert parse_report(frame(sections)).root_writable is value


def test_files(report: ProbeReport) -> None:
    assert report.files == {"/etc/hosts": "127.0.0.1 localhost\n", "/proc/sys/net/core/somaxconn": ""}


def test_long_values_span_several_base64_lines() -> None:
    """`base64` wraps at 76 columns; the chunks must be joined again."""
    big = "x" * 1000 + "\n"
    output = frame([*minimal_sections(), ("file:/big", big)])
    assert output.count("\n") > 15
    assert parse_report(output).files["/big"] == big


def test_umask_falls_back_to_status() -> None:
    sections = dict(minimal_sections())
    sections["status"] = "Umask:\t0027\n"
    assert parse_report(frame(list(sections.items()))).umask == "0027"


def test_as_dict_adds_mounts_by_point(report: ProbeReport) -> None:
    data = report.as_dict()
    assert data["mounts_by_point"]["/dev/shm"]["fstype"] == "tmpfs"
    assert data["mounts_by_point"]["/proc"]["fstype"] == "tmpfs"  # topmost wins
    assert data["stats"]["/dev/tty"]["exists"] is False
    assert data["unobservable"] == []


def test_noise_before_the_report_is_ignored() -> None:
    output = frame(minimal_sections(), head="WARN: runtime said something")
    assert parse_report(output).args == ["/oci-probe"]


# -- unobservable -----------------------------------------------------------------------------


def test_full_report_has_nothing_unobservable(report: ProbeReport) -> None:
    assert report.unobservable == []


def test_minimal_report_lists_every_absent_source() -> None:
    parsed = parse_report(frame(minimal_sections()))
    assert set(parsed.unobservable) == {
        *(f"namespaces.{ns}" for ns in ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")),
        *(f"capabilities.{cs}" for cs in ("inheritable", "permitted", "effective", "bounding", "ambient")),
        "rlimits",
        "cwd",
        "no_new_privs",
        "seccomp",
        "oom_score_adj",
        "root_writable",
        "mounts",
        "mounts_by_point",
    }


@pytest.mark.parametrize("limits", ["", LIMITS.splitlines()[0] + "\n"], ids=["empty", "header-only"])
def test_empty_limits_make_rlimits_unobservable(limits: str) -> None:
    sections = dict(full_sections())
    sections["limits"] = limits
    parsed = parse_report(frame(list(sections.items())))
    assert parsed.rlimits == {}
    assert parsed.unobservable == ["rlimits"]


def test_old_kernel_without_cgroup_namespace_and_ambient_caps() -> None:
    sections = dict(full_sections())
    sections["namespaces"] = "\n".join(
        line for line in NAMESPACES.splitlines() if not line.startswith("cgroup")
    )
    sections["status"] = "\n".join(line for line in STATUS.splitlines() if not line.startswith("CapAmb"))
    parsed = parse_report(frame(list(sections.items())))
    assert parsed.unobservable == ["namespaces.cgroup", "capabilities.ambient"]


def test_sandbox_without_time_namespace_makes_it_unobservable() -> None:
    """gVisor's /proc/self/ns lists only net, pid and user: the others cannot be judged."""
    sections = dict(full_sections())
    sections["namespaces"] = "\n".join(
        line for line in NAMESPACES.splitlines() if line.split()[0] in ("net", "pid", "user")
    )
    parsed = parse_report(frame(list(sections.items())))
    assert parsed.unobservable == [f"namespaces.{ns}" for ns in ("cgroup", "ipc", "mnt", "time", "uts")]


# -- garbage ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "pattern"),
    [
        ("", r"no probe report.*<empty>"),
        ("sh: /oci-probe: not found\n", r"no probe report.*sh: /oci-probe: not found"),
        ("@probe 2\n@done\n", r"no probe report"),
        ("@probe 1\n@args\nL29jaS1wcm9iZQA=\n", r"truncated.*inside section 'args'"),
        ("@probe 1\n@args\nL29jaS1wcm9iZQA=\n@end\n", r"truncated \(no '@done'"),
        ("@probe 1\n@args\n!!notbase64!!\n@end\n@done\n", r"section 'args': bad base64"),
        ("@probe 1\n@args\nL29jaS1wcm9iZQA\n@end\n@done\n", r"section 'args': bad base64"),
        ("@probe 1\nhello\n@done\n", r"line 2: expected a section, got 'hello'"),
        ("@probe 1\n@end\n@done\n", r"line 2: expected a section, got '@end'"),
    ],
    ids=[
        "empty",
        "exec-error",
        "wrong-version",
        "truncated-in-section",
        "truncated",
        "bad-base64",
        "bad-padding",
        "stray-line",
        "stray-end",
    ],
)
def test_garbage_output(output: str, pattern: str) -> None:
    with pytest.raises(ProbeError, match=pattern):
        parse_report(output)


def test_missing_sections_are_named() -> None:
    with pytest.raises(ProbeError, match=r"lacks sections: environ, mountinfo, status"):
        parse_report(frame([("args", b"/oci-probe\0")]))


@pytest.mark.parametrize(
    ("name", "value", "pattern"),
    [
        ("mountinfo", "garbage\n", r"mountinfo: malformed line 'garbage'"),
        ("mountinfo", "22 27 0:21 / /proc rw proc proc rw\n", "malformed line"),
        ("mountinfo", "22 27 0:21 / rw - proc proc rw\n", "malformed line"),
        ("mountinfo", "22 27 0:21 / /proc rw - proc\n", "malformed line"),
        ("status", "Uid:\tx\t0\t0\t0\n", r"Uid: not an integer: 'x'"),
        ("status", "Groups:\t1 two\n", r"Groups: not an integer: 'two'"),
        ("status", "Seccomp:\tfilter\n", r"Seccomp: not an integer"),
        ("oom_score_adj", "lots\n", r"oom_score_adj: not an integer"),
        ("fds", "lrwx------ 1 root root 64 Nov 26 17:20 x -> /dev/null\n", r"fd: not an integer: 'x'"),
        ("limits", LIMITS.replace("1024  ", "1k    "), r"RLIMIT_NOFILE: not an integer: '1k'"),
    ],
)
def test_malformed_sections(name: str, value: str, pattern: str) -> None:
    sections = dict(minimal_sections())
    sections[name] = value
    with pytest.raises(ProbeError, match=pattern):
        parse_report(frame(list(sections.items())))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("status", "CapEff:\tzz\n"),
        ("status", "Uid:\t0\n"),
        ("limits", LIMITS.splitlines()[0] + "\nMax open files            1024\n"),
    ],
    ids=["bad-cap-mask", "short-uid", "short-limit"],
)
def test_malformed_status_is_a_probe_error(name: str, value: str) -> None:
    sections = dict(minimal_sections())
    sections[name] = value
    with pytest.raises(ProbeError):
        parse_report(frame(list(sections.items())))


def test_decode_sections_keeps_raw_bytes() -> None:
    raw = bytes(range(256))
    assert decode_sections(frame([("bin", raw)]))["bin"] == raw


# -- the real probe script's framing ----------------------------------------------------------


def test_probe_script_frames_sections_like_the_parser_expects() -> None:
    script = probe_script().decode()
    assert script.startswith("#!/bin/sh\n")
    assert 'echo "@probe 1"' in script
    assert 'echo "@done"' in script
    assert re.search(r'^section\(\) \{.*echo "@\$name".*\| base64; echo "@end"; \}$', script, re.MULTILINE)


@pytest.mark.skipif(
    shutil.which("base64") is None or not Path("/bin/sh").exists(), reason="needs sh and base64"
)
def test_real_section_function_round_trips(tmp_path: Path) -> None:
    """Run probe.sh's own framing (its `section` function and raw sections) and parse the output."""
    lines = probe_script().decode().splitlines()
    definition = next(line for line in lines if line.startswith("section()"))
    raw_sections = [line for line in lines if line.startswith('echo "@raw ')]
    (tmp_path / "status").write_text(STATUS)
    (tmp_path / "mountinfo").write_text(MOUNTINFO)
    (tmp_path / "environ").write_bytes(b"A=1\0B=two words\0")
    (tmp_path / "big").write_text("y" * 500)
    script = "\n".join(
        [
            "self=$$",
            definition,
            'echo "@probe 1"',
            *raw_sections,
            "section args printf '%s\\0' /oci-probe 'two words' ''",
            "section status cat status",
            "section environ cat environ",
            "section mountinfo cat mountinfo",
            "section limits cat does-not-exist",
            "section file:/big cat big",
            'echo "@done"',
        ]
    )
    done = subprocess.run(
        ["/bin/sh", "-c", script],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    parsed = parse_report(done.stdout)
    assert parsed.args == ["/oci-probe", "two words", ""]
    assert parsed.env == {"A": "1", "B": "two words"}
    assert parsed.uid == 1000
    assert parsed.mounts[1].mount_point == "/dev/shm"
    assert parsed.files["/big"] == "y" * 500
    assert "rlimits" in parsed.unobservable
    if any(line.startswith('echo "@raw fds"') for line in raw_sections):
        assert {0, 1, 2} <= parsed.fds.keys()
        assert parsed.fds[0] == "/dev/null"


def test_exec_sections_give_exit_code_and_output() -> None:
    sections = [*minimal_sections(), ("exec:forks", "2\nsh: can't fork\nagain"), ("exec:quiet", "0\n")]
    report = parse_report(frame(sections))
    assert report.exec == {
        "forks": {"rc": 2, "output": "sh: can't fork\nagain"},
        "quiet": {"rc": 0, "output": ""},
    }


def test_exec_section_without_an_exit_code_is_a_probe_error() -> None:
    with pytest.raises(ProbeError, match="exec:bad"):
        parse_report(frame([*minimal_sections(), ("exec:bad", "not-a-number\nout")]))
