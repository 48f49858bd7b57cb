"""Bundle directories, and the suite's own bundles validated before a runtime sees them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.runtime.bundle import BundleFactory
from conformance.runtime.validator import BundleInvalid, check_bundle, validate_bundle
from tests.unit.runtime.validator.helpers import base


def _bundle(root: Path, config: Any = None, rootfs: bool = True) -> Path:
    root.mkdir()
    (root / "config.json").write_text(json.dumps(base() if config is None else config))
    if rootfs:
        (root / "rootfs").mkdir()
    return root


def test_a_good_bundle(tmp_path: Path) -> None:
    assert validate_bundle(_bundle(tmp_path / "b")).findings == []


def test_config_missing_or_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert validate_bundle(tmp_path / "empty").codes() == {"bundle.config-missing"}
    (tmp_path / "file").write_text("x")
    assert validate_bundle(tmp_path / "file").codes() == {"bundle.not-a-directory"}


def test_config_unreadable(tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    bundle.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (bundle / "config.json").symlink_to(tmp_path / "elsewhere" / "gone")
    assert validate_bundle(bundle).codes() == {"bundle.config-missing"}
    (bundle / "config.json").unlink()
    (bundle / "config.json").mkdir()
    assert validate_bundle(bundle).codes() == {"bundle.config-missing"}


def test_config_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = _bundle(tmp_path / "b")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    report = validate_bundle(bundle)
    assert (
        report.codes() == {"bundle.config-unreadable"} and "Permission denied" in report.findings[0].message
    )


def test_root_path_exists_relative_to_the_bundle(tmp_path: Path) -> None:
    report = validate_bundle(_bundle(tmp_path / "b", rootfs=False))
    assert report.codes() == {"bundle.root-missing"} and not report.ok
    assert report.findings[0].requirement == "config.root.path-exists"
    (tmp_path / "b" / "rootfs").write_text("a file")
    assert "is not a directory" in validate_bundle(tmp_path / "b").findings[0].message
    config = {**base(), "root": {"path": str(tmp_path)}}
    assert validate_bundle(_bundle(tmp_path / "abs", config, rootfs=False)).codes() == {
        "config.root-path-not-rootfs"
    }


def test_config_of_the_bundle_is_checked(tmp_path: Path) -> None:
    config = base()
    config["process"]["cwd"] = "tmp"
    report = validate_bundle(_bundle(tmp_path / "b", config))
    assert report.codes() == {"config.cwd-relative"}
    (tmp_path / "b" / "config.json").write_bytes(b"{")
    assert validate_bundle(tmp_path / "b").codes() == {"config.not-json"}


def test_check_bundle_raises_naming_bundle_and_findings(tmp_path: Path) -> None:
    config = base()
    config["hooks"] = {"prestart": [{"path": "true"}]}
    bundle = _bundle(tmp_path / "b", config)
    with pytest.raises(BundleInvalid) as raised:
        check_bundle(bundle)
    text = str(raised.value)
    assert str(bundle) in text and "config.hooks.path-absolute" in text and "valid=False" in text
    config["hooks"] = {"prestart": [{"path": "/bin/true"}]}
    assert check_bundle(bundle, config).ok


def test_the_factory_validates_and_opts_out_only_when_asked(tmp_path: Path) -> None:
    factory = BundleFactory(tmp_path, Path("/nonexistent/busybox"))
    rootfs = tmp_path / "rootfs"
    rootfs.mkdir()
    root = {"root": {"path": str(rootfs)}}
    assert factory.create("good", root).config["root"]["path"] == str(rootfs)
    duplicate = {"linux": {"namespaces": [{"type": "pid"}, {"type": "pid"}]}}
    with pytest.raises(BundleInvalid, match=r"config\.process\.cwd-absolute"):
        factory.create("bad", root, {"process": {"cwd": "relative"}})
    bundle = factory.create("refused", root, duplicate, valid=False)
    assert json.loads(bundle.config_path.read_text())["linux"]["namespaces"][1] == {"type": "pid"}
