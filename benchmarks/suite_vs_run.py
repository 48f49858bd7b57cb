"""Suite wall time per container test, next to the runtime's own `run` of a trivial container.

Both are measured in the same invocation, on the same machine, so the ratio holds even where
absolute times drift. Usage (as root):

    .venv/bin/python benchmarks/suite_vs_run.py --runtime runc [--repeat 10]

For whole-process figures of the same two commands, /usr/bin/time -v or hyperfine work too:

    hyperfine 'runc run --bundle BUNDLE bench' '.venv/bin/pytest --runtime=runc -q -p no:cacheprovider'
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.runtime.bundle import BundleFactory, check_busybox
from conformance.runtime.container import Janitor
from conformance.runtime.drivers import open_runtime


def time_trivial_runs(runtime_spec: str, repeat: int) -> list[float]:
    """`RUNTIME run` of a container whose program is /bin/true, `repeat` times."""
    with tempfile.TemporaryDirectory(prefix="oci-conformance-bench-") as work:
        workdir = Path(work)
        runtime = open_runtime(runtime_spec, state_root=workdir / "state")
        factory = BundleFactory(workdir, check_busybox(None), worker="bench")
        janitor = Janitor()
        times = []
        for _ in range(repeat):
            container_id = factory.new_id("bench")
            bundle = factory.create(container_id, {"process": {"args": ["/bin/true"]}})
            janitor.track(runtime, container_id)
            result = runtime.run(container_id, bundle.path, timeout=60)
            if not result.ok:
                sys.exit(f"trivial run failed:\n{result.describe()}")
            times.append(result.duration)
            janitor.remove(runtime, container_id)
            factory.remove(bundle)
        return times


def time_suite(runtime_spec: str, jobs: str) -> tuple[float, int, int]:
    """Wall time of the whole runtime suite, its test count and how many tests use containers."""
    with tempfile.TemporaryDirectory(prefix="oci-conformance-bench-") as work:
        junit = Path(work) / "junit.xml"
        argv = [
            sys.executable,
            "-m",
            "pytest",
            f"--runtime={runtime_spec}",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            "--report-dir=none",
        ]
        if jobs != "0":
            argv += ["-n", jobs]
        started = time.monotonic()
        subprocess.run(argv, cwd=Path(__file__).resolve().parent.parent, capture_output=True, check=False)
        wall = time.monotonic() - started
        cases = list(ET.parse(junit).iter("testcase"))
        containers = [c for c in cases if c.find("skipped") is None]
        return wall, len(cases), len(containers)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runtime", default="runc")
    parser.add_argument("--repeat", type=int, default=10, help="trivial runs to time (median is used)")
    parser.add_argument("--jobs", default="0", help="pytest-xdist workers for the suite (0: none)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    trivial = time_trivial_runs(args.runtime, args.repeat)
    wall, tests, executed = time_suite(args.runtime, args.jobs)
    run_median = statistics.median(trivial)
    per_test = wall / max(executed, 1)
    figures = {
        "runtime": args.runtime,
        "trivial_run_median_s": round(run_median, 4),
        "trivial_run_min_s": round(min(trivial), 4),
        "trivial_run_max_s": round(max(trivial), 4),
        "suite_wall_s": round(wall, 2),
        "suite_tests": tests,
        "suite_tests_executed": executed,
        "suite_s_per_test": round(per_test, 4),
        "ratio_per_test_to_trivial_run": round(per_test / run_median, 2),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{'runtime':32} {args.runtime}")
        print(
            f"{'trivial `run` (median of ' + str(args.repeat) + ')':32} {run_median * 1000:8.1f} ms"
            f"  (min {min(trivial) * 1000:.1f}, max {max(trivial) * 1000:.1f})"
        )
        print(f"{'suite wall time':32} {wall:8.2f} s  ({executed} tests run of {tests})")
        print(f"{'suite time per test':32} {per_test * 1000:8.1f} ms")
        print(f"{'ratio per test / trivial run':32} {per_test / run_median:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
