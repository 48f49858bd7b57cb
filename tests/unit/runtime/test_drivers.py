"""Unit tests for :mod:`conformance.runtime.drivers`: profiles, path checks and invocation.

Shell scripts written to tmp_path stand in for the runtime, so timeouts, process-group
kills and output capture are exercised for real without any container runtime.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from conformance.core import hostinfo
from conformance.core.errors import RuntimeOutputError, SubjectNotUsable
from conformance.runtime.drivers import (
    PROFILES,
    CommandLineRuntime,
    CommandResult,
    detect_profile,
    load_profile,
    open_runtime,
    parse_version,
    probe_version,
    resolve_path,
)
from conformance.runtime.drivers.cli import parse_json_object
from conformance.runtime.drivers.crun import CrunRuntime
from conformance.runtime.drivers.generic import GenericRuntime
from conformance.runtime.drivers.runc import RuncRuntime
from conformance.runtime.drivers.runsc import RunscRuntime

RUNC = "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1\nspec: 1.0.2-dev\ngo: go1.19.8\nlibseccomp: 2.5.4\n"
CRUN = (
    "crun version 1.8.1\ncommit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30\nrundir: /run/crun\nspec: 1.0.0\n"
)
RUNSC = "runsc version 0.0~20221219.0\nspec: 1.0.2-dev\n"
YOUKI = "youki version 0.3.0\ncommit: 0.3.0-0-abc\n"


def process_gone(pid: int, within: float = 5.0) -> bool:
    """True once `pid` no longer runs (a zombie waiting for its reaper counts as gone)."""
    deadline = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


# -- versions and profiles --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "version"),
    [
        (RUNC, "1.1.5+ds1"),
        (CRUN, "1.8.1"),
        (RUNSC, "0.0~20221219.0"),
        (YOUKI, "0.3.0"),
        ("Version: v2.0.1, built today", "2.0.1"),
        ("kata-runtime  : 3.1.0\n   commit\n", "unknown"),
        ("hello world", "unknown"),
        ("", "unknown"),
    ],
    ids=["runc", "crun", "runsc", "youki", "prefixed-v", "no-version-word", "garbage", "empty"],
)
def test_parse_version(output: str, version: str) -> None:
    assert parse_version(output) == version


@pytest.mark.parametrize(
    ("output", "profile"),
    [
        (RUNC, RuncRuntime),
        (CRUN, CrunRuntime),
        (RUNSC, RunscRuntime),
        (YOUKI, GenericRuntime),
        ("garbage", GenericRuntime),
        ("", GenericRuntime),
        ("my runc version 1.0", GenericRuntime),
    ],
    ids=["runc", "crun", "runsc", "youki", "garbage", "empty", "runc-not-first"],
)
def test_detect_profile(output: str, profile: type[CommandLineRuntime]) -> None:
    assert detect_profile(output) is profile


def test_profile_names_match_the_table() -> None:
    for name in PROFILES:
        cls = load_profile(name)
        assert issubclass(cls, CommandLineRuntime)
        assert cls.name == name


def test_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(
        SubjectNotUsable, match=r"unknown runtime profile 'nope' \(known: crun, generic, runc, runsc\)"
    ):
        load_profile("nope")


# -- resolve_path -----------------------------------------------------------------------------


def test_resolve_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-runtime"
    with pytest.raises(SubjectNotUsable, match="does not exist") as info:
        resolve_path(str(missing))
    assert str(missing) in str(info.value)


def test_resolve_directory(tmp_path: Path) -> None:
    with pytest.raises(SubjectNotUsable, match="is not an executable file") as info:
        resolve_path(str(tmp_path))
    assert str(tmp_path) in str(info.value)


def test_resolve_non_executable(tmp_path: Path) -> None:
    path = tmp_path / "runc"
    path.write_text("#!/bin/sh\n")
    path.chmod(0o644)
    with pytest.raises(SubjectNotUsable, match="is not an executable file") as info:
        resolve_path(str(path))
    assert str(path) in str(info.value)


def test_resolve_name_not_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SubjectNotUsable, match=r"runtime 'no-such-runtime' was not found on PATH"):
        resolve_path("no-such-runtime")


def test_resolve_good_path_and_name(executable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = executable("exit 0\n", "myruntime")
    link = tmp_path / "link"
    link.symlink_to(path)
    assert resolve_path(str(link)) == str(path)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert resolve_path("myruntime") == str(path)


# -- probe_version and open_runtime -----------------------------------------------------------


def test_open_runtime_detects_profile_and_version(executable, tmp_path: Path) -> None:
    path = executable(f"cat <<'EOF'\n{CRUN}EOF\n")
    runtime = open_runtime(str(path), global_args=("--debug",), timeout=7.0, state_root=tmp_path)
    assert isinstance(runtime, CrunRuntime)
    assert runtime.version == "1.8.1"
    assert runtime.version_output == CRUN
    assert runtime.global_args == ("--debug",)
    assert runtime.timeout == 7.0
    assert runtime.state_root == tmp_path
    assert repr(runtime) == f"<CrunRuntime {path} 1.8.1>"


def test_open_runtime_forced_profile(executable, tmp_path: Path) -> None:
    path = executable(f"cat <<'EOF'\n{CRUN}EOF\n")
    assert isinstance(open_runtime(str(path), profile="generic"), GenericRuntime)
    with pytest.raises(SubjectNotUsable, match="unknown runtime profile 'youki'"):
        open_runtime(str(path), profile="youki")


def test_version_exit_code_makes_runtime_unusable(executable, tmp_path: Path) -> None:
    path = executable("echo 'unknown flag: --version' >&2\nexit 3\n")
    with pytest.raises(SubjectNotUsable, match=r"--version exited 3: unknown flag: --version") as info:
        probe_version(str(path), 5)
    assert str(path) in str(info.value)


def test_version_timeout_makes_runtime_unusable(executable, tmp_path: Path) -> None:
    path = executable("exec sleep 30\n")
    started = time.monotonic()
    with pytest.raises(SubjectNotUsable, match=r"did not answer --version within 0.3s"):
        probe_version(str(path), 0.3)
    assert time.monotonic() - started < 5


def test_version_not_executable_format(tmp_path: Path) -> None:
    path = tmp_path / "runtime"
    path.write_bytes(b"\x00\x01garbage")
    path.chmod(0o755)
    with pytest.raises(SubjectNotUsable, match="cannot execute runtime"):
        probe_version(str(path), 5)


# -- argv and profiles' quirks ----------------------------------------------------------------


class NoRootRuntime(CommandLineRuntime):
    supports_root = False


def test_argv_order(tmp_path: Path) -> None:
    runtime = RunscRuntime("/x/runsc", global_args=("--debug",), state_root=tmp_path)
    assert runtime.argv("state", "id1") == [
        "/x/runsc", "--root", str(tmp_path), "--network=none", "--debug", "state", "id1",
    ]  # fmt: skip
    assert runtime.notes()


def test_argv_without_state_root_or_root_support(tmp_path: Path) -> None:
    assert RuncRuntime("/x/runc").argv("list") == ["/x/runc", "list"]
    assert NoRootRuntime("/x/rt", state_root=tmp_path).argv("list") == ["/x/rt", "list"]


@pytest.fixture
def unshare_on_path(executable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holding only a (fake) `unshare`, so the test does not depend on util-linux."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    executable("exit 0\n", "unshare", bindir)
    monkeypatch.setenv("PATH", str(bindir))
    return bindir


def test_crun_on_hybrid_host_is_wrapped(monkeypatch: pytest.MonkeyPatch, unshare_on_path: Path) -> None:
    monkeypatch.setattr(hostinfo, "cgroup_mode", lambda: "hybrid")
    runtime = CrunRuntime("/usr/bin/crun")
    prefix = runtime.command_prefix()
    assert prefix[:4] == ["unshare", "--mount", "--propagation", "private"]
    assert "umount /sys/fs/cgroup/unified" in " ".join(prefix)
    argv = runtime.argv("state", "x")
    assert argv[: len(prefix)] == prefix
    assert argv[len(prefix) :] == ["/usr/bin/crun", "state", "x"]
    assert any("private mount namespace" in note for note in runtime.notes())


@pytest.mark.parametrize("mode", ["unified", "legacy", "none"])
def test_crun_elsewhere_is_not_wrapped(
    monkeypatch: pytest.MonkeyPatch, unshare_on_path: Path, mode: str
) -> None:
    monkeypatch.setattr(hostinfo, "cgroup_mode", lambda: mode)
    runtime = CrunRuntime("/usr/bin/crun")
    assert runtime.command_prefix() == []
    assert runtime.argv("state", "x") == ["/usr/bin/crun", "state", "x"]
    assert runtime.notes() == []


def test_crun_on_hybrid_host_without_unshare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hostinfo, "cgroup_mode", lambda: "hybrid")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert CrunRuntime("/usr/bin/crun").command_prefix() == []


def test_other_profiles_are_never_wrapped(monkeypatch: pytest.MonkeyPatch, unshare_on_path: Path) -> None:
    monkeypatch.setattr(hostinfo, "cgroup_mode", lambda: "hybrid")
    assert RuncRuntime("/x/runc").command_prefix() == []
    assert GenericRuntime("/x/rt").command_prefix() == []


# -- invoke -----------------------------------------------------------------------------------


def test_invoke_captures_output_exit_code_and_duration(executable, tmp_path: Path) -> None:
    path = executable('echo "out $*"\necho "err line" >&2\nsleep 0.2\nexit 3\n')
    result = GenericRuntime(str(path)).invoke("state", "my id")
    assert result.argv == (str(path), "state", "my id")
    assert result.stdout == "out state my id\n"
    assert result.stderr == "err line\n"
    assert result.returncode == 3
    assert not result.timed_out
    assert not result.ok
    assert 0.2 <= result.duration < 10


def test_invoke_success_is_ok(executable, tmp_path: Path) -> None:
    result = GenericRuntime(str(executable("exit 0\n"))).invoke("x")
    assert result.ok
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_invoke_stdin_is_empty(executable, tmp_path: Path) -> None:
    """A runtime reading stdin must see EOF, never hang on the test's terminal."""
    result = GenericRuntime(str(executable("cat\necho eof\n"))).invoke(timeout=10)
    assert result.ok
    assert result.stdout == "eof\n"


