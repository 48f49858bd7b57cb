"""Side-by-side verdicts of several runs: `oci-conformance compare reports/*/results.json`.

Runs of different specs may be mixed (runtimes and image tools): the rows are the union of
their requirements, and a subject simply has no verdict for a requirement of another spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.report.html import LEVEL_ORDER, badge, esc, link, page, safe_href, verdict_badge
from conformance.report.regressions import Changes, changes_html

#: Cell text by verdict in the terminal table; NOT_APPLICABLE when the subject's spec lacks the row.
CELL_TEXT = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "not covered": "\u2014"}
NOT_APPLICABLE = "\u2014"
DEVIATION_MARK = "*"
TOTAL_VERDICTS = ("pass", "fail", "skip")
MIDDOT = " \u00b7 "


@dataclass(frozen=True)
class Subject:
    """One compared run: a column of the table."""

    label: str
    kind: str = ""
    version: str = ""
    spec: str = ""
    spec_version: str = ""
    suite_version: str = ""
    catalog_digest: str = ""
    date: str = ""
    #: The subject's own page (its index.html), relative to the comparison page; "" when none.
    page: str = ""


@dataclass(frozen=True)
class Row:
    """One requirement, with each subject's verdict (None: not in that subject's spec)."""

    id: str
    level: str
    spec: str
    document: str
    section: str
    summary: str
    link: str
    verdicts: tuple[str | None, ...]
    deviations: tuple[bool, ...]

    @property
    def differs(self) -> bool:
        """The subjects that were judged on this requirement disagree."""
        return len({v for v in self.verdicts if v is not None}) > 1


def _count(subjects: int, rows: Iterable[Row]) -> list[dict[str, int]]:
    result: list[dict[str, int]] = [{} for _ in range(subjects)]
    for row in rows:
        for counts, verdict in zip(result, row.verdicts, strict=True):
            if verdict is not None:
                counts[verdict] = counts.get(verdict, 0) + 1
    return result


@dataclass
class Comparison:
    """The compared subjects and one row per requirement of any of them."""

    subjects: list[Subject]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    #: Per subject, requirements by verdict over *all* rows, so that filtering keeps the totals.
    counts: list[dict[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = _count(len(self.subjects), self.rows)

    def only_differences(self) -> Comparison:
        """Only the rows where the subjects judged on a requirement disagree; totals unchanged."""
        return replace(self, rows=[r for r in self.rows if r.differs])

    def totals(self) -> list[dict[str, int]]:
        """Per subject: requirement count by verdict, over every requirement compared."""
        return [dict(c) for c in self.counts]


def _unique(label: str, taken: set[str]) -> str:
    """Two runs of the same label (e.g. runc on two hosts) still get distinct columns."""
    if label not in taken:
        return label
    n = 2
    while f"{label}#{n}" in taken:
        n += 1
    return f"{label}#{n}"


def compare(results_list: list[dict[str, Any]], pages: Sequence[str] | None = None) -> Comparison:
    """Line up the requirements of several results documents, in catalog order.

    `pages`: per document, the address of the subject's own page, linked from its column.
    """
    subjects: list[Subject] = []
    taken: set[str] = set()
    for index, results in enumerate(results_list):
        subject = results.get("subject") or {}
        spec = results.get("spec") or {}
        label = _unique(str(subject.get("label") or subject.get("profile") or f"run{index + 1}"), taken)
        taken.add(label)
        subjects.append(
            Subject(
                label=label,
                kind=str(subject.get("kind") or ""),
                version=str(subject.get("version") or ""),
                spec=str(spec.get("name") or ""),
                spec_version=str(spec.get("version") or ""),
                suite_version=str((results.get("suite") or {}).get("version") or ""),
                catalog_digest=str(results.get("catalog_digest") or ""),
                date=str(results.get("finished") or results.get("started") or ""),
                page=pages[index] if pages else "",
            )
        )
    meta: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for results in results_list:
        spec_name = str((results.get("spec") or {}).get("name") or "")
        for rid, entry in (results.get("requirements") or {}).items():
            meta.setdefault(str(rid), (spec_name, entry))
    rows = []
    for rid, (spec_name, entry) in meta.items():
        verdicts: list[str | None] = []
        deviations: list[bool] = []
        for results in results_list:
            own = (results.get("requirements") or {}).get(rid)
            verdicts.append(str(own.get("verdict", "")) if own is not None else None)
            deviations.append(bool(own and own.get("known_deviation")))
        rows.append(
            Row(
                id=rid,
                level=str(entry.get("level") or ""),
                spec=spec_name,
                document=str(entry.get("document") or ""),
                section=str(entry.get("section") or ""),
                summary=str(entry.get("summary") or ""),
                link=str(entry.get("link") or ""),
                verdicts=tuple(verdicts),
                deviations=tuple(deviations),
            )
        )
    notes = []
    for spec_name in dict.fromkeys(s.spec for s in subjects):
        digests = {s.catalog_digest for s in subjects if s.spec == spec_name and s.catalog_digest}
        if len(digests) > 1:
            notes.append(f"the {spec_name or 'spec'} runs used different requirement catalogs")
    return Comparison(subjects, rows, notes)


def _cell(verdict: str | None, deviation: bool) -> str:
    if verdict is None:
        return NOT_APPLICABLE
    text = CELL_TEXT.get(verdict, verdict.upper())
    return text + (DEVIATION_MARK if deviation else "")


def _total(counts: Mapping[str, int]) -> str:
    return "/".join(str(counts.get(v, 0)) for v in TOTAL_VERDICTS)


def _spec_text(subject: Subject) -> str:
    return " ".join(x for x in (subject.spec, subject.spec_version) if x) or "spec unknown"


def to_terminal(comparison: Comparison) -> str:
    """A fixed-width table: id, level, one verdict column per subject, and a totals row."""
    labels = [s.label for s in comparison.subjects]
    totals = [_total(t) for t in comparison.totals()]
    body = [
        [row.id, row.level, *(_cell(v, d) for v, d in zip(row.verdicts, row.deviations, strict=True))]
        for row in comparison.rows
    ]
    total_row = ["TOTAL pass/fail/skip", "", *totals]
    header = ["requirement", "level", *labels]
    widths = [max(len(r[i]) for r in [header, total_row, *body]) for i in range(len(header))]

    def line(cells: Iterable[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [f"{s.label}: {s.version or '?'} ({_spec_text(s)})" for s in comparison.subjects]
    out += [f"note: {n}" for n in comparison.notes]
    out += ["", line(header), line("-" * w for w in widths)]
    out += [line(r) for r in body]
    if not body:
        out.append("(no requirements to show)")
    out += [line("-" * w for w in widths), line(total_row)]
    out.append(f"{NOT_APPLICABLE} not covered or not in the subject's spec; {DEVIATION_MARK} known deviation")
    return "\n".join(out) + "\n"


COMPARE_CSS = """
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:.5rem}
.card{border:1px solid var(--line);border-radius:4px;padding:.4rem .6rem;break-inside:avoid}
.card p{margin:.15rem 0}
.counts{display:flex;flex-wrap:wrap;gap:.25rem .6rem}
.cmp{border-collapse:separate;border-spacing:0}
.cmp th,.cmp td{border-width:0 1px 1px 0}
.cmp tr>:first-child{border-left-width:1px}
.cmp thead th{border-top-width:1px;position:sticky;top:0;background:#f0f0f0;z-index:1}
.cmp .rowhead{position:sticky;left:0;background:#fff;min-width:10rem;max-width:24rem;font-weight:normal}
.cmp thead .rowhead{background:#f0f0f0;z-index:2;font-weight:700}
.cmp .rowhead code{font-weight:700}
.cmp .summary{display:block;font-size:.8rem;color:var(--muted)}
.cmp tr.group th{background:#e6e6e6;text-align:left;font-weight:700}
.cmp tr.group th span{position:sticky;left:.45rem}
.cmp td.v{white-space:nowrap}
.cmp tr.total th,.cmp tr.total td{font-weight:700;border-top:2px solid var(--fg)}
.na{color:var(--muted)}
body:has(#only-diff:checked) .cmp tr.same{display:none}
@media (max-width:40rem){.cmp .rowhead{min-width:8rem;max-width:46vw}.cmp .rowhead .text{display:none}}
@media print{.cmp thead th,.cmp .rowhead,.cmp tr.group th span{position:static}}
"""


def _details(subject: Subject) -> list[str]:
    """The secondary facts of a subject, shown small under its name."""
    parts = [subject.kind]
    if subject.suite_version:
        parts.append(f"suite {subject.suite_version}")
    if subject.catalog_digest:
        parts.append(f"catalog {subject.catalog_digest[:19]}\u2026")
    parts.append(subject.date)
    return [p for p in parts if p]


def _id_link(row: Row) -> str:
    """The requirement id, linking to its spec section when the link is a web address."""
    href = safe_href(row.link)
    code = f"<code>{esc(row.id)}</code>"
    return f"<a href='{esc(href)}'>{code}</a>" if href else code


def _html_cell(verdict: str | None, deviation: bool) -> str:
    if verdict is None:
        return "<td class='v na' title='not in this subject&#39;s spec'>n/a</td>"
    if verdict == "not covered":
        return "<td class='v na' title='not covered'>\u2014</td>"
    mark = f" {badge('dev', DEVIATION_MARK, 'known deviation')}" if deviation else ""
    return f"<td class='v'>{verdict_badge(verdict)}{mark}</td>"


def _subject_name(subject: Subject) -> str:
    """The label, linking to the subject's own page when there is one (a relative address)."""
    if not subject.page or ":" in subject.page.split("/")[0]:
        return esc(subject.label)
    return f"<a class='subject' href='{esc(subject.page)}'>{esc(subject.label)}</a>"


def _subject_card(subject: Subject, counts: Mapping[str, int]) -> str:
    tally = "".join(
        f"<span>{verdict_badge(v)} {counts.get(v, 0)}</span>" for v in (*TOTAL_VERDICTS, "not covered")
    )
    return (
        f"<div class='card'><p><strong>{_subject_name(subject)}</strong> {esc(subject.version)} "
        f"<span class='muted'>\u2014 {esc(_spec_text(subject))}</span></p>"
        f"<p class='muted'>{esc(MIDDOT.join(_details(subject)))}</p>"
        f"<p class='counts'>{tally}</p></div>"
    )


def to_html(comparison: Comparison, changes: Changes | None = None) -> str:
    """The comparison as one self-contained page (same style rules as the run page).

    With `changes` (against a baseline), a section lists regressions, new deviations and fixes.
    """
    subjects = comparison.subjects
    totals = comparison.totals()
    cols = len(subjects) + 1
    cards = "".join(_subject_card(s, t) for s, t in zip(subjects, totals, strict=True))
    head = (
        "<thead><tr><th class='rowhead'>requirement</th>"
        + "".join(f"<th>{_subject_name(s)}</th>" for s in subjects)
        + "</tr></thead>"
    )
    body: list[str] = []
    group = None
    for row in comparison.rows:
        if (row.spec, row.document) != group:
            group = (row.spec, row.document)
            title = MIDDOT.join(x for x in group if x)
            body.append(f"<tr class='group'><th colspan='{cols}'><span>{esc(title)}</span></th></tr>")
        ref = f"{row.document}#{row.section}".rstrip("#")
        spec_link = f"<span class='summary text'>{link(row.link, ref)}</span>" if row.link else ""
        cells = "".join(_html_cell(v, d) for v, d in zip(row.verdicts, row.deviations, strict=True))
        css = "differs" if row.differs else "same"
        body.append(
            f"<tr class='{css}' id='req-{esc(row.id)}'><th class='rowhead'>{_id_link(row)} "
            f"{badge('level', row.level or '?')}<span class='summary text'>{esc(row.summary)}</span>"
            f"{spec_link}</th>{cells}</tr>"
        )
    if not comparison.rows:
        body.append(f"<tr><td colspan='{cols}'>No requirements to show.</td></tr>")
    body.append(
        "<tr class='total'><th class='rowhead'>total pass/fail/skip</th>"
        + "".join(f"<td class='v'>{esc(_total(t))}</td>" for t in totals)
        + "</tr>"
    )
    differing = sum(r.differs for r in comparison.rows)
    levels = {r.level for r in comparison.rows}
    level_text = ", ".join(lv for lv in LEVEL_ORDER if lv in levels)
    notes = "".join(f"<p class='reason'>Note: {esc(n)}.</p>" for n in comparison.notes)
    content = (
        "<header><h1>oci-conformance comparison "
        f"<span class='sub'>\u2014 {len(subjects)} subject(s), {len(comparison.rows)} requirement(s)"
        f"{' (' + esc(level_text) + ')' if level_text else ''}</span></h1></header>"
        f"<section id='subjects'><h2>Subjects</h2><div class='cards'>{cards}</div>{notes}</section>"
        f"{changes_html(changes) if changes is not None else ''}"
        f"<main><h2>Verdicts</h2><p>{differing} requirement(s) where the subjects disagree.</p>"
        "<form class='filters noprint' aria-label='filters'><label><input type='checkbox' id='only-diff'>"
        " only differences</label></form>"
        f"<div class='wide'><table class='cmp'>{head}<tbody>{''.join(body)}</tbody></table></div>"
        "<p class='muted'>\u2014 not covered; n/a: the requirement belongs to another spec than the "
        f"subject's; {badge('dev', DEVIATION_MARK)} known deviation of that subject. Totals count every "
        "requirement compared.</p></main>"
    )
    return page("oci-conformance comparison: " + ", ".join(s.label for s in subjects), content, COMPARE_CSS)
