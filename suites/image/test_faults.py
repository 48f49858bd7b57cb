"""Broken layouts must be refused; unsafe layers must stay inside the consumer's target."""

from __future__ import annotations

import os
from pathlib import Path

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.image.cases import ImageCase
from conformance.image.generator import write_layout

from .helpers import REF, Surroundings

#: A small valid image the faults are applied to.
BASE_LAYERS = [
    {"entries": [{"path": "etc", "type": "dir"}, {"path": "etc/hello", "type": "file", "content": "hi\n"}]},
    {"entries": [{"path": "data", "type": "dir"}, {"path": "data/file", "type": "file", "content": "d\n"}]},
]


def test_fault_is_handled(image_tool, fault_case: ImageCase, image_workdir) -> None:
    rids = fault_case.requirements
    roles = [role for role in fault_case.data["roles"] if image_tool.supports(role)]
    if not roles:
        skip_unsupported(rids, f"{image_tool.name} has none of the roles {fault_case.data['roles']}")
    layout = image_workdir / "layout"
    description = {"layers": fault_case.data.get("layers", BASE_LAYERS), "faults": [fault_case.data["fault"]]}
    write_layout(description, layout, source=fault_case.source)
    for role in roles:
        around = Surroundings.record(image_workdir)
        if role == "consumer":
            target = image_workdir / f"bundle-{role}"
            result = image_tool.unpack(layout, REF, target)
            rootfs = target / "rootfs"
        else:
            target = image_workdir / f"copy-{role}"
            result = image_tool.copy(f"oci:{layout}:{REF}", f"oci:{target}:{REF}")
            rootfs = target
        outcome = fault_case.data["outcome"]
        fault = fault_case.data["fault"]
        if outcome == "rejected":
            check(rids, result.refused, f"the {role} refuses a layout with fault {fault}", "non-zero exit",
                  result.describe())  # fmt: skip
        check_equal(rids, f"changes outside the {role}'s target", [], around.changes(image_workdir, rootfs))
        if fault == "unsafe-hardlink-escape" and (rootfs / "passwd-link").exists():
            check(rids, not os.path.samefile(rootfs / "passwd-link", Path("/etc/passwd")),
                  "a hard link in the layer is not linked to a host file", "a file inside the rootfs",
                  "linked to /etc/passwd")  # fmt: skip
