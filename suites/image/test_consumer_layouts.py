"""Consumer role on layouts the plain cases do not cover: nested indexes, unknown descriptors,
ambiguous refs, file mtimes and descriptors with embedded data.

Each test writes a layout with conformance.image.generator.write_layout, edits JSON by hand where
the generator cannot express the vector (re-pointing digests up to index.json), unpacks one ref
with the tool and compares the result with the reference model.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from conformance.core.asserts import check, check_equal
from conformance.image.generator import dumps, rewrite_json, store, write_layout
from conformance.image.layers import expected_tree
from conformance.image.tree import diff, snapshot

from .helpers import REF, Surroundings, require_role

requirement = pytest.mark.requirement

UNKNOWN_MEDIA_TYPE = "application/vnd.example.unknown+json"


def _layer(name: str, content: str) -> dict:
    return {"entries": [{"path": name, "type": "file", "content": content, "mtime": 1600000000}]}


def _unpack_and_compare(rids, image_tool, workdir: Path, layout: Path, ref: str, layers: list) -> Path:
    """Unpack `layout:ref`; the rootfs must equal the reference tree of `layers`, nothing else change."""
    bundle = workdir / "bundle"
    around = Surroundings.record(workdir)
    result = image_tool.unpack(layout, ref, bundle)
    check(rids, result.ok, f"the tool unpacks ref {ref!r} of a valid layout", "exit 0", result.describe())
    differences = diff(expected_tree(layers), snapshot(bundle / "rootfs"))
    check_equal(
        rids, "differences between the unpacked rootfs and the reference application", [], differences
    )
    check_equal(rids, "changes outside the target", [], around.changes(workdir, bundle / "rootfs"))
    return bundle


@requirement("image-index.manifests.nested-index")
def test_unpack_through_nested_index(image_tool, image_workdir) -> None:
    """index.json lists one index (ref "outer") whose only entry is the image manifest.

    The only ref a layout tool can address is the one in index.json (image-layout.md gives ref.name
    meaning only there), so unpacking "outer" must follow the nested index to the image.
    """
    rids = ("image-index.manifests.nested-index",)
    require_role(image_tool, "consumer", rids)
    layers = [_layer("nested", "behind a nested index\n")]
    layout = image_workdir / "layout"
    info = write_layout({"images": [{"images": [{"layers": layers}], "ref": "outer"}]}, layout)
    index = json.loads(info.index_path.read_bytes())
    check_equal(
        "vector: index.json's only descriptor is a nested index",
        ["application/vnd.oci.image.index.v1+json"],
        [d["mediaType"] for d in index["manifests"]],
    )
    _unpack_and_compare(rids, image_tool, image_workdir, layout, "outer", layers)


@requirement("image-layout.index.unknown-media-type", "image-index.manifests.unknown-media-type")
def test_unknown_descriptor_beside_image(image_tool, image_workdir) -> None:
    """index.json lists, before the real image, a descriptor of an unknown media type (with its own
    ref "other", pointing at a small valid blob). Unpacking the real ref must work as if it were absent.
    """
    rids = ("image-layout.index.unknown-media-type", "image-index.manifests.unknown-media-type")
    require_role(image_tool, "consumer", rids)
    layers = [_layer("etc/hello", "hello\n")]
    layout = image_workdir / "layout"
    info = write_layout({"layers": layers}, layout)
    digest, size, _ = store(layout, b'{"example":"not an OCI document"}')
    index = json.loads(info.index_path.read_bytes())
    unknown = {
        "mediaType": UNKNOWN_MEDIA_TYPE,
        "digest": digest,
        "size": size,
        "annotations": {"org.opencontainers.image.ref.name": "other"},
    }
    index["manifests"].insert(0, unknown)
    info.index_path.write_bytes(dumps(index))
    _unpack_and_compare(rids, image_tool, image_workdir, layout, REF, layers)


@requirement("image-index.manifests.first-match")
def test_first_matching_ref_wins(image_tool, image_workdir) -> None:
    """Two index.json descriptors both carry ref.name "latest" and point at different images.

    Both fit a request for "latest"; index.md says the earliest one is chosen, so the unpacked tree
    must be the first image's. Refusing the ambiguous ref does not choose the first match.
    """
    rids = ("image-index.manifests.first-match",)
    require_role(image_tool, "consumer", rids)
    first = [_layer("first", "first image\n")]
    second = [_layer("second", "second image\n")]
    layout = image_workdir / "layout"
    info = write_layout({"images": [{"layers": first, "ref": REF}, {"layers": second, "ref": REF}]}, layout)
    check(
        info.images[0].digest != info.images[1].digest,
        "vector: the two descriptors point at different manifests",
        "two digests",
        [m.digest for m in info.images],
    )
    _unpack_and_compare(rids, image_tool, image_workdir, layout, REF, first)


@requirement("layer.file-attributes.mtime")
def test_entries_keep_mtime(image_tool, image_workdir) -> None:
    """Files in two layers and a symlink with distinct explicit mtimes keep them (os.lstat).

    Directories are not compared: later entries inside them may touch their mtime.
    """
    rids = ("layer.file-attributes.mtime",)
    require_role(image_tool, "consumer", rids)
    mtimes = {"etc/a": 1600000000, "etc/b": 1500000123, "link": 1400000456, "top": 1300000789}
    layers = [
        {
            "entries": [
                {"path": "etc", "type": "dir", "mtime": 1200000000},
                {"path": "etc/a", "type": "file", "content": "a\n", "mtime": mtimes["etc/a"]},
                {"path": "etc/b", "type": "file", "content": "b\n", "mtime": mtimes["etc/b"]},
                {"path": "link", "type": "symlink", "target": "etc/a", "mtime": mtimes["link"]},
            ]
        },
        {"entries": [{"path": "top", "type": "file", "content": "upper\n", "mtime": mtimes["top"]}]},
    ]
    layout = image_workdir / "layout"
    write_layout({"layers": layers}, layout)
    bundle = _unpack_and_compare(rids, image_tool, image_workdir, layout, REF, layers)
    rootfs = bundle / "rootfs"
    observed = {path: int(os.lstat(rootfs / path).st_mtime) for path in mtimes}
    check_equal("mtimes (lstat) of the unpacked files and symlink", mtimes, observed)


@requirement("descriptor.data.verify")
def test_embedded_data_is_verified(image_tool, image_workdir) -> None:
    """The manifest's config descriptor carries `data` that does not match its digest.

    The blob on disk is the real config (Cmd ["/real"], Env REAL=1) and matches digest and size;
    `data` is base64 of a different, well-formed config (Cmd ["/fake"], Env FAKE=1, same diff_ids).
    Oracle: the tool either refuses the manifest, or unpacks using the verified blob, so the
    bundle's config.json has args ["/real"] and REAL=1 and nothing from the fake config. A tool that
    trusts `data` without checking it against the digest would produce "/fake" and FAKE=1.
    """
    rids = ("descriptor.data.verify",)
    require_role(image_tool, "consumer", rids)
    layers = [_layer("etc/hello", "hello\n")]
    layout = image_workdir / "layout"
    real = {"Env": ["REAL=1"], "Cmd": ["/real"]}
    info = write_layout({"layers": layers, "config": {"config": real}}, layout)
    fake = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["FAKE=1"], "Cmd": ["/fake"]},
        "rootfs": {"type": "layers", "diff_ids": info.image.diff_ids},
    }
    embedded = base64.b64encode(dumps(fake)).decode()
    rewrite_json(info, info.image, lambda manifest: manifest["config"].update(data=embedded))
    manifest = json.loads(info.image.path.read_bytes())
    check_equal(
        "vector: the config descriptor's embedded data differs from the blob it names",
        True,
        base64.b64decode(manifest["config"]["data"]) != info.config.path.read_bytes(),
    )
    bundle = image_workdir / "bundle"
    result = image_tool.unpack(layout, REF, bundle)
    if not result.ok:
        # Refusing data that fails verification conforms, but only from a consumer that unpacks
        # the same image without it and leaves nothing claiming success after the refusal.
        left = (bundle / "config.json").exists()
        check(rids, not left, "the refusing consumer leaves no bundle config.json", "absent", "present")
        rewrite_json(info, info.image, lambda manifest: manifest["config"].pop("data"))
        control = image_tool.unpack(layout, REF, image_workdir / "control")
        check(rids, control.ok, "the consumer unpacks the same image without the embedded data", "exit 0",
              control.describe())  # fmt: skip
        return
    process = json.loads((bundle / "config.json").read_bytes()).get("process", {})
    check_equal(
        rids, "process.args of the bundle (from the verified config blob)", ["/real"], process.get("args")
    )
    env = process.get("env", [])
    check(
        rids,
        "REAL=1" in env and "FAKE=1" not in env,
        "process.env of the bundle comes from the verified config blob, not from the embedded data",
        "contains REAL=1, not FAKE=1",
        env,
    )
