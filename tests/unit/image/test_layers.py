"""Unit tests for :mod:`conformance.image.layers`: the reference applier and the pure model agree,
follow layer.md, and refuse unsafe members without writing outside the target."""

from __future__ import annotations

import io
import os
import random
import sys
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from conformance.core.errors import DataFileError
from conformance.image.generator import build_layer, write_layout
from conformance.image.layers import (
    LayerError,
    UnsafeMemberError,
    Whiteout,
    apply_layers,
    classify,
    expected_tree,
    plan_layer,
)
from conformance.image.tree import Tree, diff, snapshot
from conformance.image.vectors import COMPRESSIONS, parse_entry

IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="applying other owners needs root")


def xattrs_supported(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    probe = path / ".xattr-probe"
    probe.write_bytes(b"")
    try:
        os.setxattr(probe, "user.probe", b"1")
        return True
    except OSError:
        return False
    finally:
        probe.unlink()


def F(path: str, content: str = "", **extra: Any) -> dict[str, Any]:
    return {"path": path, "type": "file", "content": content, **extra}


def D(path: str, **extra: Any) -> dict[str, Any]:
    return {"path": path, "type": "dir", **extra}


def S(path: str, target: str) -> dict[str, Any]:
    return {"path": path, "type": "symlink", "target": target}


def H(path: str, target: str) -> dict[str, Any]:
    return {"path": path, "type": "hardlink", "target": target}


def W(path: str) -> dict[str, Any]:
    return {"path": path, "type": "whiteout"}


def O(path: str) -> dict[str, Any]:  # noqa: E743
    return {"path": path, "type": "opaque"}


def apply(tmp_path: Path, layers: Sequence[Sequence[dict]], compression: str = "none") -> Tree:
    """Apply the described layers for real and return the snapshot."""
    blobs = [build_layer(entries, compression).content for entries in layers]
    target = tmp_path / "rootfs"
    apply_layers(blobs, target)
    return snapshot(target, ownership=IS_ROOT)


def check(tmp_path: Path, layers: Sequence[Sequence[dict]], compression: str = "none") -> Tree:
    """Apply for real, compare with the model, and return the model's tree."""
    expected = expected_tree(layers)
    assert diff(expected, apply(tmp_path, layers, compression)) == []
    return expected


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "result"),
    [
        ("./etc/hello", ("entry", "etc/hello")),
        ("etc/", ("entry", "etc")),
        ("./", ("root", "")),
        ("a/.wh.b", ("whiteout", "a/b")),
        (".wh.top", ("whiteout", "top")),
        ("a/.wh..wh..opq", ("opaque", "a")),
        (".wh..wh..opq", ("opaque", "")),
    ],
)
def test_member_names_are_classified(name: str, result: tuple[str, str]) -> None:
    assert classify(name) == result


@pytest.mark.parametrize("name", ["/etc/escape", "../escape", "a/../../escape"])
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafeMemberError):
        classify(name)


@pytest.mark.parametrize("name", [".wh.", "a/.wh.", "a/.wh..", "a/.wh...", ".wh.x/y"])
def test_malformed_whiteouts_are_refused(name: str) -> None:
    with pytest.raises(LayerError, match="whiteout"):
        classify(name)


def test_duplicate_paths_in_one_layer_are_refused() -> None:
    with pytest.raises(LayerError, match="duplicate"):
        plan_layer(["a", "b", "./a/"])


class Lower:
    """A lower tree for Whiteout.hides: path -> kind."""

    def __init__(self, kinds: dict[str, str]) -> None:
        self.kinds = kinds

    def kind(self, path: str) -> str | None:
        return self.kinds.get(path)

    def children(self, path: str) -> list[str]:
        prefix = f"{path}/" if path else ""
        return [p[len(prefix) :] for p in self.kinds if p.startswith(prefix) and "/" not in p[len(prefix) :]]


LOWER = Lower({"a": "dir", "a/x": "file", "a/y": "dir", "a/y/z": "file", "f": "file", "l": "symlink"})


