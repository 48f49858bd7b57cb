"""Checks of a runtime config.json: the bundled schema, then every author-side rule no schema says.

Schema violations become findings whose code depends on where they are (SCHEMA_CODES), so each
names the requirement it breaks; the rules beyond the schema follow the platform the config is
for (its linux, windows, solaris, freebsd, zos or vm object; none is taken as Linux, where the
rules that differ are only SHOULDs). Properties the spec does not define are ignored, as the
spec's extensibility section says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance.core.findings import Collector
from conformance.image.validator.values import GOARCH, GOOS, is_date_time
from conformance.schemas import errors as schema_errors
from conformance.schemas import json_path

#: SemVer 2.0.0 (semver.org's recommended expression).
SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
#: Linux resources getrlimit(2) knows.
LINUX_RLIMITS = frozenset(
    "RLIMIT_" + name
    for name in (
        *("AS", "CORE", "CPU", "DATA", "FSIZE", "LOCKS", "MEMLOCK", "MSGQUEUE"),
        *("NICE", "NOFILE", "NPROC", "RSS", "RTPRIO", "RTTIME", "SIGPENDING", "STACK"),
    )
)
#: Seccomp actions that return an errno, so errnoRet means something with them.
ERRNO_ACTIONS = frozenset({"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"})
#: The keys config.md's annotation table defines in the reserved org.opencontainers namespace.
PREDEFINED_ANNOTATIONS = frozenset(
    "org.opencontainers.image." + key
    for key in (
        "os",
        "os.version",
        "os.features",
        "architecture",
        "variant",
        "author",
        "created",
        "stopSignal",
    )
)
#: Other keys of the reserved namespace that other OCI specifications define: image-spec's
#: annotations (conversion.md copies image labels into annotations) and distribution-spec's.
OTHER_OCI_ANNOTATIONS = frozenset(
    {
        *(f"org.opencontainers.image.{key}" for key in ("url", "documentation", "source", "version")),
        *(f"org.opencontainers.image.{key}" for key in ("revision", "vendor", "licenses", "ref.name")),
        *(f"org.opencontainers.image.{key}" for key in ("title", "description", "base.digest", "base.name")),
        *(f"org.opencontainers.image.{key}" for key in ("authors", "exposedPorts")),
        "org.opencontainers.referrers.filtersApplied",
    }
)
#: Reverse domain notation (com.example.key): at least two dot-separated labels to begin with.
_REVERSE_DOMAIN = re.compile(r"[A-Za-z0-9-]+\.[A-Za-z0-9-]+")
_SIGNAL = re.compile(r"SIG[A-Z0-9]+(?:[+-][0-9]+)?|[0-9]+")
#: A Windows volume GUID path: \\?\Volume{GUID}\ (config.md's example).
_VOLUME_GUID = re.compile(r"\\\\\?\\Volume\{[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\}\\?")
_WINDOWS_ABSOLUTE = re.compile(r"(?:[A-Za-z]:\\|\\\\)")
_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_INDEX = re.compile(r"\[\d+\]")

#: (pattern on the normalized JSON path of the offending value, code): the first match wins. A
#: missing property is placed at its own path (`$.process.cwd`), array indices read `[]`.
SCHEMA_CODES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), code)
    for p, code in [
        (r"^\$$", "config.not-object"),
        (r"^\$\.ociVersion$", "config.ociversion-semver"),
        (r"^\$\.root(\.path)?$", "config.root-path"),
        (r"^\$\.mounts\[\]\.destination$", "config.mount-destination"),
        (r"Mappings\[\]\.containerID$", "linux.id-mapping-container-id"),
        (r"Mappings\[\]\.hostID$", "linux.id-mapping-host-id"),
        (r"Mappings\[\]\.size$", "linux.id-mapping-size"),
        (r"^\$\.process\.consoleSize\.height$", "config.console-height"),
        (r"^\$\.process\.consoleSize\.width$", "config.console-width"),
        (r"^\$\.process\.cwd$", "config.cwd"),
        (r"^\$\.process\.args(\[\])?$", "config.args"),
        (r"^\$\.process\.rlimits\[\]\.type$", "config.rlimit-type"),
        (r"^\$\.process\.rlimits\[\]\.soft$", "config.rlimit-soft"),
        (r"^\$\.process\.rlimits\[\]\.hard$", "config.rlimit-hard"),
        (r"^\$\.process\.scheduler\.policy$", "config.scheduler-policy"),
        (r"^\$\.process\.ioPriority\.class$", "config.io-priority-class"),
        (r"^\$\.process\.ioPriority\.priority$", "config.io-priority-priority"),
        (r"^\$\.process\.user\.uid$", "config.user-uid"),
        (r"^\$\.process\.user\.gid$", "config.user-gid"),
        (r"^\$\.hooks\.\w+\[\]\.path$", "config.hook-path"),
        (r"^\$\.hooks\.\w+\[\]\.timeout$", "config.hook-timeout"),
        (r"^\$\.hooks\.\w+(\[\])?$", "config.hooks-kind"),
        (r"^\$\.annotations$", "config.annotations-map"),
        (r"^\$\.annotations(\.|\[).+$", "config.annotation-value"),
        (r"^\$\.linux\.namespaces\[\]\.type$", "linux.namespace-type"),
        (r"^\$\.linux\.devices\[\]\.type$", "linux.device-type"),
        (r"^\$\.linux\.devices\[\]\.path$", "linux.device-path"),
        (r"^\$\.linux\.devices\[\]\.(major|minor)$", "linux.device-major-minor"),
        (r"^\$\.linux\.resources\.devices\[\]\.allow$", "linux.device-cgroup-allow"),
        (r"^\$\.linux\.resources\.blockIO\.weightDevice\[\]\.(major|minor)$", "linux.blkio-weight-device"),
        (
            r"^\$\.linux\.resources\.blockIO\.throttle\w+Device\[\]\.(major|minor)$",
            "linux.blkio-throttle-device",
        ),
        (r"^\$\.linux\.resources\.blockIO\.throttle\w+BpsDevice\[\]\.rate$", "linux.blkio-throttle-bps"),
        (r"^\$\.linux\.resources\.blockIO\.throttle\w+IOPSDevice\[\]\.rate$", "linux.blkio-throttle-iops"),
        (r"^\$\.linux\.resources\.hugepageLimits\[\]\.pageSize$", "linux.hugepage-size"),
        (r"^\$\.linux\.resources\.hugepageLimits\[\]\.limit$", "linux.hugepage-limit"),
        (r"^\$\.linux\.resources\.network\.priorities\[\]\.name$", "linux.net-priority-name"),
        (r"^\$\.linux\.resources\.network\.priorities\[\]\.priority$", "linux.net-priority-value"),
        (r"^\$\.linux\.intelRdt\.memBwSchema$", "linux.rdt-mb-format"),
        (r"^\$\.linux\.memoryPolicy\.mode$", "linux.memory-policy-mode"),
        (r"^\$\.linux\.seccomp\.defaultAction$", "linux.seccomp-default-action"),
        (r"^\$\.linux\.seccomp\.syscalls\[\]\.names(\[\])?$", "linux.seccomp-syscall-names"),
        (r"^\$\.linux\.seccomp\.syscalls\[\]\.action$", "linux.seccomp-syscall-action"),
        (r"^\$\.linux\.seccomp\.syscalls\[\]\.args\[\]\.index$", "linux.seccomp-arg-index"),
        (r"^\$\.linux\.seccomp\.syscalls\[\]\.args\[\]\.value$", "linux.seccomp-arg-value"),
        (r"^\$\.linux\.seccomp\.syscalls\[\]\.args\[\]\.op$", "linux.seccomp-arg-op"),
        (r"^\$\.linux\.personality\.domain$", "linux.personality-domain"),
        (r"^\$\.linux(\.|\[|$)", "config.linux-invalid"),
        (r"^\$\.solaris(\.|\[|$)", "config.solaris-invalid"),
        (r"^\$\.freebsd\.devices\[\]\.path$", "freebsd.device-path"),
        (r"^\$\.freebsd(\.|\[|$)", "config.freebsd-invalid"),
        (r"^\$\.zos\.namespaces\[\]\.type$", "zos.namespace-type"),
        (r"^\$\.zos(\.|\[|$)", "config.zos-invalid"),
        (r"^\$\.vm\.hypervisor\.path$", "vm.hypervisor-path"),
        (r"^\$\.vm\.kernel$", "vm.kernel"),
        (r"^\$\.vm\.kernel\.path$", "vm.kernel-path"),
        (r"^\$\.vm\.image\.path$", "vm.image-path"),
        (r"^\$\.vm\.image\.format$", "vm.image-format"),
        (r"^\$\.vm\.hwConfig\.iomems\[\]\.firstMFN$", "vm.iomem-first-mfn"),
        (r"^\$\.vm\.hwConfig\.iomems\[\]\.nrMFNs$", "vm.iomem-nr-mfns"),
        (r"^\$\.vm(\.|\[|$)", "config.vm-invalid"),
        (r"^\$\.windows\.layerFolders$", "windows.layer-folders"),
        (r"^\$\.windows\.devices\[\]\.id$", "windows.device-id"),
        (r"^\$\.windows\.devices\[\]\.idType$", "windows.device-id-type"),
        (r"^\$\.windows(\.|\[|$)", "windows.invalid"),
    ]
]
#: Codes whose "too short" violation is a rule of its own.
_TOO_SHORT = {"windows.layer-folders": "windows.layer-folders-empty"}
_PRESENCE = {"config.ociversion-semver": "config.ociversion-missing", "config.linux-invalid": None}


def schema_code(path: str, missing: bool, message: str) -> str:
    """The finding code of a schema violation at `path` (a missing property when `missing`)."""
    normal = _INDEX.sub("[]", path)
    for pattern, code in SCHEMA_CODES:
        if pattern.search(normal):
            if missing and code == "config.ociversion-semver":
                return "config.ociversion-missing"
            if code == "linux.seccomp-syscall-names" and ("non-empty" in message or "too short" in message):
                return "linux.seccomp-syscall-names-empty"
            if code in _TOO_SHORT and ("non-empty" in message or "too short" in message):
                return _TOO_SHORT[code]
            return code
    return "config.schema"


def check_schema(doc: Any, where: str, out: Collector) -> None:
    """Every violation of the bundled config schema, under the code of its place."""
    found = sorted(schema_errors("runtime/config", doc), key=lambda e: [str(p) for p in e.absolute_path])
    for error in found:
        parts = list(error.absolute_path)
        missing = error.validator == "required"
        if missing:
            match = _REQUIRED.match(error.message)
            if match:
                parts.append(match.group(1))
        path = json_path(parts)
        message = " ".join(error.message.splitlines())
        if len(message) > 200:
            message = message[:197] + "..."
        out.add(schema_code(path, missing, error.message), where, path, message)


# ------------------------------------------------------------------ the rules beyond the schema


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _items(doc: dict[str, Any], *keys: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, object) of each object in the array at doc[keys[0]][keys[1]]..."""
    value: Any = doc
    for key in keys:
        value = _obj(value).get(key)
    for index, item in enumerate(_list(value)):
        if isinstance(item, dict):
            yield index, item