def test_invoke_decodes_invalid_utf8(executable, tmp_path: Path) -> None:
    result = GenericRuntime(str(executable("printf 'a\\377b'\n"))).invoke()
    assert result.stdout == "a\ufffdb"


def test_invoke_timeout_kills_the_whole_group(executable, tmp_path: Path) -> None:
    """A hung runtime and its children die at the deadline; nothing is left behind."""
    pidfile = tmp_path / "child.pid"
    path = executable(f"sleep 300 &\necho $! > {pidfile}\necho started\nsleep 30\n")
    started = time.monotonic()
    result = GenericRuntime(str(path)).invoke("create", timeout=0.5)
    assert time.monotonic() - started < 5
    assert result.timed_out
    assert result.returncode is None
    assert not result.ok
    assert result.duration < 5
    assert result.stdout == "started\n"
    assert "timed out" in result.describe()
    child = int(pidfile.read_text())
    assert process_gone(child), f"background child {child} survived the timeout"


def test_invoke_uses_the_runtime_timeout_by_default(executable, tmp_path: Path) -> None:
    path = executable("exec sleep 30\n")
    result = GenericRuntime(str(path), timeout=0.3).invoke("x")
    assert result.timed_out
    assert result.duration < 5


def test_invoke_without_timeout_expiry_does_not_time_out(executable, tmp_path: Path) -> None:
    path = executable("sleep 0.1\necho done\n")
    result = GenericRuntime(str(path), timeout=0.01).invoke("x", timeout=10)
    assert not result.timed_out
    assert result.stdout == "done\n"


