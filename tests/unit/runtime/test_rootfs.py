"""Unit tests for :mod:`conformance.runtime.bundle.rootfs`: the static busybox check, the rootfs template."""

from __future__ import annotations

import os
import shutil
import stat
import struct
from pathlib import Path

import pytest

from conformance.core.errors import ConfigurationError
from conformance.runtime.bundle.probe import probe_script
from conformance.runtime.bundle.rootfs import (
    ETC_FILES,
    PT_INTERP,
    applets,
    build_template,
    check_busybox,
    clone_rootfs,
    is_static_elf,
)

PT_LOAD = 1


def find_static_busybox() -> Path | None:
    for candidate in (shutil.which("busybox"), "/usr/bin/busybox", "/bin/busybox"):
        if candidate and Path(candidate).is_file() and is_static_elf(Path(candidate)):
            return Path(candidate)
    return None


STATIC_BUSYBOX = find_static_busybox()
needs_busybox = pytest.mark.skipif(STATIC_BUSYBOX is None, reason="no statically linked busybox on this host")


def find_dynamic_binary() -> Path | None:
    for candidate in ("/bin/ls", "/usr/bin/ls", "/bin/cat", "/usr/bin/env"):
        path = Path(candidate)
        if path.is_file() and path.read_bytes()[:4] == b"\x7fELF" and not is_static_elf(path):
            return path
    return None


DYNAMIC_BINARY = find_dynamic_binary()
needs_dynamic = pytest.mark.skipif(DYNAMIC_BINARY is None, reason="no dynamically linked ELF binary found")


def make_elf(ptypes: list[int], *, is64: bool = True, little: bool = True) -> bytes:
    """A minimal ELF header plus program headers of the given types (enough for is_static_elf)."""
    order = "<" if little else ">"
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1 if little else 2, 1]) + bytes(9)
    if is64:
        phentsize, phoff = 56, 64
        header = ident + struct.pack(order + "HHIQQQIHHHHHH", 2, 62, 1, 0, phoff, 0, 0, 64, phentsize,
                                     len(ptypes), 0, 0, 0)  # fmt: skip
    else:
        phentsize, phoff = 32, 64
        header = ident + struct.pack(order + "HHIIIIIHHHHHH", 2, 3, 1, 0, phoff, 0, 0, 52, phentsize,
                                     len(ptypes), 0, 0, 0)  # fmt: skip
    header = header.ljust(phoff, b"\0")
    return header + b"".join(struct.pack(order + "I", t).ljust(phentsize, b"\0") for t in ptypes)


# -- is_static_elf ----------------------------------------------------------------------------


@needs_busybox
def test_busybox_is_static() -> None:
    assert STATIC_BUSYBOX is not None
    assert is_static_elf(STATIC_BUSYBOX)


@needs_dynamic
def test_dynamic_binary_is_not_static() -> None:
    assert DYNAMIC_BINARY is not None
    assert not is_static_elf(DYNAMIC_BINARY)


@pytest.mark.parametrize(
    "content",
    [b"#!/bin/sh\necho hi\n" * 10, b"", b"\x7fELF", b"\x7fELE" + bytes(100)],
    ids=["script", "empty", "short-elf", "bad-magic"],
)
def test_non_elf_is_not_static(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "file"
    path.write_bytes(content)
    assert not is_static_elf(path)


@pytest.mark.parametrize("is64", [True, False], ids=["elf64", "elf32"])
@pytest.mark.parametrize("little", [True, False], ids=["le", "be"])
def test_synthetic_elf_with_and_without_interpreter(tmp_path: Path, is64: bool, little: bool) -> None:
    """Both ELF classes and byte orders: PT_INTERP anywhere makes it dynamic."""
    static = tmp_path / "static"
    static.write_bytes(make_elf([6, PT_LOAD, PT_LOAD], is64=is64, little=little))
    dynamic = tmp_path / "dynamic"
    dynamic.write_bytes(make_elf([6, PT_LOAD, PT_INTERP, PT_LOAD], is64=is64, little=little))
    assert is_static_elf(static)
    assert not is_static_elf(dynamic)


# -- check_busybox ----------------------------------------------------------------------------


def test_missing_busybox_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigurationError, match=r"busybox 'busybox' was not found on PATH.*--busybox"):
        check_busybox(None)
    with pytest.raises(ConfigurationError, match=r"'no-such-busybox' was not found on PATH"):
        check_busybox("no-such-busybox")


def test_missing_busybox_path(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "busybox"
    with pytest.raises(ConfigurationError) as info:
        check_busybox(str(path))
    assert str(path) in str(info.value)


def test_non_executable_path(tmp_path: Path) -> None:
    path = tmp_path / "busybox"
    path.write_bytes(make_elf([PT_LOAD]))
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="is not an executable file") as info:
        check_busybox(str(path))
    assert str(path) in str(info.value)


def test_directory_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is not an executable file") as info:
        check_busybox(str(tmp_path))
    assert str(tmp_path) in str(info.value)


