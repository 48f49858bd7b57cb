"""A tool described by a YAML file of command templates, so a vendor can test a tool without Python.

name: mytool
executable: mytool                 # a path or a name on PATH
version: ["--version"]             # optional
commands:                          # each optional; a missing verb means the role is not supported
  unpack:  ["{tool}", "unpack", "--image", "{layout}:{ref}", "{bundle}"]
  copy:    ["{tool}", "copy", "{source}", "{destination}"]
  convert: ["{tool}", "config", "{layout}:{ref}", "{output}"]
  build:                           # a list of commands run in order
    - ["{tool}", "init", "{layout}"]
    - ["{tool}", "build", "--from-dir", "{staging}", "--config", "{config_json}",
       "--annotations", "{annotations_json}", "{layout}:{ref}"]
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from conformance.core.datafile import load_checked
from conformance.core.errors import SubjectNotUsable
from conformance.core.result import CommandResult
from conformance.image.tools.base import BuildSpec, ImageTool, stage_entries

VERB_ROLES = {"build": "producer", "unpack": "consumer", "copy": "copier", "convert": "converter"}


class GenericTool(ImageTool):
    name = "generic"
    #: A described tool may be built on containers/image (or wrap skopeo): its state stays private.
    private_state = True

    def __init__(self, path: str, *, timeout: float = 120.0, workdir: Path, description: Path) -> None:
        data = load_checked(description, "tool-description")
        commands = data["commands"]
        executable = str(data["executable"])
        found = shutil.which(executable)
        if found is None:
            raise SubjectNotUsable(f"{description}: executable {executable!r} not found")
        super().__init__(found, timeout=timeout, workdir=workdir)
        self.name = str(data["name"])
        self.commands: dict[str, Any] = dict(commands)
        self.version_args = [str(a) for a in data.get("version") or ["--version"]]
        self.roles = frozenset(VERB_ROLES[verb] for verb in commands)
        self.description = description

    def probe(self) -> None:
        result = self.run(*self.version_args, timeout=30)
        self.version_output = result.stdout + result.stderr
        super().probe() if self.version_args == ["--version"] else None

    def _expand(self, template: list[Any], values: dict[str, str]) -> list[str]:
        return [str(word).format(tool=self.path, **values) for word in template]

    def _run_template(self, verb: str, values: dict[str, str]) -> CommandResult:
        argv = self._expand(self.commands[verb], values)
        return self.run(*argv[1:]) if argv[0] == self.path else self._execute(argv)

    def _execute(self, argv: list[str]) -> CommandResult:
        return self.command(argv)

    def build(self, spec: BuildSpec, layout: Path, ref: str) -> list[CommandResult]:
        staging = layout.parent / f"{layout.name}.staging"
        staging.mkdir()
        stage_entries(spec.entries, staging)
        config_json = layout.parent / f"{layout.name}.config.json"
        config_json.write_text(json.dumps(dict(spec.config)))
        annotations_json = layout.parent / f"{layout.name}.annotations.json"
        annotations_json.write_text(json.dumps(dict(spec.annotations)))
        values = {"layout": str(layout), "ref": ref, "staging": str(staging),
                  "config_json": str(config_json), "annotations_json": str(annotations_json)}  # fmt: skip
        return [self._execute(self._expand(step, values)) for step in self.commands["build"]]

    def unpack(self, layout: Path, ref: str, bundle: Path) -> CommandResult:
        return self._run_template("unpack", {"layout": str(layout), "ref": ref, "bundle": str(bundle)})

    def copy(self, source: str, destination: str) -> CommandResult:
        return self._run_template("copy", {"source": source, "destination": destination})

    def convert(self, layout: Path, ref: str, output: Path) -> CommandResult:
        return self._run_template("convert", {"layout": str(layout), "ref": ref, "output": str(output)})
