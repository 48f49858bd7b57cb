"""Allure reports of a conformance run: catalog labels on every test, run facts, failure categories.

With allure-pytest, `pytest --alluredir=DIR` already records every test; this module makes the
Allure report speak in the catalog's terms: epic = spec, feature = spec document, story = section,
and the same as the suite tree (parentSuite, suite, subSuite) of the test's strongest requirement,
severity from the requirement level, a `requirement` label with the id and a link named by the id
to the spec text; failures get the runtime's transcript and config.json as attachments.
The marks are the very ones `allure.label` / `allure.link` produce (`allure_label` and
`allure_link`, read by allure-pytest when the test finishes), so nothing here needs allure at
import time and everything is a no-op without it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

#: allure_pytest.utils.ALLURE_LABEL_MARK / ALLURE_LINK_MARK (kept literal: allure is optional).
LABEL_MARK = "allure_label"
LINK_MARK = "allure_link"
#: The registered pytest11 entry-point name of allure-pytest.
ALLURE_PLUGIN = "allure_pytest"
SEVERITIES = {"MUST": "critical", "SHOULD": "normal", "MAY": "minor"}
#: The suite tree: label type -> requirement field.
SUITE_LABELS = {"parentSuite": "spec", "suite": "document", "subSuite": "section"}
LEVEL_RANK = {"MUST": 0, "SHOULD": 1, "MAY": 2}

CATEGORIES: list[dict[str, Any]] = [
    {
        "name": "Known deviation",
        "description": "expected failures (xfail) recorded in the subject's expectations file",
        "matchedStatuses": ["skipped"],
        "messageRegex": "(?s).*known deviation.*",
    },
    {
        "name": "Regression",
        "description": "a requirement failed that is not a known deviation",
        "matchedStatuses": ["failed", "broken"],
    },
    {
        "name": "Environment skip",
        "description": "the host or the subject could not exercise the requirement",
        "matchedStatuses": ["skipped"],
        "messageRegex": "(?s).*not exercised.*",
    },
]


def _field(requirement: Any, name: str, default: str = "") -> str:
    """Read a catalog Requirement, or a mapping with the same keys (e.g. a results.json entry)."""
    if isinstance(requirement, Mapping):
        value = requirement.get(name, default)
    else:
        value = getattr(requirement, name, default)
    return "" if value is None else str(value)


def _mark(mark_name: str, /, *args: Any, **kwargs: Any) -> pytest.MarkDecorator:
    return getattr(pytest.mark, mark_name)(*args, **kwargs)


def allure_labels(requirement: Any) -> list[pytest.MarkDecorator]:
    """The allure marks for one requirement (a catalog Requirement or a mapping with its fields)."""
    rid = _field(requirement, "id")
    spec = _field(requirement, "spec")
    document = _field(requirement, "document")
    section = _field(requirement, "section")
    level = _field(requirement, "level").upper()
    url = _field(requirement, "link")
    marks = []
    if spec:
        marks.append(_mark(LABEL_MARK, spec, label_type="epic"))
    if document:
        marks.append(_mark(LABEL_MARK, document, label_type="feature"))
    if section or document:
        marks.append(_mark(LABEL_MARK, section or document, label_type="story"))
    marks.append(_mark(LABEL_MARK, SEVERITIES.get(level, "normal"), label_type="severity"))
    if rid:
        marks.append(_mark(LABEL_MARK, rid, label_type="requirement"))
    if url:
        marks.append(_mark(LINK_MARK, url, link_type="link", name=rid or url))
    return marks


def suite_labels(requirement: Any) -> list[pytest.MarkDecorator]:
    """parentSuite, suite and subSuite: spec, document and section (the section falls back to
    the document), replacing allure-pytest's module-based tree."""
    values = {label: _field(requirement, name) for label, name in SUITE_LABELS.items()}
    values["subSuite"] = values["subSuite"] or values["suite"]
    return [_mark(LABEL_MARK, value, label_type=label) for label, value in values.items() if value]


def allure_active(config: pytest.Config) -> bool:
    """allure-pytest is installed and not disabled (`-p no:allure_pytest`)."""
    return bool(config.pluginmanager.hasplugin(ALLURE_PLUGIN))