def test_script_is_not_static(executable) -> None:
    path = executable("exit 0\n", name="busybox")
    with pytest.raises(ConfigurationError, match="not a statically linked ELF") as info:
        check_busybox(str(path))
    assert str(path) in str(info.value)


@needs_dynamic
def test_dynamic_binary_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="not a statically linked ELF") as info:
        check_busybox(str(DYNAMIC_BINARY))
    assert str(DYNAMIC_BINARY) in str(info.value)


def test_synthetic_static_elf_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "busybox"
    path.write_bytes(make_elf([PT_LOAD]))
    path.chmod(0o755)
    assert check_busybox(str(path)) == path.resolve()


@needs_busybox
def test_busybox_found_on_path_is_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert STATIC_BUSYBOX is not None
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "busybox").symlink_to(STATIC_BUSYBOX)
    monkeypatch.setenv("PATH", str(bindir))
    assert check_busybox(None) == STATIC_BUSYBOX.resolve()
    assert check_busybox("busybox") == STATIC_BUSYBOX.resolve()


# -- applets, build_template, clone_rootfs ----------------------------------------------------


def fake_busybox(tmp_path: Path, listing: str, code: int = 0) -> Path:
    """A script standing in for busybox: `--list` prints `listing` (no static binary needed)."""
    path = tmp_path / "fake-busybox"
    path.write_text(f"#!/bin/sh\ncat <<'EOF'\n{listing}\nEOF\necho oops >&2\nexit {code}\n")
    path.chmod(0o755)
    return path


def test_applets_skip_busybox_itself_and_paths(tmp_path: Path) -> None:
    busybox = fake_busybox(tmp_path, "sh\nbusybox\nls\n/sbin/init\ncat")
    assert applets(busybox) == ["sh", "ls", "cat"]


@pytest.mark.parametrize(("listing", "code"), [("sh", 1), ("", 0)], ids=["exit-1", "empty"])
def test_applets_failure(tmp_path: Path, listing: str, code: int) -> None:
    busybox = fake_busybox(tmp_path, listing, code)
    with pytest.raises(ConfigurationError, match=r"--list failed: oops") as info:
        applets(busybox)
    assert str(busybox) in str(info.value)


def check_template(root: Path, busybox: Path, names: list[str]) -> None:
    assert (root / "bin" / "busybox").read_bytes() == busybox.read_bytes()
    assert os.access(root / "bin" / "busybox", os.X_OK)
    shared = (root / "bin" / "busybox").stat().st_ino
    for name in names:
        link = root / "bin" / name
        assert not link.is_symlink() and link.stat().st_ino == shared, name  # a hard link
    probe = root / "oci-probe"
    assert probe.read_bytes() == probe_script()
    assert stat.S_IMODE(probe.stat().st_mode) == 0o755
    for relative, content in ETC_FILES.items():
        assert (root / relative).read_text() == content
    assert (root / "etc" / "passwd").read_text().startswith("root:x:0:0:")
    assert stat.S_IMODE((root / "tmp").stat().st_mode) == 0o1777
    for directory in ("dev", "proc", "sys", "root", "home/oci", "var"):
        assert (root / directory).is_dir(), directory


def test_template_and_clone_with_fake_busybox(tmp_path: Path) -> None:
    busybox = fake_busybox(tmp_path, "sh\nls\nbusybox")
    template = build_template(busybox, tmp_path / "template")
    assert template == tmp_path / "template"
    check_template(template, busybox, ["sh", "ls"])
    assert not (template / "bin" / "busybox").is_symlink()

    clone = tmp_path / "bundle" / "rootfs"
    clone_rootfs(template, clone)
    check_template(clone, busybox, ["sh", "ls"])
    # The big binary is shared, small files are private copies.
    assert (clone / "bin" / "busybox").stat().st_ino == (template / "bin" / "busybox").stat().st_ino
    assert (clone / "etc" / "passwd").stat().st_ino != (template / "etc" / "passwd").stat().st_ino
    (clone / "etc" / "passwd").write_text("changed\n")
    assert (template / "etc" / "passwd").read_text() == ETC_FILES["etc/passwd"]


def test_clone_into_existing_directory_fails(tmp_path: Path) -> None:
    busybox = fake_busybox(tmp_path, "sh")
    template = build_template(busybox, tmp_path / "template")
    (tmp_path / "exists").mkdir()
    with pytest.raises(FileExistsError):
        clone_rootfs(template, tmp_path / "exists")


@needs_busybox
def test_template_and_clone_with_real_busybox(tmp_path: Path) -> None:
    assert STATIC_BUSYBOX is not None
    names = applets(STATIC_BUSYBOX)
    assert "sh" in names
    template = build_template(STATIC_BUSYBOX, tmp_path / "template")
    check_template(template, STATIC_BUSYBOX, names)
    clone = tmp_path / "rootfs"
    clone_rootfs(template, clone)
    check_template(clone, STATIC_BUSYBOX, names)
    assert is_static_elf(clone / "bin" / "busybox")
