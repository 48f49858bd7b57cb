"""Drift check: does the requirement catalog still cover every normative sentence of the pinned spec?

Catalog entries carry `sentences:` fingerprints rather than spec text.  A fingerprint is the
first 16 hex digits of the SHA-256 of a *normalized* normative sentence (see :func:`normalize`).
:func:`check_drift` extracts every normative sentence of every included document, fingerprints
it, and reports

* sentences whose fingerprint no entry of that document carries (with document, line and the
  sentence text, for the human reading the report; the text is never stored in the project),
* entries carrying a fingerprint that matches no sentence of their document any more (stale),
* entries carrying no fingerprint at all (unanchored: entries drawn from text without a keyword,
  such as a field marked only OPTIONAL; listed for information, they do not fail the check), and
* spec documents with normative sentences that are not excluded and have no catalog entries.

Extraction (:func:`extract`) is deterministic and works line by line on the markdown source:

1. Fenced code blocks (```` ``` ```` / ``~~~``), HTML comments and link reference definitions
   (``[name]: url``) are skipped.  Headings are not sentences; they set the current section (the
   ``<a name="..."/>`` anchor of the heading, or else its GitHub-style slug).
2. The remaining lines form blocks.  A blank line ends a block.  Every list item (``*``, ``-``,
   ``+`` or ``1.``, at any nesting depth) starts a block of its own; its marker is dropped, and
   following non-blank lines that do not start another item are continuation lines of it.  Any
   other line continues the current block or starts a paragraph.  A leading ``>`` is dropped.
3. A table is a line containing ``|`` followed by a delimiter row (``---|---``); its header and
   each following row up to a line without ``|`` are one unit each, with the cells stripped and
   joined by `` | ``.  Table rows are not split into sentences.
4. The lines of a block are joined with single spaces and split into sentences after ``.``,
   ``!`` or ``?`` (optionally followed by closing ``)``, quotes, ``*`` or ``_``) when whitespace
   and then an uppercase letter, digit, backtick, ``*``, ``[``, ``(`` or a quote follow; a period
   ending ``e.g.``, ``i.e.``, ``vs.`` or ``cf.`` never ends a sentence.  A sentence wrapped over
   several source lines is therefore one sentence; it is reported at the line where it starts.
   The spec sometimes omits the period after a field description that ends in a parenthesis
   (``... (as defined by period below)`` / ``If specified, ...``): a line ending in ``)``
   followed by a line starting with an uppercase letter is a sentence boundary too.
5. Each sentence is normalized by :func:`normalize`: inline links and images keep only their
   text, reference links (``[text][ref]``, ``[text][]``) keep only their text, HTML tags are
   dropped, code spans lose their backticks (their content is kept verbatim), ``**``, ``__``,
   ``*`` and ``_``-emphasis markers outside code are dropped, and whitespace is folded.
6. A sentence is normative when its normalized text contains an uppercase RFC 2119 keyword as a
   word: MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT, SHOULD, SHOULD NOT, RECOMMENDED,
   NOT RECOMMENDED or MAY.  OPTIONAL alone does not count (the spec uses it to mark optional
   fields), nor do lowercase words.

Documents of the spec directory that are not catalogued are listed in :data:`EXCLUDED` with the
reason; every other ``*.md`` file of the directory is checked.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from conformance.requirements import Catalog

#: Per spec, the markdown documents that carry no catalogued requirements, and why.
EXCLUDED: dict[str, dict[str, str]] = {
    "runtime-spec": {
        "spec.md": "introduction; its only keyword sentences are the RFC 2119 boilerplate and the "
        "definition of compliance, which bind no behaviour of their own",
        "implementations.md": "informative list of implementations, no requirements",
        "README.md": "repository read-me about the spec project, not part of the specification text",
    },
}

KEYWORD_PATTERN = re.compile(
    r"\b(MUST NOT|SHALL NOT|SHOULD NOT|NOT RECOMMENDED|MUST|REQUIRED|SHALL|SHOULD|RECOMMENDED|MAY)\b"
)


_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_ANCHOR = re.compile(r"""<a\s+(?:name|id)\s*=\s*["']([^"']+)["']""")
_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]^][^\]]*\]:\s*\S")
_LIST_ITEM = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s+(.*)$")
_TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$")
_SENTENCE_END = re.compile(r"""[.!?][)"'*_]*\s+(?=[A-Z0-9`*\[("'])""")
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "cf.")
_UNPUNCTUATED_END = re.compile(r"\)[*_]*\s*$")

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_INLINE_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_REFERENCE_LINK = re.compile(r"\[([^\]^][^\]]*)\]\[[^\]]*\]")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![\w])_{1,2}(\S(?:.*?\S)?)_{1,2}(?![\w])")


