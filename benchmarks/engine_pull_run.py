"""The engine suite's consumer path per image next to the engine's own `pull` + `run` of it.

    .venv/bin/python benchmarks/engine_pull_run.py --engine docker [--repeat 3] [--json]

As root, with the engine installed (scripts/bootstrap). One private daemon is started the way the
suite starts it (below a temp directory, no network), with the suite's layout server. Per image
(consumer cases of suites/engine/engine.yaml, each with a static busybox added so it can run):

- suite: from "layout generated" to "verdict": serve the layout, pull it through the suite's
  client (Docker SDK or ctr), read the container's filesystem (export or snapshot mount) and
  compare it with the reference application of the layers;
- engine: the engine's own command line on the same daemon: `docker pull` + `docker run --rm`,
  `podman --url … pull` + `run --rm`, or `ctr images pull` + `ctr run --rm`, running
  `/bin/busybox true`.

Both sides get layouts of their own with a unique file in every layer, so neither finds the
other's layers in the engine's store. Printed side by side with the ratio suite/engine; measured
in one invocation on one machine, so the ratios stay meaningful when absolute times drift.
Only public tools: the engines' own clients, the standard library and this project.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.core import hostinfo
from conformance.core.command import execute
from conformance.distribution.layout_server import LayoutServer
from conformance.engine import open_engine
from conformance.engine.base import Engine
from conformance.engine.fixtures import TAG, engine_settings
from conformance.image.cases import load_cases
from conformance.image.generator import write_layout
from conformance.image.layers import expected_tree
from conformance.image.tree import diff, snapshot
from conformance.kinds import kind_named
from conformance.requirements import load_catalog
from conformance.runtime import cgroups
from suites.engine.helpers import without_engine_paths

BUSYBOX = Path("/bin/busybox")
TIMEOUT = 120.0


def images(limit: int) -> list[tuple[str, list[dict]]]:
    """(case id, layers) of the engine suite's consumer cases, the first `limit` of them."""
    path = kind_named("image-tool").suite_dir / "matrices" / "consumer.yaml"
    known = {case.id: case for case in load_cases(path, "consumer", load_catalog())}
    wanted = [f"consumer.{name}" for name in engine_settings()["consumer_cases"]][:limit]
    return [(name, known[name].data["layers"]) for name in wanted]


def runnable(layers: list[dict], nonce: str) -> dict[str, Any]:
    """The image: `layers` each with a unique file, plus a layer holding /bin/busybox."""
    unique = [
        {**layer, "entries": [*layer["entries"], {"path": f"bench-{n}", "type": "file", "content": nonce}]}
        for n, layer in enumerate(layers)
    ]
    busybox = {"path": "bin/busybox", "type": "file", "content": BUSYBOX.read_bytes(), "mode": 0o755}
    tool = {"entries": [{"path": "bin", "type": "dir"}, busybox]}
    return {"layers": [*unique, tool], "config": {"config": {"Cmd": ["/bin/busybox", "true"]}}}


def suite_path(engine: Engine, reference: str, layers: list[dict], work: Path) -> bool:
    """Pull, read the filesystem, compare: the suite's consumer verdict (True: conforming)."""
    if not engine.pull(reference).ok:
        return False
    rootfs = work / "rootfs"
    if not engine.export_rootfs(reference, rootfs).ok:
        return False
    expected = expected_tree(layers)
    verdict = not diff(expected, without_engine_paths(snapshot(rootfs), expected, engine.name))
    shutil.rmtree(rootfs, ignore_errors=True)
    return verdict


