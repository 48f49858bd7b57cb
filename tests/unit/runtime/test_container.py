"""Unit tests for :class:`conformance.runtime.container.Janitor` and :func:`read_state`.

A fake runtime script keeps its containers in a file and logs every call, so cleanup
order and the sweep's id filter are checked without a container runtime.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from conformance.runtime.bundle import ID_PREFIX
from conformance.runtime.container import Janitor, read_state
from conformance.runtime.drivers.generic import GenericRuntime

FAKE_RUNTIME = """\
#!/bin/sh
# A tiny stateful runtime: containers are lines of {ids}; ids in {stuck} cannot be deleted;
# lines "ID PID" of {running} are running containers until killed (kill -9 PID).
echo "$*" >> {log}
cmd=$1; shift
case "$cmd" in
  list) [ "$1" = -q ] && cat {ids} ;;
  kill)
    grep -qx "$1" {ids} || exit 1
    pid=$(grep "^$1 " {running} | cut -d" " -f2)
    [ -n "$pid" ] && kill -9 "$pid"
    grep -v "^$1 " {running} > {running}.new; mv {running}.new {running} ;;
  delete)
    [ "$1" = --force ] && shift
    grep -qx "$1" {ids} || exit 1
    grep -qx "$1" {stuck} && exit 1
    grep -vx "$1" {ids} > {ids}.new; mv {ids}.new {ids} ;;
  state)
    grep -qx "$1" {ids} || {{ echo "container $1 does not exist" >&2; exit 1; }}
    pid=$(grep "^$1 " {running} | cut -d" " -f2)
    if [ -n "$pid" ]; then
      printf '{{"ociVersion": "1.0.2", "id": "%s", "status": "running", "pid": %s}}\\n' "$1" "$pid"
    else
      printf '{{"ociVersion": "1.0.2", "id": "%s", "status": "stopped"}}\\n' "$1"
    fi ;;
  *) exit 2 ;;
esac
"""


class FakeRuntime:
    """Paths of one fake runtime: the script, its container list and its call log."""

    def __init__(
        self,
        root: Path,
        ids: Sequence[str],
        stuck: Sequence[str] = (),
        name: str = "fake",
        running: Sequence[tuple[str, int]] = (),
    ) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.ids = root / "ids"
        self.stuck = root / "stuck"
        self.log = root / "log"
        self.running = root / "running"
        self.running.write_text("".join(f"{i} {pid}\n" for i, pid in running))
        self.ids.write_text("".join(f"{i}\n" for i in ids))
        self.stuck.write_text("".join(f"{i}\n" for i in stuck))
        self.log.write_text("")
        self.path = root / name
        script = FAKE_RUNTIME.format(ids=self.ids, stuck=self.stuck, log=self.log, running=self.running)
        self.path.write_text(script)
        self.path.chmod(0o755)
        self.runtime = GenericRuntime(str(self.path), timeout=10)

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()

    def containers(self) -> list[str]:
        return self.ids.read_text().split()


@pytest.fixture
def fake(tmp_path: Path) -> FakeRuntime:
    return FakeRuntime(
        tmp_path / "rt", [f"{ID_PREFIX}-main-1-aaa", "user-container", f"{ID_PREFIX}-gw0-2-bbb"]
    )


def test_remove_deletes_a_stopped_container_without_force(fake: FakeRuntime) -> None:
    janitor = Janitor()
    cid = f"{ID_PREFIX}-main-1-aaa"
    janitor.track(fake.runtime, cid)
    assert janitor.remove(fake.runtime, cid)
    assert fake.calls() == [f"state {cid}", f"delete {cid}"]
    assert cid not in fake.containers()
    assert janitor.live == {}


def test_remove_of_a_container_seen_stopped_skips_state(fake: FakeRuntime) -> None:
    cid = f"{ID_PREFIX}-main-1-aaa"
    assert Janitor().remove(fake.runtime, cid, stopped=True)
    assert fake.calls() == [f"delete {cid}"]


def test_remove_kills_a_running_container_and_waits_for_its_exit(tmp_path: Path) -> None:
    process = subprocess.Popen(["sleep", "60"])
    try:
        fake = FakeRuntime(tmp_path / "rt", ["oci-conf-run"], running=[("oci-conf-run", process.pid)])
        assert Janitor().remove(fake.runtime, "oci-conf-run")
        assert fake.calls() == [
            "state oci-conf-run",
            "kill oci-conf-run SIGKILL",
            "state oci-conf-run",
            "delete oci-conf-run",
        ]
        assert fake.containers() == []
        assert process.wait(timeout=5) == -9
    finally:
        process.kill()
        process.wait()


def test_remove_of_a_running_container_without_a_pid_forces(tmp_path: Path) -> None:
    """Where the host cannot wait for the process, the runtime's own delete --force stops it."""
    fake = FakeRuntime(tmp_path / "rt", ["oci-conf-run"], running=[("oci-conf-run", 0)])
    assert Janitor().remove(fake.runtime, "oci-conf-run")
    assert fake.calls() == ["state oci-conf-run", "delete --force oci-conf-run", "state oci-conf-run"]


