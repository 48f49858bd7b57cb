"""Mounts a matrix cannot express: root.path forms, id-mapped mounts of a host directory the
test prepares, and the mount options a runtime's features document advertises."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.core.errors import ProbeError
from conformance.runtime import host
from conformance.runtime.bundle.config import default_config
from conformance.runtime.bundle.probe import parse_report

requirement = pytest.mark.requirement

#: Parameters tmpfs itself takes as mount data (filesystem-specific, mount(2)'s data argument).
TMPFS_PARAMETERS = {
    "size",
    "nr_blocks",
    "nr_inodes",
    "mode",
    "uid",
    "gid",
    "huge",
    "mpol",
    "inode32",
    "inode64",
}

HOST_UID = 1000
#: An id-mapped mount's mapping: what the source filesystem calls HOST_UID shows as 0.
MAPPINGS = {
    "uidMappings": [{"containerID": 0, "hostID": HOST_UID, "size": 1}],
    "gidMappings": [{"containerID": 0, "hostID": HOST_UID, "size": 1}],
}


def _bind(destination: str, source: Path, *options: str) -> dict:
    return {"destination": destination, "type": "bind", "source": str(source), "options": list(options)}


def _with_mounts(*extra: dict) -> dict:
    return {"mounts": [*default_config()["mounts"], *extra]}


def _run_to_report(container, requirements: list[str]):
    created = container.create()
    check(requirements, created.ok, "create succeeds", "exit 0", created.describe())
    started = container.start()
    check(requirements, started.ok, "start succeeds", "exit 0", started.describe())
    container.wait_status("stopped", 30)
    try:
        return parse_report(container.bundle.stdout)
    except ProbeError as exc:
        check(requirements, False, "the probe reports", "a probe report", str(exc))
        raise


# -- root ----------------------------------------------------------------------------------------


@requirement("config.root.path")
def test_root_path_relative_and_absolute(make_container) -> None:
    """The same rootfs named relative to the bundle (the default) and by its absolute path."""
    for form in ("relative", "absolute"):
        container = make_container(hint=f"root-{form}")
        rootfs = container.bundle.rootfs
        (rootfs / "marker").write_text(f"{form}\n")
        container.bundle.probe_requests(["file /marker"])
        if form == "absolute":
            config = dict(container.bundle.config, root={"path": str(rootfs.resolve()), "readonly": False})
            container.bundle.write_config(config)
        report = _run_to_report(container, ["config.root.path"])
        check_equal(
            "config.root.path", f"/marker with root.path {form}", f"{form}\n", report.files.get("/marker")
        )


@requirement("config.root.path-exists")
def test_root_path_that_does_not_exist_is_an_error(make_container, state_entries) -> None:
    container = make_container(hint="root-missing")
    config = dict(container.bundle.config, root={"path": "no-such-rootfs", "readonly": False})
    container.bundle.write_config(config)
    created = container.create()
    check(
        "config.root.path-exists",
        not created.ok,
        "create fails when root.path names no directory",
        "a non-zero exit",
        created.describe(),
    )


# -- id-mapped mounts ----------------------------------------------------------------------------


@pytest.fixture
def idmap_source(tmp_path: Path):
    """A host directory owned by HOST_UID, with a file, and a tmpfs submount holding another file."""
    source = tmp_path / "idmap-source"
    sub = source / "sub"
    sub.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "idmap-sub", str(sub)], check=True)
    try:
        for path in (source / "file", sub / "file"):
            path.write_text("x\n")
            os.chown(path, HOST_UID, HOST_UID)
        yield source
    finally:
        subprocess.run(["umount", "-l", str(sub)], check=False)


def _owners(report, name: str) -> str:
    return report.exec[name]["output"].strip()


@requirement(
    "config.mount-options.idmap",
    "config.mount-options.idmap-applied",
    "config.mount-options.idmap-use-mappings",
)
def test_idmap_mount_uses_its_mappings(probe, idmap_source: Path) -> None:
    mount = {
        "destination": "/mnt/idmap",
        "type": "bind",
        "source": str(idmap_source),
        "options": ["bind", "idmap"],
    }
    run = probe(_with_mounts({**mount, **MAPPINGS}), ("exec owner stat -c %u:%g /mnt/idmap/file",))
    report = run.require_report(["config.mount-options.idmap"])
    check_equal(
        ["config.mount-options.idmap-applied", "config.mount-options.idmap-use-mappings"],
        f"owner of a file the host sees as {HOST_UID}:{HOST_UID}, through an idmap mount mapping hostID "
        f"{HOST_UID} to containerID 0",
        "0:0",
        _owners(report, "owner"),
    )


@requirement(
    "config.mount-options.ridmap",
    "config.mount-options.ridmap-applied",
    "config.mount-options.ridmap-use-mappings",
)
def test_ridmap_mount_maps_submounts_too(probe, idmap_source: Path) -> None:
    mount = {
        "destination": "/mnt/ridmap",
        "type": "bind",
        "source": str(idmap_source),
        "options": ["rbind", "ridmap"],
    }
    run = probe(
        _with_mounts({**mount, **MAPPINGS}),
        ("exec owners stat -c %u:%g /mnt/ridmap/file /mnt/ridmap/sub/file",),
    )
    report = run.require_report(["config.mount-options.ridmap"])
    check_equal(
        ["config.mount-options.ridmap-applied", "config.mount-options.ridmap-use-mappings"],
        f"owners of files the host sees as {HOST_UID}:{HOST_UID} (top and submount) through a ridmap mount",
        "0:0\n0:0",
        _owners(report, "owners"),
    )


@pytest.mark.parametrize("option", ["idmap", "ridmap"])
@requirement("config.mount-options.idmap-no-userns-error", "config.mount-options.ridmap-no-userns-error")
def test_idmap_without_mappings_or_user_namespace_is_an_error(
    make_container, idmap_source: Path, option
) -> None:
    rid = f"config.mount-options.{option}-no-userns-error"
    bind = "rbind" if option == "ridmap" else "bind"
    mount = {
        "destination": "/mnt/idmap",
        "type": "bind",
        "source": str(idmap_source),
        "options": [bind, option],
    }
    container = make_container(_with_mounts(mount), hint=f"{option}-no-userns")
    created = container.create()
    check(
        rid,
        not created.ok,
        f"create fails for a {option} mount without uidMappings/gidMappings "
        "in a container without a user namespace",
        "a non-zero exit",
        created.describe(),
    )


# -- features ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mount_options(runtime) -> list[str]:
    result = runtime.features()
    if not result.ok:
        skip_unsupported(
            "features.mount-options.recognized",
            f"{runtime.name} {runtime.version} does not implement the optional features operation",
        )
    options = json.loads(result.stdout).get("mountOptions")
    if not options:
        skip_unsupported("features.mount-options.recognized", "the features document lists no mountOptions")
    return list(options)


def _option_mount(option: str, index: int) -> list[dict]:
    destination = f"/mnt/opt{index}"
    if option in {"bind", "rbind"}:
        return [{"destination": destination, "type": "none", "source": "rootfs/etc", "options": [option]}]
    if option == "remount":
        return [
            {"destination": destination, "type": "tmpfs", "source": "opt"},
            {"destination": destination, "type": "tmpfs", "source": "opt", "options": ["remount"]},
        ]
    return [{"destination": destination, "type": "tmpfs", "source": "opt", "options": [option]}]


@requirement("features.mount-options.recognized")
def test_features_mount_options_are_recognized(mount_options: list[str], probe) -> None:
    """Each advertised option, on a tmpfs of its own (tmpfs refuses data it does not know)."""
    testable = [o for o in mount_options if o not in {"idmap", "ridmap"}]
    refused: list[str] = []

    def attempt(options: list[str]) -> None:
        # All options of a group in one container; a refused group is split until the option is found.
        mounts = [m for index, o in enumerate(options) for m in _option_mount(o, index)]
        run = probe(_with_mounts(*mounts))
        if run.report is not None:
            return
        if len(options) == 1:
            refused.append(f"{options[0]}: {run.error.splitlines()[-1][:160]}")
            return
        attempt(options[: len(options) // 2])
        attempt(options[len(options) // 2 :])

    attempt(testable)
    check_equal("features.mount-options.recognized", "advertised mount options a mount refuses", [], refused)


@requirement("features.mount-options.no-fs-specific")
def test_features_mount_options_leave_out_filesystem_data(mount_options: list[str]) -> None:
    specific = [o for o in mount_options if "=" in o or o.split("=")[0] in TMPFS_PARAMETERS]
    check_equal(
        "features.mount-options.no-fs-specific",
        "advertised mount options that are filesystem data (key=value or a filesystem's own parameter)",
        [],
        specific,
    )


@requirement("features-linux.mount-extensions.idmap-partial")
def test_features_report_idmap_when_mount_mappings_work(runtime, probe, idmap_source: Path) -> None:
    """A runtime that applies a mount's uidMappings must say idmap is enabled in features."""
    result = runtime.features()
    if not result.ok:
        skip_unsupported(
            "features-linux.mount-extensions.idmap-partial",
            f"{runtime.name} {runtime.version} does not implement the optional features operation",
        )
    idmap = ((json.loads(result.stdout).get("linux") or {}).get("mountExtensions") or {}).get("idmap") or {}
    if idmap.get("enabled") is True:
        return
    mount = _bind("/mnt/idmap", idmap_source, "bind", "idmap")
    run = probe(_with_mounts({**mount, **MAPPINGS}), ("exec owner stat -c %u:%g /mnt/idmap/file",))
    owner = _owners(run.report, "owner") if run.report is not None else "(the container was not created)"
    check(
        "features-linux.mount-extensions.idmap-partial",
        owner == f"{HOST_UID}:{HOST_UID}" or run.report is None,
        f"features reports linux.mountExtensions.idmap.enabled={idmap.get('enabled')!r}, so a mount's "
        "uidMappings/gidMappings are not applied",
        f"the file keeps its owner {HOST_UID}:{HOST_UID}",
        owner,
    )


