"""What a role's outcome on a broken layout must look like: a clean refusal or a faithful result.

A refusal exits non-zero and leaves nothing that claims success: no runtime config.json in a
consumer's bundle, no descriptor of the ref in a copier's destination index.json. A preserved
result exits 0: a copier's destination holds the ref's manifest under the same digest and every
blob reachable from it byte for byte; a consumer's rootfs is the reference tree.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.core.asserts import check, check_equal
from conformance.core.result import CommandResult
from conformance.image.generator import blob_path
from conformance.image.layers import expected_tree
from conformance.image.tree import diff, snapshot

REF_NAME = "org.opencontainers.image.ref.name"
#: Media types whose blobs are JSON documents holding further descriptors.
GRAPH_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json")


def fingerprint(root: Path) -> dict[str, str]:
    """relative path -> content hash (or link target) of everything under `root`."""
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                found[key] = "-> " + os.readlink(path)
            elif path.is_file():
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[key] = "dir"
    return found


def source_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """How the source layout differs from its fingerprint before the tool ran."""
    return [
        f"{'created' if key not in before else 'deleted' if key not in after else 'modified'} {key}"
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]


def ref_descriptors(layout: Path, ref: str) -> list[dict[str, Any]]:
    """The descriptors of index.json named `ref` ([] when there is no readable index.json)."""
    try:
        index = json.loads((layout / "index.json").read_bytes())
    except (OSError, ValueError):
        return []
    manifests = index.get("manifests") if isinstance(index, dict) else None
    return [
        d
        for d in manifests or []
        if isinstance(d, dict) and (d.get("annotations") or {}).get(REF_NAME) == ref
    ]


def claims_of_success(role: str, target: Path, ref: str) -> list[str]:
    """What a refusing role left that looks like success."""
    if role == "consumer":
        config = target / "config.json"
        return [f"{config} (a bundle's runtime config)"] if config.exists() else []
    return [f"{target}/index.json names ref {ref!r}: {d.get('digest')}" for d in ref_descriptors(target, ref)]


def check_refused(
    rids: Sequence[str], role: str, result: CommandResult, target: Path, ref: str, fault: str
) -> None:
    check(
        rids,
        result.refused,
        f"the {role} refuses a layout with fault {fault}",
        "non-zero exit",
        result.describe(),
    )
    check_equal(
        rids, f"what the refusing {role} left claiming success", [], claims_of_success(role, target, ref)
    )


def _reachable(layout: Path, descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """`descriptor` and every descriptor reachable from it through indexes and manifests."""
    found, pending, seen = [], [descriptor], set()
    while pending:
        current = pending.pop(0)
        digest = str(current.get("digest"))
        if digest in seen:
            continue
        seen.add(digest)
        found.append(current)
        if current.get("mediaType") not in GRAPH_TYPES:
            continue
        try:
            document = json.loads(blob_path(layout, digest).read_bytes())
        except (OSError, ValueError):
            continue
        children = [
            document.get("config"),
            *(document.get("layers") or []),
            *(document.get("manifests") or []),
        ]
        pending += [c for c in children if isinstance(c, dict)]
    return found


def copy_differences(source: Path, destination: Path, ref: str) -> list[str]:
    """How the copy of `ref` differs from the source: the ref's digest and every reachable blob's bytes."""
    wanted = ref_descriptors(source, ref)
    copied = ref_descriptors(destination, ref)
    if [d.get("digest") for d in copied] != [d.get("digest") for d in wanted[:1]]:
        names = [d.get("digest") for d in copied]
        return [f"ref {ref!r} names {names} in the copy, {wanted[0].get('digest')} in the source"]
    problems = []
    for descriptor in _reachable(source, wanted[0]):
        digest = str(descriptor["digest"])
        original, copy = blob_path(source, digest), blob_path(destination, digest)
        if not copy.is_file():
            problems.append(f"{digest}: not in the copy")
        elif copy.read_bytes() != original.read_bytes():
            problems.append(f"{digest}: other bytes in the copy")
    return problems


def check_preserved(
    rids: Sequence[str], role: str, result: CommandResult, source: Path, target: Path, ref: str, layers: list
) -> None:
    check(rids, result.ok, f"the {role} accepts the layout", "exit 0", result.describe())
    if role == "copier":
        check_equal(
            rids, "differences between the copy and the source", [], copy_differences(source, target, ref)
        )
        return
    check(
        rids, (target / "config.json").is_file(), "the bundle has a runtime config.json", "a file", "missing"
    )
    differences = diff(expected_tree(layers), snapshot(target / "rootfs"))
    check_equal(
        rids, "differences between the unpacked rootfs and the reference application", [], differences
    )
