"""stage_entries: the directory tree a building tool is given is the same whenever it is staged."""

from __future__ import annotations

import os
from pathlib import Path

from conformance.image.tools.base import stage_entries

STAMP = 1_600_000_000
ENTRIES = (
    {"path": "etc", "type": "dir", "mtime": STAMP},
    {"path": "etc/hello", "type": "file", "content": "hi\n", "mtime": STAMP},
    {"path": "link", "type": "symlink", "target": "etc/hello", "mtime": STAMP},
)


def test_root_keeps_its_times(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    root.mkdir()
    os.utime(root, (1234, 5678))
    stage_entries(ENTRIES, root)
    assert (os.stat(root).st_atime, os.stat(root).st_mtime) == (1234, 5678)


def test_entries_get_their_mtimes_children_first(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    root.mkdir()
    stage_entries(ENTRIES, root)
    times = {e["path"]: os.lstat(root / e["path"]).st_mtime for e in ENTRIES}
    assert times == {"etc": STAMP, "etc/hello": STAMP, "link": STAMP}
