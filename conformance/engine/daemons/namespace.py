"""A private mount namespace whose /run/containerd is the suite's own (a tmpfs seen by no one else).

containerd 1.6 keeps shim sockets in /run/containerd/s whatever its config says, and the runc
root and FIFO directory of `ctr run` default to /run/containerd too. A daemon started through
`private_run` sees a fresh tmpfs there: over /run/containerd if the host has that directory, or
else over /run itself, with every entry of the host's /run bound back in place (so the host's
/run stays visible and nothing is created in it). Its mounts vanish with the namespace. Clients
(`ctr`, the docker SDK) need only the daemon's socket, which is below the session directory.
"""

from __future__ import annotations

import os
from pathlib import Path

RUN = Path("/run")

#: $1 = a private staging directory, $2 = the caller's mount namespace; then the command. Runs as
#: root in a fresh mount namespace, and refuses to mount anything if it is still in the caller's.
#: `-n` keeps mount from writing its utab below /run/mount.
SCRIPT = r"""set -e
stage=$1; caller=$2; shift 2
own=$(readlink /proc/self/ns/mnt)
if [ -z "$caller" ] || [ -z "$own" ] || [ "$own" = "$caller" ]; then
  echo "refusing to mount over /run outside a private mount namespace" >&2; exit 97
fi
if [ -d /run/containerd ]; then
  mount -n -t tmpfs -o mode=0700 oci-conformance-run /run/containerd
else
  mkdir -p "$stage"
  mount -n --rbind /run "$stage"
  mount -n -t tmpfs -o mode=0755 oci-conformance-run /run
  for entry in "$stage"/* "$stage"/.[!.]*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    name=/run/${entry##*/}
    if [ -L "$entry" ]; then cp -P "$entry" "$name"
    elif [ -d "$entry" ]; then mkdir -p "$name" && mount -n --rbind "$entry" "$name"
    else touch "$name" && mount -n --bind "$entry" "$name"
    fi
  done
  umount -n --recursive --lazy "$stage"
  rmdir "$stage"
fi
mkdir -p /run/containerd
exec "$@"
"""


def private_run(argv: list[str], stage: Path) -> list[str]:
    """`argv` in a private mount namespace whose /run/containerd is a private tmpfs."""
    caller = os.readlink("/proc/self/ns/mnt")
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", SCRIPT,
            "private-run", str(stage), caller, *argv]  # fmt: skip


def joined(pid: int, argv: list[str]) -> list[str]:
    """`argv` in the mount namespace of process `pid` (one started through `private_run`)."""
    return ["nsenter", f"--mount=/proc/{pid}/ns/mnt", "--", *argv]