@pytest.mark.parametrize(
    ("whiteout", "hidden"),
    [
        (Whiteout("a/x"), ["a/x"]),
        (Whiteout("a/y"), ["a/y"]),
        (Whiteout("a/missing"), []),
        (Whiteout("f/x"), []),  # through a file: nothing there to hide
        (Whiteout("missing/x"), []),  # a whiteout never creates its parents
        (Whiteout("l"), ["l"]),  # the link itself, not what it points to
        (Whiteout("a", opaque=True), ["a/x", "a/y"]),
        (Whiteout("", opaque=True), ["a", "f", "l"]),
        (Whiteout("f", opaque=True), []),
        (Whiteout("missing", opaque=True), []),
    ],
)
def test_whiteout_decides_what_it_hides(whiteout: Whiteout, hidden: list[str]) -> None:
    assert whiteout.hides(LOWER, "layer 1") == hidden


@pytest.mark.parametrize("whiteout", [Whiteout("l/x"), Whiteout("l", opaque=True)])
def test_whiteout_through_a_symlink_is_refused(whiteout: Whiteout) -> None:
    with pytest.raises(UnsafeMemberError, match="symlink"):
        whiteout.hides(LOWER, "layer 1")


def test_plan_lists_the_whiteouts() -> None:
    plan = plan_layer(["a/.wh.x", "b", ".wh..wh..opq"])
    assert plan.deletions == [Whiteout("a/x"), Whiteout("", opaque=True)]


# --- layer.md semantics --------------------------------------------------------------------------


def test_single_layer_is_extracted_like_a_tar(tmp_path: Path) -> None:
    tree = check(tmp_path, [[D("etc"), F("etc/hello", "hi\n", mode=0o600), S("etc/link", "hello")]])
    assert tree["etc/hello"].mode == 0o600 and tree["etc/hello"].size == 3
    assert tree["etc/link"].target == "hello"


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_every_compression_applies(tmp_path: Path, compression: str) -> None:
    check(tmp_path, [[D("a"), F("a/f", "x" * 5000)], [W("a/f"), F("a/g", "y")]], compression)


def test_whiteout_removes_a_lower_file_and_a_lower_tree(tmp_path: Path) -> None:
    base = [F("file1", "1"), D("a"), F("a/file2", "2"), D("b"), F("b/deep", "d"), D("c"), F("c/file3", "3")]
    tree = check(tmp_path, [base, [W("file1"), W("a/.wh.file2"), W("b"), F("file4", "4")]])
    assert set(tree) == {"a", "c", "c/file3", "file4"}


def test_whiteouts_are_never_visible_and_create_nothing(tmp_path: Path) -> None:
    tree = check(tmp_path, [[F("f")], [W("missing"), W("x/y/z"), O("nowhere")]])
    assert set(tree) == {"f"}


@pytest.mark.parametrize("order", ["whiteout-first", "whiteout-last"])
def test_whiteout_does_not_hide_the_same_path_in_its_own_layer(tmp_path: Path, order: str) -> None:
    upper = [W("a/b"), F("a/b", "new")]
    if order == "whiteout-last":
        upper.reverse()
    tree = check(tmp_path, [[D("a"), F("a/b", "old"), F("a/c")], upper])
    assert tree["a/b"].size == 3 and "a/c" in tree


def test_whiteout_then_recreated_subtree_keeps_only_the_new_children(tmp_path: Path) -> None:
    tree = check(tmp_path, [[D("a"), D("a/b"), F("a/b/old")], [F("a/b/new"), W("a/b")]])
    assert set(tree) == {"a", "a/b", "a/b/new"}
    assert tree["a/b"].mode is None, "an implicit parent's attributes are unspecified"


def test_opaque_hides_all_lower_children(tmp_path: Path) -> None:
    base = [
        D("etc"),
        F("etc/my-app-config"),
        D("bin"),
        F("bin/my-app-binary"),
        D("bin/tools"),
        F("bin/tools/one"),
    ]
    tree = check(tmp_path, [base, [D("bin", mode=0o700), O("bin")]])
    assert set(tree) == {"etc", "etc/my-app-config", "bin"}
    assert tree["bin"].mode == 0o700


