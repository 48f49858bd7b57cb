"""Unit tests for :mod:`conformance.image.tree`: snapshots by lstat and readable differences."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from conformance.image.tree import Node, diff, format_mode, link_groups, snapshot

IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="ownership other than our own needs root")


def xattrs_supported(path: Path) -> bool:
    probe = path / ".xattr-probe"
    probe.write_bytes(b"")
    try:
        os.setxattr(probe, "user.probe", b"1")
        return True
    except OSError:
        return False
    finally:
        probe.unlink()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    return root


def test_records_types_modes_content_and_targets(root: Path) -> None:
    (root / "dir").mkdir(mode=0o755)
    (root / "dir").chmod(0o1777)
    (root / "dir" / "file").write_bytes(b"hello\n")
    (root / "dir" / "file").chmod(0o4755)
    (root / "link").symlink_to("dir/file")
    os.mkfifo(root / "fifo")
    tree = snapshot(root)
    assert set(tree) == {"dir", "dir/file", "link", "fifo"}
    assert tree["dir"].type == "dir" and tree["dir"].mode == 0o1777
    assert tree["dir/file"] == Node(
        "file",
        0o4755,
        os.getuid(),
        os.getgid(),
        6,
        hashlib.sha256(b"hello\n").hexdigest(),
        xattrs=tree["dir/file"].xattrs,
        mtime=int(os.lstat(root / "dir" / "file").st_mtime),
    )
    assert tree["dir"].mtime is None, "directory mtimes are not recorded"
    assert tree["link"].type == "symlink" and tree["link"].target == "dir/file"
    assert tree["link"].size is None and tree["link"].sha256 is None
    assert tree["fifo"].type == "fifo"


def test_never_follows_symlinks_out_of_the_root(tmp_path: Path, root: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("x")
    (root / "escape").symlink_to(outside)
    (root / "abs").symlink_to("/etc")
    tree = snapshot(root)
    assert set(tree) == {"escape", "abs"}
    assert tree["escape"].target == str(outside)


def test_ownership_can_be_left_out(root: Path) -> None:
    (root / "f").write_text("x")
    assert snapshot(root)["f"].uid == os.getuid()
    node = snapshot(root, ownership=False)["f"]
    assert node.uid is None and node.gid is None


@needs_root
def test_records_foreign_owners(root: Path) -> None:
    (root / "f").write_text("x")
    os.chown(root / "f", 1234, 5678)
    node = snapshot(root)["f"]
    assert (node.uid, node.gid) == (1234, 5678)


def test_hard_links_are_grouped(root: Path) -> None:
    (root / "bin").mkdir()
    (root / "bin" / "busybox").write_text("bb")
    os.link(root / "bin" / "busybox", root / "bin" / "ls")
    os.link(root / "bin" / "busybox", root / "cat")
    (root / "alone").write_text("bb")
    tree = snapshot(root)
    assert tree["bin/ls"].links == {"bin/busybox", "cat"}
    assert tree["bin/busybox"].links == {"bin/ls", "cat"}
    assert tree["alone"].links == frozenset()


def test_xattrs_are_read_when_supported(root: Path) -> None:
    if not xattrs_supported(root):
        pytest.skip("this filesystem does not store user.* xattrs")
    (root / "f").write_text("x")
    os.setxattr(root / "f", "user.k", b"v")
    assert snapshot(root)["f"].xattrs["user.k"] == b"v"
    assert snapshot(root, xattrs=False)["f"].xattrs is None


def test_identical_trees_have_no_difference(root: Path) -> None:
    (root / "d").mkdir()
    (root / "d" / "f").write_text("x")
    assert diff(snapshot(root), snapshot(root)) == []


def test_missing_and_extra_fold_their_subtrees() -> None:
    expected = {"a": Node("dir"), "a/b": Node("file"), "a/c": Node("file"), "x": Node("file")}
    actual = {"x": Node("file"), "y": Node("dir"), "y/z": Node("file")}
    assert diff(expected, actual) == [
        "missing a (dir) (and 2 entries below it)",
        "extra y (dir) (and 1 entries below it)",
    ]


def test_messages_name_the_path_and_both_values() -> None:
    expected = {
        "d": Node("dir", 0o755, 0, 0),
        "f": Node("file", 0o644, 0, 0, 3, "a" * 64),
        "g": Node("file", 0o644, 0, 0, 3, "a" * 64),
        "l": Node("symlink", 0o777, target="busybox"),
        "t": Node("file", 0o644),
    }
    actual = {
        "d": Node("dir", 0o700, 0, 1),
        "f": Node("file", 0o644, 0, 0, 3, "b" * 64),
        "g": Node("file", 0o644, 0, 0, 4, "c" * 64),
        "l": Node("symlink", 0o777, target="toybox"),
        "t": Node("dir", 0o755),
    }
    assert diff(expected, actual) == [
        "mode of d: expected 0755, got 0700",
        "gid of d: expected 0, got 1",
        f"content of f: expected sha256 {'a' * 16}…, got {'b' * 16}…",
        "size of g: expected 3, got 4",
        "target of l: expected 'busybox', got 'toybox'",
        "type of t: expected file, got dir",
    ]


def test_unspecified_expected_fields_are_not_compared() -> None:
    assert diff({"d": Node("dir")}, {"d": Node("dir", 0o700, 1000, 1000, xattrs={"user.a": b"1"})}) == []


def test_xattr_differences_ignore_selinux_labels() -> None:
    expected = {"f": Node("file", xattrs={"user.k": b"v"})}
    actual = {"f": Node("file", xattrs={"security.selinux": b"label", "user.other": b"1"})}
    assert diff(expected, actual) == [
        "xattr user.k of f: expected b'v', got (none)",
        "xattr user.other of f: expected (none), got b'1'",
    ]


def test_hard_link_differences_read_naturally() -> None:
    expected = link_groups({"bin/busybox": Node("file"), "bin/ls": Node("file")}, [["bin/busybox", "bin/ls"]])
    actual = {"bin/busybox": Node("file"), "bin/ls": Node("file")}
    assert diff(expected, actual) == ["bin/ls should be a hard link of bin/busybox"]
    assert diff(actual, expected) == ["bin/ls should not be a hard link of bin/busybox"]


def test_mode_format_keeps_special_bits() -> None:
    assert format_mode(0o755) == "0755"
    assert format_mode(0o4755) == "4755"
