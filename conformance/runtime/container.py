"""A container under test: the OCI operations bound to one id and bundle, with cleanup."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.core.result import CommandResult
from conformance.runtime import host
from conformance.runtime.bundle import ID_PREFIX, Bundle
from conformance.runtime.drivers import RuntimeDriver


@dataclass
class StateReading:
    """One `state` call: the raw result and, when it was a JSON object, the document."""

    result: CommandResult
    document: dict[str, Any] | None = None
    error: str = ""

    @property
    def status(self) -> str | None:
        return (self.document or {}).get("status")

    def get(self, key: str) -> object:
        """A state field, or the reason there is no state document (for failure messages)."""
        if self.document is None:
            return f"<{self.error}>"
        return self.document.get(key)


def read_state(runtime: RuntimeDriver, container_id: str) -> StateReading:
    result = runtime.state(container_id)
    if not result.ok:
        return StateReading(result, error=f"no state: {result.describe(300)}")
    try:
        document = json.loads(result.stdout)
    except ValueError as exc:
        return StateReading(result, error=f"state printed invalid JSON: {exc}")
    if not isinstance(document, dict):
        return StateReading(result, error=f"state printed a JSON {type(document).__name__}")
    return StateReading(result, document)


class Janitor:
    """Remembers every container the suite created, and removes whatever is left."""

    def __init__(self) -> None:
        self.live: dict[tuple[int, str], tuple[RuntimeDriver, str]] = {}
        self.problems: list[str] = []
        #: Every id ever created, also those deleted since (to find what a runtime leaked).
        self.created: set[str] = set()

    def track(self, runtime: RuntimeDriver, container_id: str) -> None:
        self.live[(id(runtime), container_id)] = (runtime, container_id)
        self.created.add(container_id)

    def remove(self, runtime: RuntimeDriver, container_id: str, *, stopped: bool = False) -> bool:
        """Stop and delete; True when the runtime no longer knows the id.

        A created or running container whose process the host sees is killed and its exit
        awaited (a pidfd) before a plain `delete`: runc's `delete --force` sleeps 100 ms after
        its own SIGKILL before it looks again. Where the host cannot see the container's
        process (a sandbox), or where that does not remove it, force-delete, then kill and
        retry. `stopped` says the caller has just seen it stopped.
        """
        if not runtime.host_visible_process:
            return self._force_remove(runtime, container_id)
        if not stopped:
            reading = read_state(runtime, container_id)
            stopped = reading.status == "stopped"
            pid = reading.get("pid")
            if reading.status in ("created", "running") and runtime.host_visible_process and _is_pid(pid):
                runtime.kill(container_id, "SIGKILL")
                stopped = _wait_stopped(runtime, container_id, pid)
        if stopped and runtime.delete(container_id).ok:
            self.live.pop((id(runtime), container_id), None)
            return True
        return self._force_remove(runtime, container_id)

    def _force_remove(self, runtime: RuntimeDriver, container_id: str) -> bool:
        """`delete --force`; where that leaves the id, kill, let it be reaped and force again."""
        runtime.delete(container_id, force=True)
        gone = self._gone(runtime, container_id)
        if not gone:
            # A runtime whose delete --force does not stop a live process: kill it, let it be
            # reaped, and delete again.
            runtime.kill(container_id, "SIGKILL")
            time.sleep(0.2)
            runtime.delete(container_id, force=True)
            gone = self._gone(runtime, container_id)
        if gone:
            self.live.pop((id(runtime), container_id), None)
        return gone

    @staticmethod
    def _gone(runtime: RuntimeDriver, container_id: str) -> bool:
        """`state` refuses the id; if `state` itself hangs, `list` must not show it."""
        state = runtime.state(container_id)
        if state.refused:
            return True
        if state.timed_out:
            listed = runtime.list_ids()
            return listed is not None and container_id not in listed
        return False

    def sweep(self, runtimes: list[RuntimeDriver]) -> list[str]:
        """Remove tracked leftovers and any id with the suite's prefix; returns what stayed."""
        stuck: dict[str, None] = {}
        for runtime, container_id in list(self.live.values()):
            if not self.remove(runtime, container_id):
                stuck[f"{runtime.name}:{container_id}"] = None
        for runtime in runtimes:
            for container_id in runtime.list_ids() or []:
                name = f"{runtime.name}:{container_id}"
                if (
                    container_id.startswith(ID_PREFIX)
                    and name not in stuck
                    and not self.remove(runtime, container_id)
                ):
                    stuck[name] = None
        return list(stuck)


def _is_pid(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _wait_stopped(runtime: RuntimeDriver, container_id: str, pid: int, timeout: float = 2.0) -> bool:
    """Wait for the process's exit (a pidfd), then briefly for `state` to say stopped."""
    if not host.wait_exit(pid, timeout):
        return False
    deadline = time.monotonic() + 0.5
    delay = 0.002
    while True:
        reading = read_state(runtime, container_id)
        if reading.status == "stopped":
            return True
        if reading.result.refused or time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


@dataclass
class Container:
    """One container id and bundle; every call is recorded for failure messages."""

    runtime: RuntimeDriver
    bundle: Bundle
    id: str
    janitor: Janitor
    calls: list[CommandResult] = field(default_factory=list)

    def _record(self, result: CommandResult) -> CommandResult:
        self.calls.append(result)
        return result

    def create(self, **options: Any) -> CommandResult:
        self.janitor.track(self.runtime, self.id)
        return self._record(
            self.runtime.create(self.id, self.bundle.path, output_dir=self.bundle.output_dir, **options)
        )

    def start(self) -> CommandResult:
        return self._record(self.runtime.start(self.id))

    def kill(self, sig: str = "SIGTERM") -> CommandResult:
        return self._record(self.runtime.kill(self.id, sig))

    def delete(self, force: bool = False) -> CommandResult:
        return self._record(self.runtime.delete(self.id, force=force))

    def state(self) -> StateReading:
        reading = read_state(self.runtime, self.id)
        self.calls.append(reading.result)
        return reading

    def wait_for(self, predicate: Callable[[StateReading], bool], timeout: float) -> StateReading:
        """Poll `state` until `predicate` holds or `timeout` passes; returns the last reading."""
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            reading = read_state(self.runtime, self.id)
            if predicate(reading) or time.monotonic() >= deadline:
                self.calls.append(reading.result)
                return reading
            time.sleep(delay)
            delay = min(delay * 1.5, 0.05)

    def wait_status(self, status: str, timeout: float) -> StateReading:
        return self.wait_for(lambda r: r.status == status, timeout)

    def wait_output(self, text: str, timeout: float, *, or_stopped: bool = False) -> bool:
        """Poll the container's stdout for `text` (a file read, no runtime call).

        With `or_stopped`, also give up early once `state` says the container stopped (checked
        every 0.1 s), so a program that dies without printing is not waited for in vain.
        """
        deadline = time.monotonic() + timeout
        next_state = time.monotonic() + 0.1
        while text not in self.bundle.stdout:
            now = time.monotonic()
            if now >= deadline:
                return False
            if or_stopped and now >= next_state:
                if read_state(self.runtime, self.id).status == "stopped":
                    return text in self.bundle.stdout
                next_state = now + 0.1
            time.sleep(0.005)
        return True

    def cleanup(self, *, stopped: bool = False) -> bool:
        """Remove the container; `stopped` when it was just seen stopped (saves a `state`)."""
        return self.janitor.remove(self.runtime, self.id, stopped=stopped)

    def transcript(self, limit: int = 12) -> str:
        """The last runtime calls, for failure messages."""
        return "\n".join(result.describe(600) for result in self.calls[-limit:])
