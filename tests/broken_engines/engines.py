"""In-process engines over the distribution API: a correct one and deliberately broken ones."""

from __future__ import annotations

import hashlib
import json
import tarfile
import urllib.request
from pathlib import Path

from conformance.engine.base import Converted, Outcome, Ran
from conformance.image.layers import apply_layers, open_uncompressed


class ReferenceEngine:
    """Pulls with digest and size checks and applies layers with the suite's reference applier."""

    name = "reference"
    path = "<in-process>"
    version = "0"
    version_output = "reference engine"
    storage: tuple[Path, ...] = ()
    reads_runtime_config = False
    verify = True

    def __init__(self) -> None:
        self.layers: dict[str, list[bytes]] = {}

    def notes(self) -> list[str]:
        return []

    def start(self) -> None:
        pass

    def _get(self, url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read()

    def _verified(self, data: bytes, descriptor: dict) -> bytes:
        if self.verify:
            if len(data) != descriptor["size"]:
                raise ValueError(f"size {len(data)} != {descriptor['size']}")
            if "sha256:" + hashlib.sha256(data).hexdigest() != descriptor["digest"]:
                raise ValueError(f"digest mismatch for {descriptor['digest']}")
        return data

    def pull(self, reference: str) -> Outcome:
        address, rest = reference.split("/", 1)
        name, tag = rest.rsplit(":", 1)
        base = f"http://{address}/v2/{name}"
        try:
            manifest = json.loads(self._get(f"{base}/manifests/{tag}"))
            config = self._verified(
                self._get(f"{base}/blobs/{manifest['config']['digest']}"), manifest["config"]
            )
            blobs = [self._layer(base, d) for d in manifest["layers"]]
            if self.verify:
                for blob, diff_id in zip(blobs, json.loads(config)["rootfs"]["diff_ids"], strict=True):
                    with open_uncompressed(blob) as stream:
                        if "sha256:" + hashlib.sha256(stream.read()).hexdigest() != diff_id:
                            raise ValueError("diff_id mismatch")
        except Exception as exc:
            return Outcome(False, str(exc))
        self.layers[reference] = blobs
        return Outcome(True)

    def _layer(self, base: str, descriptor: dict) -> bytes:
        return self._verified(self._get(f"{base}/blobs/{descriptor['digest']}"), descriptor)

    def remove_image(self, reference: str) -> None:
        self.layers.pop(reference, None)

    def load_archive(self, archive: Path, archive_format: str, reference: str) -> Outcome:
        raise NotImplementedError

    def has_image(self, reference: str) -> bool:
        return reference in self.layers

    def export_rootfs(self, reference: str, target: Path) -> Outcome:
        apply_layers(self.layers[reference], target)
        return Outcome(True)

    def runtime_config(self, reference: str) -> Converted:
        raise NotImplementedError

    run_options: frozenset[str] = frozenset()

    def run_command(self, reference: str, argv: list[str], options: dict) -> Ran:
        raise NotImplementedError

    def close(self) -> list[str]:
        return []


class NoVerifyEngine(ReferenceEngine):
    """Accepts whatever the registry serves: no digest, size or diff_id checks."""

    name = "no-verify"
    verify = False


class TagsOnFailureEngine(ReferenceEngine):
    """Refuses broken images, but tags what it fetched under the reference before verifying it."""

    name = "tags-on-failure"

    def pull(self, reference: str) -> Outcome:
        outcome = super().pull(reference)
        self.layers.setdefault(reference, [])
        return outcome


class NaiveUnpackEngine(ReferenceEngine):
    """Extracts every layer as a plain tar: whiteout files stay, and hide nothing."""

    name = "naive-unpack"

    def export_rootfs(self, reference: str, target: Path) -> Outcome:
        target.mkdir(parents=True, exist_ok=True)
        for blob in self.layers[reference]:
            with open_uncompressed(blob) as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
                tar.extractall(target, numeric_owner=True, filter="fully_trusted")
        return Outcome(True)


class LayerStoreEngine(ReferenceEngine):
    """Correct, and like real engines keeps every layer it verified by digest: a layer it holds
    is not fetched again (so a fault in a known layer's bytes is never seen)."""

    name = "layer-store"

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[str, bytes] = {}

    def _layer(self, base: str, descriptor: dict) -> bytes:
        if descriptor["digest"] not in self.store:
            self.store[descriptor["digest"]] = super()._layer(base, descriptor)
        return self.store[descriptor["digest"]]
