#!/usr/bin/env python3
"""A deliberately broken image tool: wraps umoci (consumer) or skopeo (copier) and breaks one thing.

    broken.py MODE unpack LAYOUT:REF BUNDLE
    broken.py MODE copy oci:SRC:REF oci:DST:REF

Modes:
  accepts-everything   a failed unpack/copy is reported as success (exit 0)
  half-writes          a failed unpack leaves bundle/config.json; a failed copy writes the ref
                       into the destination's index.json; both still exit 1
  copies-files         copy is a plain copy of the source directory, nothing is verified
  reserializes         copy re-serializes the ref's manifest (sorted keys), so its digest changes
  refuses-everything   every unpack/copy exits 1 without reading the layout
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

TIMEOUT = 60
REF_NAME = "org.opencontainers.image.ref.name"


def _real(verb: str, args: list[str]) -> int:
    if verb == "unpack":
        argv = ["umoci", "unpack", "--image", *args]
    else:
        argv = ["skopeo", "--insecure-policy", "copy", "--quiet", "--preserve-digests", *args]
    return subprocess.run(argv, timeout=TIMEOUT, check=False).returncode


def _layout(reference: str) -> tuple[Path, str]:
    _, path, ref = reference.split(":", 2)
    return Path(path), ref


def _index(layout: Path) -> dict:
    return json.loads((layout / "index.json").read_bytes())


def _reserialize(destination: Path, ref: str) -> None:
    index = _index(destination)
    for descriptor in index["manifests"]:
        algorithm, encoded = descriptor["digest"].split(":", 1)
        data = json.dumps(json.loads((destination / "blobs" / algorithm / encoded).read_bytes()), indent=1)
        digest = hashlib.sha256(data.encode()).hexdigest()
        (destination / "blobs" / "sha256" / digest).write_text(data)
        descriptor.update(digest=f"sha256:{digest}", size=len(data.encode()))
    (destination / "index.json").write_text(json.dumps(index))


def main(mode: str, verb: str, args: list[str]) -> int:
    if mode == "refuses-everything":
        print(f"broken: refusing to {verb}", file=sys.stderr)
        return 1
    if verb == "copy" and mode in ("copies-files", "reserializes"):
        (source, _), (destination, ref) = _layout(args[0]), _layout(args[1])
        shutil.copytree(source, destination)
        if mode == "reserializes":
            _reserialize(destination, ref)
        return 0
    code = _real(verb, args)
    if code == 0 or mode != "half-writes":
        return 0 if mode == "accepts-everything" else code
    if verb == "unpack":
        bundle = Path(args[1])
        bundle.mkdir(parents=True, exist_ok=True)
        (bundle / "config.json").write_text("{}")
    else:
        destination, ref = _layout(args[1])
        destination.mkdir(parents=True, exist_ok=True)
        claim = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + "0" * 64,
                 "size": 2, "annotations": {REF_NAME: ref}}  # fmt: skip
        (destination / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [claim]}))
    return code


if __name__ == "__main__":
    if sys.argv[1:] == ["--version"]:
        print("broken version 0.0.1")
        sys.exit(0)
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
