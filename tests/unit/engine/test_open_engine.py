"""Opening engines: bad values name the value; names map to private daemons on private paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.errors import SubjectNotUsable
from conformance.engine import open_engine
from conformance.engine.daemons.docker import DockerDaemon
from conformance.engine.daemons.podman import PodmanDaemon


def test_unknown_engine_is_named(tmp_path: Path) -> None:
    with pytest.raises(SubjectNotUsable, match="unknown engine 'rkt'"):
        open_engine("rkt", workdir=tmp_path, token="t", timeout=5)


def test_missing_socket_is_named(tmp_path: Path) -> None:
    with pytest.raises(SubjectNotUsable, match=r"unix:///nowhere\.sock"):
        open_engine("unix:///nowhere.sock", workdir=tmp_path, token="t", timeout=5)


def test_dockerd_stays_private(tmp_path: Path) -> None:
    argv = DockerDaemon(tmp_path / "d").argv()
    for flag in ("--bridge=none", "--iptables=false", "--ip6tables=false", "--insecure-registry=127.0.0.0/8"):
        assert flag in argv
    paths = [
        a.split("=", 1)[1] for a in argv if a.split("=", 1)[0] in {"--data-root", "--exec-root", "--pidfile"}
    ]
    assert len(paths) == 3 and all(p.startswith(str(tmp_path)) for p in paths)
    assert f"--host=unix://{tmp_path}/d/docker.sock" in argv


def test_podman_stays_private(tmp_path: Path) -> None:
    daemon = PodmanDaemon(tmp_path / "p")
    argv = daemon.isolated(daemon.argv())
    assert argv[:4] == ["unshare", "--mount", "--propagation", "private"]
    assert f"--root={tmp_path}/p/storage" in argv and "--cgroup-manager=cgroupfs" in argv
    assert all(value.startswith(str(tmp_path)) for value in daemon.env().values())


def test_process_limits_are_the_kernels() -> None:
    import os
    import resource

    from conformance.engine.daemons.process import process_limits

    def plain(value: int) -> int:
        return -1 if value == resource.RLIM_INFINITY else value

    limits = process_limits(os.getpid())
    for name, which in (("nofile", resource.RLIMIT_NOFILE), ("nproc", resource.RLIMIT_NPROC)):
        assert limits[name] == tuple(plain(v) for v in resource.getrlimit(which))


def test_podman_runs_runc_and_keeps_configs_in_its_graphroot(tmp_path: Path) -> None:
    from conformance.engine.daemons.podman import CONTAINERS

    assert 'runtime = "runc"' in CONTAINERS and "default_ulimits" not in CONTAINERS
    daemon = PodmanDaemon(tmp_path / "p")
    assert daemon.config_path("abc") == tmp_path / "p/storage/overlay-containers/abc/userdata/config.json"
    assert daemon.container_ulimits() == {}  # known only once the service runs
