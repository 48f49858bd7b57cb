"""The conversion.md checks on a runtime config.json, shared by every converter a suite tests.

A converter may be an image tool writing config.json (umoci) or an engine whose generated
config.json the suite reads from the engine's state; both are judged by the same expectations
of suites/image/matrices/conversion.yaml, on the config plus the derived fields named there.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from conformance.image.cases import ImageCase
from conformance.image.generator import build_layer

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


def image_config(case: ImageCase, entries: list) -> dict:
    """The image config of the case: its `config` object plus the top-level fields in `image`.

    A `rootfs` given without diff_ids gets the real DiffID of the one layer, so that only what
    the case changes (rootfs.type, say) is wrong with the image.
    """
    image = dict(case.data.get("image") or {})
    rootfs = image.get("rootfs")
    if isinstance(rootfs, dict) and "diff_ids" not in rootfs:
        image["rootfs"] = {**rootfs, "diff_ids": [build_layer(entries).diff_id]}
    return {"config": case.data.get("config") or {}, **image}


def conversion_description(case: ImageCase, extra: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The one-layer image of a conversion case: ROOTFS, `extra` entries, the case's own entries."""
    entries = ROOTFS + list(extra) + list(case.data.get("entries") or [])
    description: dict[str, Any] = {"layers": [{"entries": entries}], "config": image_config(case, entries)}
    for key in ("manifest", "index"):
        if case.data.get(key):
            description[key] = case.data[key]
    return description


def with_derived_fields(config: dict[str, Any]) -> dict[str, Any]:
    """`config` plus mount_destinations, env_duplicates and additional_gids (see conversion.yaml)."""
    result = copy.deepcopy(config)
    result["mount_destinations"] = [m.get("destination") for m in config.get("mounts") or []]
    process = config.get("process") or {}
    names = [str(item).split("=", 1)[0] for item in process.get("env") or []]
    result["env_duplicates"] = sorted({name for name in names if names.count(name) > 1})
    result["additional_gids"] = (process.get("user") or {}).get("additionalGids") or []
    return result


def check_conversion(case: ImageCase, config: dict[str, Any]) -> None:
    """Every expectation of the conversion case, on the config and its derived fields."""
    judged = with_derived_fields(config)
    for expectation in case.expect:
        expectation.check(judged, case.requirements, {})
