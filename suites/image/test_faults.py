"""Broken layouts: each role that reads layouts must refuse them cleanly, handle them faithfully or
keep unsafe layers inside its target, as its case says; it must never change the source."""

from __future__ import annotations

import os
from pathlib import Path

from conformance.core.asserts import check, check_equal, skip_unsupported
from conformance.image.cases import ImageCase
from conformance.image.generator import write_layout

from .helpers import REF, Surroundings
from .outcomes import check_preserved, check_refused, fingerprint, source_changes

#: A small valid image the faults are applied to.
BASE_LAYERS = [
    {"entries": [{"path": "etc", "type": "dir"}, {"path": "etc/hello", "type": "file", "content": "hi\n"}]},
    {"entries": [{"path": "data", "type": "dir"}, {"path": "data/file", "type": "file", "content": "d\n"}]},
]


def _description(case: ImageCase) -> dict:
    layers = case.data.get("layers", BASE_LAYERS)
    if case.data.get("nested"):
        return {"images": [{"images": [{"layers": layers}], "ref": REF}], "faults": [case.data["fault"]]}
    return {"layers": layers, "faults": [case.data["fault"]]}


def test_fault_is_handled(image_tool, fault_case: ImageCase, image_workdir: Path) -> None:
    rids = fault_case.requirements
    outcomes = fault_case.data["outcomes"]
    roles = [role for role in outcomes if image_tool.supports(role)]
    if not roles:
        skip_unsupported(rids, f"{image_tool.name} has none of the roles {sorted(outcomes)}")
    fault = fault_case.data["fault"]
    layout = image_workdir / "layout"
    write_layout(_description(fault_case), layout, source=fault_case.source)
    layers = fault_case.data.get("layers", BASE_LAYERS)
    before = fingerprint(layout)
    for role in roles:
        around = Surroundings.record(image_workdir)
        if role == "consumer":
            target = image_workdir / f"bundle-{role}"
            result = image_tool.unpack(layout, REF, target)
            inside = target / "rootfs"
        else:
            target = image_workdir / f"copy-{role}"
            result = image_tool.copy(f"oci:{layout}:{REF}", f"oci:{target}:{REF}")
            inside = target
        outcome = outcomes[role]
        if outcome == "rejected" or (outcome == "rejected-or-preserved" and not result.ok):
            check_refused(rids, role, result, target, REF, fault)
        elif outcome in ("preserved", "rejected-or-preserved"):
            check_preserved(rids, role, result, layout, target, REF, layers)
        changes = around.changes(image_workdir, inside) + source_changes(before, fingerprint(layout))
        check_equal(rids, f"changes outside the {role}'s target", [], changes)
        if fault == "unsafe-hardlink-escape" and (inside / "passwd-link").exists():
            check(rids, not os.path.samefile(inside / "passwd-link", Path("/etc/passwd")),
                  "a hard link in the layer is not linked to a host file", "a file inside the rootfs",
                  "linked to /etc/passwd")  # fmt: skip