def test_remove_retries_and_reports_a_stuck_container(tmp_path: Path) -> None:
    fake = FakeRuntime(tmp_path / "rt", ["oci-conf-stuck"], stuck=["oci-conf-stuck"])
    janitor = Janitor()
    janitor.track(fake.runtime, "oci-conf-stuck")
    assert not janitor.remove(fake.runtime, "oci-conf-stuck")
    assert fake.calls() == [
        "state oci-conf-stuck",
        "delete oci-conf-stuck",
        "delete --force oci-conf-stuck",
        "state oci-conf-stuck",
        "kill oci-conf-stuck SIGKILL",
        "delete --force oci-conf-stuck",
        "state oci-conf-stuck",
    ]
    assert list(janitor.live.values()) == [(fake.runtime, "oci-conf-stuck")]


def test_remove_of_an_unknown_id_counts_as_gone(fake: FakeRuntime) -> None:
    assert Janitor().remove(fake.runtime, "never-created")
    assert fake.containers() == [f"{ID_PREFIX}-main-1-aaa", "user-container", f"{ID_PREFIX}-gw0-2-bbb"]


def test_sweep_removes_tracked_and_prefixed_ids_only(fake: FakeRuntime) -> None:
    """The sweep must never touch containers the suite did not create."""
    janitor = Janitor()
    janitor.track(fake.runtime, "user-container-tracked")  # tracked but already gone
    assert janitor.sweep([fake.runtime]) == []
    assert fake.containers() == ["user-container"]
    deleted = [call.split()[-1] for call in fake.calls() if call.startswith("delete")]
    assert deleted == ["user-container-tracked", f"{ID_PREFIX}-main-1-aaa", f"{ID_PREFIX}-gw0-2-bbb"]
    assert "list -q" in fake.calls()
    assert not any(call.endswith(" user-container") for call in fake.calls())
    assert janitor.live == {}


def test_sweep_removes_a_tracked_id_without_the_prefix(tmp_path: Path) -> None:
    fake = FakeRuntime(tmp_path / "rt", ["custom-id", "other"])
    janitor = Janitor()
    janitor.track(fake.runtime, "custom-id")
    assert janitor.sweep([fake.runtime]) == []
    assert fake.containers() == ["other"]


def test_sweep_reports_what_stayed(tmp_path: Path) -> None:
    fake = FakeRuntime(tmp_path / "rt", ["oci-conf-a", "oci-conf-b"], stuck=["oci-conf-b"], name="stuckrt")
    janitor = Janitor()
    janitor.track(fake.runtime, "oci-conf-b")
    stuck = janitor.sweep([fake.runtime])
    assert fake.containers() == ["oci-conf-b"]
    assert set(stuck) == {"generic:oci-conf-b"}


def test_sweep_reports_a_stuck_id_once(tmp_path: Path) -> None:
    fake = FakeRuntime(tmp_path / "rt", ["oci-conf-b"], stuck=["oci-conf-b"])
    janitor = Janitor()
    janitor.track(fake.runtime, "oci-conf-b")
    assert janitor.sweep([fake.runtime]) == ["generic:oci-conf-b"]


def test_sweep_without_list_support_only_removes_tracked(tmp_path: Path) -> None:
    fake = FakeRuntime(tmp_path / "rt", ["oci-conf-a", "oci-conf-b"])
    fake.path.write_text(fake.path.read_text().replace("list) [", "list) exit 1; ["))
    janitor = Janitor()
    janitor.track(fake.runtime, "oci-conf-a")
    assert janitor.sweep([fake.runtime]) == []
    assert fake.containers() == ["oci-conf-b"]


def test_sweep_covers_every_runtime(tmp_path: Path) -> None:
    one = FakeRuntime(tmp_path / "one", ["oci-conf-1", "keep-1"])
    two = FakeRuntime(tmp_path / "two", ["oci-conf-2", "keep-2"])
    assert Janitor().sweep([one.runtime, two.runtime]) == []
    assert one.containers() == ["keep-1"]
    assert two.containers() == ["keep-2"]


def test_track_is_per_runtime_object(tmp_path: Path) -> None:
    one = FakeRuntime(tmp_path / "one", ["same"])
    two = FakeRuntime(tmp_path / "two", ["same"])
    janitor = Janitor()
    janitor.track(one.runtime, "same")
    janitor.track(two.runtime, "same")
    janitor.track(two.runtime, "same")
    assert len(janitor.live) == 2
    assert janitor.remove(one.runtime, "same")
    assert list(janitor.live.values()) == [(two.runtime, "same")]


# -- read_state -------------------------------------------------------------------------------


def test_read_state_of_a_container(fake: FakeRuntime) -> None:
    reading = read_state(fake.runtime, "user-container")
    assert reading.error == ""
    assert reading.status == "stopped"
    assert reading.document == {"ociVersion": "1.0.2", "id": "user-container", "status": "stopped"}


def test_read_state_of_an_unknown_container(fake: FakeRuntime) -> None:
    reading = read_state(fake.runtime, "nope")
    assert reading.error.startswith("no state:")
    assert "does not exist" in reading.error
    assert reading.document is None
    assert reading.status is None
    assert "does not exist" in reading.result.stderr


@pytest.mark.parametrize(
    ("printed", "error"),
    [("echo 'not json'", "state printed invalid JSON"), ("echo '[1]'", "state printed a JSON list")],
)
def test_read_state_with_bad_output(executable, printed: str, error: str) -> None:
    path = executable(f"{printed}\n", name="rt")
    reading = read_state(GenericRuntime(str(path)), "x")
    assert reading.error.startswith(error)
    assert reading.status is None
