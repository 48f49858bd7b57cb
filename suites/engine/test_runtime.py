"""Runtime behind the engine: runtime-spec cases set through the engine's own container options
(suites/engine/runtime.yaml), judged inside the container with busybox, so a vendor sees which
runtime requirements the engine exposes. An option the engine's client cannot set is a skip."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.core.datafile import load_checked

CASES_FILE = Path(__file__).with_name("runtime.yaml")
BUSYBOX = Path("/bin/busybox")
#: Capability numbers (linux/capability.h) of the names runtime.yaml uses.
CAPABILITY_BITS = {
    "CAP_CHOWN": 0,
    "CAP_DAC_OVERRIDE": 1,
    "CAP_KILL": 5,
    "CAP_NET_RAW": 13,
    "CAP_SYS_PTRACE": 19,
}


@cache
def _cases() -> list[dict[str, Any]]:
    return list(load_checked(CASES_FILE, "engine-runtime")["cases"])


@cache
def _busybox() -> bytes:
    return BUSYBOX.read_bytes()


def _image() -> dict[str, Any]:
    entries = [
        {"path": "bin", "type": "dir"},
        {"path": "bin/busybox", "type": "file", "content": _busybox(), "mode": 0o755},
        {"path": "srv", "type": "dir"},
        {"path": "srv/work", "type": "dir"},
        {"path": "tmp", "type": "dir", "mode": 0o1777},
    ]
    return {"layers": [{"entries": entries}]}


def capabilities(cap_eff_line: str) -> int:
    """The effective set from a /proc/<pid>/status `CapEff:` line."""
    name, _, value = cap_eff_line.partition(":")
    if name.strip() != "CapEff":
        raise ValueError(f"not a CapEff line: {cap_eff_line!r}")
    return int(value.strip(), 16)


def _params() -> list[Any]:
    return [pytest.param(c, id=c["id"], marks=pytest.mark.requirement(*c["requirements"])) for c in _cases()]


@pytest.mark.parametrize("case", _params())
def test_runtime_option(engine, case: dict[str, Any], served_images) -> None:
    rids = list(case["requirements"])
    options = dict(case["options"])
    missing = sorted(set(options) - engine.run_options)
    if missing:
        skip_unsupported(rids, f"{engine.name}'s client sets no container option {missing} (it sets "
                         f"{sorted(engine.run_options)})")  # fmt: skip
    if not BUSYBOX.is_file():
        skip_unsupported(rids, f"host fact: no static busybox at {BUSYBOX} to run in the image")
    reference = served_images.serve(_image(), CASES_FILE)
    pulled = engine.pull(reference)
    check(rids, pulled.ok, "the engine pulls the probe image", "success", pulled.describe())
    ran = engine.run_command(reference, ["/bin/busybox", "sh", "-c", case["script"]], options)
    evidence = f"{ran.outcome.describe()}; exit {ran.exit_code}; stdout {ran.stdout!r}"
    check(
        rids, ran.outcome.ok and ran.exit_code == 0, f"the container runs with {options}", "exit 0", evidence
    )
    if "stdout" in case:
        check_equal(
            rids, f"what `{case['script']}` prints with {options}", case["stdout"], ran.stdout.strip()
        )
    else:
        wanted = "capability_present" in case
        name = case["capability_present" if wanted else "capability_absent"]
        effective = capabilities(ran.stdout.strip())
        held = bool(effective & (1 << CAPABILITY_BITS[name]))
        what = f"{name} is {'' if wanted else 'not '}effective with {options}"
        check(rids, held == wanted, what, "present" if wanted else "absent", f"CapEff {effective:016x}")
