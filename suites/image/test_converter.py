"""Converter role: image config -> runtime config.json as conversion.md defines."""

from __future__ import annotations

import json

from conformance.core.asserts import check
from conformance.image.cases import ImageCase
from conformance.image.generator import build_layer, write_layout

from .helpers import REF, require_role

#: A rootfs with users and groups, so that `User: name` can be resolved; app (1001) is also a
#: member of the supplementary groups audio (1003) and video (1004).
ROOTFS = [
    {"path": "etc", "type": "dir"},
    {
        "path": "etc/passwd",
        "type": "file",
        "content": "root:x:0:0::/root:/bin/sh\napp:x:1001:1002::/srv:/bin/sh\n",
    },
    {
        "path": "etc/group",
        "type": "file",
        "content": "root:x:0:\napp:x:1002:\naudio:x:1003:app\nvideo:x:1004:root,app\n",
    },
    {"path": "srv", "type": "dir"},
]


def _image_config(case: ImageCase, entries: list) -> dict:
    """The image config of the case: its `config` object plus the top-level fields in `image`.

    A `rootfs` given without diff_ids gets the real DiffID of the one layer, so that only what
    the case changes (rootfs.type, say) is wrong with the image.
    """
    image = dict(case.data.get("image") or {})
    rootfs = image.get("rootfs")
    if isinstance(rootfs, dict) and "diff_ids" not in rootfs:
        image["rootfs"] = {**rootfs, "diff_ids": [build_layer(entries).diff_id]}
    return {"config": case.data.get("config") or {}, **image}


def test_conversion(image_tool, conversion_case: ImageCase, image_workdir) -> None:
    rids = conversion_case.requirements
    require_role(image_tool, "converter", rids)
    layout = image_workdir / "layout"
    entries = ROOTFS + list(conversion_case.data.get("entries") or [])
    description = {"layers": [{"entries": entries}], "config": _image_config(conversion_case, entries)}
    for key in ("manifest", "index"):
        if conversion_case.data.get(key):
            description[key] = conversion_case.data[key]
    write_layout(description, layout, source=conversion_case.source)
    output = image_workdir / "config.json"
    result = image_tool.convert(layout, REF, output)
    if conversion_case.data.get("error"):
        check(rids, result.refused, "the conversion fails", "non-zero exit", result.describe())
        return
    check(rids, result.ok, "the conversion succeeds", "exit 0", result.describe())
    config = json.loads(output.read_text())
    config["mount_destinations"] = [m.get("destination") for m in config.get("mounts") or []]
    process = config.get("process") or {}
    names = [str(item).split("=", 1)[0] for item in process.get("env") or []]
    config["env_duplicates"] = sorted({name for name in names if names.count(name) > 1})
    config["additional_gids"] = (process.get("user") or {}).get("additionalGids") or []
    for expectation in conversion_case.expect:
        expectation.check(config, rids, {})
