"""Converter role: image config -> runtime config.json as conversion.md defines."""

from __future__ import annotations

import json

from conformance.core.asserts import check
from conformance.image.cases import ImageCase
from conformance.image.conversion_checks import check_conversion, conversion_description
from conformance.image.generator import write_layout

from .helpers import REF, require_role


def test_conversion(image_tool, conversion_case: ImageCase, image_workdir) -> None:
    rids = conversion_case.requirements
    require_role(image_tool, "converter", rids)
    layout = image_workdir / "layout"
    description = conversion_description(conversion_case)
    write_layout(description, layout, source=conversion_case.source)
    output = image_workdir / "config.json"
    result = image_tool.convert(layout, REF, output)
    if conversion_case.data.get("error"):
        check(rids, result.refused, "the conversion fails", "non-zero exit", result.describe())
        return
    check(rids, result.ok, "the conversion succeeds", "exit 0", result.describe())
    check_conversion(conversion_case, json.loads(output.read_text()))
