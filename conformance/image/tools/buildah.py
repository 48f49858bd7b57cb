"""buildah: builds from scratch and commits as OCI, and copies by pulling into its storage and
pushing out again (oci: and oci-archive:), with its storage kept in the suite's directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conformance.core.result import CommandResult
from conformance.core.workdirs import make_workdir
from conformance.image.tools.base import BuildSpec, ImageTool, stage_entries


class BuildahTool(ImageTool):
    name = "buildah"
    executable = "buildah"
    roles = frozenset({"producer", "copier"})
    private_state = True

    def storage(self, root: Path | None = None) -> list[str]:
        """Private storage under the suite's work directory: nothing outside it is touched."""
        root = root or self.workdir / "buildah"
        return ["--root", str(root / "root"), "--runroot", str(root / "run"), "--storage-driver", "vfs"]

    def build(self, spec: BuildSpec, layout: Path, ref: str) -> list[CommandResult]:
        store = self.storage()
        created = self.run(*store, "from", "--pull-never", "scratch")
        steps = [created]
        if not created.ok:
            return steps
        container = created.stdout.strip().splitlines()[-1]
        try:
            if spec.entries:
                staging = layout.parent / f"{layout.name}.staging"
                staging.mkdir()
                stage_entries(spec.entries, staging)
                steps.append(self.run(*store, "copy", container, f"{staging}/.", "/"))
            flags = _config_flags(spec)
            if flags:
                steps.append(self.run(*store, "config", *flags, container))
            steps.append(self.run(*store, "commit", "--format", "oci", container, f"oci:{layout}:{ref}"))
        finally:
            steps.append(self.run(*store, "rm", container))
        return steps

    def copy(self, source: str, destination: str) -> CommandResult:
        """`buildah pull` into a storage of this copy's own, `buildah push` out, remove the storage.

        One storage per copy: layers an earlier build or copy left in a shared storage (a failed
        pull keeps the layers it committed) are reused by digest instead of read from the source,
        so whether a broken source blob is noticed would depend on which tests ran before.
        """
        root = make_workdir("buildah-copy-", self.workdir)
        try:
            store = self.storage(root)
            pulled = self.run(*store, "pull", "--quiet", source)
            if not pulled.ok:
                return pulled
            image = pulled.stdout.strip().splitlines()[-1]
            return self.run(*store, "push", "--quiet", image, destination)
        finally:
            shutil.rmtree(root, ignore_errors=True)


def _config_flags(spec: BuildSpec) -> list[str]:
    config = spec.config
    flags: list[str] = [f"--env={item}" for item in config.get("Env", [])]
    if "Entrypoint" in config:
        flags.append(f"--entrypoint={json.dumps(config['Entrypoint'])}")
    if "Cmd" in config:
        flags.append(f"--cmd={json.dumps(config['Cmd'])}")
    if "WorkingDir" in config:
        flags.append(f"--workingdir={config['WorkingDir']}")
    if "User" in config:
        flags.append(f"--user={config['User']}")
    flags += [f"--label={k}={v}" for k, v in (config.get("Labels") or {}).items()]
    flags += [f"--port={port}" for port in config.get("ExposedPorts") or {}]
    flags += [f"--volume={volume}" for volume in config.get("Volumes") or {}]
    if "StopSignal" in config:
        flags.append(f"--stop-signal={config['StopSignal']}")
    flags += [f"--annotation={k}={v}" for k, v in spec.annotations.items()]
    return flags