def platforms(doc: dict[str, Any]) -> set[str]:
    """The platforms a config is for, by its platform objects; none means Linux."""
    found = {name for name in ("linux", "windows", "solaris", "freebsd", "zos") if name in doc}
    return found or {"linux"}


#: REQUIRED properties the bundled schema does not require: (path of the owning objects, key,
#: code, POSIX platforms only). Reported the way the schema reports a missing property.
PRESENCE: list[tuple[tuple[str, ...], str, str, bool]] = [
    (("process", "ioPriority"), "priority", "config.io-priority-priority", False),
    (("process", "ioPriority"), "class", "config.io-priority-class", False),
    (("process", "scheduler"), "policy", "config.scheduler-policy", False),
    (("process", "user"), "uid", "config.user-uid", True),
    (("process", "user"), "gid", "config.user-gid", True),
    (("linux", "memoryPolicy"), "mode", "linux.memory-policy-mode", False),
    (("linux", "personality"), "domain", "linux.personality-domain", False),
    (("linux", "seccomp"), "defaultAction", "linux.seccomp-default-action", False),
    (
        ("linux", "resources", "blockIO", "throttleReadBpsDevice", "[]"),
        "rate",
        "linux.blkio-throttle-bps",
        False,
    ),
    (
        ("linux", "resources", "blockIO", "throttleWriteBpsDevice", "[]"),
        "rate",
        "linux.blkio-throttle-bps",
        False,
    ),
    (
        ("linux", "resources", "blockIO", "throttleReadIOPSDevice", "[]"),
        "rate",
        "linux.blkio-throttle-iops",
        False,
    ),
    (
        ("linux", "resources", "blockIO", "throttleWriteIOPSDevice", "[]"),
        "rate",
        "linux.blkio-throttle-iops",
        False,
    ),
]


