"""The wheel ships every package and data file the plugin needs outside a checkout."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _declared_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(config["tool"]["setuptools"]["packages"])


def test_every_package_is_declared() -> None:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "conformance").rglob("__init__.py")
    }
    for mapped, package in (("suites", "conformance.suites"), ("fixtures", "conformance.fixture_bundles")):
        found |= {
            ".".join([package, *init.parent.relative_to(ROOT / mapped).parts])
            for init in (ROOT / mapped).rglob("__init__.py")
        }
    assert found - _declared_packages() == set(), "packages missing from [tool.setuptools] packages"
    assert _declared_packages() - found == set(), "declared packages that do not exist"


def test_suites_are_mapped_into_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["tool"]["setuptools"]["package-dir"]["conformance.suites"] == "suites"