def own_commands(engine: Any, token: str) -> Callable[[str, int], list[list[str]]]:
    """The engine's own pull and run command lines for a reference (container number `n`)."""
    parent = f"/oci-conformance-{token}"
    if engine.name == "containerd":
        base = ["ctr", "--address", str(engine.daemon.socket), "--namespace", engine.daemon.namespace]
        private = engine.daemon.root
        keep = ["--fifo-dir", str(private / "fifo"), "--runc-root", str(private / "runc")]
        return lambda ref, n: [
            [*base, "images", "pull", "--plain-http", ref],
            [*base, "run", "--rm", "--cgroup", f"{parent}/bench-{n}", *keep, ref, f"bench-{n}"],
        ]
    limits = engine.daemon.container_ulimits()
    ulimits = [f"--ulimit={name}={soft}:{hard}" for name, (soft, hard) in sorted(limits.items())]
    base = ["podman", f"--url={engine.url}"] if engine.name == "podman" else ["docker", "-H", engine.url]
    run = ["run", "--rm", "--network=none", f"--cgroup-parent={parent}", *ulimits]
    return lambda ref, n: [[*base, "pull", ref], [*base, *run, ref]]


def measure(engine_name: str, limit: int, repeat: int) -> list[dict[str, Any]]:
    token = secrets.token_hex(4)
    workdir = Path(tempfile.mkdtemp(prefix="oci-conformance-bench-"))
    server = LayoutServer()
    engine: Any = open_engine(engine_name, workdir=workdir, token=token, timeout=TIMEOUT)
    rows = []
    serial = 0
    try:
        engine.start()
        commands = own_commands(engine, token)
        # the clients' own settings stay below the temp directory (never ~/.docker or ~/.config)
        client_env = {"XDG_CONFIG_HOME": str(workdir / "config")}
        if engine.name == "podman":
            client_env.update(engine.daemon.env())
        else:
            client_env["DOCKER_CONFIG"] = str(workdir / "docker-cli")
        for case_id, layers in images(limit):
            suite_times, own_times, verdicts = [], [], []
            for _ in range(repeat):
                serial += 1
                for side in ("suite", "engine"):
                    name = f"oci-conformance-{token}/{side}{serial}"
                    description = runnable(layers, f"{side}{serial}\n")
                    layout = workdir / f"{side}{serial}"
                    write_layout(description, layout)  # "layout generated"
                    started = time.perf_counter()
                    reference = f"{server.add(name, layout)}:{TAG}"
                    if side == "suite":
                        verdicts.append(suite_path(engine, reference, description["layers"], layout))
                        suite_times.append(time.perf_counter() - started)
                    else:
                        engine.images.add(reference)  # removed with the engine's images at the end
                        for argv in commands(reference, serial):
                            done = execute(argv, TIMEOUT, env=client_env)
                            if not done.ok:
                                raise SystemExit(f"{' '.join(argv)}: {done.describe()}")
                        own_times.append(time.perf_counter() - started)
                    server.remove(name)
            suite_s, own_s = statistics.median(suite_times), statistics.median(own_times)
            rows.append({"image": case_id, "suite_s": round(suite_s, 3), "engine_s": round(own_s, 3),
                         "ratio": round(suite_s / own_s, 2), "verdicts": verdicts})  # fmt: skip
    finally:
        engine.close()
        server.close()
        cgroups.remove_named({f"oci-conformance-{token}"}, hostinfo.mountinfo(), depth=2)
        shutil.rmtree(workdir, ignore_errors=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("docker", "podman", "containerd"), required=True)
    parser.add_argument("--images", type=int, default=5, help="how many consumer cases (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per image; medians are shown (default 3)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    if not BUSYBOX.is_file():
        print(f"needs a static busybox at {BUSYBOX}", file=sys.stderr)
        return 2
    rows = measure(args.engine, args.images, args.repeat)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'image':40} {'suite s':>9} {'engine s':>9} {'ratio':>6}  verdicts")
    for row in rows:
        verdicts = ",".join("ok" if v else "FAIL" for v in row["verdicts"])
        print(
            f"{row['image']:40} {row['suite_s']:9.3f} {row['engine_s']:9.3f} {row['ratio']:6.2f}  {verdicts}"
        )
    ratio = statistics.median(row["ratio"] for row in rows)
    print(f"median ratio suite/engine: {ratio:.2f} ({args.engine}, {args.repeat} runs per image)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
