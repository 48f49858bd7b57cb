"""Unix socket paths that always fit sun_path, and are cleaned up."""

from __future__ import annotations

import socket
from pathlib import Path

from conformance.core.sockets import SUN_PATH_MAX, fits, socket_path


def test_a_short_directory_is_used_as_it_is(tmp_path: Path) -> None:
    with socket_path(tmp_path, "c.sock") as path:
        assert path == tmp_path / "c.sock"
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    assert not path.exists()


def test_a_long_directory_gets_a_short_one_removed_afterwards(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    assert not fits(deep / "c.sock")
    with socket_path(deep, "c.sock") as path:
        assert fits(path) and len(str(path)) <= SUN_PATH_MAX
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    assert not path.parent.exists()
