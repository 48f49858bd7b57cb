"""Each rule of config.json with a config that breaks only that rule, and its passing neighbour."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from conformance.runtime.validator import CONFIG, validate_config, validate_document
from conformance.runtime.validator.rules import RULES
from tests.unit.runtime.validator.helpers import (
    DELETE,
    WINDOWS_ROOT,
    Edit,
    base,
    both,
    edited,
    put,
    windows_base,
)

MAPPINGS = [{"containerID": 0, "hostID": 100000, "size": 65536}]
IDMAPPED = {"destination": "/data", "type": "bind", "source": "/tmp", "options": ["rbind", "idmap"]}
SECCOMP = {"defaultAction": "SCMP_ACT_ALLOW"}
SYSCALL = {"names": ["read"], "action": "SCMP_ACT_ERRNO"}
ARG = {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}
VM = {"kernel": {"path": "/boot/vmlinuz"}}
NULL = {"path": "/dev/null1", "type": "c", "major": 1, "minor": 3}
Start = Callable[[], dict[str, Any]]

#: (name, start, bad edit, good edit, code): `bad` breaks the rule `code` names and nothing else
#: that is an error; `good` is its neighbour, which breaks nothing.
CASES: list[tuple[str, Start, Edit, Edit, str]] = [
    ("schema-fallback", base, put("root.readonly", "yes"), put("root.readonly", True), "config.schema"),
    (
        "oci-version-missing",
        base,
        put("ociVersion", DELETE),
        put("ociVersion", "1.2.0"),
        "config.ociversion-missing",
    ),
    ("oci-version-type", base, put("ociVersion", 1), put("ociVersion", "1.0.0"), "config.ociversion-semver"),
    (
        "oci-version-semver",
        base,
        put("ociVersion", "1.0"),
        put("ociVersion", "1.0.0-rc.1+dev"),
        "config.ociversion-semver",
    ),
    ("root-missing", base, put("root", DELETE), put("root", {"path": "rootfs"}), "config.root-missing"),
    ("root-path", base, put("root.path", 5), put("root.path", "rootfs"), "config.root-path"),
    ("root-path-missing", base, put("root.path", DELETE), put("root.readonly", False), "config.root-path"),
    ("root-path-empty", base, put("root.path", ""), put("root.path", "rootfs"), "config.root-path-empty"),
    (
        "root-path-rootfs",
        base,
        put("root.path", "/srv/c1"),
        put("root.path", "rootfs"),
        "config.root-path-not-rootfs",
    ),
    (
        "mount-destination",
        base,
        put("mounts.0.destination", DELETE),
        put("mounts.0.destination", "/proc"),
        "config.mount-destination",
    ),
    (
        "mount-destination-relative",
        base,
        put("mounts.0.destination", "proc"),
        put("mounts.0.destination", "/proc"),
        "config.mount-destination-relative",
    ),
    (
        "mount-uid-without-gid",
        base,
        put("mounts", [{**IDMAPPED, "uidMappings": MAPPINGS}]),
        put("mounts", [{**IDMAPPED, "uidMappings": MAPPINGS, "gidMappings": MAPPINGS}]),
        "config.mount-uid-without-gid",
    ),
    (
        "mount-gid-without-uid",
        base,
        put("mounts", [{**IDMAPPED, "gidMappings": MAPPINGS}]),
        put("mounts", [{**IDMAPPED, "uidMappings": MAPPINGS, "gidMappings": MAPPINGS}]),
        "config.mount-gid-without-uid",
    ),
    (
        "mount-uid-mappings-no-idmap",
        base,
        put("mounts", [{**IDMAPPED, "options": ["rbind"], "uidMappings": MAPPINGS, "gidMappings": MAPPINGS}]),
        put(
            "mounts",
            [{**IDMAPPED, "options": ["rbind", "ridmap"], "uidMappings": MAPPINGS, "gidMappings": MAPPINGS}],
        ),
        "config.mount-uid-mappings-no-idmap",
    ),
    (
        "mount-gid-mappings-no-idmap",
        base,
        put("mounts", [{**IDMAPPED, "options": [], "uidMappings": MAPPINGS, "gidMappings": MAPPINGS}]),
        put("mounts", [{**IDMAPPED, "uidMappings": MAPPINGS, "gidMappings": MAPPINGS}]),
        "config.mount-gid-mappings-no-idmap",
    ),
    (
        "mount-id-mapping-size",
        base,
        put(
            "mounts",
            [{**IDMAPPED, "uidMappings": [{"containerID": 0, "hostID": 1}], "gidMappings": MAPPINGS}],
        ),
        put("mounts", [IDMAPPED]),
        "linux.id-mapping-size",
    ),
    (
        "console-height",
        base,
        put("process.consoleSize", {"width": 80}),
        put("process.consoleSize", {"width": 80, "height": 24}),
        "config.console-height",
    ),
    (
        "console-width",
        base,
        put("process.consoleSize", {"height": 24}),
        put("process.consoleSize", {"width": 80, "height": 24}),
        "config.console-width",
    ),
    ("cwd", base, put("process.cwd", DELETE), put("process.cwd", "/"), "config.cwd"),
    ("cwd-relative", base, put("process.cwd", "tmp"), put("process.cwd", "/tmp"), "config.cwd-relative"),
    ("args-empty", base, put("process.args", []), put("process.args", ["/bin/sh"]), "config.args"),
    ("args-missing", base, put("process.args", DELETE), put("process.args", ["sh"]), "config.args"),
    (
        "command-line-missing",
        windows_base,
        put("process.args", DELETE),
        both(put("process.args", DELETE), put("process.commandLine", "cmd.exe /c dir")),
        "config.command-line-missing",
    ),
    (
        "rlimit-type",
        base,
        put("process.rlimits", [{"soft": 1, "hard": 1}]),
        put("process.rlimits", [{"type": "RLIMIT_CORE", "soft": 1, "hard": 1}]),
        "config.rlimit-type",
    ),
    (
        "rlimit-soft",
        base,
        put("process.rlimits", [{"type": "RLIMIT_CORE", "hard": 1}]),
        put("process.rlimits", [{"type": "RLIMIT_CORE", "soft": 0, "hard": 1}]),
        "config.rlimit-soft",
    ),
    (
        "rlimit-hard",
        base,
        put("process.rlimits", [{"type": "RLIMIT_CORE", "soft": 1}]),
        put("process.rlimits", [{"type": "RLIMIT_CORE", "soft": 1, "hard": 1}]),
        "config.rlimit-hard",
    ),
    (
        "rlimit-duplicate",
        base,
        put("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1}] * 2),
        put(
            "process.rlimits",
            [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1}, {"type": "RLIMIT_CORE", "soft": 1, "hard": 1}],
        ),
        "config.rlimit-duplicate",
    ),
    (
        "rlimit-unknown",
        base,
        put("process.rlimits", [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]),
        put("process.rlimits", [{"type": "RLIMIT_RTTIME", "soft": 1, "hard": 1}]),
        "config.rlimit-unknown",
    ),
    (
        "scheduler-policy",
        base,
        put("process.scheduler", {"nice": 1}),
        put("process.scheduler", {"policy": "SCHED_OTHER"}),
        "config.scheduler-policy",
    ),
    (
        "io-priority-class",
        base,
        put("process.ioPriority", {"priority": 1}),
        put("process.ioPriority", {"class": "IOPRIO_CLASS_BE", "priority": 1}),
        "config.io-priority-class",
    ),
    (
        "io-priority-priority",
        base,
        put("process.ioPriority", {"class": "IOPRIO_CLASS_BE"}),
        put("process.ioPriority", {"class": "IOPRIO_CLASS_IDLE", "priority": 7}),
        "config.io-priority-priority",
    ),
    ("user-uid", base, put("process.user.uid", DELETE), put("process.user.uid", 1000), "config.user-uid"),
    ("user-gid", base, put("process.user.gid", DELETE), put("process.user.gid", 1000), "config.user-gid"),
    (
        "hooks-kind",
        base,
        put("hooks", {"prestart": {"path": "/bin/true"}}),
        put("hooks", {"prestart": [{"path": "/bin/true"}]}),
        "config.hooks-kind",
    ),
    (
        "hook-path",
        base,
        put("hooks", {"poststop": [{"args": ["x"]}]}),
        put("hooks", {"poststop": [{"path": "/x"}]}),
        "config.hook-path",
    ),
    (
        "hook-path-relative",
        base,
        put("hooks", {"createRuntime": [{"path": "bin/true"}]}),
        put("hooks", {"createRuntime": [{"path": "/bin/true"}]}),
        "config.hook-path-relative",
    ),
    (
        "hook-timeout",
        base,
        put("hooks", {"poststart": [{"path": "/x", "timeout": 0}]}),
        put("hooks", {"poststart": [{"path": "/x", "timeout": 1}]}),
        "config.hook-timeout",
    ),
    (
        "annotations-map",
        base,
        put("annotations", ["com.example.a"]),
        put("annotations", {}),
        "config.annotations-map",
    ),
    (
        "annotation-key-empty",
        base,
        put("annotations", {"": "x"}),
        put("annotations", {"com.example.key": "x"}),
        "config.annotation-key-empty",
    ),
    (
        "annotation-value",
        base,
        put("annotations", {"com.example.key": 1}),
        put("annotations", {"com.example.key": ""}),
        "config.annotation-value",
    ),
    (
        "annotation-reverse-domain",
        base,
        put("annotations", {"key": "x"}),
        put("annotations", {"io.example.key": "x"}),
        "config.annotation-key-not-reverse-domain",
    ),
    (
        "annotation-reserved",
        base,
        put("annotations", {"org.opencontainers.mine": "x"}),
        put("annotations", {"org.opencontainers.image.title": "x"}),
        "config.annotation-reserved",
    ),
    (
        "annotation-image-created",
        base,
        put("annotations", {"org.opencontainers.image.created": "yesterday"}),
        put("annotations", {"org.opencontainers.image.created": "2024-01-02T03:04:05Z"}),
        "config.annotation-image-created",
    ),
    (
        "annotation-image-architecture",
        base,
        put("annotations", {"org.opencontainers.image.architecture": "x86_64"}),
        put(
            "annotations",
            {"org.opencontainers.image.architecture": "amd64", "org.opencontainers.image.os": "linux"},
        ),
        "config.annotation-image-value",
    ),
    (
        "annotation-image-stop-signal",
        base,
        put("annotations", {"org.opencontainers.image.stopSignal": "TERM please"}),
        put("annotations", {"org.opencontainers.image.stopSignal": "SIGRTMIN+3"}),
        "config.annotation-image-value",
    ),
    (
        "linux-invalid",
        base,
        put("linux.sysctl", {"net.ipv4.ip_forward": 1}),
        put("linux.sysctl", {"net.ipv4.ip_forward": "1"}),
        "config.linux-invalid",
    ),
    (
        "solaris-invalid",
        base,
        put("solaris", {"milestone": 5}),
        put("solaris", {"milestone": "svc:/milestone/container:default"}),
        "config.solaris-invalid",
    ),
    (
        "freebsd-invalid",
        base,
        put("freebsd", {"jail": {"vnet": "disable"}}),
        put("freebsd", {"jail": {"vnet": "new"}}),
        "config.freebsd-invalid",
    ),
    ("zos-invalid", base, put("zos", "x"), put("zos", {}), "config.zos-invalid"),
    (
        "vm-invalid",
        base,
        put("vm", {**VM, "hwConfig": {"vcpus": -1}}),
        put("vm", {**VM, "hwConfig": {"vcpus": 2}}),
        "config.vm-invalid",
    ),
    (
        "windows-root-missing",
        windows_base,
        put("root", DELETE),
        both(put("root", DELETE), put("windows.hyperv", {})),
        "windows.root-missing",
    ),
    (
        "windows-root-with-hyperv",
        windows_base,
        put("windows.hyperv", {}),
        put("windows.network", {}),
        "windows.root-with-hyperv",
    ),
    (
        "windows-root-path-guid",
        windows_base,
        put("root.path", "C:\\rootfs"),
        put("root.path", WINDOWS_ROOT),
        "windows.root-path-guid",
    ),
    (
        "windows-root-readonly",
        windows_base,
        put("root.readonly", True),
        put("root.readonly", False),
        "windows.root-readonly",
    ),
    (
        "windows-mount-relative",
        windows_base,
        put("mounts", [{"destination": "data", "source": "C:\\data"}]),
        put("mounts", [{"destination": "C:\\data", "source": "C:\\data"}]),
        "windows.mount-destination-relative",
    ),
    (
        "windows-mount-nested",
        windows_base,
        put(
            "mounts",
            [
                {"destination": "C:\\data", "source": "C:\\a"},
                {"destination": "C:\\Data\\sub", "source": "C:\\b"},
            ],
        ),
        put(
            "mounts",
            [
                {"destination": "C:\\data", "source": "C:\\a"},
                {"destination": "C:\\database", "source": "C:\\b"},
            ],
        ),
        "windows.mount-destination-nested",
    ),
    (
        "solaris-mount-relative",
        base,
        both(put("solaris", {}), put("mounts.0.destination", "proc")),
        both(put("solaris", {}), put("mounts.0.destination", "/proc")),
        "solaris.mount-destination-relative",
    ),
    (
        "other-mount-relative",
        base,
        both(put("freebsd", {}), put("mounts.0.destination", "dev")),
        both(put("zos", {}), put("mounts.0.destination", "/dev")),
        "config.mount-destination-other-relative",
    ),
    (
        "namespace-type",
        base,
        put("linux.namespaces.0.type", "pids"),
        put("linux.namespaces.0.type", "pid"),
        "linux.namespace-type",
    ),
    (
        "namespace-path-relative",
        base,
        put(
            "linux.namespaces",
            [{"type": "network", "path": "proc/1/ns/net"}],
        ),
        put("linux.namespaces", [{"type": "network", "path": "/proc/1/ns/net"}]),
        "linux.namespace-path-relative",
    ),
    (
        "namespace-duplicate",
        base,
        put("linux.namespaces", [{"type": "pid"}, {"type": "pid"}]),
        put("linux.namespaces", [{"type": "pid"}, {"type": "ipc"}]),
        "linux.namespace-duplicate",
    ),
    (
        "id-mapping-container-id",
        base,
        put("linux.uidMappings", [{"hostID": 1, "size": 1}]),
        put("linux.uidMappings", MAPPINGS),
        "linux.id-mapping-container-id",
    ),
    (
        "id-mapping-host-id",
        base,
        put("linux.gidMappings", [{"containerID": 0, "size": 1}]),
        put("linux.gidMappings", MAPPINGS),
        "linux.id-mapping-host-id",
    ),
    (
        "device-type",
        base,
        put("linux.devices", [{**NULL, "type": "x"}]),
        put("linux.devices", [NULL]),
        "linux.device-type",
    ),
    (
        "device-path-missing",
        base,
        put("linux.devices", [{"type": "p"}]),
        put("linux.devices", [{"type": "p", "path": "/dev/fifo"}]),
        "linux.device-path",
    ),
    (
        "device-path-relative",
        base,
        put("linux.devices", [{**NULL, "path": "dev/null1"}]),
        put("linux.devices", [{**NULL, "path": "/srv/null1"}]),
        "linux.device-path",
    ),
    (
        "device-major-minor",
        base,
        put("linux.devices", [{"type": "c", "path": "/dev/x", "major": 1}]),
        put("linux.devices", [{"type": "p", "path": "/dev/x"}]),
        "linux.device-major-minor",
    ),
    (
        "device-duplicate",
        base,
        put("linux.devices", [NULL, {**NULL, "path": "/dev/null2"}]),
        put("linux.devices", [NULL, {**NULL, "path": "/dev/zero1", "minor": 5}]),
        "linux.device-duplicate",
    ),
    (
        "device-cgroup-allow",
        base,
        put("linux.resources.devices", [{"access": "rwm"}]),
        put("linux.resources.devices", [{"allow": False, "access": "rwm"}]),
        "linux.device-cgroup-allow",
    ),
    (
        "cgroups-path-empty",
        base,
        put("linux.cgroupsPath", ""),
        put("linux.cgroupsPath", "system.slice:oci:c1"),
        "linux.cgroups-path-empty",
    ),
    (
        "memory-kernel",
        base,
        put("linux.resources.memory", {"kernel": 1 << 20}),
        put("linux.resources.memory", {"limit": 1 << 20}),
        "linux.memory-kernel",
    ),
    (
        "memory-kernel-tcp",
        base,
        put("linux.resources.memory", {"kernelTCP": 1 << 20}),
        put("linux.resources.memory", {"swap": 1 << 20}),
        "linux.memory-kernel-tcp",
    ),
    (
        "cpu-quota-below-burst",
        base,
        put("linux.resources.cpu", {"quota": 1000, "burst": 2000}),
        put("linux.resources.cpu", {"quota": 2000, "burst": 2000}),
        "linux.cpu-quota-below-burst",
    ),
    (
        "cpu-burst-above-quota",
        base,
        put("linux.resources.cpu", {"quota": 1000, "burst": 1001}),
        put("linux.resources.cpu", {"quota": -1, "burst": 1001}),
        "linux.cpu-burst-above-quota",
    ),
    (
        "blkio-weight-device",
        base,
        put("linux.resources.blockIO.weightDevice", [{"weight": 10}]),
        put("linux.resources.blockIO.weightDevice", [{"major": 8, "minor": 0, "weight": 10}]),
        "linux.blkio-weight-device",
    ),
    (
        "blkio-weight-device-weight",
        base,
        put("linux.resources.blockIO.weightDevice", [{"major": 8, "minor": 0}]),
        put("linux.resources.blockIO.weightDevice", [{"major": 8, "minor": 0, "leafWeight": 10}]),
        "linux.blkio-weight-device-weight",
    ),
    (
        "blkio-throttle-device",
        base,
        put("linux.resources.blockIO.throttleReadBpsDevice", [{"rate": 1}]),
        put("linux.resources.blockIO.throttleReadBpsDevice", [{"major": 8, "minor": 0, "rate": 1}]),
        "linux.blkio-throttle-device",
    ),
    (
        "blkio-throttle-bps",
        base,
        put("linux.resources.blockIO.throttleWriteBpsDevice", [{"major": 8, "minor": 0}]),
        put("linux.resources.blockIO.throttleWriteBpsDevice", [{"major": 8, "minor": 0, "rate": 1}]),
        "linux.blkio-throttle-bps",
    ),
    (
        "blkio-throttle-iops",
        base,
        put("linux.resources.blockIO.throttleReadIOPSDevice", [{"major": 8, "minor": 0}]),
        put("linux.resources.blockIO.throttleReadIOPSDevice", [{"major": 8, "minor": 0, "rate": 1}]),
        "linux.blkio-throttle-iops",
    ),
    (
        "hugepage-size",
        base,
        put("linux.resources.hugepageLimits", [{"limit": 1}]),
        put("linux.resources.hugepageLimits", [{"pageSize": "2MB", "limit": 1}]),
        "linux.hugepage-size",
    ),
    (
        "hugepage-limit",
        base,
        put("linux.resources.hugepageLimits", [{"pageSize": "2MB"}]),
        put("linux.resources.hugepageLimits", [{"pageSize": "1GB", "limit": 0}]),
        "linux.hugepage-limit",
    ),
    (
        "net-priority-name",
        base,
        put("linux.resources.network", {"priorities": [{"priority": 1}]}),
        put("linux.resources.network", {"priorities": [{"name": "eth0", "priority": 1}]}),
        "linux.net-priority-name",
    ),
    (
        "net-priority-value",
        base,
        put("linux.resources.network", {"priorities": [{"name": "eth0"}]}),
        put("linux.resources.network", {"priorities": [{"name": "lo", "priority": 0}]}),
        "linux.net-priority-value",
    ),
    (
        "rdma-hca",
        base,
        put("linux.resources.rdma", {"mlx5_1": {}}),
        put("linux.resources.rdma", {"mlx5_1": {"hcaObjects": 1}}),
        "linux.rdma-hca",
    ),
    (
        "rdt-l3-format",
        base,
        put("linux.intelRdt", {"l3CacheSchema": "L2:0=f"}),
        put("linux.intelRdt", {"l3CacheSchema": "L3:0=f"}),
        "linux.rdt-l3-format",
    ),
    (
        "rdt-mb-format",
        base,
        put("linux.intelRdt", {"memBwSchema": "mb:0=20"}),
        put("linux.intelRdt", {"memBwSchema": "MB:0=20"}),
        "linux.rdt-mb-format",
    ),
    (
        "rdt-mb-newline",
        base,
        put("linux.intelRdt", {"memBwSchema": "MB:0=20\n"}),
        put("linux.intelRdt", {"memBwSchema": "MB:0=20;1=30"}),
        "linux.rdt-mb-format",
    ),
    (
        "rdt-schemata-newline",
        base,
        put("linux.intelRdt", {"schemata": ["L3:0=f\nMB:0=2"]}),
        put("linux.intelRdt", {"schemata": ["L3:0=f", "MB:0=2"]}),
        "linux.rdt-schemata-newline",
    ),
    (
        "memory-policy-mode",
        base,
        put("linux.memoryPolicy", {"nodes": "0"}),
        put("linux.memoryPolicy", {"mode": "MPOL_BIND", "nodes": "0"}),
        "linux.memory-policy-mode",
    ),
    (
        "seccomp-default-action",
        base,
        put("linux.seccomp", {"architectures": ["SCMP_ARCH_X86_64"]}),
        put("linux.seccomp", SECCOMP),
        "linux.seccomp-default-action",
    ),
    (
        "seccomp-listener-metadata",
        base,
        put("linux.seccomp", {**SECCOMP, "listenerMetadata": "x"}),
        put("linux.seccomp", {**SECCOMP, "listenerMetadata": "x", "listenerPath": "/run/l.sock"}),
        "linux.seccomp-listener-metadata",
    ),
    (
        "seccomp-syscall-names",
        base,
        put("linux.seccomp", {**SECCOMP, "syscalls": [{"action": "SCMP_ACT_ERRNO"}]}),
        put("linux.seccomp", {**SECCOMP, "syscalls": [SYSCALL]}),
        "linux.seccomp-syscall-names",
    ),
    (
        "seccomp-syscall-names-empty",
        base,
        put("linux.seccomp", {**SECCOMP, "syscalls": [{**SYSCALL, "names": []}]}),
        put("linux.seccomp", {**SECCOMP, "syscalls": [SYSCALL]}),
        "linux.seccomp-syscall-names-empty",
    ),
    (
        "seccomp-syscall-action",
        base,
        put("linux.seccomp", {**SECCOMP, "syscalls": [{"names": ["read"]}]}),
        put("linux.seccomp", {**SECCOMP, "syscalls": [SYSCALL]}),
        "linux.seccomp-syscall-action",
    ),
    (
        "seccomp-arg-index",
        base,
        put(
            "linux.seccomp",
            {**SECCOMP, "syscalls": [{**SYSCALL, "args": [{"value": 1, "op": "SCMP_CMP_EQ"}]}]},
        ),
        put("linux.seccomp", {**SECCOMP, "syscalls": [{**SYSCALL, "args": [ARG]}]}),
        "linux.seccomp-arg-index",
    ),
    (
        "seccomp-arg-value",
        base,
        put(
            "linux.seccomp",
            {**SECCOMP, "syscalls": [{**SYSCALL, "args": [{"index": 0, "op": "SCMP_CMP_EQ"}]}]},
        ),
        put("linux.seccomp", {**SECCOMP, "syscalls": [{**SYSCALL, "args": [ARG]}]}),
        "linux.seccomp-arg-value",
    ),
    (
        "seccomp-arg-op",
        base,
        put("linux.seccomp", {**SECCOMP, "syscalls": [{**SYSCALL, "args": [{"index": 0, "value": 1}]}]}),
        put("linux.seccomp", {**SECCOMP, "syscalls": [{**SYSCALL, "args": [ARG]}]}),
        "linux.seccomp-arg-op",
    ),
    (
        "seccomp-default-errno",
        base,
        put("linux.seccomp", {**SECCOMP, "defaultErrnoRet": 1}),
        put("linux.seccomp", {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1}),
        "linux.seccomp-default-errno",
    ),
    (
        "seccomp-errno",
        base,
        put(
            "linux.seccomp", {**SECCOMP, "syscalls": [{**SYSCALL, "action": "SCMP_ACT_KILL", "errnoRet": 1}]}
        ),
        put("linux.seccomp", {**SECCOMP, "syscalls": [{**SYSCALL, "errnoRet": 1}]}),
        "linux.seccomp-errno",
    ),
    (
        "masked-path-relative",
        base,
        put("linux.maskedPaths", ["proc/kcore"]),
        put("linux.maskedPaths", ["/proc/kcore"]),
        "linux.masked-path-relative",
    ),
    (
        "readonly-path-relative",
        base,
        put("linux.readonlyPaths", ["proc/sys"]),
        put("linux.readonlyPaths", ["/proc/sys"]),
        "linux.readonly-path-relative",
    ),
    (
        "personality-domain",
        base,
        put("linux.personality", {"flags": []}),
        put("linux.personality", {"domain": "LINUX32"}),
        "linux.personality-domain",
    ),
    (
        "windows-layer-folders",
        windows_base,
        put("windows.layerFolders", DELETE),
        put("windows.layerFolders", ["C:\\l"]),
        "windows.layer-folders",
    ),
    (
        "windows-layer-folders-empty",
        windows_base,
        put("windows.layerFolders", []),
        put("windows.layerFolders", ["C:\\l", "C:\\s"]),
        "windows.layer-folders-empty",
    ),
    (
        "windows-device-id",
        windows_base,
        put("windows.devices", [{"idType": "class"}]),
        put("windows.devices", [{"id": "24E552D7-6523-47F7-A647-D3465BF1F5CA", "idType": "class"}]),
        "windows.device-id",
    ),
    (
        "windows-device-id-type",
        windows_base,
        put("windows.devices", [{"id": "24E552D7"}]),
        put("windows.devices", [{"id": "24E552D7", "idType": "class"}]),
        "windows.device-id-type",
    ),
    (
        "windows-affinity-mask",
        windows_base,
        put("windows.resources", {"cpu": {"affinity": [{"group": 0}]}}),
        put("windows.resources", {"cpu": {"affinity": [{"mask": 3, "group": 0}]}}),
        "windows.affinity-mask",
    ),
    (
        "windows-affinity-group",
        windows_base,
        put("windows.resources", {"cpu": {"affinity": {"mask": 3}}}),
        put("windows.resources", {"cpu": {"affinity": {"mask": 3, "group": 1}}}),
        "windows.affinity-group",
    ),
    (
        "windows-invalid",
        windows_base,
        put("windows.network", "none"),
        put("windows.network", {"endpointList": []}),
        "windows.invalid",
    ),
    (
        "vm-hypervisor-path",
        base,
        put("vm", {**VM, "hypervisor": {}}),
        put("vm", {**VM, "hypervisor": {"path": "/usr/bin/qemu"}}),
        "vm.hypervisor-path",
    ),
    (
        "vm-hypervisor-path-relative",
        base,
        put("vm", {**VM, "hypervisor": {"path": "qemu"}}),
        put("vm", {**VM, "hypervisor": {"path": "/qemu"}}),
        "vm.hypervisor-path-relative",
    ),
    ("vm-kernel", base, put("vm", {}), put("vm", VM), "vm.kernel"),
    ("vm-kernel-path", base, put("vm", {"kernel": {}}), put("vm", VM), "vm.kernel-path"),
    (
        "vm-kernel-path-relative",
        base,
        put("vm", {"kernel": {"path": "/k", "initrd": "initrd.img"}}),
        put("vm", {"kernel": {"path": "/k", "initrd": "/initrd.img"}}),
        "vm.kernel-path-relative",
    ),
    (
        "vm-image-path",
        base,
        put("vm", {**VM, "image": {"format": "raw"}}),
        put("vm", {**VM, "image": {"path": "/i.img", "format": "raw"}}),
        "vm.image-path",
    ),
    (
        "vm-image-path-relative",
        base,
        put("vm", {**VM, "image": {"path": "i.img", "format": "raw"}}),
        put("vm", {**VM, "image": {"path": "/i.img", "format": "qcow2"}}),
        "vm.image-path-relative",
    ),
    (
        "vm-image-format",
        base,
        put("vm", {**VM, "image": {"path": "/i.img"}}),
        put("vm", {**VM, "image": {"path": "/i.img", "format": "vmdk"}}),
        "vm.image-format",
    ),
    (
        "vm-iomem-first-mfn",
        base,
        put("vm", {**VM, "hwConfig": {"iomems": [{"nrMFNs": 1}]}}),
        put("vm", {**VM, "hwConfig": {"iomems": [{"firstMFN": 0, "nrMFNs": 1}]}}),
        "vm.iomem-first-mfn",
    ),
    (
        "vm-iomem-nr-mfns",
        base,
        put("vm", {**VM, "hwConfig": {"iomems": [{"firstMFN": 1}]}}),
        put("vm", {**VM, "hwConfig": {"iomems": [{"firstMFN": 1, "nrMFNs": 2}]}}),
        "vm.iomem-nr-mfns",
    ),
    (
        "zos-namespace-type",
        base,
        put("zos", {"namespaces": [{"path": "/x"}]}),
        put("zos", {"namespaces": [{"type": "pid", "path": "/x"}]}),
        "zos.namespace-type",
    ),
    (
        "zos-namespace-path-relative",
        base,
        put("zos", {"namespaces": [{"type": "pid", "path": "x"}]}),
        put("zos", {"namespaces": [{"type": "pid"}]}),
        "zos.namespace-path-relative",
    ),
    (
        "zos-namespace-duplicate",
        base,
        put("zos", {"namespaces": [{"type": "pid"}, {"type": "pid"}]}),
        put("zos", {"namespaces": [{"type": "pid"}, {"type": "mount"}]}),
        "zos.namespace-duplicate",
    ),
    (
        "freebsd-device-path-absolute",
        base,
        put("freebsd", {"devices": [{"path": "/dev/pf"}]}),
        put("freebsd", {"devices": [{"path": "pf"}]}),
        "freebsd.device-path",
    ),
    (
        "freebsd-device-path-missing",
        base,
        put("freebsd", {"devices": [{"mode": 384}]}),
        put("freebsd", {"devices": [{"path": "bpf*", "mode": 384}]}),
        "freebsd.device-path",
    ),
]


#: Rules that one fact breaks together: a burst above a positive quota is also a quota below it.
TWINS = {
    "linux.cpu-quota-below-burst": {"config-linux.cpu.burst-quota"},
    "linux.cpu-burst-above-quota": {"config-linux.cpu.quota-burst"},
}


def _codes(doc: Any) -> set[str]:
    return {f.code for f in validate_config(doc).findings}


def test_the_default_config_has_no_finding() -> None:
    assert validate_config(base()).findings == []
    assert validate_config(windows_base()).findings == []


@pytest.mark.parametrize(("name", "start", "bad", "good", "code"), CASES, ids=[c[0] for c in CASES])
def test_rule_both_ways(name: str, start: Start, bad: Edit, good: Edit, code: str) -> None:
    broken = validate_config(edited(bad, start))
    assert code in broken.codes(), [f.line() for f in broken.findings]
    if RULES[code].severity == "error":
        assert not broken.ok
    else:
        assert broken.ok
    # only this rule (and the rules of the same requirement, or its presence twin) fires
    others = {f.requirement for f in broken.errors} - {RULES[code].requirement} - TWINS.get(code, set())
    assert not others, [f.line() for f in broken.errors]
    neighbour = validate_config(edited(good, start))
    assert neighbour.findings == [], [f.line() for f in neighbour.findings]


def test_not_an_object() -> None:
    report = validate_config(["ociVersion"])
    assert report.codes() == {"config.not-object"} and not report.ok


def test_bytes_that_are_not_utf8_or_not_json() -> None:
    assert validate_document(CONFIG, b'{"ociVersion": "1.0.0\xff"}').codes() == {"config.not-utf8"}
    assert validate_document(CONFIG, b"{ociVersion: 1}").codes() == {"config.not-json"}
    assert validate_document(CONFIG, b'{"a": NaN}').codes() == {"config.not-json"}
    good = json.dumps(base()).encode()
    assert validate_document(CONFIG, good).findings == []


def test_duplicate_member_names_anywhere() -> None:
    text = json.dumps(base())[:-1] + ', "hostname": "a", "hostname": "b"}'
    report = validate_document(CONFIG, text.encode())
    assert report.codes() == {"config.duplicate-name"} and not report.ok
    assert "'hostname'" in report.findings[0].message
    nested = json.dumps(base()).replace('"cwd": "/"', '"cwd": "/", "cwd": "/"')
    assert validate_document(CONFIG, nested.encode()).codes() == {"config.duplicate-name"}


def test_unknown_properties_are_ignored() -> None:
    """config.md's extensibility: properties the spec does not define are no finding."""
    doc = edited(both(put("com.example.extra", {"x": 1}), put("process.com.example.more", True)))
    assert validate_config(doc).findings == []


def test_a_relative_linux_destination_is_only_a_warning() -> None:
    report = validate_config(edited(put("mounts.0.destination", "proc")))
    assert report.ok and [f.severity for f in report.findings] == ["warning"]
    assert report.findings[0].path == "$.mounts[0].destination"


def test_a_config_without_platform_object_is_read_as_linux() -> None:
    doc = {"ociVersion": "1.0.0", "root": {"path": "rootfs"}, "mounts": [{"destination": "x"}]}
    assert _codes(doc) == {"config.mount-destination-relative"}


def test_findings_name_requirement_level_and_json_path() -> None:
    report = validate_config(
        edited(put("hooks", {"prestart": [{"path": "true"}]})), where="bundle/config.json"
    )
    (finding,) = report.findings
    assert finding.line() == (
        "ERROR config.hooks.path-absolute (MUST) bundle/config.json "
        "$.hooks.prestart[0].path: 'true' is relative"
    )
