"""Image-tool adapters: one small class per tool, chosen by name, path, or a YAML description."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conformance.core import entrypoints
from conformance.core.errors import SubjectNotUsable
from conformance.image.tools.base import ROLES, BuildSpec, ImageTool

#: Tool name -> "module:Class", imported only when used.
TOOLS: dict[str, str] = {
    "umoci": "conformance.image.tools.umoci:UmociTool",
    "skopeo": "conformance.image.tools.skopeo:SkopeoTool",
    "buildah": "conformance.image.tools.buildah:BuildahTool",
}

__all__ = ["ROLES", "TOOLS", "BuildSpec", "ImageTool", "open_tool"]


def tools() -> dict[str, str]:
    """The built-in tools, then those installed packages add (entry points win by name)."""
    return {**TOOLS, **entrypoints.registered("image_tools")}


def _load(name: str) -> type[ImageTool]:
    cls = entrypoints.load(tools()[name])
    if not (isinstance(cls, type) and issubclass(cls, ImageTool)):
        raise SubjectNotUsable(f"image tool {name!r} ({tools()[name]}) is not an ImageTool")
    return cls


def open_tool(spec: str, *, workdir: Path, timeout: float = 120.0) -> ImageTool:
    """A tool given as a known name, a path to its executable, or a YAML description file."""
    if spec.endswith((".yaml", ".yml")):
        from conformance.image.tools.generic import GenericTool

        description = Path(spec)
        if not description.is_file():
            raise SubjectNotUsable(f"image tool description {spec!r} does not exist")
        tool: ImageTool = GenericTool(spec, timeout=timeout, workdir=workdir, description=description)
    else:
        name = os.path.basename(spec)
        if name not in tools():
            known = ", ".join(sorted(tools()))
            raise SubjectNotUsable(f"unknown image tool {spec!r} (known: {known}, or a YAML description)")
        path = spec if os.sep in spec else shutil.which(spec)
        if path is None or not os.access(path, os.X_OK) or os.path.isdir(path):
            raise SubjectNotUsable(f"image tool {spec!r} was not found or is not executable")
        tool = _load(name)(path, timeout=timeout, workdir=workdir)
    tool.probe()
    return tool