def test_invoke_output_dir_writes_files(executable, tmp_path: Path) -> None:
    """`create` output goes to files (the container inherits them); the result shows this call's part."""
    out = tmp_path / "io"
    out.mkdir()
    (out / "stdout").write_text("earlier\n")
    path = executable('echo "now $1"\necho "warn" >&2\n')
    result = GenericRuntime(str(path)).invoke("create", output_dir=out)
    assert result.ok
    assert result.stdout == "now create\n"
    assert result.stderr == "warn\n"
    assert (out / "stdout").read_text() == "earlier\nnow create\n"
    assert (out / "stderr").read_text() == "warn\n"


def test_invoke_output_dir_timeout(executable, tmp_path: Path) -> None:
    out = tmp_path / "io"
    out.mkdir()
    path = executable("echo before\nexec sleep 30\n")
    result = GenericRuntime(str(path)).invoke("create", output_dir=out, timeout=0.5)
    assert result.timed_out
    assert result.stdout == "before\n"


def test_invoke_missing_program(tmp_path: Path) -> None:
    runtime = GenericRuntime(str(tmp_path / "gone"))
    with pytest.raises(SubjectNotUsable, match="cannot execute runtime command"):
        runtime.invoke("state", "x")
    out = tmp_path / "io"
    out.mkdir()
    with pytest.raises(SubjectNotUsable):
        runtime.invoke("create", output_dir=out)


# -- operations -------------------------------------------------------------------------------

ECHO_RUNTIME = """\
case "$1" in
  state)
    case "$2" in
      good) echo '{"ociVersion": "1.0.2", "id": "good", "status": "created"}' ;;
      array) echo '[1, 2]' ;;
      bad) echo 'not json' ;;
      *) echo "container $2 does not exist" >&2; exit 1 ;;
    esac ;;
  list) printf 'a\\n\\n  b  \\n' ;;
  nolist) exit 1 ;;
  *) printf '%s\\n' "$@" ;;
esac
"""


