"""Private work directories whose names every tool accepts in a path."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path


def make_workdir(prefix: str, parent: Path | str | None = None) -> Path:
    """A new directory `parent`/`prefix` + 8 lowercase hex digits, mode 0700 (like mkdtemp).

    tempfile.mkdtemp's random part may start or end with `_`. `buildah pull oci:PATH:REF` derives
    a local image name from PATH and refuses the copy when a path component is no valid reference
    component (e.g. `image-_8k_i8jq`), so a copy failed, or a fault seemed refused, by chance.
    """
    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    for _ in range(100):
        path = base / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free name {prefix}XXXXXXXX in {base}")
