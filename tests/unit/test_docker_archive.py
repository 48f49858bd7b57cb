"""The docker-archive converter: manifest.json, config and layers of a generated layout."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

from conformance.image.docker_archive import write_docker_archive
from conformance.image.generator import write_layout

LAYERS = [
    {"entries": [{"path": "a", "type": "file", "content": "one\n"}]},
    {"entries": [{"path": "b", "type": "file", "content": "two\n"}]},
]


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_archive_holds_config_and_layers_by_digest(tmp_path: Path) -> None:
    write_layout({"layers": LAYERS}, tmp_path / "layout")
    entry = write_docker_archive(tmp_path / "layout", tmp_path / "image.tar", "example.test/x:1")
    members = _members(tmp_path / "image.tar")
    assert json.loads(members["manifest.json"]) == [entry]
    assert entry["RepoTags"] == ["example.test/x:1"]
    config = json.loads(members[entry["Config"]])
    assert (
        "sha256:" + hashlib.sha256(members[entry["Config"]]).hexdigest() == "sha256:" + entry["Config"][:-5]
    )
    assert len(entry["Layers"]) == len(config["rootfs"]["diff_ids"]) == 2
    for name in entry["Layers"]:
        assert hashlib.sha256(members[name]).hexdigest() == name.split("/")[0]


def test_nested_index_and_missing_blob(tmp_path: Path) -> None:
    description = {
        "images": [{"images": [{"layers": LAYERS}], "ref": "latest"}],
        "faults": ["layer.missing-blob"],
    }
    write_layout(description, tmp_path / "layout")
    entry = write_docker_archive(tmp_path / "layout", tmp_path / "image.tar", "example.test/x:1")
    members = _members(tmp_path / "image.tar")
    assert len(entry["Layers"]) == 2
    assert [name for name in entry["Layers"] if name not in members], "a missing blob stays missing"
