"""Runtime adapters: one small profile class per runtime, chosen by name or `--version` output."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

from conformance.adapters.runtime.base import Runtime, parse_version
from conformance.adapters.runtime.result import RuntimeResult
from conformance.errors import RuntimeNotUsable

#: Profile name -> "module:Class", imported only when used.
PROFILES: dict[str, str] = {
    "runc": "conformance.adapters.runtime.runc:RuncRuntime",
    "crun": "conformance.adapters.runtime.crun:CrunRuntime",
    "runsc": "conformance.adapters.runtime.runsc:RunscRuntime",
    "generic": "conformance.adapters.runtime.generic:GenericRuntime",
}

__all__ = ["PROFILES", "Runtime", "RuntimeResult", "load_profile", "open_runtime", "parse_version"]


def load_profile(name: str) -> type[Runtime]:
    try:
        module_name, class_name = PROFILES[name].split(":")
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise RuntimeNotUsable(f"unknown runtime profile {name!r} (known: {known})") from None
    return getattr(importlib.import_module(module_name), class_name)


def resolve_path(spec: str) -> str:
    """A runtime given as a path or a name on PATH -> an absolute executable path."""
    if os.sep in spec:
        path = Path(spec)
        if not path.exists():
            raise RuntimeNotUsable(f"runtime {spec!r} does not exist")
        if path.is_dir() or not os.access(path, os.X_OK):
            raise RuntimeNotUsable(f"runtime {spec!r} is not an executable file")
        return str(path.resolve())
    found = shutil.which(spec)
    if found is None:
        raise RuntimeNotUsable(f"runtime {spec!r} was not found on PATH")
    return found


def probe_version(path: str, timeout: float) -> str:
    """`RUNTIME --version` output; a runtime that cannot answer it is not usable."""
    result = Runtime(path, timeout=timeout).invoke("--version")
    if result.timed_out:
        raise RuntimeNotUsable(f"runtime {path!r} did not answer --version within {timeout:g}s")
    text = result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeNotUsable(f"runtime {path!r} --version exited {result.returncode}: {text.strip()[:300]}")
    return text


def detect_profile(version_output: str) -> type[Runtime]:
    for name in PROFILES:
        if name == "generic":
            continue
        cls = load_profile(name)
        if cls.matches(version_output):
            return cls
    return load_profile("generic")


def open_runtime(
    spec: str,
    *,
    profile: str | None = None,
    global_args: tuple[str, ...] = (),
    timeout: float = 30.0,
    state_root: Path | None = None,
) -> Runtime:
    """Resolve, check and wrap the runtime named by `spec` (a path or a name on PATH)."""
    path = resolve_path(spec)
    version_output = probe_version(path, min(timeout, 30.0))
    cls = load_profile(profile) if profile else detect_profile(version_output)
    return cls(
        path,
        global_args=global_args,
        timeout=timeout,
        state_root=state_root,
        version_output=version_output,
    )