@dataclass(frozen=True)
class Sentence:
    """One normative sentence of a spec document."""

    document: str
    line: int
    section: str
    text: str
    keywords: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.text)


def fingerprint(normalized: str) -> str:
    """The fingerprint catalog entries record: 16 hex digits of the SHA-256 of the sentence."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16]


def normalize(markdown: str) -> str:
    """A sentence's markdown reduced to its text (see the module docstring, step 5)."""
    text = _IMAGE.sub(r"\1", markdown)
    text = _INLINE_LINK.sub(r"\1", text)
    text = _REFERENCE_LINK.sub(r"\1", text)
    parts = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(_plain(text[last : match.start()]))
        parts.append(match.group(2).strip())
        last = match.end()
    parts.append(_plain(text[last:]))
    return " ".join("".join(parts).split())


def _plain(text: str) -> str:
    text = _HTML_TAG.sub("", text)
    text = _UNDERSCORE_EMPHASIS.sub(r"\1", text)
    return text.replace("*", "")


def _slug(heading: str) -> str:
    text = normalize(heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def split_sentences(text: str) -> list[tuple[int, str]]:
    """Split joined block text into (offset, sentence) pairs (module docstring, step 4)."""
    result = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        head = text[start : match.start() + 1]
        if head.lower().endswith(_ABBREVIATIONS):
            word_start = head.rfind(" ") + 1
            if head[word_start:].lower() in _ABBREVIATIONS:
                continue
        result.append((start, text[start : match.end()].strip()))
        start = match.end()
    if text[start:].strip():
        result.append((start, text[start:].strip()))
    return result


@dataclass
class _Block:
    line: int
    section: str
    lines: list[str] = field(default_factory=list)


def _units(markdown: str) -> Iterable[tuple[int, str, str, bool]]:
    """(line, section, raw text, splittable) for every block and table row of a document."""
    lines = markdown.splitlines()
    section = ""
    block: _Block | None = None
    in_fence = False
    in_comment = False
    in_table = False
    i = 0

    def flush() -> Iterable[tuple[int, str, str, bool]]:
        nonlocal block
        if block is not None:
            yield block.line, block.section, "\n".join(block.lines), True
        block = None

    while i < len(lines):
        number, line = i + 1, lines[i]
        i += 1
        if in_fence:
            in_fence = not _FENCE.match(line)
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if _FENCE.match(line):
            yield from flush()
            in_fence = True
            continue
        if line.lstrip().startswith("<!--"):
            yield from flush()
            in_comment = "-->" not in line
            continue
        stripped = re.sub(r"^\s*>\s?", "", line) if line.lstrip().startswith(">") else line
        if in_table:
            if "|" in stripped and stripped.strip():
                yield number, section, _row(stripped), False
                continue
            in_table = False
        if not stripped.strip():
            yield from flush()
            continue
        heading = _HEADING.match(stripped)
        if heading:
            yield from flush()
            anchor = _ANCHOR.search(heading.group(2))
            section = anchor.group(1) if anchor else _slug(heading.group(2))
            continue
        if "|" in stripped and i < len(lines) and _TABLE_DELIMITER.match(lines[i]):
            yield from flush()
            yield number, section, _row(stripped), False
            i += 1
            in_table = True
            continue
        if _LINK_DEFINITION.match(stripped):
            yield from flush()
            continue
        item = _LIST_ITEM.match(stripped)
        if item:
            yield from flush()
            block = _Block(number, section, [item.group(1)])
        elif block is None:
            block = _Block(number, section, [stripped.strip()])
        else:
            block.lines.append(stripped.strip())
    yield from flush()


def _row(line: str) -> str:
    cells = line.strip().strip("|").split("|")
    return " | ".join(cell.strip() for cell in cells)


def extract(markdown: str, document: str) -> list[Sentence]:
    """Every normative sentence of one markdown document, in document order."""
    result = []
    for line, section, raw, splittable in _units(markdown):
        pieces = _with_lines(raw, line) if splittable else [(line, raw)]
        for number, piece in pieces:
            text = normalize(piece)
            keywords = tuple(KEYWORD_PATTERN.findall(text))
            if keywords:
                result.append(Sentence(document, number, section, text, keywords))
    return result


def _with_lines(raw: str, first_line: int) -> list[tuple[int, str]]:
    """Split a block into sentences, each with the source line it starts on (docstring, step 4)."""
    segments: list[list[tuple[int, str]]] = []
    for number, line in enumerate(raw.split("\n"), first_line):
        previous = segments[-1][-1][1] if segments else ""
        if not segments or (_UNPUNCTUATED_END.search(previous) and line[:1].isupper()):
            segments.append([])
        segments[-1].append((number, line))
    result = []
    for segment in segments:
        joined = ""
        starts = []
        for number, line in segment:
            starts.append((len(joined), number))
            joined += line + " "
        for offset, text in split_sentences(joined):
            result.append((max(n for start, n in starts if start <= offset), text))
    return result


def documents(spec_dir: Path, spec: str = "runtime-spec") -> list[Path]:
    """The markdown documents of `spec_dir` that the catalog covers (all but :data:`EXCLUDED`)."""
    excluded = EXCLUDED.get(spec, {})
    return sorted(p for p in spec_dir.glob("*.md") if p.name not in excluded)


def sentences(spec_dir: Path, spec: str = "runtime-spec") -> list[Sentence]:
    """Every normative sentence of every covered document, by document name then position."""
    return [
        s for path in documents(spec_dir, spec) for s in extract(path.read_text(encoding="utf-8"), path.name)
    ]


@dataclass(frozen=True)
class StaleFingerprint:
    requirement: str
    document: str
    fingerprint: str
    source: str


@dataclass
class DriftReport:
    """What :func:`check_drift` found; `ok` when the catalog and the spec agree."""

    spec: str
    spec_dir: Path
    sentences: list[Sentence]
    unmapped: list[Sentence]
    stale: list[StaleFingerprint]
    unanchored: list[str]
    missing_documents: list[str]

    @property
    def ok(self) -> bool:
        return not (self.unmapped or self.stale or self.missing_documents)

    def render(self) -> str:
        """A plain-text report for a terminal."""
        out = [
            f"{self.spec} at {self.spec_dir}: {len(self.sentences)} normative sentences, "
            f"{len(self.unmapped)} unmapped, {len(self.stale)} stale fingerprints, "
            f"{len(self.unanchored)} entries without fingerprints, "
            f"{len(self.missing_documents)} documents without a catalog file"
        ]
        if self.missing_documents:
            out.append("")
            out.append("Documents without a catalog file:")
            out += [f"  {name}" for name in self.missing_documents]
        if self.unmapped:
            out.append("")
            out.append("Sentences no catalog entry covers:")
            for s in self.unmapped:
                out.append(f"  {s.document}:{s.line} [{s.fingerprint}] #{s.section}")
                out.append(f"    {s.text}")
        if self.stale:
            out.append("")
            out.append("Fingerprints that match no sentence of their document:")
            out += [f"  {s.requirement} {s.fingerprint} ({s.document}; {s.source})" for s in self.stale]
        if self.unanchored:
            out.append("")
            out.append("Entries without sentence fingerprints (from text without a keyword; informational):")
            out += [f"  {rid}" for rid in self.unanchored]
        out.append("")
        out.append(
            "OK: the catalog covers the spec" if self.ok else "DRIFT: the catalog and the spec disagree"
        )
        return "\n".join(out)


def check_drift(spec_dir: Path, catalog: Catalog, spec: str = "runtime-spec") -> DriftReport:
    """Compare the catalog entries of `spec` with the normative sentences found in `spec_dir`."""
    found = sentences(spec_dir, spec)
    by_document: dict[str, set[str]] = {}
    for s in found:
        by_document.setdefault(s.document, set()).add(s.fingerprint)
    claimed: dict[str, set[str]] = {}
    stale = []
    unanchored = []
    for requirement in catalog:
        if requirement.spec != spec:
            continue
        if not requirement.sentences:
            unanchored.append(requirement.id)
        known = by_document.get(requirement.document, set())
        for fp in requirement.sentences:
            claimed.setdefault(requirement.document, set()).add(fp)
            if fp not in known:
                stale.append(StaleFingerprint(requirement.id, requirement.document, fp, requirement.source))
    catalogued = {r.document for r in catalog if r.spec == spec}
    return DriftReport(
        spec=spec,
        spec_dir=spec_dir,
        sentences=found,
        unmapped=[s for s in found if s.fingerprint not in claimed.get(s.document, set())],
        stale=stale,
        unanchored=sorted(unanchored),
        missing_documents=sorted(document for document in by_document if document not in catalogued),
    )
