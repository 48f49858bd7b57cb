"""Converter role: image config -> runtime config.json as conversion.md defines."""

from __future__ import annotations

import json

from conformance.asserts import check
from conformance.image.cases import ImageCase
from conformance.image.generator import write_layout

from .helpers import REF, require_role

#: A rootfs with users and groups, so that `User: name` can be resolved.
ROOTFS = [
    {"path": "etc", "type": "dir"},
    {
        "path": "etc/passwd",
        "type": "file",
        "content": "root:x:0:0::/root:/bin/sh\napp:x:1001:1002::/srv:/bin/sh\n",
    },
    {"path": "etc/group", "type": "file", "content": "root:x:0:\napp:x:1002:\n"},
    {"path": "srv", "type": "dir"},
]


def test_conversion(image_tool, conversion_case: ImageCase, image_workdir) -> None:
    rids = conversion_case.requirements
    require_role(image_tool, "converter", rids)
    layout = image_workdir / "layout"
    entries = ROOTFS + list(conversion_case.data.get("entries") or [])
    description = {
        "layers": [{"entries": entries}],
        "config": {"config": conversion_case.data.get("config") or {}},
    }
    write_layout(description, layout, source=conversion_case.source)
    output = image_workdir / "config.json"
    result = image_tool.convert(layout, REF, output)
    if conversion_case.data.get("error"):
        check(rids, result.refused, "the conversion fails", "non-zero exit", result.describe())
        return
    check(rids, result.ok, "the conversion succeeds", "exit 0", result.describe())
    config = json.loads(output.read_text())
    config["mount_destinations"] = [m.get("destination") for m in config.get("mounts") or []]
    for expectation in conversion_case.expect:
        expectation.check(config, rids, {})