def _requirement_ids(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for mark in item.iter_markers("requirement"):
        ids += [str(arg) for arg in mark.args]
    return list(dict.fromkeys(ids))


def apply_allure_labels(items: Iterable[pytest.Item], catalog: Any) -> None:
    """Add the allure marks of each test's requirements; call from pytest_collection_modifyitems.

    Severity is a single-valued label in Allure (the first mark wins), so the strongest level
    goes first; a severity the test sets itself with @allure.severity still takes precedence.
    """
    items = list(items)
    if not items or not allure_active(items[0].config):
        return
    for item in items:
        requirements = [catalog.get(rid) for rid in _requirement_ids(item) if rid in catalog]
        requirements.sort(key=lambda r: LEVEL_RANK.get(_field(r, "level").upper(), 3))
        for mark in suite_labels(requirements[0]) if requirements else []:
            item.add_marker(mark)
        for requirement in requirements:
            for mark in allure_labels(requirement):
                item.add_marker(mark)


def attach_text(config: pytest.Config, name: str, body: str, media: str = "text/plain") -> bool:
    """Attach text to the running test's Allure result; False (and nothing done) without allure."""
    if not allure_active(config):
        return False
    import allure

    kind = allure.attachment_type.JSON if media == "application/json" else allure.attachment_type.TEXT
    allure.attach(body, name=name, attachment_type=kind)
    return True


def alluredir(config: pytest.Config) -> Path | None:
    """The --alluredir of this session, if allure-pytest is active and one was given."""
    if not allure_active(config):
        return None
    value = getattr(config.option, "allure_report_dir", None)
    return config.invocation_params.dir / value if value else None


def _escape_property(text: str, key: bool = False) -> str:
    """Java .properties escaping (Allure reads the file with java.util.Properties): ASCII only."""
    specials = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f"}
    out = []
    for index, char in enumerate(text):
        if char in specials:
            out.append(specials[char])
        elif (key and char in "=: #!") or (index == 0 and char in " #!"):
            out.append("\\" + char)
        elif not 0x20 <= ord(char) <= 0x7E:
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else _surrogates(char))
        else:
            out.append(char)
    return "".join(out)


def _surrogates(char: str) -> str:
    encoded = char.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(encoded[i : i + 2], 'big'):04x}" for i in (0, 2))


def environment(results_list: list[dict[str, Any]]) -> dict[str, str]:
    """The facts Allure shows in its Environment widget, over one or several subjects."""
    many = len(results_list) > 1

    def joined(values: Iterable[str]) -> str:
        return ", ".join(dict.fromkeys(v for v in values if v))

    def subject(results: Mapping[str, Any]) -> Mapping[str, Any]:
        return results.get("subject") or {}

    def per_subject(value: str, results: Mapping[str, Any]) -> str:
        label = str(subject(results).get("label") or "")
        return f"{label} {value}" if many and value else value

    facts = {
        "subject": joined(str(subject(r).get("label") or "") for r in results_list),
        "version": joined(per_subject(str(subject(r).get("version") or ""), r) for r in results_list),
        "spec": joined(
            " ".join(str((r.get("spec") or {}).get(k) or "") for k in ("name", "version")).strip()
            for r in results_list
        ),
        "kernel": joined(str((r.get("environment") or {}).get("kernel") or "") for r in results_list),
        "cgroup_mode": joined(
            str((r.get("environment") or {}).get("cgroup_mode") or "") for r in results_list
        ),
        "suite_version": joined(str((r.get("suite") or {}).get("version") or "") for r in results_list),
        "catalog_digest": joined(str(r.get("catalog_digest") or "") for r in results_list),
    }
    return {k: v for k, v in facts.items() if v}


def write_allure_extras(alluredir: Path, results_list: list[dict[str, Any]]) -> list[Path]:
    """Write environment.properties and categories.json into the Allure results directory.

    Categories already in categories.json under other names are kept, so a project can add its own.
    """
    alluredir = Path(alluredir)
    alluredir.mkdir(parents=True, exist_ok=True)
    env_path = alluredir / "environment.properties"
    lines = [
        f"{_escape_property(k, key=True)}={_escape_property(v)}" for k, v in environment(results_list).items()
    ]
    env_path.write_text("".join(line + "\n" for line in lines), encoding="ascii")
    categories_path = alluredir / "categories.json"
    categories = [dict(c) for c in CATEGORIES]
    try:
        existing = json.loads(categories_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        existing = []
    ours = {c["name"] for c in categories}
    if isinstance(existing, list):
        categories += [c for c in existing if isinstance(c, dict) and c.get("name") not in ours]
    categories_path.write_text(json.dumps(categories, indent=2) + "\n", encoding="utf-8")
    return [env_path, categories_path]
