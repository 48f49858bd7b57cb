"""The runtime suite's wall time per container it starts, next to the runtime's own `run` of a
trivial container, and the suite's speed-up with two pytest-xdist workers: all in one invocation.

The suite runs with a small pytest plugin (runtime_calls.py, beside this file) that logs every
runtime call the driver makes, with its subcommand and duration: the count of containers the
suite created is exact, nothing extra runs per call, and the time the runtime itself spent
inside the suite shows beside the suite's wall time (the part of the ratio a suite cannot go
below without making fewer runtime calls). Measuring everything in one invocation, on one
machine, keeps the ratios meaningful when absolute times drift. As root:

    .venv/bin/python benchmarks/suite_vs_run.py --runtime runc [--repeat 10] [--json]

For whole-process figures of the same commands, /usr/bin/time -v or hyperfine work too:

    hyperfine 'runc run --bundle BUNDLE bench' '.venv/bin/pytest --runtime=runc -q -p no:cacheprovider'
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance.runtime.bundle import BundleFactory, check_busybox
from conformance.runtime.container import Janitor
from conformance.runtime.drivers import open_runtime, resolve_path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from runtime_calls import LOG_VARIABLE  # noqa: E402


def time_trivial_runs(runtime: str, repeat: int) -> list[float]:
    """`RUNTIME run` of a container whose program is /bin/true, `repeat` times."""
    with tempfile.TemporaryDirectory(prefix="oci-conformance-bench-") as work:
        workdir = Path(work)
        driver = open_runtime(runtime, state_root=workdir / "state")
        factory = BundleFactory(workdir, check_busybox(None), worker="bench")
        janitor = Janitor()
        times = []
        for _ in range(repeat):
            container_id = factory.new_id("bench")
            bundle = factory.create(container_id, {"process": {"args": ["/bin/true"]}})
            janitor.track(driver, container_id)
            result = driver.run(container_id, bundle.path, timeout=60)
            if not result.ok:
                sys.exit(f"trivial run failed:\n{result.describe()}")
            times.append(result.duration)
            janitor.remove(driver, container_id)
            factory.remove(bundle)
        return times


def runtime_calls(log: Path) -> dict[str, list[float]]:
    """The durations (s) of the logged runtime calls, by subcommand."""
    calls: dict[str, list[float]] = {}
    for line in log.read_text().splitlines():
        fields = line.split()
        if len(fields) == 2:
            calls.setdefault(fields[0], []).append(float(fields[1]))
    return calls


def time_suite(runtime: str, log: Path, jobs: int) -> tuple[float, int, dict[str, list[float]]]:
    """Wall time of the whole runtime suite, its exit code and its runtime calls by subcommand."""
    log.write_text("")
    argv = [sys.executable, "-m", "pytest", f"--runtime={runtime}", "-q", "-p", "no:cacheprovider"]
    argv += ["-p", "runtime_calls", "--report-dir=none", *(["-n", str(jobs)] if jobs else [])]
    path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH", "")]))
    env = {**os.environ, "PYTHONPATH": path, LOG_VARIABLE: str(log)}
    started = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, check=False, timeout=1800)
    wall = time.monotonic() - started
    return wall, done.returncode, runtime_calls(log)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runtime", default="runc", help="a path or a name on PATH")
    parser.add_argument(
        "--repeat", type=int, default=10, help="trivial runs before, between and after the suites (median)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="pytest-xdist workers for the parallel run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    runtime = resolve_path(args.runtime)
    with tempfile.TemporaryDirectory(prefix="oci-conformance-bench-") as work:
        log = Path(work) / "calls.log"
        # Trivial runs before, between and after the suite runs, so that a change of the
        # machine's load during the benchmark shows in both sides of the ratio.
        trivial = time_trivial_runs(runtime, args.repeat)
        serial, serial_rc, calls = time_suite(runtime, log, 0)
        trivial += time_trivial_runs(runtime, args.repeat)
        parallel, parallel_rc, _ = time_suite(runtime, log, args.jobs)
        trivial += time_trivial_runs(runtime, args.repeat)
    run_median = statistics.median(trivial)
    created = len(calls.get("create", []))
    per_container = serial / max(created, 1)
    in_runtime = sum(sum(durations) for durations in calls.values()) / max(created, 1)
    figures = {
        "runtime": args.runtime,
        "trivial_run_median_s": round(run_median, 4),
        "trivial_run_min_s": round(min(trivial), 4),
        "trivial_run_max_s": round(max(trivial), 4),
        "containers_created": created,
        "suite_wall_serial_s": round(serial, 2),
        "suite_s_per_container": round(per_container, 4),
        "ratio_per_container_to_trivial_run": round(per_container / run_median, 2),
        "runtime_calls_per_container": round(sum(len(d) for d in calls.values()) / max(created, 1), 2),
        "runtime_s_per_container": round(in_runtime, 4),
        "ratio_runtime_per_container_to_trivial_run": round(in_runtime / run_median, 2),
        "runtime_s_by_subcommand": {name: round(sum(d), 2) for name, d in sorted(calls.items())},
        f"suite_wall_n{args.jobs}_s": round(parallel, 2),
        f"speedup_n{args.jobs}": round(serial / parallel, 2),
        "suite_exit_codes": [serial_rc, parallel_rc],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{'runtime':36} {args.runtime}")
    print(
        f"{'trivial `run` (median of ' + str(len(trivial)) + ')':36} {run_median * 1000:8.1f} ms"
        f"  (min {min(trivial) * 1000:.1f}, max {max(trivial) * 1000:.1f})"
    )
    print(f"{'suite wall time, one process':36} {serial:8.2f} s  ({created} containers created)")
    print(f"{'suite time per container':36} {per_container * 1000:8.1f} ms")
    print(f"{'ratio per container / trivial run':36} {per_container / run_median:8.2f}")
    by_cost = sorted(calls.items(), key=lambda call: -sum(call[1]))
    breakdown = ", ".join(f"{name} {len(d)}x {sum(d):.1f} s" for name, d in by_cost)
    print(
        f"{'of which in the runtime itself':36} {in_runtime * 1000:8.1f} ms"
        f"  (ratio {in_runtime / run_median:.2f}; {breakdown})"
    )
    print(f"{'suite wall time, -n ' + str(args.jobs):36} {parallel:8.2f} s")
    print(f"{'speed-up with -n ' + str(args.jobs):36} {serial / parallel:8.2f}")
    if serial_rc or parallel_rc:
        print(f"note: the suite exited {serial_rc} (serial) and {parallel_rc} (parallel)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
