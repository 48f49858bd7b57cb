"""A log of every request the registry suite makes (`--registry-request-log FILE`).

One JSON line per request: when, method, the URL relative to the registry, the headers the suite
set (never Authorization), the body (a file in `FILE.bodies/`, named by its sha256), the status
and Location of the answer and the time it took. Every process of a run (pytest-xdist workers
too) appends to the same file; lines are written whole, with O_APPEND. benchmarks/
registry_requests.py counts and replays them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


class RequestLog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.bodies = self.path.with_name(self.path.name + ".bodies")
        self.bodies.mkdir(parents=True, exist_ok=True)

    def body(self, data: bytes) -> str:
        """Store a request body once; its file name."""
        name = hashlib.sha256(data).hexdigest()
        target = self.bodies / name
        if not target.exists():
            self._store(target, [data])
        return name

    def tee(self, chunks: Iterable[bytes]) -> TeeBody:
        return TeeBody(self, chunks)

    def _store(self, target: Path, chunks: Iterable[bytes]) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.bodies, prefix=".part-")
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(temporary, target)

    def record(self, entry: dict[str, Any]) -> None:
        line = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)


class TeeBody:
    """A streamed body that is also written to the log's body directory as it is sent."""

    def __init__(self, log: RequestLog, chunks: Iterable[bytes]) -> None:
        self.log = log
        self.chunks = chunks
        self.name: str | None = None

    def __iter__(self) -> Iterator[bytes]:
        handle, temporary = tempfile.mkstemp(dir=self.log.bodies, prefix=".part-")
        hasher = hashlib.sha256()
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in self.chunks:
                    hasher.update(chunk)
                    out.write(chunk)
                    yield chunk
            self.name = hasher.hexdigest()
            os.replace(temporary, self.log.bodies / self.name)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
