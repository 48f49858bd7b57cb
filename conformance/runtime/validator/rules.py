"""Finding codes of the runtime bundle validator, each tied to the runtime-spec requirement it checks.

Author-side rules (covers=True) check a requirement that binds whoever writes the bundle: the
catalog entry counts as covered by the rule (`oci-conformance coverage`, results.json
`checked_by`, certification `explained`). Rules with covers=False recognize content a runtime
must refuse (duplicate namespace types, an errnoRet with a non-errno action, ...) or check a
document a runtime produces (state, features): their requirement binds the runtime, and only a
test of the runtime covers it.

As in the image validator, MUST findings are errors and SHOULD/MAY findings are warnings; a rule
is never stronger than its requirement except where the spec's own schema refuses a document
although the catalog entry is a MAY (STRONGER_THAN_CATALOG), and a few heuristic checks are
reported at SHOULD although their requirement is a MUST.
"""

from __future__ import annotations

from conformance.core.findings import Rule, rule_table

__all__ = ["RULES", "STRONGER_THAN_CATALOG", "Rule"]

RULES: dict[str, Rule] = rule_table(
    # -- the bundle directory
    ("bundle.not-a-directory", "bundle.config.required", "MUST", "a bundle is a directory"),
    ("bundle.config-missing", "bundle.config.required", "MUST", "config.json is at the top of the bundle"),
    ("bundle.config-unreadable", "bundle.config.required", "MUST", "config.json can be read"),
    ("bundle.root-missing", "config.root.path-exists", "MUST", "a directory exists at root.path"),
    # -- config.json as JSON
    ("config.not-utf8", "glossary.json.utf8", "MUST", "config.json is UTF-8 text"),
    ("config.not-json", "glossary.json.utf8", "MUST", "config.json is JSON text"),
    ("config.duplicate-name", "glossary.json.no-duplicate-names", "MUST", "no object repeats a member name"),
    ("config.not-object", "config.ociversion.required", "MUST", "config.json is a JSON object"),
    ("config.schema", "config.valid-values.error", "MUST", "a value has the type and form the spec gives", False),
    # -- config.md
    ("config.ociversion-missing", "config.ociversion.required", "MUST", "ociVersion is present"),
    ("config.ociversion-semver", "config.ociversion", "MUST", "ociVersion is a SemVer 2.0.0 string"),
    ("config.root-missing", "config.root.required", "MUST", "root is present (every platform but Windows)"),
    ("config.root-path", "config.root.path", "MUST", "root.path is a string"),
    ("config.root-path-not-rootfs", "config.root.path-rootfs", "SHOULD", "root.path is the conventional rootfs"),
    ("config.root-path-empty", "config.root.path", "MUST", "root.path names a path"),
    ("config.mount-destination", "config.mounts.destination", "MUST", "each mount has a destination string"),
    (
        "config.mount-destination-relative",
        "config.mounts.destination-linux-absolute",
        "SHOULD",
        "a Linux mount destination is absolute (relative is deprecated but allowed)",
    ),
    (
        "config.mount-uid-without-gid",
        "config.posix-mounts.uid-mappings-with-gid",
        "MUST",
        "a mount with uidMappings has gidMappings",
    ),
    (
        "config.mount-gid-without-uid",
        "config.posix-mounts.gid-mappings-with-uid",
        "MUST",
        "a mount with gidMappings has uidMappings",
    ),
    (
        "config.mount-uid-mappings-no-idmap",
        "config.posix-mounts.uid-mappings-idmap-option",
        "SHOULD",
        "a mount with uidMappings lists idmap or ridmap",
    ),
    (
        "config.mount-gid-mappings-no-idmap",
        "config.posix-mounts.gid-mappings-idmap-option",
        "SHOULD",
        "a mount with gidMappings lists idmap or ridmap",
    ),
    ("config.console-height", "config.process.console-size-height", "MUST", "consoleSize has a height"),
    ("config.console-width", "config.process.console-size-width", "MUST", "consoleSize has a width"),
    ("config.cwd", "config.process.cwd", "MUST", "process.cwd is a string"),
    ("config.cwd-relative", "config.process.cwd-absolute", "MUST", "process.cwd is an absolute path"),
    ("config.args", "config.process.args", "MUST", "process.args has at least one element (non-Windows)"),
    (
        "config.command-line-missing",
        "config.process.command-line-windows",
        "MUST",
        "on Windows, commandLine is given when args is not",
    ),
    ("config.rlimit-type", "config.process.rlimits.type", "MUST", "each rlimit names its type"),
    ("config.rlimit-soft", "config.process.rlimits.soft-required", "MUST", "each rlimit has a soft value"),
    ("config.rlimit-hard", "config.process.rlimits.hard-required", "MUST", "each rlimit has a hard value"),
    (
        "config.rlimit-duplicate",
        "config.process.rlimits.duplicate",
        "MUST",
        "no two rlimits share a type (a runtime refuses the configuration)",
        False,
    ),
    (
        "config.rlimit-unknown",
        "config.process.rlimits.type-unmappable",
        "MUST",
        "a Linux rlimit type is a resource of the kernel (a runtime refuses others)",
        False,
    ),
    ("config.scheduler-policy", "config.process.scheduler-policy", "MUST", "scheduler names its policy"),
    ("config.io-priority-class", "config.process.io-priority-class", "MUST", "ioPriority names its class"),
    ("config.io-priority-priority", "config.process.io-priority-priority", "MUST", "ioPriority has a priority"),
    ("config.user-uid", "config.process.user.uid", "MUST", "user.uid is present"),
    ("config.user-gid", "config.process.user.gid", "MUST", "user.gid is present"),
    ("config.hooks-kind", "config.hooks.kinds", "MUST", "each hook list is an array of hooks"),
    ("config.hook-path", "config.hooks.path-required", "MUST", "each hook has a path"),
    ("config.hook-path-relative", "config.hooks.path-absolute", "MUST", "a hook path is absolute"),
    ("config.hook-timeout", "config.hooks.timeout-positive", "MUST", "a hook timeout is greater than zero"),
    ("config.annotations-map", "config.annotations.map", "MUST", "annotations is a map"),
    ("config.annotation-key-empty", "config.annotations.keys-non-empty", "MUST", "no annotation key is empty"),
    ("config.annotation-value", "config.annotations.values", "MUST", "annotation values are strings"),
    (
        "config.annotation-key-not-reverse-domain",
        "config.annotations.keys-reverse-domain",
        "SHOULD",
        "annotation keys use reverse domain notation",
    ),
    (
        "config.annotation-reserved",
        "config.annotations.reserved-namespace",
        "SHOULD",
        "org.opencontainers keys are the ones the section describes (heuristic: other OCI specs define more)",
    ),
    (
        "config.annotation-image-created",
        "config.annotations.image-values",
        "MUST",
        "org.opencontainers.image.created is an RFC 3339 date-time, as the image spec's created",
    ),
    (
        "config.annotation-image-value",
        "config.annotations.image-values",
        "SHOULD",
        "a predefined org.opencontainers.image.* value is one the image spec lists (heuristic)",
    ),
    # -- platform objects (their shape, by the schema)
    ("config.linux-invalid", "config.platform.linux", "MUST", "the linux object has the shape config-linux.md gives"),
    ("config.solaris-invalid", "config.platform.solaris", "MUST", "the solaris object has the shape config-solaris.md gives"),
    ("config.freebsd-invalid", "config.platform.freebsd", "MUST", "the freebsd object has the shape config-freebsd.md gives"),
    ("config.zos-invalid", "config.platform.zos", "MUST", "the zos object has the shape config-zos.md gives"),
    ("config.vm-invalid", "config.platform.vm", "MUST", "the vm object has the shape config-vm.md gives"),
    # -- other platforms: root and mount destinations
    ("windows.root-missing", "config.root.windows-required", "MUST", "a Windows Server container has root"),
    ("windows.root-with-hyperv", "config.root.hyperv-unset", "MUST", "a Hyper-V container has no root"),
    ("windows.root-path-guid", "config.root.path-windows-guid", "MUST", "on Windows root.path is a volume GUID path"),
    ("windows.root-readonly", "config.root.readonly-windows", "MUST", "on Windows root.readonly is absent or false"),
    (
        "windows.mount-destination-relative",
        "config.mounts.destination-windows-absolute",
        "MUST",
        "a Windows mount destination is absolute",
    ),
    (
        "windows.mount-destination-nested",
        "config.mounts.destination-windows-not-nested",
        "MUST",
        "no Windows mount destination is nested in another",
    ),
    (
        "solaris.mount-destination-relative",
        "config.mounts.destination-solaris-absolute",
        "MUST",
        "a Solaris mount destination is absolute",
    ),
    (
        "config.mount-destination-other-relative",
        "config.mounts.destination-other-absolute",
        "MUST",
        "a mount destination on FreeBSD or z/OS is absolute",
    ),
    # -- config-linux.md
    ("linux.namespace-type", "config-linux.namespaces.type-required", "MUST", "each namespace has a known type"),
    ("linux.namespace-path-relative", "config-linux.namespaces.path-absolute", "MUST", "a namespace path is absolute"),
    (
        "linux.namespace-duplicate",
        "config-linux.namespaces.duplicate",
        "MUST",
        "no two namespaces share a type (a runtime refuses the configuration)",
        False,
    ),
    ("linux.id-mapping-container-id", "config-linux.userns-mappings.container-id", "MUST", "an id mapping has containerID"),
    ("linux.id-mapping-host-id", "config-linux.userns-mappings.host-id", "MUST", "an id mapping has hostID"),
    ("linux.id-mapping-size", "config-linux.userns-mappings.size", "MUST", "an id mapping has size"),
    ("linux.device-type", "config-linux.devices.type", "MUST", "a device has type c, b, u or p"),
    ("linux.device-path", "config-linux.devices.path", "MUST", "a device has the full (absolute) path of its node"),
    ("linux.device-major-minor", "config-linux.devices.major-minor", "MUST", "a device other than p has major and minor"),
    ("linux.device-duplicate", "config-linux.devices.unique", "SHOULD", "no two devices share type, major and minor"),
    ("linux.device-cgroup-allow", "config-linux.device-cgroup.allow", "MUST", "a device cgroup rule has allow"),
    ("linux.cgroups-path-empty", "config-linux.cgroups-path.form", "MUST", "cgroupsPath is an absolute or a relative path"),
    ("linux.memory-kernel", "config-linux.memory.kernel", "SHOULD", "no kernel memory limit is set"),
    ("linux.memory-kernel-tcp", "config-linux.memory.kernel-tcp", "SHOULD", "no kernel TCP memory limit is set"),
    ("linux.cpu-quota-below-burst", "config-linux.cpu.quota-burst", "MUST", "a positive quota is at least burst"),
    ("linux.cpu-burst-above-quota", "config-linux.cpu.burst-quota", "MUST", "burst is no larger than a positive quota"),
    (
        "linux.blkio-weight-device",
        "config-linux.blkio.weight-device.major-minor",
        "MUST",
        "a blkio weight device has major and minor",
    ),
    (
        "linux.blkio-weight-device-weight",
        "config-linux.blkio.weight-device.weight",
        "MUST",
        "a blkio weight device sets weight or leafWeight",
    ),
    ("linux.blkio-throttle-device", "config-linux.blkio.throttle.major-minor", "MUST", "a throttle device has major and minor"),
    ("linux.blkio-throttle-bps", "config-linux.blkio.throttle.bps-rate", "MUST", "a bps throttle has its rate"),
    ("linux.blkio-throttle-iops", "config-linux.blkio.throttle.iops-rate", "MUST", "an iops throttle has its rate"),
    ("linux.hugepage-size", "config-linux.hugepage-limits.page-size", "MUST", "a hugepage limit has a page size"),
    ("linux.hugepage-limit", "config-linux.hugepage-limits.limit", "MUST", "a hugepage limit has its limit"),
    ("linux.net-priority-name", "config-linux.network.priority-name", "MUST", "a network priority names an interface"),
    ("linux.net-priority-value", "config-linux.network.priority-value", "MUST", "a network priority has its priority"),
    ("linux.rdma-hca", "config-linux.rdma.hca", "MUST", "an RDMA limit sets hcaHandles or hcaObjects"),
    ("linux.rdt-l3-format", "config-linux.intel-rdt.l3-format", "SHOULD", "l3CacheSchema starts with L3: and has no newline"),
    ("linux.rdt-mb-format", "config-linux.intel-rdt.mb-format", "MUST", "memBwSchema starts with MB: and has no newline"),
    ("linux.rdt-schemata-newline", "config-linux.intel-rdt.schemata-format", "MUST", "schemata entries have no newline"),
    ("linux.memory-policy-mode", "config-linux.memory-policy.mode", "MUST", "memoryPolicy names its mode"),
    ("linux.seccomp-default-action", "config-linux.seccomp.default-action", "MUST", "seccomp has defaultAction"),
    (
        "linux.seccomp-listener-metadata",
        "config-linux.seccomp.listener-metadata",
        "MUST",
        "listenerMetadata comes with listenerPath",
    ),
    ("linux.seccomp-syscall-names", "config-linux.seccomp.syscall-names", "MUST", "a syscall rule has names"),
    (
        "linux.seccomp-syscall-names-empty",
        "config-linux.seccomp.syscall-names-non-empty",
        "MUST",
        "a syscall rule names at least one syscall",
    ),
    ("linux.seccomp-syscall-action", "config-linux.seccomp.syscall-action", "MUST", "a syscall rule has its action"),
    ("linux.seccomp-arg-index", "config-linux.seccomp.arg-index", "MUST", "an argument condition has index"),
    ("linux.seccomp-arg-value", "config-linux.seccomp.arg-value", "MUST", "an argument condition has value"),
    ("linux.seccomp-arg-op", "config-linux.seccomp.arg-op", "MUST", "an argument condition has op"),
    (
        "linux.seccomp-default-errno",
        "config-linux.seccomp.default-errno-unsupported",
        "MUST",
        "defaultErrnoRet only with an errno-returning default action (a runtime refuses others)",
        False,
    ),
    (
        "linux.seccomp-errno",
        "config-linux.seccomp.errno-unsupported",
        "MUST",
        "errnoRet only with an errno-returning action (a runtime refuses others)",
        False,
    ),
    ("linux.masked-path-relative", "config-linux.masked-paths.absolute", "MUST", "maskedPaths entries are absolute"),
    ("linux.readonly-path-relative", "config-linux.readonly-paths.absolute", "MUST", "readonlyPaths entries are absolute"),
    ("linux.personality-domain", "config-linux.personality.domain", "MUST", "personality names LINUX or LINUX32"),
    # -- config-windows.md, config-vm.md, config-zos.md, config-freebsd.md
    ("windows.layer-folders", "config-windows.layer-folders.required", "MUST", "windows.layerFolders is present"),
    ("windows.layer-folders-empty", "config-windows.layer-folders.non-empty", "MUST", "layerFolders has an element"),
    ("windows.device-id", "config-windows.devices.id", "MUST", "a Windows device has an id"),
    ("windows.device-id-type", "config-windows.devices.id-type", "MUST", "a Windows device has an idType"),
    ("windows.affinity-mask", "config-windows.cpu.affinity-mask", "MUST", "a CPU affinity entry has mask"),
    ("windows.affinity-group", "config-windows.cpu.affinity-group", "MUST", "a CPU affinity entry has group"),
    ("windows.invalid", "config.platform.windows", "MUST", "the windows object has the shape config-windows.md gives"),
    ("vm.hypervisor-path", "config-vm.hypervisor.path", "MUST", "hypervisor has a path"),
    ("vm.hypervisor-path-relative", "config-vm.hypervisor.path-absolute", "MUST", "the hypervisor path is absolute"),
    ("vm.kernel", "config-vm.kernel.required", "MUST", "vm has a kernel"),
    ("vm.kernel-path", "config-vm.kernel.path", "MUST", "the kernel has a path"),
    ("vm.kernel-path-relative", "config-vm.kernel.path-absolute", "MUST", "kernel and initrd paths are absolute"),
    ("vm.image-path", "config-vm.image.path", "MUST", "the image has a path"),
    ("vm.image-path-relative", "config-vm.image.path-absolute", "MUST", "the image path is absolute"),
    ("vm.image-format", "config-vm.image.format", "MUST", "the image has a format"),
    ("vm.iomem-first-mfn", "config-vm.hwconfig.iomem-first-mfn", "MUST", "an iomem region has firstMFN"),
    ("vm.iomem-nr-mfns", "config-vm.hwconfig.iomem-nr-mfns", "MUST", "an iomem region has nrMFNs"),
    ("zos.namespace-type", "config-zos.namespaces.type", "MUST", "a z/OS namespace has a type"),
    ("zos.namespace-path-relative", "config-zos.namespaces.path-absolute", "MUST", "a z/OS namespace path is absolute"),
    (
        "zos.namespace-duplicate",
        "config-zos.namespaces.duplicate",
        "MUST",
        "no two z/OS namespaces share a type (a runtime refuses the configuration)",
        False,
    ),
    ("freebsd.device-path", "config-freebsd.devices.path", "MUST", "a FreeBSD device rule path is under /dev"),
    # -- the state a runtime reports (runtime.md)
    ("state.not-json", "runtime.state.schema", "MUST", "the state is a JSON object", False),
    ("state.schema", "runtime.state.schema", "MUST", "the state validates against its schema", False),
    ("state.ociversion", "runtime.state.ociversion", "MUST", "the state has a SemVer ociVersion", False),
    ("state.id", "runtime.state.id", "MUST", "the state has the container id", False),
    ("state.status", "runtime.state.status", "MUST", "the state has a status string", False),
    ("state.pid", "runtime.state.pid", "MUST", "a created or running container's state has pid", False),
    ("state.bundle", "runtime.state.bundle", "MUST", "the state has the absolute bundle path", False),
    ("state.annotations", "runtime.state.annotations", "MUST", "state annotations are a map of strings", False),
    # -- the features a runtime reports (features.md)
    ("features.not-json", "features.specification-version.min", "MUST", "features is a JSON object", False),
    ("features.schema", "features.structure.provide", "MUST", "features validates against its schema", False),
    ("features.oci-version-min", "features.specification-version.min", "MUST", "features has ociVersionMin", False),
    ("features.oci-version-max", "features.specification-version.max", "MUST", "features has ociVersionMax", False),
    (
        "features.max-below-min",
        "features.specification-version.max-not-below-min",
        "MUST",
        "ociVersionMax is not lower than ociVersionMin",
        False,
    ),
    ("features.annotations", "features.annotations.map", "MUST", "features annotations are a map of strings", False),
)

#: Rules stronger than their catalog entry, and why: the entry is a permission (MAY: a config may
#: carry a linux object, may hold the hook lists), but the object or list it permits has a shape
#: the schema gives, and the spec's own schema tests refuse a config whose object breaks it.
STRONGER_THAN_CATALOG = {
    "config.hooks-kind": "each hook list the section defines is an array of hook objects",
    "config.linux-invalid": "schema/test/config/bad/linux-*.json are refused",
    "config.solaris-invalid": "the solaris object is described by schema/config-solaris.json",
    "config.freebsd-invalid": "schema/test/config/bad/freebsd-vnet-disable.json is refused",
    "config.zos-invalid": "the zos object is described by schema/config-zos.json",
    "config.vm-invalid": "the vm object is described by schema/config-vm.json",
    "features.schema": "schema/test/features/bad/*.json are refused",
    "state.annotations": "state annotations, when present, are a map of strings (schema/state-schema.json)",
}
