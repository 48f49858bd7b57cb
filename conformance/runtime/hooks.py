"""Hook commands that log their own invocation, for observing hook order and their stdin state."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

#: Hook types and where their path resolves: the runtime's (host) or the container's namespace.
HOOK_TYPES = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")
CONTAINER_SIDE = {"startContainer"}
LOG_NAME = "oci-hooks.log"


def logging_hook(
    kind: str, rootfs: Path, *, exit_code: int = 0, label: str = "", sleep: float = 0
) -> dict[str, Any]:
    """A hook entry appending its label to the hooks log and saving its stdin beside it.

    Hooks that may run before pivot_root try the host path of the rootfs first and fall back
    to the container path, so one log records the order across both namespaces.
    """
    label = label or kind
    host_log = rootfs / LOG_NAME
    body = (
        f'log={shlex.quote(str(host_log))}; [ -w "$(dirname "$log")" ] || log=/{LOG_NAME}; '
        f'cat > "$log.{label}.stdin"; echo {shlex.quote(label)} >> "$log"'
    )
    if sleep:
        body += f"; exec sleep {sleep}"
    if exit_code:
        body += f"; exit {exit_code}"
    shell = "/bin/sh"
    return {"path": shell, "args": ["sh", "-c", body]}


def read_log(rootfs: Path) -> list[str]:
    try:
        return (rootfs / LOG_NAME).read_text().split()
    except FileNotFoundError:
        return []


def read_stdin(rootfs: Path, label: str) -> dict[str, Any] | None:
    """The state document a hook received, or None when absent or not JSON."""
    try:
        data = json.loads((rootfs / f"{LOG_NAME}.{label}.stdin").read_text())
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None
