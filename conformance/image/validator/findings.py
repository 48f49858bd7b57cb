"""What the image validator reports: the shared finding types (conformance.core.findings), with
a collector over the image rules."""

from __future__ import annotations

from conformance.core import findings as _core
from conformance.core.findings import PER_PLACE_LIMIT, Finding, Report
from conformance.image.validator.rules import RULES

__all__ = ["PER_PLACE_LIMIT", "Collector", "Finding", "Report"]


class Collector(_core.Collector):
    """The shared collector over the image validator's rules."""

    def __init__(self) -> None:
        super().__init__(RULES, "image")
