"""Content the suite pushes: random blobs, image configs and manifests, artifacts with a subject."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
EMPTY = "application/vnd.oci.empty.v1+json"
EMPTY_BLOB = b"{}"


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type: str, data: bytes, **extra: object) -> dict:
    return {"mediaType": media_type, "digest": digest(data), "size": len(data), **extra}


def random_blob(size: int) -> bytes:
    return os.urandom(size)


def image_config(layers: list[bytes]) -> bytes:
    """A small image config (the registry does not read it; it only has to be a blob)."""
    document = {
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [digest(layer) for layer in layers]},
    }
    return json.dumps(document, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Manifest:
    """A manifest's exact bytes, its media type and the blobs it needs pushed first."""

    body: bytes
    media_type: str
    blobs: tuple[bytes, ...] = ()

    @property
    def digest(self) -> str:
        return digest(self.body)

    def descriptor(self, **extra: object) -> dict:
        return descriptor(self.media_type, self.body, **extra)


def image(
    layer_count: int = 1,
    *,
    annotations: dict[str, str] | None = None,
    subject: Manifest | None = None,
    artifact_type: str | None = None,
    config_media_type: str = CONFIG,
    config: bytes | None = None,
) -> Manifest:
    """An image manifest with fresh random layers (unique content per call)."""
    layers = [random_blob(256 + 64 * i) for i in range(layer_count)]
    config = config if config is not None else image_config(layers)
    document: dict = {"schemaVersion": 2, "mediaType": MANIFEST}
    if artifact_type:
        document["artifactType"] = artifact_type
    document["config"] = descriptor(config_media_type, config)
    document["layers"] = [descriptor(LAYER, layer) for layer in layers]
    if subject is not None:
        document["subject"] = subject.descriptor()
    if annotations:
        document["annotations"] = annotations
    return Manifest(json.dumps(document, indent=2).encode(), MANIFEST, (config, *layers))


def artifact(subject: Manifest, artifact_type: str | None, annotations: dict[str, str]) -> Manifest:
    """An artifact manifest referring to `subject`: an empty config and one small random layer."""
    return image(
        1,
        annotations=annotations,
        subject=subject,
        artifact_type=artifact_type,
        config_media_type=EMPTY,
        config=EMPTY_BLOB,
    )


def index(manifests: list[Manifest], *, subject: Manifest | None = None, **extra: object) -> Manifest:
    document: dict = {"schemaVersion": 2, "mediaType": INDEX, **extra}
    document["manifests"] = [m.descriptor() for m in manifests]
    if subject is not None:
        document["subject"] = subject.descriptor()
    return Manifest(json.dumps(document, indent=2).encode(), INDEX)
