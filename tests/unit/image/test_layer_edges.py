"""The layer edge cases of suites/image/matrices/consumer.yaml, held against the reference itself.

Every case the suite expects a consumer to apply is applied by the reference applier to the same
tree the model gives; every case of members the spec forbids is refused by both, and the
reference applier refuses before touching the sentinel the unsafe members aim at.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from conformance.core.datafile import load_yaml
from conformance.core.errors import DataFileError
from conformance.image.generator import build_layer
from conformance.image.layers import LayerError, apply_layers, expected_tree, iter_members
from conformance.image.tree import diff, snapshot
from conformance.image.vectors import has_raw, parse_entry, without_raw

MATRIX = Path(__file__).resolve().parents[3] / "suites" / "image" / "matrices" / "consumer.yaml"
CASES = load_yaml(MATRIX)["cases"]
APPLIED = [c for c in CASES if c.get("outcome", "applied") == "applied"]
FORBIDDEN = [c for c in CASES if c.get("outcome") == "refused-or-ignored"]
IS_ROOT = os.geteuid() == 0


def _blobs(layers: list) -> list[bytes]:
    return [build_layer(layer["entries"], layer.get("compression", "gzip")).content for layer in layers]


def _needs_root(case: dict) -> bool:
    entries = [e for layer in case["layers"] for e in layer["entries"]]
    return any(e["type"] in ("char", "block") or e.get("uid") or e.get("gid") for e in entries)


@pytest.mark.parametrize("case", APPLIED, ids=[c["id"] for c in APPLIED])
def test_reference_applier_agrees_with_the_model(tmp_path: Path, case: dict) -> None:
    if case["id"] == "zstd-layer":
        pytest.importorskip("zstandard")
    if _needs_root(case) and not IS_ROOT:
        pytest.skip("device nodes and other owners need root")
    target = tmp_path / "rootfs"
    apply_layers(_blobs(case["layers"]), target)
    assert diff(expected_tree(case["layers"]), snapshot(target, ownership=IS_ROOT)) == []


@pytest.mark.parametrize("case", FORBIDDEN, ids=[c["id"] for c in FORBIDDEN])
def test_forbidden_shapes_are_refused_by_the_reference(tmp_path: Path, case: dict) -> None:
    """Model and applier refuse; the applier leaves the sentinel the members aim at in place."""
    assert has_raw(case["layers"]), "a refused-or-ignored case names its forbidden members as raw entries"
    with pytest.raises(LayerError):
        expected_tree(case["layers"])
    expected_tree(without_raw(case["layers"]))  # the rest of the case is valid
    parent = tmp_path / "parent"
    rootfs = parent / "work" / "bundle" / "rootfs"
    rootfs.parent.mkdir(parents=True)
    (parent / "sentinel").write_text("sentinel\n")
    with pytest.raises(LayerError):
        apply_layers(_blobs(case["layers"]), rootfs)
    assert (parent / "sentinel").read_text() == "sentinel\n"
    assert sorted(p.name for p in parent.iterdir()) == ["sentinel", "work"]


def test_raw_entries_are_written_exactly_as_named() -> None:
    entries = [
        {"path": "../../../.wh.sentinel", "type": "raw"},
        {"path": ".wh.dir", "type": "raw", "kind": "dir"},
        {"path": "x/link", "type": "raw", "kind": "hardlink", "target": "../victim"},
        {"path": ".wh.one", "type": "raw", "content": "not empty\n"},
    ]
    members = [(m.name, m.type, m.linkname, m.size) for _, m in iter_members(build_layer(entries).content)]
    assert members == [
        ("../../../.wh.sentinel", tarfile.REGTYPE, "", 0),
        (".wh.dir", tarfile.DIRTYPE, "", 0),
        ("x/link", tarfile.LNKTYPE, "../victim", 0),
        (".wh.one", tarfile.REGTYPE, "", 10),
    ]


def test_special_files_and_zero_fill_become_the_members_they_claim() -> None:
    entries = [
        {"path": "p", "type": "fifo", "mode": 0o620},
        {"path": "c", "type": "char", "major": 1, "minor": 3},
        {"path": "b", "type": "block", "major": 7, "minor": 200},
        {"path": "z", "type": "file", "size": 3 << 20, "fill": "zero"},
    ]
    seen = {}
    for tar, member in iter_members(build_layer(entries).content):
        data = tar.extractfile(member).read() if member.isreg() else None
        seen[member.name] = (member.type, member.devmajor, member.devminor, data)
    assert seen["p"][0] == tarfile.FIFOTYPE
    assert seen["c"][:3] == (tarfile.CHRTYPE, 1, 3)
    assert seen["b"][:3] == (tarfile.BLKTYPE, 7, 200)
    assert seen["z"][3] == bytes(3 << 20)
    model = expected_tree([entries])
    assert model["c"].rdev == (1, 3) and model["p"].type == "fifo"
    assert model["z"].sha256 == parse_entry(entries[3]).content_sha256()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"path": "x", "type": "raw", "kind": "socket"}, "kind 'socket'"),
        ({"path": "x", "type": "raw", "kind": "symlink"}, "needs a target"),
        ({"path": "x", "type": "raw", "target": "y"}, "needs a target"),
        ({"path": "", "type": "raw"}, "non-empty"),
        ({"path": "f", "type": "file", "size": 1, "fill": "ones"}, "fill must be"),
        ({"path": "f", "type": "file", "content": "x", "fill": "zero"}, "not both"),
        ({"path": "d", "type": "char", "major": -1}, "major"),
    ],
)
def test_bad_new_entries_are_clear_errors(entry: dict, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        parse_entry(entry)
