"""Converter role: the runtime config.json an engine generates from an image config
(conversion.md), read from the engine's own state while the container runs, judged by the same
checks as an image tool's converter (conformance.image.conversion_checks)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from conformance.core.asserts import check, skip_unsupported
from conformance.image.cases import ImageCase
from conformance.image.conversion_checks import check_conversion, conversion_description

#: A static busybox on the host, so the container's program exists and keeps running.
BUSYBOX = Path("/bin/busybox")
SLEEPER = "#!/bin/busybox sh\nexec /bin/busybox sleep 600\n"


@cache
def _busybox() -> bytes:
    return BUSYBOX.read_bytes()


def _program(case: ImageCase) -> str | None:
    """The path the container will execute: the first of Entrypoint, else of Cmd."""
    config = case.data.get("config") or {}
    args = list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])
    return str(args[0]) if args else None


def _extra_entries(case: ImageCase) -> list[dict]:
    """busybox at /bin/busybox, and at the case's program path a script that sleeps."""
    entries: list[dict] = [
        {"path": "bin", "type": "dir"},
        {"path": "bin/busybox", "type": "file", "content": _busybox(), "mode": 0o755},
    ]
    program = _program(case)
    if program and program.startswith("/") and program != "/bin/busybox":
        parts = program.strip("/").split("/")
        for depth in range(1, len(parts)):
            directory = "/".join(parts[:depth])
            if directory not in ("bin", "etc", "srv"):
                entries.append({"path": directory, "type": "dir"})
        entries.append({"path": program.strip("/"), "type": "file", "content": SLEEPER, "mode": 0o755})
    return entries


def test_conversion(engine, engine_conversion_case: ImageCase, served_images) -> None:
    rids = engine_conversion_case.requirements
    if not engine.reads_runtime_config:
        skip_unsupported(rids, f"{engine.name} at {engine.path} was not started by the suite: "
                         "where it keeps generated config.json files is unknown")  # fmt: skip
    if not BUSYBOX.is_file():
        skip_unsupported(rids, f"host fact: no static busybox at {BUSYBOX} to run in the image")
    description = conversion_description(engine_conversion_case, _extra_entries(engine_conversion_case))
    reference = served_images.serve(description, engine_conversion_case.source)
    pulled = engine.pull(reference)
    if engine_conversion_case.data.get("error") and not pulled.ok:
        return  # refusing the image at pull time is also an error for the user
    check(rids, pulled.ok, "the engine pulls the image", "success", pulled.describe())
    converted = engine.runtime_config(reference)
    if engine_conversion_case.data.get("error"):
        check(rids, not converted.outcome.ok, "the engine refuses to run the image", "an error",
              f"ran with config {converted.path}")  # fmt: skip
        return
    check(rids, converted.outcome.ok, "the engine runs the image and writes its runtime config", "success",
          converted.outcome.describe())  # fmt: skip
    check_conversion(engine_conversion_case, converted.config)
