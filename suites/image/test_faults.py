"""Broken layouts: each role that reads layouts must refuse them cleanly, handle them faithfully or
keep unsafe layers inside its target, as its case says; it must never change the source."""

from __future__ import annotations

import json
import os
import secrets
import shutil
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


def fault_description(case: ImageCase, layers: list[dict] | None = None) -> dict:
    """The case's layout with its fault: its layers (or `layers`, or the base image's), nested in
    an index if the case says so."""
    layers = layers if layers is not None else case.data.get("layers", BASE_LAYERS)
    if case.data.get("nested"):
        return {"images": [{"images": [{"layers": layers}], "ref": REF}], "faults": [case.data["fault"]]}
    return {"layers": layers, "faults": [case.data["fault"]]}


#: Whether each tool's role handles the unbroken base layout: (tool, role, nested, layers) -> failure.
_CONTROLS: dict[tuple[str, str, bool, str], str] = {}


def _run_role(image_tool, role: str, layout: Path, workdir: Path):
    """Let `role` read `layout`: (result, target, inside the target)."""
    if role == "consumer":
        target = workdir / f"bundle-{role}"
        return image_tool.unpack(layout, REF, target), target, target / "rootfs"
    target = workdir / f"copy-{role}"
    return image_tool.copy(f"oci:{layout}:{REF}", f"oci:{target}:{REF}"), target, target


def _control_failure(image_tool, role: str, case: ImageCase, workdir: Path) -> str:
    """Why `role` cannot handle the same layout without the fault ("" when it can).

    A refusal only says something about a fault when the unbroken layout is accepted: a tool
    that refuses everything (or fails for a reason of its own) must not pass a refusal case.
    """
    nested = bool(case.data.get("nested"))
    layers = case.data.get("layers", BASE_LAYERS)
    key = (image_tool.name, role, nested, json.dumps(layers, sort_keys=True))
    if key not in _CONTROLS:
        description = {k: v for k, v in fault_description(case).items() if k != "faults"}
        # Beside the test's work directory, not in it: the test watches that one for changes.
        # (A name of hex digits: some tools derive image names from the path.)
        scratch = workdir.parent / f"control-{secrets.token_hex(4)}"
        scratch.mkdir()
        try:
            write_layout(description, scratch / "layout")
            result, _, _ = _run_role(image_tool, role, scratch / "layout", scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        _CONTROLS[key] = "" if result.ok else result.describe()
    return _CONTROLS[key]


def test_fault_is_handled(image_tool, fault_case: ImageCase, image_workdir: Path) -> None:
    rids = fault_case.requirements
    outcomes = fault_case.data["outcomes"]
    roles = [role for role in outcomes if image_tool.supports(role)]
    if not roles:
        skip_unsupported(rids, f"{image_tool.name} has none of the roles {sorted(outcomes)}")
    fault = fault_case.data["fault"]
    layout = image_workdir / "layout"
    write_layout(fault_description(fault_case), layout, source=fault_case.source)
    layers = fault_case.data.get("layers", BASE_LAYERS)
    before = fingerprint(layout)
    for role in roles:
        around = Surroundings.record(image_workdir)
        result, target, inside = _run_role(image_tool, role, layout, image_workdir)
        outcome = outcomes[role]
        if outcome == "rejected" or (outcome == "rejected-or-preserved" and not result.ok):
            check_refused(rids, role, result, target, REF, fault)
            control = _control_failure(image_tool, role, fault_case, image_workdir)
            check(rids, not control, f"the {role} handles the same layout without the fault",
                  "exit 0 (so the refusal is the fault's)", control)  # fmt: skip
        elif outcome in ("preserved", "rejected-or-preserved"):
            check_preserved(rids, role, result, layout, target, REF, layers)
        changes = around.changes(image_workdir, inside) + source_changes(before, fingerprint(layout))
        check_equal(rids, f"changes outside the {role}'s target", [], changes)
        if fault == "unsafe-hardlink-escape" and (inside / "passwd-link").exists():
            check(rids, not os.path.samefile(inside / "passwd-link", Path("/etc/passwd")),
                  "a hard link in the layer is not linked to a host file", "a file inside the rootfs",
                  "linked to /etc/passwd")  # fmt: skip