@pytest.fixture
def echo_runtime(executable, tmp_path: Path) -> CommandLineRuntime:
    return GenericRuntime(str(executable(ECHO_RUNTIME)), timeout=10)


def words(result: CommandResult) -> list[str]:
    return result.stdout.splitlines()


def test_operation_command_lines(echo_runtime: CommandLineRuntime, tmp_path: Path) -> None:
    out = tmp_path / "io"
    out.mkdir()
    bundle = tmp_path / "bundle"
    created = echo_runtime.create("c1", bundle, output_dir=out, pid_file=tmp_path / "pid",
                                  console_socket=tmp_path / "sock")  # fmt: skip
    assert words(created) == [
        "create", "--bundle", str(bundle), "--pid-file", str(tmp_path / "pid"),
        "--console-socket", str(tmp_path / "sock"), "c1",
    ]  # fmt: skip
    assert words(echo_runtime.create("c2", bundle, output_dir=out)) == [
        "create",
        "--bundle",
        str(bundle),
        "c2",
    ]
    assert words(echo_runtime.start("c1")) == ["start", "c1"]
    assert words(echo_runtime.kill("c1")) == ["kill", "c1", "SIGTERM"]
    assert words(echo_runtime.kill("c1", "SIGKILL")) == ["kill", "c1", "SIGKILL"]
    assert words(echo_runtime.delete("c1")) == ["delete", "c1"]
    assert words(echo_runtime.delete("c1", force=True)) == ["delete", "--force", "c1"]
    assert words(echo_runtime.run("c1", bundle)) == ["run", "--bundle", str(bundle), "c1"]
    assert words(echo_runtime.features()) == ["features"]


def test_list_ids(echo_runtime: CommandLineRuntime) -> None:
    assert echo_runtime.list_ids() == ["a", "b"]


def test_list_ids_none_when_unsupported(executable, tmp_path: Path) -> None:
    runtime = GenericRuntime(str(executable("exit 1\n")))
    assert runtime.list_ids() is None


def test_state_document(echo_runtime: CommandLineRuntime) -> None:
    assert echo_runtime.state_document("good")["status"] == "created"


@pytest.mark.parametrize(
    ("container_id", "pattern"),
    [
        ("missing", r"(?s)state missing failed:\n\$ .* state missing  # exit 1.*does not exist"),
        ("bad", r"state: the runtime printed invalid JSON"),
        ("array", r"state: expected a JSON object, got list"),
    ],
)
def test_state_document_errors(echo_runtime: CommandLineRuntime, container_id: str, pattern: str) -> None:
    with pytest.raises(RuntimeOutputError, match=pattern):
        echo_runtime.state_document(container_id)


def result(stdout: str) -> CommandResult:
    return CommandResult(argv=("runc", "--root", "/r s", "state", "c1"), returncode=0, stdout=stdout,
                         stderr="", duration=0.25)  # fmt: skip


@pytest.mark.parametrize(
    ("stdout", "pattern"),
    [
        ("not json", r"^state: the runtime printed invalid JSON \(.*\):\n\$ runc --root '/r s' state c1"),
        ("", r"^state: the runtime printed invalid JSON"),
        ("[1]", r"^state: expected a JSON object, got list:\n\$ runc --root '/r s' state c1"),
        ('"x"', r"expected a JSON object, got str"),
        ("null", r"expected a JSON object, got NoneType"),
    ],
)
def test_parse_json_object_errors_name_the_command(stdout: str, pattern: str) -> None:
    with pytest.raises(RuntimeOutputError, match=pattern):
        parse_json_object(result(stdout), "state")


def test_parse_json_object_accepts_an_object() -> None:
    assert parse_json_object(result('{"a": [1]}'), "state") == {"a": [1]}


def test_result_describe() -> None:
    described = CommandResult(("rt", "x"), 2, "o" * 50, " e \n", 1.5).describe(limit=10)
    assert described.splitlines() == [
        "$ rt x  # exit 2 after 1.50s",
        "stdout: oooooooooo... (40 more chars)",
        "stderr: e",
    ]
    timed_out = CommandResult(("rt",), None, "", "", 30.0, timed_out=True)
    assert timed_out.describe() == "$ rt  # timed out after 30.00s"
    assert not timed_out.ok


def test_invoke_runs_in_its_own_session(executable, tmp_path: Path) -> None:
    """start_new_session: the runtime gets its own process group, which the timeout kill targets."""
    path = executable("ps -o pgid= -p $$ 2>/dev/null || cut -d' ' -f5 /proc/$$/stat\n")
    pgid = GenericRuntime(str(path)).invoke().stdout.strip()
    assert pgid.isdigit()
    assert int(pgid) != os.getpgrp()
