"""`oci-conformance validate`: exit codes 0/1/2, the text lines and --format json."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.cli.validate import add_parsers
from conformance.image import mediatypes as mt
from tests.unit.image.layouts import archive_of, simple_layout

LINE = re.compile(r"^(ERROR|WARNING) (\S+) \((MUST|SHOULD|MAY)\) (\S+)( \S+)?: .+$")


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    return simple_layout(tmp_path / "layout").root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_layout_exits_0(capsys: pytest.CaptureFixture[str], layout: Path) -> None:
    code, out, _ = run(capsys, str(layout))
    assert code == 0
    assert out.splitlines() == [
        "valid: 0 error(s), 0 warning(s); 4 blob(s) verified, " + out.split(", ")[-1][:-1]
    ]
    assert out.rstrip().endswith("hashed")


def test_invalid_layout_exits_1(capsys: pytest.CaptureFixture[str], layout: Path) -> None:
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "9"}')
    code, out, _ = run(capsys, str(layout))
    assert code == 1
    first, summary = out.splitlines()
    assert LINE.match(first)
    assert first.startswith("ERROR image-layout.oci-layout.version (MUST) oci-layout $.imageLayoutVersion: ")
    assert summary.startswith("invalid: 1 error(s), 0 warning(s); ")


def test_warnings_do_not_fail(capsys: pytest.CaptureFixture[str], layout: Path) -> None:
    (layout / "blobs" / "md5").mkdir()
    (layout / "blobs" / "md5" / "abc").write_text("x")
    code, out, _ = run(capsys, str(layout))
    assert code == 0
    assert out.splitlines()[0] == (
        "WARNING image-layout.blobs.unknown-algorithm (SHOULD) blobs/md5: "
        "'md5' is not a registered algorithm: its blobs cannot be verified"
    )


def test_json_format(capsys: pytest.CaptureFixture[str], layout: Path) -> None:
    (layout / "index.json").unlink()
    code, out, _ = run(capsys, str(layout), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert set(data) == {"ok", "findings", "blobs_verified", "bytes_hashed"}
    assert data["ok"] is False and data["blobs_verified"] == 4
    assert data["findings"][0] == {
        "code": "layout.index-missing",
        "requirement": "image-layout.index.exists",
        "level": "MUST",
        "severity": "error",
        "where": "index.json",
        "path": "",
        "message": "the layout has no index.json",
    }


def test_archive(capsys: pytest.CaptureFixture[str], layout: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, str(archive_of(layout, tmp_path / "image.tar")), "--format", "json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_file_that_is_not_an_archive(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    code, out, _ = run(capsys, str(tmp_path / "notes.txt"))
    assert code == 1 and out.startswith("ERROR image-layout.oci-layout.exists (MUST) notes.txt: ")


def test_missing_path_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, str(tmp_path / "nope"))
    assert (code, out) == (2, "")
    assert "no such file or directory" in err and "Traceback" not in err


def test_document(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = tmp_path / "manifest.json"
    doc.write_text(json.dumps({"schemaVersion": 2, "config": {}, "layers": []}))
    code, out, _ = run(capsys, "--media-type", mt.MANIFEST, str(doc))
    assert code == 1
    assert all(LINE.match(line) for line in out.splitlines()[:-1])
    assert "manifest.json $.config: 'mediaType' is a required property" in out


@pytest.mark.parametrize("media_type", mt.JSON_DOCUMENTS)
def test_every_json_media_type_is_accepted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, media_type: str
) -> None:
    doc = tmp_path / "doc.json"
    doc.write_text("{}")
    code, _, err = run(capsys, "--media-type", media_type, str(doc))
    assert code == (0 if media_type == mt.EMPTY else 1) and err == ""


def test_valid_document_exits_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = tmp_path / "layout.json"
    doc.write_text('{"imageLayoutVersion": "1.0.0"}')
    assert run(capsys, "--media-type", mt.LAYOUT_HEADER, str(doc))[0] == 0


def test_unknown_media_type_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = tmp_path / "doc.json"
    doc.write_text("{}")
    code, out, err = run(capsys, "--media-type", mt.LAYER_TAR, str(doc))
    assert (code, out) == (2, "") and "unknown media type" in err


def test_unreadable_document_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--media-type", mt.MANIFEST, str(tmp_path))
    assert code == 2 and "cannot read" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_archive_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "image.tar").write_bytes(b"")
    (tmp_path / "image.tar").chmod(0)
    assert run(capsys, str(tmp_path / "image.tar"))[0] == 2


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 2
    assert main(["validate", "x", "--format", "yaml"]) == 2
    assert main(["validate", "--help"]) == 0
    capsys.readouterr()


def test_add_parser_registers_a_handler() -> None:
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["validate", "--media-type", mt.CONFIG, "x.json", "--format", "json"])
    assert (args.path, args.media_type, args.format) == ("x.json", mt.CONFIG, "json")
    assert callable(args.handler)


# ------------------------------------------------------------------ runtime bundles and documents

RUNTIME_CONFIG = "application/vnd.oci.runtime.config.v1+json"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    from conformance.runtime.bundle.config import build_config

    root = tmp_path / "bundle"
    (root / "rootfs").mkdir(parents=True)
    (root / "config.json").write_text(json.dumps(build_config()))
    return root


def _config(bundle: Path) -> dict:
    return json.loads((bundle / "config.json").read_text())


def test_valid_bundle_exits_0(capsys: pytest.CaptureFixture[str], bundle: Path) -> None:
    code, out, _ = run(capsys, str(bundle))
    assert code == 0 and out.strip() == "valid: 0 error(s), 0 warning(s)"


def test_invalid_bundle_exits_1_with_one_line_per_finding(
    capsys: pytest.CaptureFixture[str], bundle: Path
) -> None:
    config = _config(bundle)
    config["process"]["cwd"] = "work"
    config["mounts"][0]["destination"] = "proc"
    (bundle / "config.json").write_text(json.dumps(config))
    (bundle / "rootfs").rmdir()
    code, out, _ = run(capsys, str(bundle))
    lines = out.splitlines()
    assert code == 1
    assert all(LINE.match(line) for line in lines[:-1])
    assert (
        "ERROR config.process.cwd-absolute (MUST) config.json $.process.cwd: 'work' is not an absolute path"
        in lines
    )
    assert any(line.startswith("WARNING config.mounts.destination-linux-absolute (SHOULD)") for line in lines)
    assert any(
        line.startswith("ERROR config.root.path-exists (MUST) config.json $.root.path") for line in lines
    )
    assert lines[-1] == "invalid: 2 error(s), 1 warning(s)"


def test_bundle_warnings_do_not_fail(capsys: pytest.CaptureFixture[str], bundle: Path) -> None:
    config = _config(bundle)
    config["linux"]["resources"] = {"memory": {"kernel": 1 << 20}}
    (bundle / "config.json").write_text(json.dumps(config))
    code, out, _ = run(capsys, str(bundle), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True and "blobs_verified" not in data
    assert [f["code"] for f in data["findings"]] == ["linux.memory-kernel"]
    assert data["findings"][0] | {"message": ""} == {
        "code": "linux.memory-kernel",
        "requirement": "config-linux.memory.kernel",
        "level": "SHOULD",
        "severity": "warning",
        "where": "config.json",
        "path": "$.linux.resources.memory.kernel",
        "message": "",
    }


def test_a_directory_with_oci_layout_is_an_image_layout(
    capsys: pytest.CaptureFixture[str], layout: Path
) -> None:
    (layout / "config.json").write_text("{}")
    code, out, _ = run(capsys, str(layout))
    assert code == 0 and "blob(s) verified" in out


def test_runtime_documents_by_media_type(
    capsys: pytest.CaptureFixture[str], bundle: Path, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "--media-type", RUNTIME_CONFIG, str(bundle / "config.json"))
    assert code == 0 and out.strip() == "valid: 0 error(s), 0 warning(s)"
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"ociVersion": "1.2.0", "id": "c", "status": "created", "bundle": "b"}))
    code, out, _ = run(
        capsys, "--media-type", "application/vnd.oci.runtime.state.v1+json", str(state), "--format", "json"
    )
    assert code == 1
    assert {f["code"] for f in json.loads(out)["findings"]} == {"state.pid", "state.bundle"}
    features = tmp_path / "features.json"
    features.write_text(json.dumps({"ociVersionMin": "1.0.0", "ociVersionMax": "1.2.0"}))
    code, _, _ = run(capsys, "--media-type", "application/vnd.oci.runtime.features.v1+json", str(features))
    assert code == 0


def test_runtime_document_not_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = tmp_path / "config.json"
    doc.write_bytes(b"{\xff}")
    code, out, _ = run(capsys, "--media-type", RUNTIME_CONFIG, str(doc))
    assert code == 1 and "ERROR glossary.json.utf8 (MUST) config.json: not UTF-8 text" in out


def test_runtime_usage_errors_name_the_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    code, out, err = run(capsys, "--media-type", RUNTIME_CONFIG, str(missing))
    assert code == 2 and out == "" and f"{missing}: no such file or directory" in err
    code, _, err = run(capsys, "--media-type", RUNTIME_CONFIG, str(tmp_path))
    assert code == 2 and f"{tmp_path}: cannot read" in err
    code, _, err = run(capsys, "--media-type", "application/vnd.oci.runtime.bogus+json", str(tmp_path))
    assert code == 2 and "application/vnd.oci.runtime.state.v1+json" in err


def test_help_names_the_runtime_media_types_as_the_projects_own(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--help"]) == 0
    out = capsys.readouterr().out
    assert "application/vnd.oci.runtime.features.v1+json" in out and "project's own" in out
