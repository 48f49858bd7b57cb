"""The private mount namespace of the suite's containerd (and dockerd): what a daemon writes below
/run there never reaches the host's /run, while the host's /run stays visible in it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conformance.engine.daemons.namespace import private_run

#: What containerd 1.6 writes by default: shim sockets, runc roots, FIFOs; and a new top-level name.
WRITES = "mkdir -p /run/containerd/s/oci-conf-probe /run/containerd/runc/oci-conf-probe /run/oci-conf-probe"


def _listing() -> set[str]:
    found = {str(p) for p in Path("/run").glob("*")}
    return (
        found | {str(p) for p in Path("/run/containerd").rglob("*")}
        if Path("/run/containerd").exists()
        else found
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="engine.private-run: mount namespaces need root")
def test_daemon_writes_below_run_stay_private(tmp_path: Path) -> None:
    before = _listing()
    script = f"{WRITES} && test -d /run/containerd/s/oci-conf-probe && ls /run"
    result = subprocess.run(private_run(["sh", "-c", script], tmp_path / "stage"),
                            capture_output=True, text=True, timeout=30)  # fmt: skip
    assert result.returncode == 0, result.stderr
    seen_inside = set(result.stdout.split())
    assert {Path(p).name for p in before if Path(p).parent == Path("/run")} <= seen_inside
    assert _listing() == before, "the namespace's writes below /run reached the host"
    assert not (tmp_path / "stage").exists(), "the staging mount point was left behind"


@pytest.mark.skipif(os.geteuid() != 0, reason="engine.private-run: mount namespaces need root")
def test_script_refuses_the_callers_namespace(tmp_path: Path) -> None:
    """Without `unshare` the script would mount over the host's /run: it must refuse instead."""
    before = _listing()
    argv = private_run([WRITES], tmp_path / "stage")
    plain = argv[argv.index("sh") :]  # the same script, not in a namespace of its own
    result = subprocess.run(plain, capture_output=True, text=True, timeout=30)
    assert result.returncode == 97, result.stderr
    assert _listing() == before
