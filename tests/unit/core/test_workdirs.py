"""make_workdir: private directories whose names are valid image reference path components."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from conformance.core.workdirs import make_workdir

#: A path component of an image reference (distribution/reference).
COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*")


def test_names_are_reference_components_and_private(tmp_path: Path) -> None:
    made = [make_workdir("image-", tmp_path) for _ in range(200)]
    assert len(set(made)) == 200
    assert all(COMPONENT.fullmatch(path.name) for path in made)
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o700 for path in made)
