"""The package's layering: no import cycles, and the core imports none of the halves."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "conformance"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Modules of the package imported at module level (not under TYPE_CHECKING, not in functions)."""
    deps = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("conformance"):
            deps.add(node.module)
            deps |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known}
        elif isinstance(node, ast.Import):
            deps |= {a.name for a in node.names if a.name.startswith("conformance")}
    return {d for d in deps if d in known}


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    cycles = []

    def visit(node: str, stack: list[str], done: set[str]) -> None:
        for dep in graph[node]:
            if dep in stack:
                cycles.append(" -> ".join([*stack[stack.index(dep) :], dep]))
            elif dep not in done:
                done.add(dep)
                visit(dep, [*stack, dep], done)

    for name in graph:
        visit(name, [name], {name})
    assert cycles == []


def test_core_depends_on_no_half() -> None:
    modules = _modules()
    halves = ("conformance.runtime", "conformance.image", "conformance.report", "conformance.plugin")
    leaks = {
        name: sorted(d for d in _imports(path, modules) if d.startswith(halves))
        for name, path in modules.items()
        if name.startswith("conformance.core")
    }
    assert {name: deps for name, deps in leaks.items() if deps} == {}
