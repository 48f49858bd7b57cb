"""Producer role: what the tool writes passes the validator and keeps what it was asked to keep."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.core.workdirs import make_workdir
from conformance.image import mediatypes
from conformance.image.layers import LayerError, apply_layers, member_names
from conformance.image.tools import BuildSpec
from conformance.image.tree import snapshot
from conformance.plugin.stash import conformance_session

from .helpers import REF, require_role, validate_output

requirement = pytest.mark.requirement
REF_NAME = "org.opencontainers.image.ref.name"

#: A fixed modification time for every entry, so two builds of SPEC have identical content.
STAMP = 1_600_000_000

SPEC = BuildSpec(
    entries=(
        {"path": "etc", "type": "dir", "mode": 0o755, "mtime": STAMP},
        {"path": "etc/hello", "type": "file", "content": "hello\n", "mode": 0o640, "mtime": STAMP},
        {"path": "srv", "type": "dir", "mode": 0o750, "mtime": STAMP},
        {"path": "srv/run.sh", "type": "file", "content": "#!/bin/sh\n", "mode": 0o755, "mtime": STAMP},
        {"path": "srv/keep.txt", "type": "file", "content": "kept\n", "mode": 0o644, "mtime": STAMP},
        {"path": "hello-link", "type": "symlink", "target": "etc/hello", "mtime": STAMP},
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
    deletions=("srv/run.sh",),
)


class Built:
    """One build per tool, shared by the tests below."""

    def __init__(self, layout: Path, steps, deletes: bool) -> None:
        self.layout = layout
        self.deletes = deletes
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


def _build(request: pytest.FixtureRequest, image_tool) -> Built:
    require_role(image_tool, "producer", ["image-layout.index.valid"])
    session = conformance_session(request.config)
    parent = make_workdir("producer-", session.workdir)
    request.addfinalizer(lambda: shutil.rmtree(parent, ignore_errors=True))
    layout = parent / "layout"
    return Built(layout, image_tool.build(SPEC, layout, REF), image_tool.supports_deletions)


@pytest.fixture(scope="module")
def built(request: pytest.FixtureRequest, image_tool) -> Built:
    return _build(request, image_tool)


@pytest.fixture(scope="module")
def built_again(request: pytest.FixtureRequest, image_tool) -> Built:
    """A second, independent build of the same SPEC (same files, modes and times)."""
    return _build(request, image_tool)


@requirement("image-layout.index.valid", "image-layout.oci-layout.exists", "descriptor.digest.verify")
def test_produced_layout_is_valid(built: Built, request: pytest.FixtureRequest) -> None:
    rids = ["image-layout.index.valid"]
    check(rids, built.ok, "the tool builds the image", "every step exits 0", built.transcript())
    errors = validate_output(request, built.layout)
    check_equal(rids, "validator errors in the produced layout", [], errors)


@requirement("layer.changeset.tar")
def test_produced_layers_keep_entries(built: Built, tmp_path: Path) -> None:
    """Paths, modes and symlink targets survive; owners are not compared (SPEC sets none, tools differ)."""
    rids = ["layer.changeset.tar"]
    check(rids, built.ok, "the tool builds the image", "every step exits 0", built.transcript())
    rootfs = tmp_path / "rootfs"
    try:
        apply_layers(built.layers, rootfs)
    except LayerError as exc:
        check(rids, False, "the produced layers are tar archives that can be applied", "applied", str(exc))
    tree = snapshot(rootfs, ownership=False)
    deleted = set(SPEC.deletions) if built.deletes else set()
    for path in sorted(deleted):
        check(rids, path not in tree, f"{path}, deleted in a later layer, is gone", "absent", "present")
    for entry in SPEC.entries:
        if entry["path"] in deleted:
            continue
        node = tree.get(entry["path"])
        check(rids, node is not None, f"{entry['path']} is in the image", "present", "missing")
        if "mode" in entry:
            check_equal(rids, f"mode of {entry['path']}", oct(entry["mode"]), oct(node.mode & 0o7777))
        if entry["type"] == "symlink":
            check_equal(rids, f"target of {entry['path']}", entry["target"], node.target)


CONFIG_FIELDS = (
    ("Env", "image-config.env.syntax"),
    ("Entrypoint", "image-config.entrypoint"),
    ("Cmd", "image-config.cmd"),
    ("WorkingDir", "image-config.working-dir"),
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
    check(built.ok, "the tool builds the image", "every step exits 0", built.transcript())
    observed = (built.config.get("config") or {}).get(key)
    expected = SPEC.config[key]
    if isinstance(expected, list) and key == "Env":
        kept = all(item in (observed or []) for item in expected)
        check(kept, "Env keeps the given entries", expected, observed)
    elif isinstance(expected, dict):
        kept = isinstance(observed, dict) and all(observed.get(k) == v for k, v in expected.items())
        check(kept, f"config.{key} keeps the given entries", expected, observed)
    else:
        check_equal(f"config.{key}", expected, observed)


@requirement("manifest.annotations")
def test_produced_manifest_keeps_annotations(built: Built) -> None:
    check(
        built.ok,
        "the tool builds the image",
        "every step exits 0",
        built.transcript(),
    )
    annotations = built.manifest.get("annotations") or {}
    for key, value in SPEC.annotations.items():
        check_equal(f"manifest annotation {key}", value, annotations.get(key))


PORTABLE_LAYER_TYPES = {
    mediatypes.LAYER_TAR,
    mediatypes.LAYER_GZIP,
    mediatypes.LAYER_ZSTD,
    mediatypes.EMPTY,
}


@requirement("manifest.layers.portable-media-type", "layer.nondistributable.deprecated")
def test_produced_layers_use_portable_media_types(built: Built) -> None:
    rids = ["manifest.layers.portable-media-type", "layer.nondistributable.deprecated"]
    check(rids, built.ok, "the tool builds the image", "every step exits 0", built.transcript())
    types = [layer.get("mediaType") for layer in built.manifest.get("layers", [])]
    check(
        rids,
        all(t in PORTABLE_LAYER_TYPES for t in types),
        "layer media types of the produced manifest",
        f"each one of {sorted(PORTABLE_LAYER_TYPES)}",
        types,
    )


@requirement("layer.whiteout.explicit-preferred")
def test_deletion_is_an_explicit_whiteout(built: Built, image_tool) -> None:
    if not image_tool.supports_deletions:
        skip_unsupported(f"{image_tool.name} cannot be asked to delete a path in this suite")
    check(built.ok, "the tool builds the image", "every step exits 0", built.transcript())
    names = member_names(built.layers[-1], "last layer")
    wanted = [f"srv/.wh.{Path(p).name}" for p in SPEC.deletions]
    check(
        all(any(n.lstrip("./") == w for n in names) for w in wanted),
        "the deleting layer removes each path with its own whiteout",
        wanted,
        names,
    )
    check(
        not any(n.endswith(".wh..wh..opq") for n in names),
        "no opaque whiteout for a single deletion",
        "no .wh..wh..opq",
        names,
    )


@requirement("image-config.layer-diffid.reproducible")
def test_same_content_gives_the_same_diff_ids(built: Built, built_again: Built) -> None:
    check(
        built.ok and built_again.ok,
        "the tool builds the image twice",
        "every step exits 0",
        built.transcript() + "\n" + built_again.transcript(),
    )
    first = (built.config.get("rootfs") or {}).get("diff_ids")
    second = (built_again.config.get("rootfs") or {}).get("diff_ids")
    check_equal("diff_ids of two builds of identical files", first, second)


CANONICAL = ("considerations.json.canonical", "considerations.canonicalization.canonical-serialization")


def _canonical(data: bytes) -> bytes:
    """Canonical JSON of a parsed document: sorted keys, no insignificant whitespace, UTF-8."""
    return json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@requirement(*CANONICAL)
def test_produced_json_is_canonical(built: Built) -> None:
    """index.json, the manifest and the config the tool wrote are each serialized as canonical JSON."""
    check(CANONICAL, built.ok, "the tool builds the image", "every step exits 0", built.transcript())
    index = json.loads((built.layout / "index.json").read_bytes())
    descriptor = next(d for d in index["manifests"] if d.get("annotations", {}).get(REF_NAME) == REF)
    documents = {
        "index.json": built.layout / "index.json",
        "manifest": _blob(built.layout, descriptor["digest"]),
        "config": _blob(built.layout, built.manifest["config"]["digest"]),
    }
    odd = [name for name, path in documents.items() if path.read_bytes() != _canonical(path.read_bytes())]
    check_equal(CANONICAL, "documents not serialized as canonical JSON", [], odd)
