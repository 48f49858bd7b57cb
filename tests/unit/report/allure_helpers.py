"""Helpers for tests of the Allure output."""

from __future__ import annotations

import re
from typing import Any


def categories_of(result: dict[str, Any], categories: list[dict[str, Any]]) -> list[str]:
    """The categories Allure puts `result` in: it matches with Java's Matcher.matches(), which is
    Python's fullmatch."""
    message = (result.get("statusDetails") or {}).get("message", "")
    return [
        c["name"]
        for c in categories
        if result["status"] in c["matchedStatuses"] and re.fullmatch(c.get("messageRegex", "(?s).*"), message)
    ]