def _objects_at(
    doc: Any, keys: tuple[str, ...], parts: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """(path parts, object) of each object at keys ("[]" walks every element of an array)."""
    if not keys:
        if isinstance(doc, dict):
            yield parts, doc
        return
    key, rest = keys[0], keys[1:]
    if key == "[]":
        for index, item in enumerate(_list(doc)):
            yield from _objects_at(item, rest, (*parts, index))
    elif isinstance(doc, dict) and key in doc:
        yield from _objects_at(doc[key], rest, (*parts, key))


def _check_presence(doc: dict[str, Any], targets: set[str], where: str, out: Collector) -> None:
    for keys, key, code, posix in PRESENCE:
        if posix and "windows" in targets:
            continue
        for parts, owner in _objects_at(doc, keys):
            if key not in owner:
                out.add(code, where, json_path([*parts, key]), f"'{key}' is a required property")


def check_config(doc: Any, where: str, out: Collector) -> None:
    """Every check of a parsed config.json."""
    check_schema(doc, where, out)
    if not isinstance(doc, dict):
        return
    targets = platforms(doc)
    _check_presence(doc, targets, where, out)
    _check_version(doc, where, out)
    _check_root(doc, targets, where, out)
    _check_mounts(doc, targets, where, out)
    _check_process(doc, targets, where, out)
    _check_hooks(doc, targets, where, out)
    _check_annotations(doc, where, out)
    if isinstance(doc.get("linux"), dict):
        _check_linux(doc["linux"], where, out)
    if isinstance(doc.get("windows"), dict):
        _check_windows(doc["windows"], where, out)
    if isinstance(doc.get("vm"), dict):
        _check_vm(doc["vm"], where, out)
    if isinstance(doc.get("zos"), dict):
        _check_namespaces(doc["zos"], "$.zos", "zos", where, out)
    for index, device in _items(doc, "freebsd", "devices"):
        path = device.get("path")
        at = f"$.freebsd.devices[{index}].path"
        if path is None:
            out.add("freebsd.device-path", where, at, "a FreeBSD device rule has no path")
        elif isinstance(path, str) and (path.startswith("/") or ".." in path.split("/") or not path):
            out.add("freebsd.device-path", where, at, f"{path!r} is not a path relative to /dev")


def _check_version(doc: dict[str, Any], where: str, out: Collector) -> None:
    version = doc.get("ociVersion")
    if isinstance(version, str) and not SEMVER.fullmatch(version):
        out.add(
            "config.ociversion-semver", where, "$.ociVersion", f"{version!r} is not a SemVer 2.0.0 version"
        )


def _check_root(doc: dict[str, Any], targets: set[str], where: str, out: Collector) -> None:
    root = doc.get("root")
    windows = _obj(doc.get("windows")) if "windows" in doc else None
    if root is None:
        if windows is None:
            out.add("config.root-missing", where, "$.root", "root is required on every platform but Windows")
        elif "hyperv" not in windows:
            out.add(
                "windows.root-missing", where, "$.root", "a Windows Server container (no hyperv) needs root"
            )
        return
    if not isinstance(root, dict):
        return  # the schema says so
    if windows is not None and "hyperv" in windows:
        out.add(
            "windows.root-with-hyperv", where, "$.root", "a Hyper-V container (windows.hyperv) has no root"
        )
    path = root.get("path")
    if isinstance(path, str):
        if not path:
            out.add("config.root-path-empty", where, "$.root.path", "root.path is empty")
        elif windows is not None:
            if not _VOLUME_GUID.fullmatch(path):
                out.add("windows.root-path-guid", where, "$.root.path", f"{path!r} is not a volume GUID path")
        elif path != "rootfs":
            out.add(
                "config.root-path-not-rootfs",
                where,
                "$.root.path",
                f"{path!r} is not the conventional rootfs",
            )
    if windows is not None and root.get("readonly") is True:
        out.add(
            "windows.root-readonly", where, "$.root.readonly", "on Windows root.readonly is omitted or false"
        )


def _check_mounts(doc: dict[str, Any], targets: set[str], where: str, out: Collector) -> None:
    windows_destinations: list[tuple[int, str]] = []
    for index, mount in _items(doc, "mounts"):
        at = f"$.mounts[{index}]"
        destination = mount.get("destination")
        if isinstance(destination, str):
            if "windows" in targets:
                if not _WINDOWS_ABSOLUTE.match(destination):
                    out.add(
                        "windows.mount-destination-relative",
                        where,
                        f"{at}.destination",
                        f"{destination!r} is relative",
                    )
                windows_destinations.append((index, destination))
            if not destination.startswith("/"):
                if "solaris" in targets:
                    out.add(
                        "solaris.mount-destination-relative",
                        where,
                        f"{at}.destination",
                        f"{destination!r} is relative",
                    )
                if targets & {"freebsd", "zos"}:
                    out.add(
                        "config.mount-destination-other-relative",
                        where,
                        f"{at}.destination",
                        f"{destination!r} is relative",
                    )
                if "linux" in targets:
                    message = f"{destination!r} is relative (deprecated; read as relative to /)"
                    out.add("config.mount-destination-relative", where, f"{at}.destination", message)
        uid, gid = "uidMappings" in mount, "gidMappings" in mount
        if uid and not gid:
            out.add(
                "config.mount-uid-without-gid", where, f"{at}.uidMappings", "uidMappings without gidMappings"
            )
        if gid and not uid:
            out.add(
                "config.mount-gid-without-uid", where, f"{at}.gidMappings", "gidMappings without uidMappings"
            )
        options = _list(mount.get("options"))
        if not {"idmap", "ridmap"} & {o for o in options if isinstance(o, str)}:
            for key, code in (
                ("uidMappings", "config.mount-uid-mappings-no-idmap"),
                ("gidMappings", "config.mount-gid-mappings-no-idmap"),
            ):
                if key in mount:
                    out.add(
                        code,
                        where,
                        f"{at}.options",
                        f"{key} is set but options list neither idmap nor ridmap",
                    )
    folded = [(index, d.rstrip("\\").lower()) for index, d in windows_destinations]
    for index, destination in folded:
        for other_index, other in folded:
            if other_index != index and destination.startswith(other + "\\"):
                message = f"{windows_destinations[index][1]!r} lies under mount {other_index}'s destination"
                out.add("windows.mount-destination-nested", where, f"$.mounts[{index}].destination", message)


def _check_process(doc: dict[str, Any], targets: set[str], where: str, out: Collector) -> None:
    process = doc.get("process")
    if not isinstance(process, dict):
        return
    windows = "windows" in targets
    cwd = process.get("cwd")
    if isinstance(cwd, str):
        absolute = cwd.startswith("/") or (windows and _WINDOWS_ABSOLUTE.match(cwd) is not None)
        if not absolute:
            out.add("config.cwd-relative", where, "$.process.cwd", f"{cwd!r} is not an absolute path")
    args = process.get("args")
    if windows:
        if args is None and "commandLine" not in process:
            out.add(
                "config.command-line-missing", where, "$.process", "neither args nor commandLine is given"
            )
    elif args is None:
        out.add("config.args", where, "$.process.args", "process.args is required (non-Windows)")
    elif isinstance(args, list) and not args:
        out.add("config.args", where, "$.process.args", "process.args has no element")
    seen: dict[str, int] = {}
    for index, rlimit in _items(process, "rlimits"):
        kind = rlimit.get("type")
        if not isinstance(kind, str):
            continue
        if kind in seen:
            message = f"{kind} is also rlimits[{seen[kind]}]'s type"
            out.add("config.rlimit-duplicate", where, f"$.process.rlimits[{index}].type", message)
        seen.setdefault(kind, index)
        if targets == {"linux"} and kind not in LINUX_RLIMITS and re.fullmatch(r"RLIMIT_[A-Z]+", kind):
            message = f"{kind} is not a Linux resource"
            out.add("config.rlimit-unknown", where, f"$.process.rlimits[{index}].type", message)


def _check_hooks(doc: dict[str, Any], targets: set[str], where: str, out: Collector) -> None:
    hooks = doc.get("hooks")
    if not isinstance(hooks, dict):
        return
    for kind, entries in hooks.items():
        for index, hook in enumerate(_list(entries)):
            path = _obj(hook).get("path")
            if isinstance(path, str) and not (path.startswith("/") or _WINDOWS_ABSOLUTE.match(path)):
                out.add(
                    "config.hook-path-relative",
                    where,
                    json_path(["hooks", kind, index, "path"]),
                    f"{path!r} is relative",
                )


def _check_annotations(doc: dict[str, Any], where: str, out: Collector) -> None:
    annotations = doc.get("annotations")
    if not isinstance(annotations, dict):
        return
    for key, value in annotations.items():
        at = json_path(["annotations", key])
        if key == "":
            out.add("config.annotation-key-empty", where, at, "an annotation key is the empty string")
            continue
        if key.startswith("org.opencontainers."):
            if key not in PREDEFINED_ANNOTATIONS and key not in OTHER_OCI_ANNOTATIONS:
                message = (
                    f"{key!r} is in the reserved org.opencontainers namespace but no OCI spec defines it"
                )
                out.add("config.annotation-reserved", where, at, message)
            elif isinstance(value, str):
                _check_image_value(key, value, where, at, out)
        elif not _REVERSE_DOMAIN.match(key):
            out.add(
                "config.annotation-key-not-reverse-domain",
                where,
                at,
                f"{key!r} is not in reverse domain notation",
            )


def _check_image_value(key: str, value: str, where: str, at: str, out: Collector) -> None:
    name = key.removeprefix("org.opencontainers.image.")
    if name == "created" and not is_date_time(value):
        out.add("config.annotation-image-created", where, at, f"{value!r} is not an RFC 3339 date-time")
    elif name == "os" and value not in GOOS:
        out.add("config.annotation-image-value", where, at, f"{value!r} is not a GOOS value")
    elif name == "architecture" and value not in GOARCH:
        out.add("config.annotation-image-value", where, at, f"{value!r} is not a GOARCH value")
    elif name == "stopSignal" and not _SIGNAL.fullmatch(value):
        out.add(
            "config.annotation-image-value", where, at, f"{value!r} is not a signal name (SIGNAME) or number"
        )


def _check_namespaces(owner: dict[str, Any], base: str, prefix: str, where: str, out: Collector) -> None:
    seen: dict[str, int] = {}
    for index, namespace in _items(owner, "namespaces"):
        at = f"{base}.namespaces[{index}]"
        path = namespace.get("path")
        if isinstance(path, str) and not path.startswith("/"):
            out.add(f"{prefix}.namespace-path-relative", where, f"{at}.path", f"{path!r} is not absolute")
        kind = namespace.get("type")
        if isinstance(kind, str):
            if kind in seen:
                message = f"type {kind!r} is also namespaces[{seen[kind]}]'s"
                out.add(f"{prefix}.namespace-duplicate", where, f"{at}.type", message)
            seen.setdefault(kind, index)


def _check_linux(linux: dict[str, Any], where: str, out: Collector) -> None:
    _check_namespaces(linux, "$.linux", "linux", where, out)
    devices: dict[tuple[Any, Any, Any], int] = {}
    for index, device in _items(linux, "devices"):
        at = f"$.linux.devices[{index}]"
        path = device.get("path")
        if isinstance(path, str) and not path.startswith("/"):
            out.add("linux.device-path", where, f"{at}.path", f"{path!r} is not the full path of the device")
        kind = device.get("type")
        if kind in ("c", "b", "u"):
            for key in ("major", "minor"):
                if key not in device:
                    out.add(
                        "linux.device-major-minor", where, f"{at}.{key}", f"a type {kind} device needs {key}"
                    )
            triple = (kind, device.get("major"), device.get("minor"))
            if triple in devices:
                message = f"type {kind} {triple[1]}:{triple[2]} is also devices[{devices[triple]}]"
                out.add("linux.device-duplicate", where, at, message)
            devices.setdefault(triple, index)
    cgroups_path = linux.get("cgroupsPath")
    if cgroups_path == "":
        out.add(
            "linux.cgroups-path-empty", where, "$.linux.cgroupsPath", "cgroupsPath is empty: no path at all"
        )
    for key, name in (("readonlyPaths", "readonly-path"), ("maskedPaths", "masked-path")):
        for index, value in enumerate(_list(linux.get(key))):
            if isinstance(value, str) and not value.startswith("/"):
                out.add(
                    f"linux.{name}-relative", where, f"$.linux.{key}[{index}]", f"{value!r} is not absolute"
                )
    resources = _obj(linux.get("resources"))
    memory = _obj(resources.get("memory"))
    if "kernel" in memory:
        out.add(
            "linux.memory-kernel", where, "$.linux.resources.memory.kernel", "a kernel memory limit is set"
        )
    if "kernelTCP" in memory:
        out.add(
            "linux.memory-kernel-tcp",
            where,
            "$.linux.resources.memory.kernelTCP",
            "a kernel TCP limit is set",
        )
    cpu = _obj(resources.get("cpu"))
    quota, burst = cpu.get("quota"), cpu.get("burst")
    if isinstance(quota, int) and isinstance(burst, int) and quota > 0 and burst > quota:
        message = f"quota {quota} is smaller than burst {burst}"
        out.add("linux.cpu-quota-below-burst", where, "$.linux.resources.cpu.quota", message)
        message = f"burst {burst} is larger than quota {quota}"
        out.add("linux.cpu-burst-above-quota", where, "$.linux.resources.cpu.burst", message)
    for index, entry in _items(resources, "blockIO", "weightDevice"):
        if "weight" not in entry and "leafWeight" not in entry:
            at = f"$.linux.resources.blockIO.weightDevice[{index}]"
            out.add("linux.blkio-weight-device-weight", where, at, "neither weight nor leafWeight is set")
    for name, entry in _obj(resources.get("rdma")).items():
        if isinstance(entry, dict) and "hcaHandles" not in entry and "hcaObjects" not in entry:
            at = json_path(["linux", "resources", "rdma", name])
            out.add("linux.rdma-hca", where, at, "neither hcaHandles nor hcaObjects is set")
    rdt = _obj(linux.get("intelRdt"))
    l3 = rdt.get("l3CacheSchema")
    if isinstance(l3, str) and (not l3.startswith("L3:") or "\n" in l3):
        out.add(
            "linux.rdt-l3-format",
            where,
            "$.linux.intelRdt.l3CacheSchema",
            "does not start with L3: or holds a newline",
        )
    for index, line in enumerate(_list(rdt.get("schemata"))):
        if isinstance(line, str) and "\n" in line:
            out.add(
                "linux.rdt-schemata-newline", where, f"$.linux.intelRdt.schemata[{index}]", "holds a newline"
            )
    seccomp = _obj(linux.get("seccomp"))
    if "listenerMetadata" in seccomp and "listenerPath" not in seccomp:
        out.add(
            "linux.seccomp-listener-metadata",
            where,
            "$.linux.seccomp.listenerMetadata",
            "listenerPath is not set",
        )
    default = seccomp.get("defaultAction")
    if "defaultErrnoRet" in seccomp and isinstance(default, str) and default not in ERRNO_ACTIONS:
        message = f"defaultErrnoRet with defaultAction {default}, which returns no errno"
        out.add("linux.seccomp-default-errno", where, "$.linux.seccomp.defaultErrnoRet", message)
    for index, rule in _items(seccomp, "syscalls"):
        action = rule.get("action")
        if "errnoRet" in rule and isinstance(action, str) and action not in ERRNO_ACTIONS:
            message = f"errnoRet with action {action}, which returns no errno"
            out.add("linux.seccomp-errno", where, f"$.linux.seccomp.syscalls[{index}].errnoRet", message)


def _check_windows(windows: dict[str, Any], where: str, out: Collector) -> None:
    cpu = _obj(_obj(windows.get("resources")).get("cpu"))
    affinity = cpu.get("affinity")
    entries = [affinity] if isinstance(affinity, dict) else _list(affinity)
    for index, entry in enumerate(entries):
        at = "$.windows.resources.cpu.affinity" + (f"[{index}]" if isinstance(affinity, list) else "")
        if isinstance(entry, dict):
            if "mask" not in entry:
                out.add("windows.affinity-mask", where, f"{at}.mask", "a CPU affinity entry has no mask")
            if "group" not in entry:
                out.add("windows.affinity-group", where, f"{at}.group", "a CPU affinity entry has no group")


def _check_vm(vm: dict[str, Any], where: str, out: Collector) -> None:
    checks = (
        ("hypervisor", "path", "vm.hypervisor-path-relative"),
        ("kernel", "path", "vm.kernel-path-relative"),
        ("kernel", "initrd", "vm.kernel-path-relative"),
        ("image", "path", "vm.image-path-relative"),
    )
    for owner, key, code in checks:
        value = _obj(vm.get(owner)).get(key)
        if isinstance(value, str) and not value.startswith("/"):
            out.add(code, where, f"$.vm.{owner}.{key}", f"{value!r} is not absolute")
