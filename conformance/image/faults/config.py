"""Faults of an image config, and configs that disagree with their manifest."""

from __future__ import annotations

from typing import Any

from conformance.image.digest import digest_bytes
from conformance.image.faults.registry import fault
from conformance.image.faults.shared import first_layer, replace_with_bytes, set_descriptor, target
from conformance.image.generator import LayoutInfo, rewrite_json

NOT_JSON = b"this is not JSON: an image config was expected\n"
#: A config media type no spec defines (well-formed per RFC 6838).
UNKNOWN_CONFIG = "application/vnd.example.unknown.config.v1+json"


@fault("config.not-json")
def fault_config_not_json(info: LayoutInfo) -> None:
    """The config blob is text that is not JSON (descriptor re-pointed to it, media type unchanged)."""
    replace_with_bytes(info, target(info, "config", "config.not-json"), NOT_JSON)


@fault("config.unknown-media-type")
def fault_config_unknown_media_type(info: LayoutInfo) -> None:
    """The config descriptor has a media type no spec defines (the blob is the image config)."""
    blob = target(info, "config", "config.unknown-media-type")
    set_descriptor(info, blob, mediaType=UNKNOWN_CONFIG)
    blob.media_type = UNKNOWN_CONFIG


@fault("bad-diff-id")
def fault_bad_diff_id(info: LayoutInfo) -> None:
    """The config's first diff_id is the digest of something else than the uncompressed layer."""
    first_layer(info, "bad-diff-id")
    other = digest_bytes(b"this is not the layer\n")
    rewrite_json(info, info.config, lambda c: c["rootfs"]["diff_ids"].__setitem__(0, other))
    info.layers[0].diff_id = other


@fault("diff-ids-count")
def fault_diff_ids_count(info: LayoutInfo) -> None:
    """The config lists one diff_id fewer than the manifest has layers."""
    first_layer(info, "diff-ids-count")
    rewrite_json(info, info.config, lambda c: c["rootfs"]["diff_ids"].pop())


@fault("history-count")
def fault_history_count(info: LayoutInfo) -> None:
    """The config's history has one non-empty entry more than the manifest has layers."""
    count = len(first_layer(info, "history-count")[0].layers) + 1
    history = [{"created_by": f"step {n}"} for n in range(count)]
    rewrite_json(info, info.config, lambda c: c.update(history=history))


@fault("env-syntax")
def fault_env_syntax(info: LayoutInfo) -> None:
    """The config's Env has an entry without '='."""

    def add(config: dict[str, Any]) -> None:
        config.setdefault("config", {}).setdefault("Env", []).append("NO_EQUALS_SIGN")

    rewrite_json(info, info.config, add)
