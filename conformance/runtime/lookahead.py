"""Probe runs started ahead of their test.

A matrix case is data: its config and probe requests are known at collection, so its container
can run while the test before it is still running, as if one more worker took it. The test then
takes the finished run instead of starting its own; a run that raised re-raises in its test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class Lookahead:
    """At most `depth` probe runs in flight ahead of the tests that will take them."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self._executor = ThreadPoolExecutor(max_workers=depth, thread_name_prefix="oci-conformance-lookahead")
        self._pending: dict[Hashable, Future[Any]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def start(self, key: Hashable, run: Callable[[], Any]) -> bool:
        """Start `run` for `key` unless it is already pending or `depth` runs are in flight."""
        with self._lock:
            if self._closed or key in self._pending:
                return False
            if sum(not future.done() for future in self._pending.values()) >= self.depth:
                return False
            self._pending[key] = self._executor.submit(run)
            return True

    def take(self, key: Hashable) -> Any | None:
        """The run started for `key` (waiting for it to finish), or None when none was started."""
        with self._lock:
            future = self._pending.pop(key, None)
        return None if future is None else future.result()

    def close(self) -> None:
        """Cancel what has not started, wait for what has (each run removes its own container)."""
        with self._lock:
            self._closed = True
            for future in self._pending.values():
                future.cancel()
            self._pending.clear()
        self._executor.shutdown(wait=True)
