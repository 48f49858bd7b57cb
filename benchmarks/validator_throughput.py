"""Throughput of `oci-conformance validate` next to plain hashlib over the same blobs.

Builds a layout of a few large layers of incompressible data in a temporary directory (removed
afterwards), then in one run times: sha256 of every blob file (the floor any validator pays),
validate_layout, and `oci-image-tool validate --type imageLayout` when it is on PATH. Each is
run twice and the faster run is kept, so both read from a warm page cache. Usage:

    .venv/bin/python benchmarks/validator_throughput.py [--size-gib 1] [--layers 4] [--compression none]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from conformance.image import mediatypes as mt
from conformance.image.digest import CHUNK, hash_file
from conformance.image.validator import validate_layout

POOL = 16 << 20


class _Filler:
    """`size` bytes of random-looking data, served from a shared pool of os.urandom bytes."""

    def __init__(self, pool: bytes, size: int, seed: int) -> None:
        self._pool = memoryview(pool)
        self._left = size
        self._at = (seed * 7919 * 4096) % len(pool)

    def read(self, n: int = -1) -> bytes:
        n = min(self._left if n < 0 else n, self._left, CHUNK)
        if self._at + n > len(self._pool):
            self._at = 0
        data = self._pool[self._at : self._at + n].tobytes()
        self._at += n
        self._left -= n
        return data


def _store(root: Path, path: Path) -> tuple[str, int]:
    digest, size = hash_file(path)
    path.rename(root / "blobs" / "sha256" / digest.split(":")[1])
    return digest, size


def _store_json(root: Path, doc: object) -> dict[str, object]:
    data = json.dumps(doc, separators=(",", ":")).encode()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256" / digest.split(":")[1]).write_bytes(data)
    return {"digest": digest, "size": len(data)}


def build_layout(root: Path, total: int, layers: int, compression: str) -> int:
    """Write the layout; returns the number of blob bytes."""
    (root / "blobs" / "sha256").mkdir(parents=True)
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    pool = os.urandom(POOL)
    descriptors, diff_ids = [], []
    for index in range(layers):
        tar_path = root / f"layer{index}.tar"
        with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as archive:
            for part in range(4):
                info = tarfile.TarInfo(f"data/layer{index}/file{part}")
                info.size = total // layers // 4
                archive.addfile(info, _Filler(pool, info.size, index * 4 + part))  # type: ignore[arg-type]
        diff_ids.append(hash_file(tar_path)[0])
        if compression == "gzip":
            with open(tar_path, "rb") as source, gzip.open(f"{tar_path}.gz", "wb", compresslevel=1) as target:
                shutil.copyfileobj(source, target, CHUNK)
            tar_path.unlink()
            tar_path = Path(f"{tar_path}.gz")
        digest, size = _store(root, tar_path)
        media_type = mt.LAYER_GZIP if compression == "gzip" else mt.LAYER_TAR
        descriptors.append({"mediaType": media_type, "digest": digest, "size": size})
    config = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.MANIFEST,
        "config": {"mediaType": mt.CONFIG, **_store_json(root, config)},
        "layers": descriptors,
    }
    entry = {"mediaType": mt.MANIFEST, **_store_json(root, manifest)}
    (root / "index.json").write_text(
        json.dumps({"schemaVersion": 2, "mediaType": mt.INDEX, "manifests": [entry]})
    )
    return sum(p.stat().st_size for p in (root / "blobs" / "sha256").iterdir())


def best_of(runs: int, action: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def hash_all(root: Path) -> int:
    return sum(hash_file(p)[1] for p in sorted((root / "blobs" / "sha256").iterdir()))


def oci_image_tool(root: Path) -> float | str:
    tool = shutil.which("oci-image-tool")
    if tool is None:
        return "not installed"
    seconds, result = best_of(
        2, lambda: subprocess.run([tool, "validate", "--type", "imageLayout", str(root)])
    )
    code = result.returncode  # type: ignore[attr-defined]
    return seconds if code == 0 else f"failed (exit {code})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-gib", type=float, default=1.0, help="total layer size in GiB (1)")
    parser.add_argument("--layers", type=int, default=4, help="number of layers (4)")
    parser.add_argument(
        "--compression", choices=["none", "gzip"], default="none", help="layer compression (none)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="oci-validator-bench-") as work:
        root = Path(work) / "layout"
        print(
            f"building {args.size_gib:g} GiB in {args.layers} {args.compression} layers ...", file=sys.stderr
        )
        blob_bytes = build_layout(root, int(args.size_gib * (1 << 30)), args.layers, args.compression)
        hash_seconds, _ = best_of(2, lambda: hash_all(root))
        validate_seconds, report = best_of(2, lambda: validate_layout(root))
        if not report.ok:  # type: ignore[attr-defined]
            print("the benchmark layout is invalid:", report.to_json(), file=sys.stderr)  # type: ignore[attr-defined]
            return 1
        tool = oci_image_tool(root)
    rows: list[tuple[str, float | str]] = [
        ("hashlib sha256 (read + hash)", hash_seconds),
        ("oci-conformance validate", validate_seconds),
        ("oci-image-tool validate", tool),
    ]
    print(
        f"{blob_bytes / 1e6:.0f} MB of blobs, {args.layers} {args.compression} layers, CPUs: {os.cpu_count()}"
    )
    print(f"{'':32} {'seconds':>8} {'MB/s':>8} {'vs hashlib':>11}")
    for name, seconds in rows:
        if isinstance(seconds, str):
            print(f"{name:32} {seconds}")
        else:
            print(
                f"{name:32} {seconds:8.2f} {blob_bytes / seconds / 1e6:8.0f} {hash_seconds / seconds:10.2f}x"
            )
    print(f"validator: {report.blobs_verified} blobs verified, {report.bytes_hashed / 1e6:.0f} MB hashed")  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
