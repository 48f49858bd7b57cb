"""A failing skopeo copy through the adapter changes nothing in /var/tmp or /var/lib/containers.

containers/image writes big temporary files to $TMPDIR or /var/tmp and, for root, its blob info
cache to /var/lib/containers/cache whatever the flags say; the adapter keeps both in the suite's
own space (see conformance.image.tools.base).
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest

from conformance.image.tools import open_tool
from tests.unit.image.layouts import ImageLayout, directory, file

pytestmark = pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo is not installed")

VAR_TMP = Path("/var/tmp")
CONTAINERS = Path("/var/lib/containers")


def _entries(root: Path, depth: int) -> set[Path]:
    """Paths below `root`, at most `depth` levels down (none when `root` does not exist)."""
    found: set[Path] = set()
    level = [root]
    for _ in range(depth):
        level = [child for parent in level if parent.is_dir() for child in parent.iterdir()]
        found.update(level)
    return found


def _files_holding(paths: set[Path], needle: bytes) -> list[Path]:
    """Those of `paths` (and of the files below the directories among them) that contain `needle`."""
    files = [p for path in paths for p in ([path] if not path.is_dir() else path.rglob("*"))]
    holding = []
    for path in files:
        try:
            if path.is_file() and not path.is_symlink() and needle in path.read_bytes():
                holding.append(path)
        except OSError:  # gone meanwhile, or not readable: not written by this copy
            continue
    return holding


def test_a_failing_copy_leaves_nothing_outside_the_work_directory(tmp_path: Path) -> None:
    marker = secrets.token_hex(16).encode()
    layout = ImageLayout(tmp_path / "layout")
    layer = layout.add_layer([directory("etc"), file("etc/marker", marker)], "none")
    manifest = layout.add_image([layer])
    manifest["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
    layout.write_index([manifest])
    config = layout.blob_path(layout.read_json(manifest["digest"])["config"]["digest"])
    config.write_bytes(config.read_bytes().replace(b'"amd64"', b'"arm64"'))  # digest no longer matches
    tool = open_tool("skopeo", workdir=tmp_path / "work")
    before = (_entries(VAR_TMP, 1), _entries(CONTAINERS, 2))

    result = tool.copy(f"oci:{layout.root}:latest", f"oci:{tmp_path / 'copy'}:latest")

    assert result.refused, f"the copy of a broken layout was expected to fail:\n{result.describe()}"
    assert _entries(CONTAINERS, 2) - before[1] == set()
    # Unprotected, skopeo records the layer's digest in the blob info cache there even now.
    layer_digest = str(layer[0]["digest"]).encode()
    assert _files_holding(_entries(CONTAINERS, 2), layer_digest) == []
    # Other processes on the machine may add to /var/tmp: what this copy left holds the marker.
    assert _files_holding(_entries(VAR_TMP, 1) - before[0], marker) == []
