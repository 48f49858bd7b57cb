"""Shared by the broken image-tool wrappers: run the real tool, then break its result one way.

The wrappers are named like the tools (umoci, skopeo) so the suite picks the right adapter; the
breakage is chosen with $BROKEN_IMAGE_TOOL. Nothing here imports the suite: a wrapper is an
independent, deliberately wrong tool. Every change stays inside the tool's own target, except the
'whiteout-escape' breakage, which deletes what an unsafe whiteout names only when that lies inside
the test's throwaway directory (two levels above the bundle), never anywhere else.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

REF_NAME = "org.opencontainers.image.ref.name"
TIMEOUT = 120


def run_real(name: str, argv: list[str]) -> int:
    real = os.environ.get(f"REAL_{name.upper()}", f"/usr/bin/{name}")
    return subprocess.run([real, *argv], timeout=TIMEOUT, check=False).returncode


def breakage() -> str:
    return os.environ.get("BROKEN_IMAGE_TOOL", "")


def blob(layout: Path, digest: str) -> Path:
    algorithm, _, encoded = digest.partition(":")
    return layout / "blobs" / algorithm / encoded


def manifest_of(layout: Path, ref: str) -> dict:
    index = json.loads((layout / "index.json").read_text())
    for descriptor in index["manifests"]:
        if (descriptor.get("annotations") or {}).get(REF_NAME) == ref:
            return json.loads(blob(layout, descriptor["digest"]).read_text())
    sys.exit(f"broken wrapper: no ref {ref}")


def layer_members(layout: Path, ref: str) -> Iterator[list[tarfile.TarInfo]]:
    """The members of each layer of the image, bottom first (gzip or plain tar)."""
    for descriptor in manifest_of(layout, ref)["layers"]:
        with tarfile.open(blob(layout, descriptor["digest"]), "r:*") as tar:
            yield tar.getmembers()
