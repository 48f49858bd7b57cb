"""The registry suite's wall time against the number of HTTP requests it makes, next to the time
the registry itself needs for the same requests replayed with a plain HTTP client: one invocation.

1. The suite runs against the embedded docker-registry with `--registry-request-log`, which logs
   every request (method, URL, the headers the suite set, the body) with its status and Location.
2. The log is replayed, in the order the requests were made, with one `requests.Session` in a
   loop against a fresh embedded docker-registry (`--repeat` times, a fresh registry each time).
   Upload locations are the new registry's: each Location an answer gave replaces the recorded
   one in later requests. The share of replayed answers with the recorded status shows that the
   replay did the same work.

The ratios (suite wall time / replay wall time, per request) say what the suite costs beyond
the registry's own work: Python start-up, collection, fixtures, checks, reports. Run:

    .venv/bin/python benchmarks/registry_requests.py [--workers 2] [--repeat 3] [--json]

Whole-process figures of the suite alone: /usr/bin/time -v .venv/bin/pytest --registry=docker-registry
or hyperfine '.venv/bin/pytest --registry=docker-registry -q -p no:cacheprovider'.
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
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.registry import embedded  # noqa: E402

#: Seconds one replayed request may take; the suite run as a whole.
REQUEST_TIMEOUT = 120.0
SUITE_TIMEOUT = 1800.0
LARGE_BODY = 1 << 20


def run_suite(log: Path, workers: int, tmpdir: Path) -> float:
    """Run the registry suite against the embedded registry, logging its requests; wall seconds."""
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "--registry=docker-registry",
        f"--registry-request-log={log}",
        "--report-dir=none",
        "-p",
        "no:cacheprovider",
        "-q",
        *(["-n", str(workers)] if workers > 1 else ["-p", "no:xdist"]),
    ]
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=SUITE_TIMEOUT)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"the suite failed (exit {done.returncode}):\n{done.stdout[-3000:]}")
    return elapsed


def load_log(log: Path) -> list[dict]:
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return sorted(entries, key=lambda entry: entry["time"])


def _relative(url: str) -> tuple[str, list[tuple[str, str]]]:
    split = urlsplit(url)
    return split.path, parse_qsl(split.query, keep_blank_values=True)


def _rewrite(url: str, locations: dict[str, tuple[str, list[tuple[str, str]]]]) -> str:
    """The recorded URL with a recorded upload location replaced by the replay's own."""
    path, query = _relative(url)
    if path not in locations:
        return url
    new_path, new_query = locations[path]
    replaced = {key for key, _ in new_query}
    kept = [(k, v) for k, v in query if k not in replaced]
    merged = new_query + kept
    return new_path + (f"?{urlencode(merged)}" if merged else "")


def replay(entries: list[dict], bodies: Path, base: str) -> tuple[float, int]:
    """Replay the log against `base`; (wall seconds, answers with the recorded status)."""
    locations: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    same = 0
    session = requests.Session()
    started = time.monotonic()
    try:
        for entry in entries:
            url = _rewrite(entry["url"], locations)
            target = url if "://" in url else base + url
            body_file = bodies / entry["body"] if entry["body"] else None
            handle = None
            data: bytes | object | None = None
            if body_file is not None:
                if body_file.stat().st_size > LARGE_BODY:
                    handle = data = body_file.open("rb")
                else:
                    data = body_file.read_bytes()
            try:
                answer = session.request(
                    entry["method"],
                    target,
                    headers=entry["headers"],
                    data=data,
                    timeout=REQUEST_TIMEOUT,
                )
                answer.content  # noqa: B018 - read the whole body, as the suite does
            finally:
                if handle is not None:
                    handle.close()
            same += answer.status_code == entry["status"]
            recorded, given = entry.get("location"), answer.headers.get("Location")
            if recorded and given:
                locations[_relative(recorded)[0]] = _relative(given)
    finally:
        session.close()
    return time.monotonic() - started, same


def measure(workers: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="registry-bench-") as scratch:
        directory = Path(scratch)
        log = directory / "requests.jsonl"
        suite_wall = run_suite(log, workers, directory)
        entries = load_log(log)
        if not entries:
            raise SystemExit("the suite logged no requests")
        replays = []
        for attempt in range(repeat):
            registry = embedded.start("docker-registry", directory / f"replay-{attempt}")
            try:
                replays.append(replay(entries, log.with_name(log.name + ".bodies"), registry.url))
            finally:
                registry.stop()
        version = embedded.version_of(registry.binary)[0]
    count = len(entries)
    replay_wall = statistics.median(wall for wall, _ in replays)
    return {
        "registry": f"docker-registry {version} (embedded)",
        "workers": workers,
        "requests": count,
        "suite_wall_s": suite_wall,
        "suite_http_s": sum(entry["elapsed"] for entry in entries),
        "suite_ms_per_request": 1000 * suite_wall / count,
        "replay_wall_s": replay_wall,
        "replay_runs": [wall for wall, _ in replays],
        "replay_ms_per_request": 1000 * replay_wall / count,
        "ratio_suite_to_replay": suite_wall / replay_wall,
        "replayed_as_recorded": min(same for _, same in replays),
    }


def render(result: dict) -> str:
    n = result["requests"]
    return "\n".join(
        [
            f"registry suite against {result['registry']}, {result['workers']} process(es)",
            f"  suite wall time                {result['suite_wall_s']:8.2f} s  (pytest, whole process)",
            f"  HTTP requests made             {n:8d}",
            f"  suite time per request         {result['suite_ms_per_request']:8.2f} ms",
            f"  of it in HTTP (client-side)    {result['suite_http_s']:8.2f} s",
            f"  replay wall time               {result['replay_wall_s']:8.2f} s  "
            f"(median of {len(result['replay_runs'])}, one requests.Session, fresh registry each)",
            f"  replay time per request        {result['replay_ms_per_request']:8.2f} ms",
            f"  suite / replay                 {result['ratio_suite_to_replay']:8.2f} x",
            f"  replayed with recorded status  {result['replayed_as_recorded']:5d}/{n}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="pytest-xdist workers for the suite (1)")
    parser.add_argument("--repeat", type=int, default=3, help="replays, each against a fresh registry (3)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if embedded.shutil.which(embedded.BINARY) is None:
        raise SystemExit("docker-registry is not installed (apt-get install docker-registry)")
    result = measure(max(1, args.workers), max(1, args.repeat))
    print(json.dumps(result, indent=2) if args.json else render(result))


if __name__ == "__main__":
    main()
