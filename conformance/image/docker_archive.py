"""A docker-archive (the format of `docker save` / `docker load`) made from an OCI image layout.

manifest.json names the config as `<hex>.json` and each layer as `<hex>/layer.tar`, in the
manifest's order, with the image's reference in RepoTags. Blobs are copied byte for byte (a
compressed layer stays compressed: `docker load` detects compression), so a layout's faults in
the bytes (a wrong diff_id) reach the archive; a blob missing from the layout is missing from the
archive too, while manifest.json still names it. Descriptor digests and sizes have no place in
the format, so faults in them cannot be carried.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

from conformance.image.generator import blob_path


def image_manifest(layout: Path) -> dict[str, Any]:
    """The first image manifest of the layout's index.json, descending through nested indexes."""
    document: dict[str, Any] = json.loads((layout / "index.json").read_bytes())
    while "manifests" in document:
        document = json.loads(blob_path(layout, document["manifests"][0]["digest"]).read_bytes())
    return document


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    member.mode = 0o644
    tar.addfile(member, io.BytesIO(data))


def write_docker_archive(layout: Path, target: Path, reference: str) -> dict[str, Any]:
    """Write the docker-archive of the layout's image to `target`; returns its manifest.json entry."""
    manifest = image_manifest(layout)
    config = manifest["config"]["digest"]
    entry = {
        "Config": f"{config.split(':', 1)[1]}.json",
        "RepoTags": [reference],
        "Layers": [f"{layer['digest'].split(':', 1)[1]}/layer.tar" for layer in manifest["layers"]],
    }
    members = [(entry["Config"], config)]
    members += [
        (name, layer["digest"]) for name, layer in zip(entry["Layers"], manifest["layers"], strict=True)
    ]
    with tarfile.open(target, "w") as tar:
        _add(tar, "manifest.json", json.dumps([entry]).encode())
        for name, digest in members:
            path = blob_path(layout, digest)
            if path.is_file() and name not in tar.getnames():
                _add(tar, name, path.read_bytes())
    return entry
