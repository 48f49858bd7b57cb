"""Bundles: a config.json built from the default plus patches, and a busybox rootfs with the probe."""

from __future__ import annotations

import itertools
import json
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.runtime.bundle.config import build_config, default_config, merge
from conformance.runtime.bundle.rootfs import build_template, check_busybox, clone_rootfs

__all__ = ["Bundle", "BundleFactory", "build_config", "check_busybox", "default_config", "merge"]

#: Every container id the suite creates starts with this, so a sweep can find leftovers.
ID_PREFIX = "oci-conf"


@dataclass
class Bundle:
    """One bundle directory on disk, and the config written into it."""

    path: Path
    config: dict[str, Any]

    @property
    def rootfs(self) -> Path:
        return self.path / self.config.get("root", {}).get("path", "rootfs")

    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    @property
    def output_dir(self) -> Path:
        """Where the container's stdout/stderr files live (outside the bundle proper)."""
        return self.path.parent / f"{self.path.name}.io"

    @property
    def stdout(self) -> str:
        return _read(self.output_dir / "stdout")

    @property
    def stderr(self) -> str:
        return _read(self.output_dir / "stderr")

    def write_config(self, config: Mapping[str, Any] | None = None) -> None:
        if config is not None:
            self.config = dict(config)
        self.config_path.write_text(json.dumps(self.config, indent=2) + "\n")

    def probe_requests(self, lines: list[str]) -> None:
        """Ask the probe for more: "file PATH", "stat PATH", "link PATH" or "exec NAME COMMAND"."""
        (self.rootfs / "etc" / "oci-probe.conf").write_text("\n".join(lines) + "\n")


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


class BundleFactory:
    """Makes bundles and unique container ids under one session directory."""

    def __init__(self, workdir: Path, busybox: Path, worker: str = "main") -> None:
        self.workdir = workdir
        self.busybox = busybox
        self.worker = worker
        self._template: Path | None = None
        self._counter = itertools.count(1)

    @property
    def template(self) -> Path:
        """The rootfs every bundle clones, written once."""
        if self._template is None:
            self._template = build_template(self.busybox, self.workdir / "rootfs-template")
        return self._template

    def new_id(self, hint: str = "") -> str:
        """A container id unique on this host: prefix, worker, counter, random suffix."""
        slug = "".join(c if c.isalnum() else "-" for c in hint.lower())[:24].strip("-")
        parts = [ID_PREFIX, self.worker, str(next(self._counter)), secrets.token_hex(3)]
        if slug:
            parts.insert(3, slug)
        return "-".join(parts)

    def create(
        self, name: str, *patches: Mapping[str, Any], config: dict | None = None, valid: bool = True
    ) -> Bundle:
        """A new bundle directory holding `config` (default: the default config plus `patches`).

        The bundle is validated (conformance.runtime.validator) before anyone hands it to a runtime:
        an error finding raises BundleInvalid naming the bundle and the findings, so a bug of the
        generator or of a test's patch is never blamed on the runtime. `valid=False` is the explicit
        opt-out for a test that makes a deliberately invalid bundle (a config a runtime must refuse).
        """
        path = self.workdir / "bundles" / name
        path.mkdir(parents=True)
        bundle = Bundle(path=path, config=config if config is not None else build_config(*patches))
        root_path = bundle.config.get("root", {}).get("path")
        if root_path and not os.path.isabs(root_path):
            clone_rootfs(self.template, bundle.rootfs)
        bundle.output_dir.mkdir()
        bundle.write_config()
        if valid:
            from conformance.runtime.validator import check_bundle

            check_bundle(bundle.path, bundle.config)
        return bundle

    def remove(self, bundle: Bundle) -> None:
        shutil.rmtree(bundle.path, ignore_errors=True)
        shutil.rmtree(bundle.output_dir, ignore_errors=True)
