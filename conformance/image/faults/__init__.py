"""Deliberate faults: each breaks one thing in a layout the generator wrote and leaves the rest valid.

A description names its faults (``faults: [<name>, ...]``); :func:`conformance.image.generator.write_layout`
writes the layout, then applies them in order with :func:`apply_faults`. Each fault is one small
function registered under its name with :func:`fault`; :data:`FAULTS` maps every name to its function.

The faults live by level: ``layout`` (oci-layout, index.json), ``blobs`` (what ties any descriptor
to its blob, registered per level as ``nested.*``, ``manifest.*``, ``config.*``, ``layer.*``),
``index`` (nested index documents), ``manifest``, ``config`` and ``layer``.
"""

from __future__ import annotations

from conformance.image.faults import blobs, config, index, layer, layout, manifest
from conformance.image.faults.registry import FAULTS, Fault, apply_faults, fault

__all__ = [
    "FAULTS",
    "Fault",
    "apply_faults",
    "blobs",
    "config",
    "fault",
    "index",
    "layer",
    "layout",
    "manifest",
]
