"""resctrl groups read from a fake tree (this host has no resctrl filesystem)."""

from __future__ import annotations

from pathlib import Path

from conformance.runtime import resctrl


def make_group(root: Path, name: str, tasks: str = "", schemata: str = "", mon: tuple[str, ...] = ()) -> None:
    directory = resctrl.group_dir(name, root)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tasks").write_text(tasks)
    (directory / "schemata").write_text(schemata)
    for child in mon:
        (directory / "mon_groups" / child).mkdir(parents=True)


def test_a_group_with_tasks_schemata_and_monitoring(tmp_path: Path) -> None:
    make_group(tmp_path, "c1", "12\n34\n", "L3:0=ff\nMB:0=70\n", ("c1",))
    group = resctrl.read_group("c1", tmp_path)
    assert group.exists and group.tasks == [12, 34]
    assert group.schemata == ["L3:0=ff", "MB:0=70"] and group.mon_groups == ["c1"]


def test_the_root_group_and_a_missing_one(tmp_path: Path) -> None:
    make_group(tmp_path, "/", "1\n", "L3:0=fff\n")
    assert resctrl.read_group("/", tmp_path).tasks == [1]
    assert not resctrl.read_group("absent", tmp_path).exists
    make_group(tmp_path, "c2")
    assert resctrl.groups(tmp_path) == ["c2"]


def test_schema_lines() -> None:
    assert resctrl.schema_lines("L3:0=ff;1=ff\n MB:0=70 \n\n") == ["L3:0=ff;1=ff", "MB:0=70"]
