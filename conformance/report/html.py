"""One self-contained HTML page per run: `reports/<label>/index.html`, next to results.json.

The page is what a runtime implementer or a certification reviewer reads, so it stands on its
own: inline CSS, nothing loaded from the network, readable without JavaScript, on a phone, and
on paper.  Everything taken from the results is escaped, since failure messages quote whatever
the runtime printed.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

#: Verdict -> (css class, symbol, text). The text always accompanies the colour.
VERDICTS: dict[str, tuple[str, str, str]] = {
    "fail": ("fail", "\u2717", "FAIL"),
    "pass": ("pass", "\u2713", "PASS"),
    "skip": ("skip", "\u2298", "SKIP"),
    "not covered": ("nc", "\u25cb", "NOT COVERED"),
}
VERDICT_ORDER = tuple(VERDICTS)
#: Test outcome -> (css class, text).
OUTCOMES: dict[str, tuple[str, str]] = {
    "failed": ("fail", "FAILED"),
    "error": ("fail", "ERROR"),
    "xpassed": ("fail", "XPASS"),
    "xfailed": ("dev", "XFAIL"),
    "skipped": ("skip", "SKIPPED"),
    "passed": ("pass", "PASSED"),
}
LEVEL_ORDER = ("MUST", "SHOULD", "MAY")
#: Report sections (as pytest names them) worth showing for a failure, in this order.
SECTION_PREFIXES = ("config.json", "runtime calls")

CSS = """
:root{--fg:#1a1a1a;--muted:#595959;--line:#cfcfcf;--code:#f5f5f5;
--pass:#146c36;--pass-bg:#e2f4e8;--fail:#a3151a;--fail-bg:#fde7e7;--skip:#7a4f00;--skip-bg:#fff2d1;
--nc:#4d4d4d;--nc-bg:#ececec;--dev:#5b2a93;--dev-bg:#efe5fb;--link:#0b57a4}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0 auto;max-width:74rem;padding:.75rem;color:var(--fg);background:#fff;
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;overflow-wrap:anywhere}
a{color:var(--link)}
h1{font-size:1.45rem;margin:.2rem 0 .4rem;line-height:1.2}
h2{font-size:1.2rem;margin:1.6rem 0 .5rem;padding-bottom:.2rem;border-bottom:2px solid var(--fg)}
h3{font-size:1rem;margin:1.1rem 0 .4rem;color:var(--muted)}
code,pre,.mono{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;
font-size:.88em}
pre{white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;background:var(--code);
border:1px solid var(--line);border-radius:4px;padding:.45rem .55rem;margin:.3rem 0;
max-height:28rem;overflow:auto}
table{border-collapse:collapse}
th,td{border:1px solid var(--line);padding:.2rem .45rem;text-align:left;vertical-align:top;
overflow-wrap:break-word}
#summary th,#summary td{padding:.2rem .3rem}
th{background:#f0f0f0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.wide{max-width:100%;overflow-x:auto}
.muted{color:var(--muted)}
.nowrap{white-space:nowrap}
.sub{font-size:.95rem;color:var(--muted);font-weight:normal}
.head-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,24rem),1fr));gap:0 1.5rem}
h2.box{font-size:.95rem;margin:.6rem 0 .2rem;border-bottom:1px solid var(--line);color:var(--muted)}
caption{text-align:left}
dl.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15rem .9rem;margin:.4rem 0}
dl.meta dt{font-weight:600}
dl.meta dd{margin:0;min-width:0}
.badge{display:inline-block;padding:0 .4em;border:1px solid currentColor;border-radius:.3em;
font-weight:700;font-size:.82rem;white-space:nowrap;line-height:1.5}
.b-pass{color:var(--pass);background:var(--pass-bg)}
.b-fail{color:var(--fail);background:var(--fail-bg)}
.b-skip{color:var(--skip);background:var(--skip-bg)}
.b-nc{color:var(--nc);background:var(--nc-bg)}
.b-dev{color:var(--dev);background:var(--dev-bg)}
.b-level{color:var(--fg);background:#fff}
.verdict-line{font-size:1.1rem;font-weight:700;padding:.4rem .6rem;border:2px solid currentColor;
border-radius:4px}
.glance{display:flex;flex-wrap:wrap;gap:.3rem .8rem;align-items:baseline;margin:.3rem 0 .5rem}
.failing{padding-left:1.2rem}
.filters{margin:.8rem 0;padding:.4rem .6rem;border:1px dashed var(--line);border-radius:4px}
.filters label{margin-right:.9rem;white-space:nowrap}
nav.toc ul{padding-left:1.2rem;margin:.3rem 0}
.req{border:1px solid var(--line);border-left:6px solid var(--nc);border-radius:4px;padding:.45rem .6rem;
margin:.45rem 0;break-inside:avoid;page-break-inside:avoid}
.req.v-pass{border-left-color:var(--pass)}
.req.v-fail{border-left-color:var(--fail)}
.req.v-skip{border-left-color:var(--skip)}
.req-head{display:flex;flex-wrap:wrap;gap:.3rem .45rem;align-items:baseline}
.rid{font-weight:700;font-size:.95rem}
.req p{margin:.25rem 0}
.spec a{font-size:.9rem}
ul.tests{list-style:none;padding:0;margin:.3rem 0 0}
ul.tests>li{border-top:1px dotted var(--line);padding:.3rem 0}
.test-name{font-size:.85rem}
dl.eo{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.1rem .6rem;margin:.3rem 0}
dl.eo dt{font-weight:700}
dl.eo dd{margin:0;min-width:0}
dl.eo dd pre{margin:0}
details{margin:.25rem 0}
summary{cursor:pointer;font-weight:600}
.reason{color:var(--skip)}
.deviation{color:var(--dev)}
footer{margin-top:2rem;font-size:.85rem;color:var(--muted)}
body:has(#hide-pass:checked) .req.v-pass,body:has(#hide-nc:checked) .req.v-nc,
body:has(#hide-skip:checked) .req.v-skip{display:none}
@media (max-width:40rem){
body{padding:.5rem;font-size:14px}
dl.meta{gap:.1rem .6rem;font-size:.92em}
dl.eo{grid-template-columns:minmax(0,1fr)}
h1{font-size:1.25rem}
}
@media print{
body{max-width:none;padding:0;font-size:10.5pt}
.filters,.noprint{display:none}
pre{max-height:none;overflow:visible;background:none}
th{background:none}
.badge,.b-pass,.b-fail,.b-skip,.b-nc,.b-dev{background:none}
details::details-content{content-visibility:visible;display:contents}
details>summary{list-style:none}
h2,h3{break-after:avoid;page-break-after:avoid}
a{color:inherit}
}
"""

#: Opens every <details> before printing where `::details-content` is not supported; optional.
PRINT_SCRIPT = (
    '<script>addEventListener("beforeprint",function(){'
    'document.querySelectorAll("details").forEach(function(d){d.open=true})});</script>'
)


def esc(value: Any) -> str:
    """Escape for text and attribute values alike."""
    return escape("" if value is None else str(value), quote=True)


def safe_href(url: Any) -> str | None:
    """Only http(s) links are rendered as links; anything else (javascript:, data:) stays text."""
    text = str(url or "")
    return text if re.match(r"^https?://", text, re.IGNORECASE) else None


def link(url: Any, text: Any) -> str:
    href = safe_href(url)
    if href is None:
        return esc(text)
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def badge(kind: str, text: str, title: str = "") -> str:
    title_attr = f' title="{esc(title)}"' if title else ""
    return f'<span class="badge b-{kind}"{title_attr}>{esc(text)}</span>'


def verdict_badge(verdict: str) -> str:
    css, symbol, text = VERDICTS.get(verdict, ("nc", "?", verdict.upper() or "UNKNOWN"))
    return badge(css, f"{symbol}\u00a0{text}")


def page(title: str, body: str, extra_css: str = "") -> str:
    """The document skeleton shared by the run page and the comparison page."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}{extra_css}</style>\n</head>\n<body>\n"
        f"{body}\n{PRINT_SCRIPT}\n</body>\n</html>\n"
    )


# --- failure messages and JUnit ------------------------------------------------------------


@dataclass
class Failure:
    """A failure message split into what was checked, expected, observed and the rest."""

    headline: str = ""
    expected: str | None = None
    observed: str | None = None
    rest: str = ""


def parse_message(message: str) -> Failure:
    """Split a message built by `conformance.core.asserts.fail`; anything unparsed lands in `rest`."""
    failure = Failure()
    rest: list[str] = []
    for index, line in enumerate((message or "").splitlines()):
        match = re.match(r"^\s*(?:E\s+)?(expected|observed):\s?(.*)$", line)
        if match and getattr(failure, match.group(1)) is None:
            setattr(failure, match.group(1), match.group(2))
        elif index == 0:
            failure.headline = re.sub(r"^[A-Za-z_.]*(?:Error|Exception|Failed):\s*", "", line).strip()
        else:
            rest.append(line)
    failure.rest = "\n".join(rest).strip("\n")
    return failure


_SEPARATOR = re.compile(r"^\s*[-=_]{3,}\s+(.+?)\s+[-=_]{3,}\s*$")


def parse_sections(text: str) -> dict[str, str]:
    """Named sections of pytest output (`---- name ----` lines, as in a longrepr or system-out)."""
    sections: dict[str, str] = {}
    name: str | None = None
    body: list[str] = []
    for line in (text or "").splitlines():
        match = _SEPARATOR.match(line)
        if match:
            if name is not None:
                sections[name] = "\n".join(body).strip("\n")
            name, body = match.group(1), []
        elif name is not None:
            body.append(line)
    if name is not None:
        sections[name] = "\n".join(body).strip("\n")
    return sections


def _before_sections(text: str) -> str:
    """The failure text without its named sections (they are shown on their own)."""
    lines = (text or "").splitlines()
    end = next((i for i, line in enumerate(lines) if _SEPARATOR.match(line)), len(lines))
    return "\n".join(lines[:end]).strip("\n")


@dataclass
class JunitCase:
    """What the JUnit XML adds to results.json for one test: the full failure text and sections."""

    failure: str = ""
    output: str = ""
    sections: dict[str, str] = field(default_factory=dict)


def junit_key(nodeid: str) -> tuple[str, str]:
    """(classname, name) as pytest's junitxml derives them from a node id."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


def read_junit(path: Path | None) -> dict[tuple[str, str], JunitCase]:
    """The test cases of a JUnit file by (classname, name); {} when absent or unreadable."""
    if path is None:
        return {}
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return {}
    cases: dict[tuple[str, str], JunitCase] = {}
    for case in root.iter("testcase"):
        failure, output = [], []
        for child in case:
            text = child.text or ""
            if child.tag in ("failure", "error"):
                failure.append(text or child.get("message", ""))
            elif child.tag in ("system-out", "system-err"):
                output.append(text)
        sections: dict[str, str] = {}
        for text in (*failure, *output):
            sections.update(parse_sections(text))
        key = (case.get("classname", ""), case.get("name", ""))
        cases[key] = JunitCase("\n".join(failure), "\n".join(output), sections)
    return cases


def find_junit(cases: Mapping[tuple[str, str], JunitCase], nodeid: str) -> JunitCase | None:
    """Match a node id to a test case, tolerating a --junit-prefix on the class name."""
    classname, name = junit_key(nodeid)
    found = cases.get((classname, name))
    if found is not None:
        return found
    for (other_class, other_name), case in cases.items():
        if other_name == name and other_class.endswith("." + classname):
            return case
    return None


def shown_sections(case: JunitCase | None) -> list[tuple[str, str]]:
    """The config used and the runtime's output first, then any other captured section."""
    if case is None:
        return []
    first = [(n, t) for n, t in case.sections.items() if n.lower().startswith(SECTION_PREFIXES)]
    first.sort(key=lambda item: 0 if item[0].lower().startswith("config.json") else 1)
    others = [(n, t) for n, t in case.sections.items() if (n, t) not in first and t.strip()]
    return first + others


# --- the page ------------------------------------------------------------------------------


def _dl(rows: Iterable[tuple[str, str]], css: str = "meta") -> str:
    """A definition list of already-escaped HTML values, skipping empty ones."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows if v)
    return f'<dl class="{css}">{items}</dl>'


def _options(options: Any) -> str:
    if not isinstance(options, Mapping) or not options:
        return ""
    parts = []
    for key, value in options.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
        parts.append(f"<code>{esc(key)}={esc(shown)}</code>")
    return " ".join(parts)


def _certification(verdict: Any) -> str:
    """The certified-or-not line. Reads the certification verdict's dict (certified, profile,
    blocking, problems, ...) and, to stay robust to other producers, a bool or a plain string."""
    blocking: list[str] = []
    if isinstance(verdict, Mapping):
        certified = verdict.get("certified")
        if certified is None:
            certified = str(verdict.get("verdict") or verdict.get("status") or "").lower() == "certified"
        label = "CERTIFIED" if certified else "NOT CERTIFIED"
        if not certified and verdict.get("status") == "incomplete":
            label = "INCOMPLETE"
        if verdict.get("profile"):
            label += f" under {verdict['profile']}"
        elif verdict.get("level"):
            label += f" at level {verdict['level']}"
        details = [str(p) for p in verdict.get("problems") or []]
        blocking = [
            str(f.get("requirement")) for f in verdict.get("blocking") or [] if isinstance(f, Mapping)
        ]
        if blocking:
            details.append(f"{len(blocking)} blocking requirement(s)")
        if verdict.get("incomplete"):
            details.append(
                f"{len(verdict['incomplete'])} required requirement(s) neither tested nor explained"
            )
        reason = verdict.get("reason") or verdict.get("summary")
        if reason:
            details.append(str(reason))
        detail = "; ".join(details)
    elif isinstance(verdict, bool):
        certified, label, detail = verdict, "CERTIFIED" if verdict else "NOT CERTIFIED", ""
    else:
        text = str(verdict)
        certified = text.strip().lower() == "certified"
        label, detail = text.upper(), ""
    css = "pass" if certified else "fail"
    symbol = "\u2713" if certified else "\u2717"
    tail = f" <span class='sub'>{esc(detail)}</span>" if detail else ""
    line = f'<p class="verdict-line b-{css}" id="certification">{symbol} {esc(label)}{tail}</p>'
    if blocking:
        links = ", ".join(f"<a href='#req-{esc(rid)}'><code>{esc(rid)}</code></a>" for rid in blocking)
        line += f"<p>Blocking: {links}</p>"
    return line


def _levels(requirements: Mapping[str, Mapping[str, Any]]) -> list[str]:
    seen = {str(r.get("level", "")) for r in requirements.values()}
    return [lv for lv in LEVEL_ORDER if lv in seen] + sorted(seen - set(LEVEL_ORDER))


def _summary(results: Mapping[str, Any]) -> str:
    requirements: Mapping[str, Mapping[str, Any]] = results.get("requirements") or {}
    table: dict[str, dict[str, int]] = {}
    deviations = 0
    for entry in requirements.values():
        row = table.setdefault(str(entry.get("level", "")), {})
        verdict = str(entry.get("verdict", ""))
        row[verdict] = row.get(verdict, 0) + 1
        deviations += bool(entry.get("known_deviation"))
    verdicts = [*VERDICT_ORDER, *sorted({v for row in table.values() for v in row} - set(VERDICT_ORDER))]
    levels = _levels(requirements)
    head = "".join(f'<th class="num">{esc(level or "?")}</th>' for level in levels)
    rows = []
    for v in verdicts:
        counts = [table.get(level, {}).get(v, 0) for level in levels]
        cells = "".join(f'<td class="num">{n}</td>' for n in counts)
        rows.append(
            f"<tr><th>{verdict_badge(v)}</th>{cells}<td class='num'><strong>{sum(counts)}</strong></td></tr>"
        )
    total_cells = "".join(f'<td class="num"><strong>{sum(table[lv].values())}</strong></td>' for lv in levels)
    rows.append(
        f"<tr><th>all</th>{total_cells}<td class='num'><strong>{len(requirements)}</strong></td></tr>"
    )
    parts = ["<section id='summary'><h2>Summary</h2>"]
    if "verdict" in results:
        parts.append(_certification(results["verdict"]))
    parts.append(
        "<div class='wide'><table><caption class='muted'>Requirements by level and verdict</caption>"
        f"<thead><tr><th>verdict</th>{head}<th class='num'>all</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    counts = (results.get("counts") or {}).get("tests") or {}
    if counts:
        shown = ", ".join(f"{esc(n)} {esc(k)}" for k, n in counts.items())
        parts.append(f"<p>Tests: {shown} ({sum(int(n) for n in counts.values())} in all).</p>")
    if deviations:
        parts.append(
            f"<p>{badge('dev', 'KNOWN DEVIATION')} {deviations} failing requirement(s) are "
            "known deviations of this subject (expected failures).</p>"
        )
    failing = [rid for rid, e in requirements.items() if e.get("verdict") == "fail"]
    if failing:
        items = "".join(
            f"<li><a href='#req-{esc(rid)}'><code>{esc(rid)}</code></a> "
            f"{esc(requirements[rid].get('level', ''))}"
            f"{' (known deviation)' if requirements[rid].get('known_deviation') else ''}</li>"
            for rid in failing
        )
        parts.append(f"<h3>Failing requirements ({len(failing)})</h3><ul class='failing'>{items}</ul>")
    parts.append("</section>")
    return "".join(parts)


def _glance(results: Mapping[str, Any]) -> str:
    """The requirement counts by verdict, first thing on the page (a phone shows little else)."""
    requirements: Mapping[str, Mapping[str, Any]] = results.get("requirements") or {}
    counts: dict[str, int] = {}
    for entry in requirements.values():
        verdict = str(entry.get("verdict", ""))
        counts[verdict] = counts.get(verdict, 0) + 1
    if not counts:
        return ""
    shown = [*VERDICT_ORDER, *sorted(set(counts) - set(VERDICT_ORDER))]
    items = "".join(f"<span>{verdict_badge(v)} {counts.get(v, 0)}</span>" for v in shown)
    return f"<p class='glance'>{items} <a class='noprint' href='#summary'>summary</a></p>"


def _header(results: Mapping[str, Any]) -> str:
    subject = results.get("subject") or {}
    suite = results.get("suite") or {}
    spec = results.get("spec") or {}
    env = results.get("environment") or {}
    label = subject.get("label") or subject.get("profile") or "subject"
    version = subject.get("version") or ""
    notes = subject.get("notes") or []
    version_output = subject.get("version_output") or ""
    subject_rows = [
        (
            "subject",
            f"<strong>{esc(label)}</strong>"
            + (f" <span class='muted'>({esc(subject.get('kind'))})</span>" if subject.get("kind") else ""),
        ),
        ("version", esc(version)),
        ("profile", esc(subject.get("profile", ""))),
        ("path", f"<code>{esc(subject['path'])}</code>" if subject.get("path") else ""),
        ("digest", f"<code>{esc(subject['digest'])}</code>" if subject.get("digest") else ""),
        (
            "version output",
            f"<details><summary>--version</summary><pre>{esc(version_output)}</pre></details>"
            if version_output
            else "",
        ),
        ("notes", "<br>".join(esc(n) for n in notes)),
    ]
    run_rows = [
        ("suite", esc(f"{suite.get('name', 'oci-conformance')} {suite.get('version', '')}".strip())),
        ("spec", esc(f"{spec.get('name', '')} {spec.get('version', '')}".strip())),
        (
            "catalog",
            f"<code>{esc(results['catalog_digest'])}</code>" if results.get("catalog_digest") else "",
        ),
        ("date", esc(" \u2192 ".join(str(results[k]) for k in ("started", "finished") if results.get(k)))),
        ("kernel", esc(env.get("kernel", ""))),
        ("distribution", esc(env.get("distro", ""))),
        ("architecture", esc(env.get("arch", ""))),
        ("cgroup mode", esc(env.get("cgroup_mode", ""))),
        ("python", esc(env.get("python", ""))),
        ("options", _options(env.get("options"))),
    ]
    title = f"{label} {version}".strip()
    spec_text = f"{spec.get('name', '')} {spec.get('version', '')}".strip()
    return (
        f"<header><h1>{esc(title)} <span class='sub'>\u2014 {esc(spec_text)} conformance</span></h1>"
        f"{_glance(results)}"
        f"<div class='head-grid'><div><h2 class='box'>Subject</h2>{_dl(subject_rows)}</div>"
        f"<div><h2 class='box'>Run and environment</h2>{_dl(run_rows)}</div></div></header>"
    )


def _test_entry(
    nodeid: str, test: Mapping[str, Any] | None, cases: Mapping[tuple[str, str], JunitCase]
) -> str:
    """One test behind a requirement; failures show expected vs observed and the captured sections."""
    outcome = str((test or {}).get("outcome", ""))
    css, text = OUTCOMES.get(outcome, ("nc", outcome.upper() or "NOT RUN"))
    name = nodeid.split("::", 1)[-1]
    duration = (test or {}).get("duration")
    timing = (
        f" <span class='muted nowrap'>{float(duration):.2f}\u00a0s</span>"
        if isinstance(duration, int | float)
        else ""
    )
    head = f"{badge(css, text)} <code class='test-name' title='{esc(nodeid)}'>{esc(name)}</code>{timing}"
    message = str((test or {}).get("message") or "")
    body = ""
    if outcome in ("failed", "error", "xpassed"):
        case = find_junit(cases, nodeid)
        body += _failure(message, case)
    elif outcome == "xfailed":
        body += f"<p class='deviation'>{esc(message or 'known deviation')}</p>"
        body += "".join(_section(n, t) for n, t in shown_sections(find_junit(cases, nodeid)))
    elif outcome == "skipped" and message:
        body += f"<p class='reason'>Skipped: {esc(_strip_skipped(message))}</p>"
    return f"<li>{head}{body}</li>"


def _strip_skipped(message: str) -> str:
    return re.sub(r"^Skipped:\s*", "", message.strip())


def _section(name: str, text: str) -> str:
    label = "config used: " + name if name.lower().startswith("config.json") else name
    if name.lower().startswith("runtime calls"):
        label = "runtime output: " + name
    return f"<details class='section'><summary>{esc(label)}</summary><pre>{esc(text)}</pre></details>"


def _failure(message: str, case: JunitCase | None) -> str:
    text = message or (case.failure.splitlines()[0] if case and case.failure else "")
    failure = parse_message(text)
    parts = ["<details class='failure' open><summary>expected vs observed</summary>"]
    if failure.headline:
        parts.append(f"<p><strong>{esc(failure.headline)}</strong></p>")
    rows = []
    if failure.expected is not None:
        rows.append(("expected", f"<pre>{esc(failure.expected)}</pre>"))
    if failure.observed is not None:
        rows.append(("observed", f"<pre>{esc(failure.observed)}</pre>"))
    if rows:
        parts.append(_dl(rows, "eo"))
    if failure.rest:
        parts.append(f"<pre>{esc(failure.rest)}</pre>")
    parts.append("</details>")
    parts += [_section(n, t) for n, t in shown_sections(case)]
    traceback = _before_sections(case.failure) if case is not None else ""
    if traceback.strip():
        parts.append(
            "<details class='section'><summary>full failure output</summary>"
            f"<pre>{esc(traceback)}</pre></details>"
        )
    return "".join(parts)


def _requirement(
    rid: str,
    entry: Mapping[str, Any],
    tests: Mapping[str, Mapping[str, Any]],
    cases: Mapping[tuple[str, str], JunitCase],
) -> str:
    verdict = str(entry.get("verdict", ""))
    css = VERDICTS.get(verdict, ("nc",))[0]
    level = str(entry.get("level", ""))
    badges = [badge("level", level or "?"), verdict_badge(verdict)]
    if entry.get("known_deviation"):
        badges.append(badge("dev", "KNOWN DEVIATION", "an expected failure recorded for this subject"))
    spec_ref = f"{entry.get('document', '')}#{entry.get('section', '')}".rstrip("#")
    parts = [
        f"<article class='req v-{css}' id='req-{esc(rid)}'>",
        f"<div class='req-head'><code class='rid'>{esc(rid)}</code>{''.join(badges)}</div>",
        f"<p class='summary'>{esc(entry.get('summary', ''))}</p>",
    ]
    if entry.get("link"):
        parts.append(f"<p class='spec'>Spec: {link(entry['link'], spec_ref or entry['link'])}</p>")
    reason = entry.get("reason")
    if reason:
        prefix = "Not tested" if verdict == "not covered" else "Skipped"
        parts.append(f"<p class='reason'>{prefix}: {esc(_strip_skipped(str(reason)))}</p>")
    nodeids = [str(n) for n in entry.get("tests") or []]
    if nodeids:
        items = "".join(_test_entry(n, tests.get(n), cases) for n in nodeids)
        parts.append(f"<ul class='tests'>{items}</ul>")
    parts.append("</article>")
    return "".join(parts)


def _grouped(
    requirements: Mapping[str, Mapping[str, Any]],
) -> dict[str, dict[str, list[str]]]:
    """document -> section -> requirement ids, in catalog order."""
    groups: dict[str, dict[str, list[str]]] = {}
    for rid, entry in requirements.items():
        document = str(entry.get("document") or "(no document)")
        section = str(entry.get("section") or "")
        groups.setdefault(document, {}).setdefault(section, []).append(rid)
    return groups


def _ids(sections: Mapping[str, list[str]]) -> list[str]:
    return [rid for ids in sections.values() for rid in ids]


def _anchor(document: str) -> str:
    return "doc-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", document)


def _tally(rids: Iterable[str], requirements: Mapping[str, Mapping[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for rid in rids:
        verdict = str(requirements[rid].get("verdict", ""))
        counts[verdict] = counts.get(verdict, 0) + 1
    return ", ".join(
        f"{counts[v]} {v}"
        for v in (*VERDICT_ORDER, *sorted(set(counts) - set(VERDICT_ORDER)))
        if counts.get(v)
    )


def render_html(results: dict[str, Any], junit_path: Path | None = None) -> str:
    """The whole page for one results document (and, if given, the JUnit XML of the same run)."""
    requirements: Mapping[str, Mapping[str, Any]] = results.get("requirements") or {}
    tests = {str(t.get("nodeid")): t for t in results.get("tests") or [] if isinstance(t, Mapping)}
    cases = read_junit(junit_path)
    groups = _grouped(requirements)
    subject = results.get("subject") or {}
    spec = results.get("spec") or {}
    toc = "".join(
        f"<li><a href='#{esc(_anchor(doc))}'>{esc(doc)}</a> "
        f"<span class='muted'>({esc(_tally(_ids(sections), requirements))})</span></li>"
        for doc, sections in groups.items()
    )
    filters = (
        "<form class='filters noprint' aria-label='filters'><strong>Hide:</strong> "
        "<label><input type='checkbox' id='hide-pass'> passed</label>"
        "<label><input type='checkbox' id='hide-nc'> not covered</label>"
        "<label><input type='checkbox' id='hide-skip'> skipped</label></form>"
    )
    body = [_header(results), _summary(results)]
    body.append(f"<nav class='toc'><h2>Spec documents</h2><ul>{toc}</ul></nav>")
    body.append(f"<main><h2>Requirements</h2>{filters}")
    for document, sections in groups.items():
        rids = _ids(sections)
        body.append(
            f"<section class='doc' id='{esc(_anchor(document))}'><h2>{esc(document)} "
            f"<span class='sub'>{esc(_tally(rids, requirements))}</span></h2>"
        )
        for section, ids in sections.items():
            first = requirements[ids[0]]
            heading = f"#{section}" if section else "(document)"
            href = first.get("link") if section else None
            body.append(
                f"<section class='spec-section'><h3>{link(href, heading) if href else esc(heading)}</h3>"
            )
            body += [_requirement(rid, requirements[rid], tests, cases) for rid in ids]
            body.append("</section>")
        body.append("</section>")
    body.append("</main>")
    if not requirements:
        body.append("<p>This results document lists no requirements.</p>")
    body.append(
        "<footer>Generated by oci-conformance from results.json"
        f"{' and ' + esc(junit_path.name) if junit_path is not None and cases else ''}. "
        "Verdicts are given in words and symbols as well as colours.</footer>"
    )
    title = (
        f"oci-conformance: {subject.get('label', '')} {subject.get('version', '')} \u2014 "
        f"{spec.get('name', '')} {spec.get('version', '')}"
    )
    return page(" ".join(title.split()), "\n".join(body))


def junit_for(run_dir: Path, label: str | None = None) -> Path | None:
    """The JUnit XML of a run: beside results.json, or in the combined `a+b` directory of a
    session that tested several subjects at once (the plugin writes one JUnit file per session)."""
    own = run_dir / "junit.xml"
    if own.is_file():
        return own
    label = label or run_dir.name
    parent = run_dir.parent
    if parent.is_dir():
        for candidate in sorted(parent.glob("*+*/junit.xml")):
            if label in candidate.parent.name.split("+"):
                return candidate
    return None


def write_html(run_dir: Path) -> Path:
    """Read run_dir/results.json (and the run's junit.xml if any) and write run_dir/index.html."""
    run_dir = Path(run_dir)
    results = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    label = str((results.get("subject") or {}).get("label") or run_dir.name)
    out = run_dir / "index.html"
    out.write_text(render_html(results, junit_for(run_dir, label)), encoding="utf-8")
    return out
