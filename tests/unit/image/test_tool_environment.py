"""Image-tool commands run with the suite's TMPDIR and, for `private_state`, a private /var/lib/containers."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest

from conformance.core.errors import SubjectNotUsable
from conformance.image.tools.base import PRIVATE_STATE, ImageTool

SHOW = 'echo "$TMPDIR $TMP $TEMP"; grep -c " $1 .* - tmpfs oci-conformance " /proc/self/mountinfo || true\n'
needs_namespace = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="a private mount namespace needs root and unshare",
)


class PrivateTool(ImageTool):
    private_state: ClassVar[bool] = True


def test_temporary_files_go_to_the_work_directory(tmp_path: Path, executable: Callable[..., Path]) -> None:
    tool = ImageTool(str(executable(SHOW, name="tool")), workdir=tmp_path / "work")
    result = tool.run("/")
    tmp = tmp_path / "work" / "tool-tmp"
    assert result.ok and result.stdout == f"{tmp} {tmp} {tmp}\n0\n"
    assert tmp.is_dir() and tmp.stat().st_mode & 0o777 == 0o700


@needs_namespace
def test_private_state_is_a_tmpfs_of_the_commands_own(
    tmp_path: Path, executable: Callable[..., Path]
) -> None:
    path = str(executable(SHOW, name="tool"))
    tool = PrivateTool(path, workdir=tmp_path)
    target = PRIVATE_STATE if PRIVATE_STATE.is_dir() else PRIVATE_STATE.parent
    result = tool.run(str(target))
    assert result.ok and result.stdout.endswith("\n1\n"), result.describe()
    assert result.argv == (path, str(target)), "the result names the tool's own command"
    with open("/proc/self/mountinfo") as mounts:
        assert "oci-conformance" not in mounts.read()


@needs_namespace
def test_a_namespace_that_cannot_be_set_up_is_no_refusal_of_the_tool(
    tmp_path: Path, executable: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = PrivateTool(str(executable("exit 0\n", name="tool")), workdir=tmp_path)
    monkeypatch.setattr("conformance.image.tools.base.PRIVATE_STATE", tmp_path / "missing" / "containers")
    with pytest.raises(SubjectNotUsable, match="privately"):
        tool.run("copy")


@needs_namespace
def test_a_work_directory_below_the_covered_path_is_refused(
    tmp_path: Path, executable: Callable[..., Path]
) -> None:
    tool = PrivateTool(str(executable("exit 0\n", name="tool")), workdir=tmp_path)
    tool.workdir = PRIVATE_STATE / "work"
    with pytest.raises(SubjectNotUsable, match="below"):
        tool.namespace_prefix()
