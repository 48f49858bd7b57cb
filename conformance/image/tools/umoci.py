"""umoci: builds (init/new/insert/config), unpacks and converts image configs to runtime configs."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.core.result import CommandResult
from conformance.image.tools.base import BuildSpec, ImageTool, stage_entries


class UmociTool(ImageTool):
    name = "umoci"
    executable = "umoci"
    roles = frozenset({"producer", "consumer", "converter"})
    supports_deletions = True

    def build(self, spec: BuildSpec, layout: Path, ref: str) -> list[CommandResult]:
        image = f"{layout}:{ref}"
        steps = [self.run("init", "--layout", str(layout)), self.run("new", "--image", image)]
        if spec.entries:
            # umoci's own workflow: unpack a bundle, change its rootfs, repack it as a new layer.
            bundle = layout.parent / f"{layout.name}.bundle"
            steps.append(self.run("unpack", "--image", image, str(bundle)))
            if not steps[-1].ok:
                return steps
            stage_entries(spec.entries, bundle / "rootfs")
            steps.append(self.run("repack", "--image", image, str(bundle)))
        if spec.deletions and steps[-1].ok:
            second = layout.parent / f"{layout.name}.bundle2"
            steps.append(self.run("unpack", "--image", image, str(second)))
            if not steps[-1].ok:
                return steps
            for path in spec.deletions:
                target = second / "rootfs" / path.lstrip("/")
                # The directory keeps its times: a deletion at another second is the same change.
                parent = os.stat(target.parent)
                shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
                os.utime(target.parent, ns=(parent.st_atime_ns, parent.st_mtime_ns))
            steps.append(self.run("repack", "--image", image, str(second)))
        flags = _config_flags(spec.config) + [
            f"--manifest.annotation={k}={v}" for k, v in spec.annotations.items()
        ]
        if flags:
            steps.append(self.run("config", "--image", image, *flags))
        return steps

    def unpack(self, layout: Path, ref: str, bundle: Path) -> CommandResult:
        return self.run("unpack", "--image", f"{layout}:{ref}", str(bundle))

    def convert(self, layout: Path, ref: str, output: Path) -> CommandResult:
        rootfs = output.parent / "converter-rootfs"
        unpacked = self.run("raw", "unpack", "--image", f"{layout}:{ref}", str(rootfs))
        if not unpacked.ok:
            return unpacked
        return self.run(
            "raw", "runtime-config", "--image", f"{layout}:{ref}", "--rootfs", str(rootfs), str(output)
        )


def _config_flags(config: Mapping[str, Any]) -> list[str]:
    """umoci config flags for image config fields (config.md names)."""
    flags: list[str] = []
    for item in config.get("Env", []):
        flags.append(f"--config.env={item}")
    if "Entrypoint" in config:
        flags += [f"--config.entrypoint={arg}" for arg in config["Entrypoint"]] or [
            "--clear=config.entrypoint"
        ]
    if "Cmd" in config:
        flags += [f"--config.cmd={arg}" for arg in config["Cmd"]] or ["--clear=config.cmd"]
    if "WorkingDir" in config:
        flags.append(f"--config.workingdir={config['WorkingDir']}")
    if "User" in config:
        flags.append(f"--config.user={config['User']}")
    for key, value in (config.get("Labels") or {}).items():
        flags.append(f"--config.label={key}={value}")
    for port in config.get("ExposedPorts") or {}:
        flags.append(f"--config.exposedports={port}")
    for volume in config.get("Volumes") or {}:
        flags.append(f"--config.volume={volume}")
    if "StopSignal" in config:
        flags.append(f"--config.stopsignal={config['StopSignal']}")
    return flags


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())
