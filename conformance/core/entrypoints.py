"""Extension points: other packages add kinds, runtime profiles, image tools and profiles by entry point."""

from __future__ import annotations

from importlib import import_module, metadata
from typing import Any

#: Entry-point groups this package reads (each maps a name to "module:attribute").
GROUPS = {
    "kinds": "oci_conformance.kinds",
    "runtime_profiles": "oci_conformance.runtime_profiles",
    "image_tools": "oci_conformance.image_tools",
    "certification_profiles": "oci_conformance.certification_profiles",
}


def registered(group: str) -> dict[str, str]:
    """name -> "module:attribute" for every installed entry point of `group` (a GROUPS key)."""
    return {ep.name: ep.value for ep in metadata.entry_points(group=GROUPS[group])}


def load(target: str) -> Any:
    """Import "module:attribute" (attribute may be dotted)."""
    module_name, _, attribute = target.partition(":")
    value: Any = import_module(module_name)
    for part in attribute.split(".") if attribute else ():
        value = getattr(value, part)
    return value
