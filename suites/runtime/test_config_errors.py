"""Negative creates: config values the spec says a runtime MUST refuse with an error.

Data only: each case is (requirement id, case id, config patch). The patch is merged into the
default config (None removes a key) after the bundle was built, so it may even point root.path
elsewhere. Every case is judged with the refusal pattern: create is an error in time (not a
timeout), afterwards no container exists (state refuses the id) and the runtime's state
directory holds nothing for it (runtime.errors.no-side-effects).

Other areas own the error statements of their fields: namespaces (duplicate type, path of the
wrong type), rlimits (duplicate, unmappable type), seccomp, cgroups (invalid cgroupsPath, unified
controllers), sysctl, intelRdt, devices (path conflict), idmap mounts.
"""

from __future__ import annotations

import pytest

from conformance.runtime.asserts import check_refused_without_trace
from conformance.runtime.bundle.config import default_config, merge

requirement = pytest.mark.requirement

#: Never prints unless it runs: a refused create must not get this far.
IDLE = {"process": {"args": ["/bin/sh", "-c", "echo program-ran; exec sleep 600"]}}
VALID_VALUES = "config.valid-values.error"

#: (requirement, id, patch, why the value is invalid)
CASES: list[tuple[str, str, dict, str]] = [
    (
        VALID_VALUES,
        "process-args-empty",
        {"process": {"args": []}},
        "process.args needs at least one entry (config.md: 'args ... REQUIRED'; execv needs a file)",
    ),
    (
        VALID_VALUES,
        "process-cwd-relative",
        {"process": {"cwd": "relative/dir"}},
        "process.cwd MUST be an absolute path",
    ),
    (
        VALID_VALUES,
        "process-uid-negative",
        {"process": {"user": {"uid": -1, "gid": 0}}},
        "process.user.uid is a uint32 (config-schema)",
    ),
    (
        VALID_VALUES,
        "process-oom-score-adj-out-of-range",
        {"process": {"oomScoreAdj": 5000}},
        "oom_score_adj takes -1000..1000; 5000 cannot be mapped to the kernel interface",
    ),
    (
        VALID_VALUES,
        "mount-type-unknown",
        {
            "mounts": [
                *default_config()["mounts"],
                {"destination": "/mnt", "type": "oci-no-such-fs", "source": "none"},
            ]
        },
        "no filesystem type 'oci-no-such-fs' exists (mount(2) fails with ENODEV)",
    ),
    (
        VALID_VALUES,
        "rootfs-propagation-invalid",
        {"linux": {"rootfsPropagation": "oci-bogus"}},
        "rootfsPropagation is one of shared, slave, private, unbindable",
    ),
    (
        VALID_VALUES,
        "oci-version-invalid",
        {"ociVersion": "not-a-version"},
        "ociVersion MUST be a SemVer v2 version",
    ),
    (
        "runtime.lifecycle.create-error",
        "root-path-missing",
        {"root": {"path": "rootfs-absent"}},
        "root.path names a directory that does not exist, so no environment can be built",
    ),
]


@pytest.mark.parametrize(
    ("rid", "patch", "why"),
    [
        pytest.param(rid, patch, why, id=case, marks=requirement(rid, "runtime.errors.no-side-effects"))
        for rid, case, patch, why in CASES
    ],
)
def test_invalid_config_is_refused_without_trace(make_container, state_entries, rid, patch, why) -> None:
    container = make_container(IDLE)
    container.bundle.write_config(merge(container.bundle.config, patch))
    check_refused_without_trace(
        container, container.create(), rid, f"create with an invalid value: {why}", state_entries
    )
