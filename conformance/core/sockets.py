"""Paths for Unix sockets a runtime connects to (console socket, seccomp listener).

A socket path must fit sun_path (108 bytes with its NUL); a session directory under a long
TMPDIR may not leave room, so a short directory is used instead and removed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: The longest socket path bind() takes on Linux (sun_path holds 108 bytes, NUL included).
SUN_PATH_MAX = 107


def fits(path: Path) -> bool:
    return len(os.fsencode(str(path))) <= SUN_PATH_MAX


@contextlib.contextmanager
def socket_path(directory: Path, name: str) -> Iterator[Path]:
    """`directory/name` where it fits, else `name` in a fresh short temporary directory."""
    preferred = directory / name
    if fits(preferred):
        try:
            yield preferred
        finally:
            with contextlib.suppress(OSError):
                preferred.unlink()
        return
    short = Path(tempfile.mkdtemp(prefix="oci-conformance-s-"))
    if not fits(short / name):
        shutil.rmtree(short, ignore_errors=True)
        short = Path(tempfile.mkdtemp(prefix="oci-conformance-s-", dir="/tmp"))
    try:
        yield short / name
    finally:
        shutil.rmtree(short, ignore_errors=True)
