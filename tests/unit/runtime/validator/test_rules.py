"""The runtime validator's rule table: well formed, tied to catalog ids, every code tested."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.findings import Rule
from conformance.requirements import LEVELS, load_catalog
from conformance.runtime.validator.rules import RULES, STRONGER_THAN_CATALOG

PREFIXES = {"bundle", "config", "linux", "windows", "solaris", "vm", "zos", "freebsd", "state", "features"}


def test_table_is_keyed_by_code() -> None:
    assert all(code == rule.code for code, rule in RULES.items())
    assert all(isinstance(rule, Rule) for rule in RULES.values())


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_is_well_formed(code: str) -> None:
    rule = RULES[code]
    assert rule.level in LEVELS
    assert rule.severity == ("error" if rule.level == "MUST" else "warning")
    assert rule.title and rule.title == rule.title.strip()
    assert code.split(".")[0] in PREFIXES


@pytest.mark.parametrize("code", sorted(RULES))
def test_requirement_is_a_runtime_spec_entry_no_weaker_than_the_rule(code: str) -> None:
    rule = RULES[code]
    requirement = load_catalog().get(rule.requirement)
    assert requirement.spec == "runtime-spec"
    if LEVELS.index(rule.level) < LEVELS.index(requirement.level):
        assert code in STRONGER_THAN_CATALOG, (
            f"{code} is {rule.level}, {rule.requirement} is {requirement.level}"
        )


def test_stronger_rules_are_listed_for_a_reason() -> None:
    catalog = load_catalog()
    for code in STRONGER_THAN_CATALOG:
        assert LEVELS.index(RULES[code].level) < LEVELS.index(catalog.get(RULES[code].requirement).level)


def test_rules_that_cover_bind_the_author() -> None:
    """Rules of the runtime's own documents and of refusals a runtime owes cover nothing."""
    for rule in RULES.values():
        if rule.code.startswith(("state.", "features.")) or "runtime refuses" in rule.title:
            assert not rule.covers, rule.code


def test_covered_entries_carry_no_author_untested_reason() -> None:
    """An entry a rule checks is covered by it; 'checked by the bundle validator' is gone from the catalog."""
    catalog = load_catalog()
    for rule in RULES.values():
        if rule.covers:
            assert "checked by the bundle validator" not in (catalog.get(rule.requirement).untested or "")
    for requirement in catalog:
        assert "checked by the bundle validator" not in (requirement.untested or ""), requirement.id


def test_every_code_is_exercised_by_a_test() -> None:
    """Each code is asserted by name somewhere in the runtime validator's tests or the CLI tests."""
    here = Path(__file__).parent
    files = [p for p in here.glob("test_*.py") if p.name != Path(__file__).name]
    files.append(here.parents[1] / "cli" / "test_validate.py")
    sources = "".join(p.read_text(encoding="utf-8") for p in files)
    untested = sorted(code for code in RULES if f'"{code}"' not in sources)
    assert untested == []