#: A user namespace for the container: 0-999 -> host 100000-100999, and 1000 -> host root, so the
#: rootfs (host root's) stays readable.
USERNS = {
    "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "user")],
    "uidMappings": [
        {"containerID": 0, "hostID": 100000, "size": 1000},
        {"containerID": 1000, "hostID": 0, "size": 1},
    ],
    "gidMappings": [
        {"containerID": 0, "hostID": 100000, "size": 1000},
        {"containerID": 1000, "hostID": 0, "size": 1},
    ],
}
#: What the source filesystem records as the owner of the file the fallback test reads.
ON_DISK = 5


@pytest.mark.parametrize("option", ["idmap", "ridmap"])
@requirement(
    "config.mount-options.idmap-no-mapping-error",
    "config.mount-options.idmap-userns-fallback",
    "config.mount-options.ridmap-no-mapping-error",
    "config.mount-options.ridmap-userns-fallback",
)
def test_idmap_without_mappings_in_a_user_namespace(make_container, bundles_factory, option: str) -> None:
    """No mount mappings, but a user namespace: use its mapping (MAY), or else report an error.

    Through the container's own mapping a file stored as uid 5 shows as 5 inside; a plain bind
    mount (the option ignored) shows host uid 5 as the overflow id, which is neither outcome.
    """
    missing = host.missing_features(["user-namespaces", "mount_setattr"])
    error_rid, fallback_rid = (
        f"config.mount-options.{option}-no-mapping-error",
        f"config.mount-options.{option}-userns-fallback",
    )
    if missing:
        skip_unsupported([error_rid, fallback_rid], "; ".join(missing))
    source = Path(tempfile.mkdtemp(prefix=f"{option}-", dir=bundles_factory.workdir))
    source.chmod(0o755)
    (source / "file").write_text("x\n")
    os.chown(source / "file", ON_DISK, ON_DISK)
    mount = {
        "destination": "/mnt/idmap",
        "type": "bind",
        "source": str(source),
        "options": ["rbind" if option == "ridmap" else "bind", option],
    }
    container = make_container(
        _with_mounts(mount),
        {"linux": USERNS},
        {"process": {"args": ["/bin/sh", "-c", "stat -c %u:%g /mnt/idmap/file"]}},
        hint=f"{option}-userns",
    )
    created = container.create()
    if created.refused:
        return  # the error the spec asks for where the runtime does not fall back
    check(
        error_rid,
        created.ok,
        f"create with a {option} mount and no mappings",
        "exit 0 or an error",
        created.describe(),
    )
    container.start()
    container.wait_status("stopped", 15)
    shown = container.bundle.stdout.strip()
    check(
        error_rid,
        shown == f"{ON_DISK}:{ON_DISK}",
        f"owner of a file stored as {ON_DISK}:{ON_DISK}, through a {option} mount with no mappings of its "
        "own in a user namespace: the container's mapping applied, since create did not fail",
        f"{ON_DISK}:{ON_DISK} (or create refused)",
        shown or "<nothing printed>",
    )