@pytest.mark.parametrize("opaque_last", [False, True])
def test_opaque_keeps_new_children_of_its_layer_whatever_the_order(tmp_path: Path, opaque_last: bool) -> None:
    """layer.md's a/b/c example: the opaque whiteout applies first, regardless of its position."""
    upper = [D("a"), O("a"), D("a/b"), D("a/b/c"), F("a/b/c/foo")]
    if opaque_last:
        upper = [*upper[:1], *upper[2:], upper[1]]
    tree = check(tmp_path, [[D("a"), D("a/b"), D("a/b/c"), F("a/b/c/bar"), F("a/x")], upper])
    assert set(tree) == {"a", "a/b", "a/b/c", "a/b/c/foo"}


def test_opaque_marker_alone_keeps_the_lower_directory(tmp_path: Path) -> None:
    tree = check(tmp_path, [[D("d", mode=0o750), F("d/f")], [O("d")]])
    assert set(tree) == {"d"} and tree["d"].mode == 0o750


def test_opaque_at_the_root(tmp_path: Path) -> None:
    tree = check(tmp_path, [[F("a"), D("b"), F("b/c")], [O("."), F("z")]])
    assert set(tree) == {"z"}


def test_opaque_in_a_lower_layer_does_not_hide_upper_children(tmp_path: Path) -> None:
    tree = check(tmp_path, [[D("d"), F("d/a")], [O("d"), F("d/b")], [F("d/c")]])
    assert set(tree) == {"d", "d/b", "d/c"}


def test_file_replaces_a_directory_tree(tmp_path: Path) -> None:
    tree = check(tmp_path, [[D("x"), D("x/y"), F("x/y/z")], [F("x", "now a file")]])
    assert set(tree) == {"x"} and tree["x"].type == "file"


def test_directory_replaces_a_file_and_a_symlink(tmp_path: Path) -> None:
    tree = check(tmp_path, [[F("x"), S("l", "x")], [D("x"), F("x/y"), D("l", mode=0o700)]])
    assert tree["x"].type == "dir" and tree["l"].type == "dir" and "x/y" in tree


def test_directory_over_directory_replaces_attributes_and_keeps_children(tmp_path: Path) -> None:
    tree = check(tmp_path, [[D("d", mode=0o755), F("d/keep")], [D("d", mode=0o2750)]])
    assert tree["d"].mode == 0o2750 and "d/keep" in tree


def test_symlink_is_replaced_not_followed(tmp_path: Path) -> None:
    sentinel = tmp_path / "sentinel"
    sentinel.write_text("untouched")
    tree = check(tmp_path, [[S("s", str(sentinel))], [F("s", "replaced")]])
    assert tree["s"].type == "file"
    assert sentinel.read_text() == "untouched"


def test_hard_links_within_a_layer_and_to_a_lower_layer(tmp_path: Path) -> None:
    layers = [
        [D("bin"), F("bin/busybox", "bb", mode=0o755), H("bin/ls", "bin/busybox")],
        [H("bin/cat", "bin/ls")],
    ]
    tree = check(tmp_path, layers)
    assert tree["bin/cat"].links == {"bin/busybox", "bin/ls"}
    assert tree["bin/cat"].mode == 0o755


def test_replacing_or_whiting_out_one_link_leaves_the_others(tmp_path: Path) -> None:
    layers = [[F("a", "shared"), H("b", "a"), H("c", "a")], [F("b", "own"), W("c")]]
    tree = check(tmp_path, layers)
    assert set(tree) == {"a", "b"}
    assert tree["a"].links == frozenset() and tree["a"].size == 6


def test_hard_link_to_a_symlink_links_the_symlink(tmp_path: Path) -> None:
    tree = check(tmp_path, [[S("s", "nowhere"), H("t", "s")]])
    assert tree["t"].type == "symlink" and tree["t"].links == {"s"}


