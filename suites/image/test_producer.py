"""Producer role: what the tool writes passes the validator and keeps what it was asked to keep."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from conformance.adapters.image import BuildSpec
from conformance.asserts import check, check_equal
from conformance.fixtures import conformance_session
from conformance.image.layers import LayerError, apply_layers
from conformance.image.tree import snapshot
from conformance.image.validator import validate_layout

from .helpers import REF, require_role

requirement = pytest.mark.requirement

SPEC = BuildSpec(
    entries=(
        {"path": "etc", "type": "dir", "mode": 0o755},
        {"path": "etc/hello", "type": "file", "content": "hello\n", "mode": 0o640},
        {"path": "srv", "type": "dir", "mode": 0o750},
        {"path": "srv/run.sh", "type": "file", "content": "#!/bin/sh\n", "mode": 0o755},
        {"path": "hello-link", "type": "symlink", "target": "etc/hello"},
    ),
    config={
        "Env": ["APP_MODE=test", "PATH=/usr/bin:/bin"],
        "Entrypoint": ["/srv/run.sh"],
        "Cmd": ["--verbose"],
        "WorkingDir": "/srv",
        "User": "1000:1000",
        "Labels": {"org.example.team": "conformance"},
        "ExposedPorts": {"8080/tcp": {}},
        "Volumes": {"/data": {}},
        "StopSignal": "SIGINT",
    },
    annotations={"org.example.build": "producer-test"},
)


class Built:
    """One build per tool, shared by the tests below."""

    def __init__(self, layout: Path, steps) -> None:
        self.layout = layout
        self.steps = steps
        self.ok = all(step.ok for step in steps)
        self.manifest: dict = {}
        self.config: dict = {}
        self.layers: list[Path] = []
        if self.ok:
            index = json.loads((layout / "index.json").read_text())
            descriptor = next(
                d
                for d in index["manifests"]
                if d.get("annotations", {}).get("org.opencontainers.image.ref.name") == REF
            )
            self.manifest = json.loads(_blob(layout, descriptor["digest"]).read_text())
            self.config = json.loads(_blob(layout, self.manifest["config"]["digest"]).read_text())
            self.layers = [_blob(layout, layer["digest"]) for layer in self.manifest["layers"]]

    def transcript(self) -> str:
        return "\n".join(step.describe(400) for step in self.steps)


def _blob(layout: Path, digest: str) -> Path:
    algorithm, encoded = digest.split(":", 1)
    return layout / "blobs" / algorithm / encoded


@pytest.fixture(scope="module")
def built(request: pytest.FixtureRequest, image_tool) -> Built:
    require_role(image_tool, "producer", ["image-layout.index.valid"])
    session = conformance_session(request.config)
    parent = Path(tempfile.mkdtemp(prefix="producer-", dir=session.workdir))
    request.addfinalizer(lambda: shutil.rmtree(parent, ignore_errors=True))
    layout = parent / "layout"
    return Built(layout, image_tool.build(SPEC, layout, REF))


@requirement("image-layout.index.valid", "image-layout.oci-layout.exists", "descriptor.digest.verify")
def test_produced_layout_is_valid(built: Built) -> None:
    rids = ["image-layout.index.valid"]
    check(rids, built.ok, "the tool builds the image", "every step exits 0", built.transcript())
    report = validate_layout(built.layout)
    errors = [
        f"{f.requirement} {f.where} {f.path}: {f.message}" for f in report.findings if f.severity == "error"
    ]
    check_equal(rids, "validator errors in the produced layout", [], errors)


@requirement("layer.changeset.tar", "layer.apply.modes")
def test_produced_layers_keep_entries(built: Built, tmp_path: Path) -> None:
    rids = ["layer.changeset.tar", "layer.apply.modes"]
    check(rids, built.ok, "the tool builds the image", "every step exits 0", built.transcript())
    rootfs = tmp_path / "rootfs"
    try:
        apply_layers(built.layers, rootfs)
    except LayerError as exc:
        check(rids, False, "the produced layers are tar archives that can be applied", "applied", str(exc))
    tree = snapshot(rootfs, ownership=False)
    for entry in SPEC.entries:
        node = tree.get(entry["path"])
        check(rids, node is not None, f"{entry['path']} is in the image", "present", "missing")
        if "mode" in entry:
            check_equal(rids, f"mode of {entry['path']}", oct(entry["mode"]), oct(node.mode & 0o7777))
        if entry["type"] == "symlink":
            check_equal(rids, f"target of {entry['path']}", entry["target"], node.target)


CONFIG_FIELDS = (
    ("Env", "image-config.env.syntax"),
    ("Entrypoint", "conversion.args"),
    ("Cmd", "conversion.args"),
    ("WorkingDir", "conversion.working-dir"),
    ("User", "image-config.user"),
    ("Labels", "image-config.labels"),
    ("ExposedPorts", "image-config.exposed-ports"),
    ("Volumes", "image-config.volumes"),
    ("StopSignal", "image-config.stop-signal"),
)


@pytest.mark.parametrize(
    ("key", "rid"), [pytest.param(key, rid, id=key, marks=requirement(rid)) for key, rid in CONFIG_FIELDS]
)
def test_produced_config_keeps_field(built: Built, key: str, rid: str) -> None:
    """Each requested field is in the image config; a tool may add entries of its own to maps and Env."""
    check(rid, built.ok, "the tool builds the image", "every step exits 0", built.transcript())
    observed = (built.config.get("config") or {}).get(key)
    expected = SPEC.config[key]
    if isinstance(expected, list) and key == "Env":
        kept = all(item in (observed or []) for item in expected)
        check(rid, kept, "Env keeps the given entries", expected, observed)
    elif isinstance(expected, dict):
        kept = isinstance(observed, dict) and all(observed.get(k) == v for k, v in expected.items())
        check(rid, kept, f"config.{key} keeps the given entries", expected, observed)
    else:
        check_equal(rid, f"config.{key}", expected, observed)


@requirement("manifest.annotations")
def test_produced_manifest_keeps_annotations(built: Built) -> None:
    check(
        "manifest.annotations",
        built.ok,
        "the tool builds the image",
        "every step exits 0",
        built.transcript(),
    )
    annotations = built.manifest.get("annotations") or {}
    for key, value in SPEC.annotations.items():
        check_equal("manifest.annotations", f"manifest annotation {key}", value, annotations.get(key))
