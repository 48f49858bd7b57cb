"""crun: refuses the hybrid cgroup layout up to 1.8, so it may run in a private mount namespace."""

from __future__ import annotations

import shutil

from conformance.core import hostinfo
from conformance.runtime.drivers.cli import CommandLineRuntime

#: Hides the cgroup2 mount of a hybrid host from crun, inside a mount namespace of its own.
_HIDE_UNIFIED = 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"'


class CrunRuntime(CommandLineRuntime):
    name = "crun"
    version_pattern = r"^crun version"

    def _hides_unified(self) -> bool:
        return hostinfo.cgroup_mode() == "hybrid" and shutil.which("unshare") is not None

    def command_prefix(self) -> list[str]:
        if not self._hides_unified():
            return []
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", _HIDE_UNIFIED, "crun"]

    def notes(self) -> list[str]:
        if self._hides_unified():
            return [
                "crun runs in a private mount namespace with /sys/fs/cgroup/unified unmounted "
                "(crun refuses the hybrid cgroup layout of this host)"
            ]
        return []