@pytest.mark.parametrize(
    "layers",
    [
        [[H("a", "missing")]],
        [[D("d"), H("a", "d")]],
        [[H("a", "b"), F("b")]],
        [[F("a")], [W("a"), H("b", "a")]],
    ],
    ids=["missing", "directory", "later-in-layer", "whited-out"],
)
def test_bad_hard_links_are_refused_by_both(tmp_path: Path, layers: list) -> None:
    with pytest.raises(LayerError, match="hard link"):
        expected_tree(layers)
    with pytest.raises(LayerError, match="hard link"):
        apply(tmp_path, layers)


def test_special_mode_bits_survive(tmp_path: Path) -> None:
    layers = [
        [
            D("t", mode=0o1777),
            F("t/suid", "x", mode=0o4755),
            F("t/sgid", "x", mode=0o2755),
            D("ro", mode=0o555),
        ]
    ]
    layers[0].append(F("ro/inside", "x", mode=0o444))
    tree = check(tmp_path, layers)
    assert tree["t/suid"].mode == 0o4755 and tree["ro"].mode == 0o555
    (tmp_path / "rootfs" / "ro").chmod(0o755)  # let tmp_path clean-up remove it


@needs_root
def test_owners_are_applied(tmp_path: Path) -> None:
    layers = [[D("home", uid=1000, gid=1000), F("home/f", uid=1000, gid=100, mode=0o4750), S("home/l", "f")]]
    layers[0][2].update(uid=7, gid=8)
    tree = check(tmp_path, layers)
    assert (tree["home/f"].uid, tree["home/f"].gid) == (1000, 100)
    assert tree["home/f"].mode == 0o4750, "chown before chmod keeps the setuid bit"
    assert (tree["home/l"].uid, tree["home/l"].gid) == (7, 8)


def test_xattrs_are_applied(tmp_path: Path) -> None:
    if not xattrs_supported(tmp_path / "probe"):
        pytest.skip("this filesystem does not store user.* xattrs")
    layers = [[D("d", xattrs={"user.d": "1"}), F("d/f", "x", xattrs={"user.k": "v"})], [D("d")]]
    tree = check(tmp_path, layers)
    assert tree["d/f"].xattrs == {"user.k": b"v"}
    assert tree["d"].xattrs == {}, "a directory entry replaces the lower directory's xattrs"


def test_implicit_parents_are_created_with_unspecified_attributes(tmp_path: Path) -> None:
    tree = check(tmp_path, [[F("a/b/c", "x")]])
    assert tree["a"].type == "dir" and tree["a"].mode is None and tree["a"].uid is None


def test_parent_that_is_a_file_is_refused(tmp_path: Path) -> None:
    layers = [[F("a")], [F("a/b")]]
    with pytest.raises(LayerError, match="not a directory"):
        expected_tree(layers)
    with pytest.raises(LayerError, match="not a directory"):
        apply(tmp_path, layers)


def test_root_entry_is_ignored(tmp_path: Path) -> None:
    assert set(check(tmp_path, [[D(".", mode=0o700), F("f")]])) == {"f"}


def test_model_accepts_layer_specs_and_bare_entry_lists() -> None:
    as_mapping = expected_tree([{"compression": "zstd", "entries": [F("f", "x")]}])
    assert expected_tree([[F("f", "x")]]) == as_mapping
    with pytest.raises(DataFileError, match="type"):
        expected_tree([[{"path": "f", "type": "fiel"}]])


def test_target_must_be_empty(tmp_path: Path) -> None:
    (tmp_path / "rootfs").mkdir()
    (tmp_path / "rootfs" / "old").write_text("x")
    with pytest.raises(LayerError, match="not empty"):
        apply_layers([build_layer([F("f")], "none").content], tmp_path / "rootfs")


def test_zstd_layer_without_its_package_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = build_layer([F("f", "x")], "zstd").content
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(LayerError, match="pip install zstandard"):
        apply_layers([blob], tmp_path / "rootfs")


