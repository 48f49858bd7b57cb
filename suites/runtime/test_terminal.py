"""process.terminal: the program gets a pseudo-terminal of the configured size, and /dev/console."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conformance.core.asserts import check, check_equal
from conformance.core.sockets import socket_path
from conformance.runtime.console import ConsoleSocket

requirement = pytest.mark.requirement

#: Prints what the terminal looks like from inside, between markers.
PROGRAM = [
    "/bin/sh",
    "-c",
    'echo "size=$(stty size)"; echo "tty=$(tty)"; '
    'echo "console=$(stat -L -c %F /dev/console)"; echo terminal-done',
]


@pytest.fixture
def terminal_run(make_container):
    """One container with terminal=true and a 40x100 console, read through the console socket."""
    container = make_container(
        {"process": {"terminal": True, "consoleSize": {"height": 40, "width": 100}, "args": PROGRAM}}
    )
    with socket_path(container.bundle.output_dir, "console.sock") as path:
        console = ConsoleSocket(path)
        try:
            created = container.create(console_socket=path)
            master = console.wait_master() if created.ok else None
            started = container.start() if master is not None else None
            output = console.read_until(b"terminal-done", 15).decode(errors="replace") if started else ""
            container.wait_status("stopped", 10)
            yield SimpleNamespace(container=container, created=created, console=console, output=output)
        finally:
            console.close()


def _line(output: str, key: str) -> str:
    for line in output.replace("\r", "").splitlines():
        if line.startswith(f"{key}="):
            return line.split("=", 1)[1].strip()
    return "<not printed>"


@requirement("config.process.terminal")
def test_terminal_is_a_pty(terminal_run) -> None:
    run = terminal_run
    check(
        run.created.ok,
        "create with terminal=true and a console socket",
        "exit 0",
        run.container.transcript(),
    )
    check(
        run.console.master is not None,
        "the runtime sends the pty master over the console socket",
        "a file descriptor",
        run.console.error or "nothing",
    )
    tty = _line(run.output, "tty")
    check(
        tty.startswith("/dev/pts/") or tty == "/dev/console",
        "the program's stdin is a terminal",
        "/dev/pts/N",
        tty,
    )


@requirement("config.process.console-size-height", "config.process.console-size-width")
def test_console_size_is_applied(terminal_run) -> None:
    check_equal(
        ["config.process.console-size-height", "config.process.console-size-width"],
        "`stty size` (rows columns) inside the container",
        "40 100",
        _line(terminal_run.output, "size"),
    )


@requirement("config-linux.devices.default-console")
def test_dev_console_with_terminal(terminal_run) -> None:
    check_equal(
        "type of /dev/console when terminal is set",
        "character special file",
        _line(terminal_run.output, "console"),
    )
