"""A tool described only by YAML command templates runs the image suite like a built-in adapter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("umoci") is None or os.geteuid() != 0,
    reason="needs umoci and root: the generic adapter is exercised by describing umoci in YAML",
)

DESCRIPTION = """\
name: umoci-by-yaml
executable: umoci
commands:
  unpack: ["{tool}", "unpack", "--image", "{layout}:{ref}", "{bundle}"]
"""


def _run_suite(tmp_path: Path, description: Path, select: str) -> tuple[int, list[ET.Element], str]:
    junit = tmp_path / "junit.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            f"--image-tool={description}",
            "--expectations=none",
            "--report-dir=none",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--junitxml={junit}",
            "-k",
            select,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    cases = list(ET.parse(junit).iter("testcase")) if junit.exists() else []
    return done.returncode, cases, done.stdout + done.stderr


def test_yaml_described_consumer_passes_the_consumer_cases(tmp_path: Path) -> None:
    description = tmp_path / "umoci.yaml"
    description.write_text(DESCRIPTION)
    # whiteout-prefix-on-directory is a known umoci deviation (expectations/umoci.yaml), not held here.
    select = "unpack_matches_reference and whiteout and not whiteout-prefix-on-directory"
    code, cases, output = _run_suite(tmp_path, description, select)
    ran = [c for c in cases if c.find("skipped") is None]
    assert code == 0, output[-3000:]
    assert len(ran) >= 2, output[-3000:]
    assert all("umoci-by-yaml" in c.get("name", "") for c in cases)


def test_roles_missing_from_the_description_are_skipped_with_a_reason(tmp_path: Path) -> None:
    description = tmp_path / "umoci.yaml"
    description.write_text(DESCRIPTION)
    code, cases, output = _run_suite(tmp_path, description, "test_conversion and args")
    skipped = [c.find("skipped") for c in cases if c.find("skipped") is not None]
    assert code == 0, output[-3000:]
    assert skipped and all("no converter role" in (s.get("message") or "") for s in skipped)


def test_broken_description_is_one_clear_error(tmp_path: Path) -> None:
    description = tmp_path / "broken.yaml"
    description.write_text("name: x\nexecutable: umoci\ncommands:\n  explode: [a]\n")
    code, _, output = _run_suite(tmp_path, description, "nothing")
    assert code == 4, output
    assert "broken.yaml" in output and "commands: unknown key(s) explode (allowed: " in output
    assert "Traceback" not in output
