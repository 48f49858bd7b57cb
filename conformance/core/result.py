"""The outcome of one external command: every adapter returns this one type."""

from __future__ import annotations

import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandResult:
    """Exit code, output and duration of one command (a runtime, image tool or client call)."""

    argv: tuple[str, ...]
    returncode: int | None
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """True when the command finished in time with exit code 0."""
        return not self.timed_out and self.returncode == 0

    @property
    def refused(self) -> bool:
        """True when the command finished in time and reported an error (non-zero exit).

        A timeout is neither success nor a refusal: a test expecting an error must not pass on it.
        """
        return not self.timed_out and self.returncode not in (None, 0)

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    def describe(self, limit: int = 2000) -> str:
        """A few lines for failure messages: command, exit code, output."""
        status = "timed out" if self.timed_out else f"exit {self.returncode}"
        lines = [f"$ {self.command}  # {status} after {self.duration:.2f}s"]
        for name, text in (("stdout", self.stdout), ("stderr", self.stderr)):
            text = text.strip()
            if text:
                if len(text) > limit:
                    text = text[:limit] + f"... ({len(text) - limit} more chars)"
                lines.append(f"{name}: {text}")
        return "\n".join(lines)
