"""Image-tool adapters: one small class per tool, chosen by name, path, or a YAML description."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

from conformance.adapters.image.base import ROLES, BuildSpec, ImageTool
from conformance.errors import RuntimeNotUsable

#: Tool name -> "module:Class", imported only when used.
TOOLS: dict[str, str] = {
    "umoci": "conformance.adapters.image.umoci:UmociTool",
    "skopeo": "conformance.adapters.image.skopeo:SkopeoTool",
    "buildah": "conformance.adapters.image.buildah:BuildahTool",
}

__all__ = ["ROLES", "TOOLS", "BuildSpec", "ImageTool", "open_tool"]


def _load(name: str) -> type[ImageTool]:
    module_name, class_name = TOOLS[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)


def open_tool(spec: str, *, workdir: Path, timeout: float = 120.0) -> ImageTool:
    """A tool given as a known name, a path to its executable, or a YAML description file."""
    if spec.endswith((".yaml", ".yml")):
        from conformance.adapters.image.generic import GenericTool

        description = Path(spec)
        if not description.is_file():
            raise RuntimeNotUsable(f"image tool description {spec!r} does not exist")
        tool: ImageTool = GenericTool(spec, timeout=timeout, workdir=workdir, description=description)
    else:
        name = os.path.basename(spec)
        if name not in TOOLS:
            known = ", ".join(sorted(TOOLS))
            raise RuntimeNotUsable(f"unknown image tool {spec!r} (known: {known}, or a YAML description)")
        path = spec if os.sep in spec else shutil.which(spec)
        if path is None or not os.access(path, os.X_OK) or os.path.isdir(path):
            raise RuntimeNotUsable(f"image tool {spec!r} was not found or is not executable")
        tool = _load(name)(path, timeout=timeout, workdir=workdir)
    tool.probe()
    return tool