def test_truncated_layer_is_a_layer_error(tmp_path: Path) -> None:
    blob = build_layer([F("f", "x" * 100_000)], "gzip").content
    assert isinstance(blob, bytes)
    with pytest.raises(LayerError, match="cannot read"):
        apply_layers([blob[: len(blob) // 2]], tmp_path / "rootfs")


# --- model and applier agree on generated cases ----------------------------------------------------

PATHS = ["a", "a/b", "a/b/c", "a/d", "e", "e/f", "g"]
FILE_MODES = [0o644, 0o600, 0o755, 0o4755, 0o2750, 0o444]
DIR_MODES = [0o755, 0o700, 0o750, 0o1777, 0o2755]


def random_entry(rng: random.Random, with_xattrs: bool) -> dict[str, Any]:
    path = rng.choice(PATHS)
    kind = rng.choice(["file", "file", "file", "dir", "dir", "symlink", "hardlink", "whiteout", "opaque"])
    entry: dict[str, Any] = {"path": path, "type": kind}
    if kind in ("file", "dir", "symlink") and IS_ROOT:
        entry.update(uid=rng.choice([0, 1000]), gid=rng.choice([0, 100]))
    if kind == "file":
        entry.update(content=rng.choice(["", "x", "hello\n"]), mode=rng.choice(FILE_MODES))
    elif kind == "dir":
        entry["mode"] = rng.choice(DIR_MODES)
    elif kind in ("symlink", "hardlink"):
        entry["target"] = rng.choice([*PATHS, "/etc"] if kind == "symlink" else PATHS)
    if with_xattrs and kind in ("file", "dir") and rng.random() < 0.3:
        entry["xattrs"] = {"user.t": rng.choice(["1", "2"])}
    return entry


def random_layers(rng: random.Random, with_xattrs: bool) -> list[dict[str, Any]]:
    layers = []
    for _ in range(rng.randint(1, 4)):
        entries, names = [], set()
        for _ in range(rng.randint(1, 7)):
            entry = random_entry(rng, with_xattrs)
            name = parse_entry(entry).member_name
            if name not in names:
                names.add(name)
                entries.append(entry)
        layers.append({"compression": rng.choice(COMPRESSIONS), "entries": entries})
    return layers


def outcome(action: Any) -> tuple[str, Any]:
    try:
        return "ok", action()
    except LayerError as exc:
        return type(exc).__name__, None


def test_model_agrees_with_the_applier_on_generated_cases(tmp_path: Path) -> None:
    with_xattrs = xattrs_supported(tmp_path / "probe")
    rng = random.Random(20240601)
    kinds = set()
    for case in range(150):
        layers = random_layers(rng, with_xattrs)
        blobs = [build_layer(layer["entries"], layer["compression"]).content for layer in layers]
        target = tmp_path / f"case{case}"
        model = outcome(lambda layers=layers: expected_tree(layers))
        real = outcome(lambda blobs=blobs, target=target: apply_layers(blobs, target))
        assert model[0] == real[0], f"case {case}: {layers}"
        kinds.add(model[0])
        if model[0] == "ok":
            problems = diff(model[1], snapshot(target, ownership=IS_ROOT))
            assert problems == [], f"case {case}: {layers}"
        for path in target.rglob("*"):  # let the clean-up enter read-only directories
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
    assert kinds == {"ok", "LayerError", "UnsafeMemberError"}, "the generated cases cover refusals too"


# --- unsafe members --------------------------------------------------------------------------------


def raw_layer(*members: tuple[str, bytes, str, bytes | None]) -> bytes:
    """A tar of raw members: (name, type, linkname, data)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, linkname, data in members:
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.size = kind, linkname, len(data or b"")
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def listing(root: Path, skip: Path) -> dict[str, bytes | None]:
    return {
        str(p): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
        for p in root.rglob("*")
        if skip not in p.parents and p != skip
    }


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[Path, Path]:
    """(outer, target): target is outer/a/b/target, with a sentinel beside it, so that the
    '../../..' of the symlink escape lands inside outer where the test can see it."""
    outer = tmp_path / "outer"
    (outer / "a" / "b").mkdir(parents=True)
    (outer / "a" / "b" / "sentinel").write_text("sentinel\n")
    return outer, outer / "a" / "b" / "target"


REG, SYM, LNK = tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
UNSAFE = {
    "absolute": [("/etc/escape-conformance-test", REG, "", b"x")],
    "dotdot": [("../sentinel", REG, "", b"overwritten")],
    "nested-dotdot": [("d/../../sentinel", REG, "", b"overwritten")],
    "symlink-escape": [("escape-link", SYM, "../../..", None), ("escape-link/escape", REG, "", b"x")],
    "symlink-absolute": [("abs", SYM, "/", None), ("abs/tmp/escape", REG, "", b"x")],
    "symlink-to-sentinel-dir": [("up", SYM, "..", None), ("up/sentinel", REG, "", b"overwritten")],
    "hardlink-dotdot": [("passwd-link", LNK, "../../../../../../../../etc/passwd", None)],
    "hardlink-absolute": [("passwd-link", LNK, "/etc/passwd", None)],
    "hardlink-through-symlink": [("up", SYM, "..", None), ("l", LNK, "up/sentinel", None)],
}
#: Whiteouts apply to lower layers only, so their symlink must come from a lower layer.
UNSAFE_LOWER = {
    "whiteout-through-symlink": ([("up", SYM, "..", None)], [("up/.wh.sentinel", REG, "", b"")]),
    "opaque-through-symlink": ([("up", SYM, "..", None)], [("up/.wh..wh..opq", REG, "", b"")]),
    "file-through-lower-symlink": ([("up", SYM, "..", None)], [("up/sentinel", REG, "", b"overwritten")]),
}


@pytest.mark.parametrize("case", sorted(UNSAFE) + sorted(UNSAFE_LOWER))
def test_unsafe_members_are_refused_and_nothing_outside_changes(
    sandbox: tuple[Path, Path], case: str
) -> None:
    outer, target = sandbox
    before = listing(outer, target)
    layers = UNSAFE_LOWER.get(case) or ([("ok", REG, "", b"fine")], UNSAFE[case])
    with pytest.raises(UnsafeMemberError):
        apply_layers([raw_layer(*members) for members in layers], target)
    assert listing(outer, target) == before
    assert not Path("/etc/escape-conformance-test").exists()


def test_a_refused_layer_writes_none_of_its_members(sandbox: tuple[Path, Path]) -> None:
    """Names are checked for the whole layer before its first member is applied."""
    _, target = sandbox
    with pytest.raises(UnsafeMemberError):
        apply_layers([raw_layer(("early", REG, "", b"x"), ("../late", REG, "", b"x"))], target)
    assert not (target / "early").exists()


@pytest.mark.parametrize(
    "fault", ["unsafe-absolute", "unsafe-dotdot", "unsafe-symlink-escape", "unsafe-hardlink-escape"]
)
def test_generator_unsafe_faults_are_refused(sandbox: tuple[Path, Path], tmp_path: Path, fault: str) -> None:
    outer, target = sandbox
    info = write_layout({"layers": [{"entries": [F("ok", "x")]}], "faults": [fault]}, tmp_path / "layout")
    before = listing(outer, target)
    with pytest.raises(UnsafeMemberError):
        apply_layers([layer.path for layer in info.layers], target)
    assert listing(outer, target) == before
    assert not Path("/etc/escape").exists()


@pytest.mark.parametrize(
    ("fault", "match"), [("malformed-whiteout", "whiteout"), ("duplicate-path", "duplicate")]
)
def test_generator_malformed_faults_are_refused(tmp_path: Path, fault: str, match: str) -> None:
    info = write_layout({"layers": [{"entries": [F("ok", "x")]}], "faults": [fault]}, tmp_path / "layout")
    with pytest.raises(LayerError, match=match):
        apply_layers([layer.path for layer in info.layers], tmp_path / "rootfs")


def test_symlinked_parent_inside_the_root_is_refused_too(tmp_path: Path) -> None:
    """Tools differ (some resolve in the root, some outside): the reference does not guess."""
    layers = [[D("real"), S("l", "real")], [F("l/x")]]
    with pytest.raises(UnsafeMemberError, match="symlink"):
        expected_tree(layers)
    with pytest.raises(UnsafeMemberError, match="symlink"):
        apply(tmp_path, layers)
