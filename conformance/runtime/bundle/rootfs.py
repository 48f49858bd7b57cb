"""A minimal root filesystem: static busybox, its applets, and the probe."""

from __future__ import annotations

import functools
import os
import shutil
import stat
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

from conformance.core.errors import ConfigurationError
from conformance.runtime.bundle.config import PROBE_PATH
from conformance.runtime.bundle.probe import probe_script

PT_INTERP = 3

ETC_FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/:/bin/sh\n"
    "oci:x:1000:1000:oci test user:/home/oci:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/:/bin/false\n",
    "etc/group": "root:x:0:\ndaemon:x:1:\ntty:x:5:\noci:x:1000:\naudio:x:29:oci\nnogroup:x:65534:\n",
    "etc/hosts": "127.0.0.1 localhost\n",
}


def is_static_elf(path: Path) -> bool:
    """True for an ELF executable without a program interpreter (statically linked)."""
    with open(path, "rb") as handle:
        header = handle.read(64)
        if len(header) < 64 or header[:4] != b"\x7fELF":
            return False
        is64, little = header[4] == 2, header[5] == 1
        order = "<" if little else ">"
        if is64:
            (phoff,) = struct.unpack_from(order + "Q", header, 32)
            phentsize, phnum = struct.unpack_from(order + "HH", header, 54)
        else:
            (phoff,) = struct.unpack_from(order + "I", header, 28)
            phentsize, phnum = struct.unpack_from(order + "HH", header, 42)
        for index in range(phnum):
            handle.seek(phoff + index * phentsize)
            (ptype,) = struct.unpack(order + "I", handle.read(4))
            if ptype == PT_INTERP:
                return False
    return True


def check_busybox(spec: str | None) -> Path:
    """Find and check the busybox used for every rootfs; ConfigurationError when unusable."""
    found = spec if spec and os.sep in spec else shutil.which(spec or "busybox")
    hint = "install busybox-static or pass --busybox=PATH"
    if not found:
        raise ConfigurationError(f"busybox {spec or 'busybox'!r} was not found on PATH ({hint})")
    path = Path(found)
    if not path.exists():
        raise ConfigurationError(f"busybox {str(path)!r} does not exist ({hint})")
    if not path.is_file() or not os.access(path, os.X_OK):
        raise ConfigurationError(f"busybox {str(path)!r} is not an executable file ({hint})")
    if not is_static_elf(path):
        raise ConfigurationError(
            f"busybox {str(path)!r} is not a statically linked ELF executable: the container "
            f"rootfs has no libraries ({hint})"
        )
    return path.resolve()


def applets(busybox: Path) -> list[str]:
    done = subprocess.run([str(busybox), "--list"], capture_output=True, text=True, timeout=10, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise ConfigurationError(f"busybox {str(busybox)!r} --list failed: {done.stderr.strip()}")
    return [name for name in done.stdout.split() if "/" not in name and name != "busybox"]


def build_template(busybox: Path, target: Path) -> Path:
    """Write the shared rootfs template once per session; bundles link its files."""
    for directory in ("bin", "dev", "etc", "proc", "sys", "root", "home/oci", "tmp", "var"):
        (target / directory).mkdir(parents=True, exist_ok=True)
    os.chmod(target / "tmp", 0o1777)
    shutil.copy2(busybox, target / "bin" / "busybox")
    # Hard links, not symlinks: on a journaling filesystem a symlink costs an inode each, and
    # every bundle clones the ~270 applets (a clone then takes milliseconds, not a fifth of a second).
    for name in applets(busybox):
        link = target / "bin" / name
        if not link.exists():
            os.link(target / "bin" / "busybox", link)
    for relative, content in ETC_FILES.items():
        (target / relative).write_text(content)
    probe = target / PROBE_PATH.lstrip("/")
    probe.write_bytes(probe_script())
    probe.chmod(0o755)
    return target


@dataclass(frozen=True)
class _Plan:
    """What a clone of one template does, worked out once: directories, links, copies, symlinks."""

    directories: tuple[tuple[str, int], ...]
    links: tuple[str, ...]
    copies: tuple[str, ...]
    symlinks: tuple[tuple[str, str], ...]


@functools.lru_cache(maxsize=8)
def _plan(template: Path) -> _Plan:
    busybox = os.stat(template / "bin" / "busybox").st_ino
    directories, links, copies, symlinks = [], [], [], []
    for current, dirs, files in os.walk(template):
        base = os.path.relpath(current, template)
        for name in sorted(dirs + files):
            relative = os.path.normpath(os.path.join(base, name))
            info = os.lstat(template / relative)
            if stat.S_ISLNK(info.st_mode):
                symlinks.append((relative, os.readlink(template / relative)))
            elif stat.S_ISDIR(info.st_mode):
                directories.append((relative, stat.S_IMODE(info.st_mode)))
            elif info.st_ino == busybox:
                links.append(relative)
            else:
                copies.append(relative)
    return _Plan(tuple(directories), tuple(links), tuple(copies), tuple(symlinks))


def clone_rootfs(template: Path, target: Path) -> None:
    """Copy the template: busybox and its applets as hard links, small files as copies.

    `target` must not exist yet (FileExistsError). The template's tree is read once per
    session; a clone is then a few hundred link() calls, without Python's per-file copy logic.
    """
    plan = _plan(template)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.mkdir()
    source, root = str(template), str(target)
    join = os.path.join
    for relative, mode in plan.directories:
        os.mkdir(join(root, relative))
        os.chmod(join(root, relative), mode)
    for relative in plan.links:
        try:
            os.link(join(source, relative), join(root, relative))
        except OSError:  # another filesystem: a copy
            shutil.copy2(join(source, relative), join(root, relative))
    for relative in plan.copies:
        shutil.copy2(join(source, relative), join(root, relative))
    for relative, destination in plan.symlinks:
        os.symlink(destination, join(root, relative))
