"""Which catalog requirements the validators' rules check: the image layout validator's and the
runtime bundle validator's. A requirement no test covers but a rule checks counts as covered by
that rule (`oci-conformance coverage`), is marked `checked_by` in results.json and is explained,
not incomplete, in a certification verdict.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

#: Why a required requirement no test covered is still explained, by spec: the rule checks content
#: the subject's users write (a bundle) or hand over (a layout), not the subject's behaviour.
REASONS = {
    "runtime-spec": "binds the bundle author; checked by the bundle validator ({codes})",
    "image-spec": "checked by the image validator ({codes})",
}


@functools.cache
def _coverage() -> dict[str, tuple[str, ...]]:
    from conformance.image.validator.rules import RULES as IMAGE_RULES
    from conformance.runtime.validator.rules import RULES as RUNTIME_RULES

    covered: dict[str, list[str]] = {}
    for table in (IMAGE_RULES, RUNTIME_RULES):
        for rule in table.values():
            if rule.covers:
                covered.setdefault(rule.requirement, []).append(f"validator:{rule.code}")
    return {rid: tuple(codes) for rid, codes in covered.items()}


def validator_coverage() -> dict[str, list[str]]:
    """Requirement id -> "validator:CODE" of each rule (of either validator) that checks it."""
    return {rid: list(codes) for rid, codes in _coverage().items()}


def checked_by(requirement_id: str) -> list[str]:
    """The "validator:CODE"s checking one requirement ([] when none does)."""
    return list(_coverage().get(requirement_id, ()))


def explanation(spec: str, requirement_id: str) -> str:
    """The reason a required requirement no test covered is explained by validator rules ("" if none)."""
    codes = checked_by(requirement_id)
    if not codes:
        return ""
    names = ", ".join(code.removeprefix("validator:") for code in codes)
    return REASONS.get(spec, "checked by a validator ({codes})").format(codes=names)


def rule_verdicts(requirement_id: str, tests: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(validator:CODE, nodeid, "pass"/"fail") of each rule checking the requirement that ran in one
    of `tests` (each with `nodeid` and `validator_rules`, code -> verdict, as results.json stores them)."""
    wanted = set(checked_by(requirement_id))
    found = []
    for test in tests:
        rules = test.get("validator_rules")
        for code, verdict in rules.items() if isinstance(rules, Mapping) else ():
            if f"validator:{code}" in wanted:
                found.append((f"validator:{code}", str(test.get("nodeid", "")), str(verdict)))
    return found


def with_rules(verdict: str, ran: Iterable[tuple[str, str, str]]) -> str:
    """A requirement's verdict from its tests, folded with the rules that ran over the subject's
    output: a rule that found something fails it; rules that found nothing make an uncovered one pass."""
    verdicts = [v for _, _, v in ran]
    if not verdicts:
        return verdict
    if any(v != "pass" for v in verdicts):
        return "fail"
    return "pass" if verdict == "not covered" else verdict
