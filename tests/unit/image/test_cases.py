"""Image-suite matrices (conformance.image.cases): the conversion case keys, and the bundled files."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.errors import DataFileError
from conformance.image.cases import load_cases
from conformance.kinds import suites_dir
from conformance.requirements import load_catalog

CATALOG = load_catalog()


def _write(tmp_path: Path, case: str) -> Path:
    path = tmp_path / "conversion.yaml"
    path.write_text("cases:\n" + case)
    return path


def test_conversion_case_with_image_manifest_and_index(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
  - id: fields
    requirements: [conversion.annotation-fields.os]
    image: {os: linux, os.version: "6.1", rootfs: {type: layers}}
    manifest: {annotations: {com.example.m: "1"}}
    index: {annotations: {com.example.i: "1"}}
    config: {Cmd: [/bin/true]}
    expect:
      - {field: [annotations, org.opencontainers.image.os], equals: linux}
""",
    )
    [case] = load_cases(path, "conversion", CATALOG)
    assert case.id == "conversion.fields" and case.level == "MUST"
    assert case.data["image"] == {"os": "linux", "os.version": "6.1", "rootfs": {"type": "layers"}}
    assert case.data["manifest"] == {"annotations": {"com.example.m": "1"}}
    assert case.data["index"] == {"annotations": {"com.example.i": "1"}}


@pytest.mark.parametrize("key", ["image", "manifest", "index", "config"])
def test_conversion_case_keys_are_mappings(tmp_path: Path, key: str) -> None:
    path = _write(
        tmp_path,
        f"""\
  - id: bad
    requirements: [conversion.args]
    {key}: [os, linux]
    error: true
""",
    )
    with pytest.raises(
        DataFileError, match=rf"conversion\.yaml:2: cases\[0\]\.{key}: must be a mapping or null, got list"
    ):
        load_cases(path, "conversion", CATALOG)


def test_unknown_conversion_key_is_refused(tmp_path: Path) -> None:
    case = "  - id: bad\n    requirements: [conversion.args]\n    platform: {}\n    error: true\n"
    path = _write(tmp_path, case)
    with pytest.raises(DataFileError):
        load_cases(path, "conversion", CATALOG)


@pytest.mark.parametrize("kind", ["consumer", "fault", "conversion"])
def test_bundled_matrices_load(kind: str) -> None:
    cases = load_cases(suites_dir() / "image" / "matrices" / f"{kind}.yaml", kind, CATALOG)
    assert cases and len({case.id for case in cases}) == len(cases)


def _fault_file(tmp_path: Path, outcome: str) -> Path:
    path = tmp_path / "fault.yaml"
    path.write_text(
        "roles: [consumer, copier]\ncases:\n  - id: c\n    requirements: [descriptor.size.verify]\n"
        f"    fault: layer.bad-size\n    outcome: {outcome}\n"
    )
    return path


def test_fault_outcome_applies_to_every_role_of_the_file(tmp_path: Path) -> None:
    [case] = load_cases(_fault_file(tmp_path, "rejected"), "fault", CATALOG)
    assert case.data["outcomes"] == {"consumer": "rejected", "copier": "rejected"}
    [case] = load_cases(_fault_file(tmp_path, "{consumer: rejected, copier: preserved}"), "fault", CATALOG)
    assert case.data["outcomes"] == {"consumer": "rejected", "copier": "preserved"}


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("{consumer: rejected}", "no outcome for copier"),
        ("refused", "outcome"),
        ("{consumer: rejected, copier: x}", "unknown outcome"),
    ],
)
def test_fault_outcome_errors(tmp_path: Path, outcome: str, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        load_cases(_fault_file(tmp_path, outcome), "fault", CATALOG)
