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


def test_every_suite_data_file_is_package_data() -> None:
    """A YAML file of a bundled suite missing from package-data works in a checkout, not installed."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = config["tool"]["setuptools"]["package-data"]
    missing = []
    for suite in sorted(p for p in (ROOT / "suites").iterdir() if (p / "__init__.py").is_file()):
        patterns = data.get(f"conformance.suites.{suite.name}", [])
        for path in sorted(suite.rglob("*.yaml")):
            relative = path.relative_to(suite)
            if not any(relative.match(pattern) and len(relative.parts) == len(Path(pattern).parts)
                       for pattern in patterns):  # fmt: skip
                missing.append(f"suites/{suite.name}/{relative}")
    assert missing == [], "suite data files missing from [tool.setuptools.package-data]"
