"""The runtime bundle validator next to a plain jsonschema validation of the same configs.

    .venv/bin/python benchmarks/bundle_validator.py [--count 10000]

Builds COUNT configs (the suite's default config plus patches, varied: hooks, mounts, rlimits,
namespaces, devices, seccomp, resources, annotations), then validates all of them twice in one
run: with `conformance.runtime.validator.validate_config` (the bundled schema plus every
author-side rule) and with a plain `jsonschema.Draft202012Validator` of the same schema. It prints
both per-config times and their ratio. Only public tools: the standard library and jsonschema.
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Any

from jsonschema import Draft202012Validator

from conformance.runtime.bundle.config import build_config
from conformance.runtime.validator import validate_config
from conformance.schemas import load_schema

PATCHES: list[dict[str, Any]] = [
    {},
    {"hostname": "bench", "annotations": {"com.example.bench": "1", "org.opencontainers.image.os": "linux"}},
    {"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}], "cwd": "/tmp"}},
    {"hooks": {"prestart": [{"path": "/bin/true", "timeout": 5}], "poststop": [{"path": "/bin/true"}]}},
    {"mounts": [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}]},
    {"linux": {"devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]}},
    {"linux": {"resources": {"pids": {"limit": 64}, "memory": {"limit": 1 << 26}, "cpu": {"shares": 512}}}},
    {
        "linux": {
            "seccomp": {
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}],
            }
        }
    },
    {
        "linux": {
            "maskedPaths": ["/proc/kcore"],
            "readonlyPaths": ["/proc/sys"],
            "sysctl": {"kernel.domainname": "x"},
        }
    },
    {"process": {"cwd": "relative"}, "mounts": [{"destination": "proc", "type": "proc", "source": "proc"}]},
]


def configs(count: int) -> list[dict[str, Any]]:
    made = []
    for index, patch in zip(range(count), itertools.cycle(PATCHES), strict=False):
        made.append(build_config(patch, {"annotations": {"com.example.index": str(index)}}))
    return made


def per_config(function: Any, docs: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for doc in docs:
        function(doc)
    return (time.perf_counter() - start) / len(docs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="configs to validate (10000)")
    args = parser.parse_args()
    docs = configs(args.count)
    plain = Draft202012Validator(load_schema("runtime/config"))
    validate_config(docs[0]), list(plain.iter_errors(docs[0]))  # warm both (schema compiled once)
    ours = per_config(validate_config, docs)
    theirs = per_config(lambda doc: list(plain.iter_errors(doc)), docs)
    invalid = sum(not validate_config(doc).ok for doc in docs[: len(PATCHES)])
    print(f"{len(docs)} configs ({len(PATCHES)} kinds, {invalid} of them invalid)")
    print(f"bundle validator (schema + author-side rules): {ours * 1e3:.3f} ms per config")
    print(f"plain jsonschema (same schema):                {theirs * 1e3:.3f} ms per config")
    print(f"ratio: {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
