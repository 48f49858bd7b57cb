"""Runtime drivers: the Protocol, and one small profile per runc-style runtime (by name or `--version`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conformance.core import entrypoints
from conformance.core.errors import SubjectNotUsable
from conformance.core.result import CommandResult
from conformance.runtime.drivers.cli import CommandLineRuntime, parse_version
from conformance.runtime.drivers.protocol import RuntimeDriver

#: Profile name -> "module:Class", imported only when used.
PROFILES: dict[str, str] = {
    "runc": "conformance.runtime.drivers.runc:RuncRuntime",
    "crun": "conformance.runtime.drivers.crun:CrunRuntime",
    "runsc": "conformance.runtime.drivers.runsc:RunscRuntime",
    "generic": "conformance.runtime.drivers.generic:GenericRuntime",
}

__all__ = [
    "PROFILES",
    "CommandLineRuntime",
    "CommandResult",
    "RuntimeDriver",
    "load_profile",
    "open_runtime",
    "parse_version",
]


def profiles() -> dict[str, str]:
    """The built-in profiles, then those installed packages add (entry points win by name)."""
    return {**PROFILES, **entrypoints.registered("runtime_profiles")}


def load_profile(name: str) -> type[CommandLineRuntime]:
    known = profiles()
    if name not in known:
        raise SubjectNotUsable(f"unknown runtime profile {name!r} (known: {', '.join(sorted(known))})")
    cls = entrypoints.load(known[name])
    if not (isinstance(cls, type) and issubclass(cls, CommandLineRuntime)):
        raise SubjectNotUsable(f"runtime profile {name!r} ({known[name]}) is not a CommandLineRuntime")
    return cls


def resolve_path(spec: str) -> str:
    """A runtime given as a path or a name on PATH -> an absolute executable path."""
    if os.sep in spec:
        path = Path(spec)
        if not path.exists():
            raise SubjectNotUsable(f"runtime {spec!r} does not exist")
        if path.is_dir() or not os.access(path, os.X_OK):
            raise SubjectNotUsable(f"runtime {spec!r} is not an executable file")
        return str(path.resolve())
    found = shutil.which(spec)
    if found is None:
        raise SubjectNotUsable(f"runtime {spec!r} was not found on PATH")
    return found


def probe_version(path: str, timeout: float) -> str:
    """`RUNTIME --version` output; a runtime that cannot answer it is not usable."""
    result = CommandLineRuntime(path, timeout=timeout).invoke("--version")
    if result.timed_out:
        raise SubjectNotUsable(f"runtime {path!r} did not answer --version within {timeout:g}s")
    text = result.stdout + result.stderr
    if result.returncode != 0:
        raise SubjectNotUsable(f"runtime {path!r} --version exited {result.returncode}: {text.strip()[:300]}")
    return text


def detect_profile(version_output: str) -> type[CommandLineRuntime]:
    for name in profiles():
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
) -> CommandLineRuntime:
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
