"""The requirement catalog: every normative statement of the pinned specs, by stable id."""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from conformance.core.datafile import line_of, load_checked
from conformance.core.errors import DataFileError

#: Normalized levels, strongest first.
LEVELS = ("MUST", "SHOULD", "MAY")
KEYWORD_LEVELS = {
    "MUST": "MUST",
    "MUST NOT": "MUST",
    "REQUIRED": "MUST",
    "SHALL": "MUST",
    "SHALL NOT": "MUST",
    "SHOULD": "SHOULD",
    "SHOULD NOT": "SHOULD",
    "RECOMMENDED": "SHOULD",
    "NOT RECOMMENDED": "SHOULD",
    "MAY": "MAY",
    "OPTIONAL": "MAY",
}
#: The schema `data/catalog` repeats ID_PATTERN, FINGERPRINT_PATTERN, LEVELS and KEYWORD_LEVELS
#: (tests/unit/test_data_schemas.py keeps them in step).
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
#: A sentence fingerprint: the first 16 hex digits of the SHA-256 of a normalized spec sentence.
FINGERPRINT_PATTERN = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True)
class Requirement:
    """One normative statement, summarized in the project's own words."""

    id: str
    level: str
    keyword: str
    spec: str
    version: str
    document: str
    section: str
    summary: str
    url: str
    untested: str | None
    source: str
    #: Fingerprints of the spec sentences this entry comes from (see `conformance.requirements.drift`).
    sentences: tuple[str, ...] = ()

    @property
    def link(self) -> str:
        """The spec section this requirement comes from."""
        return f"{self.url}#{self.section}" if self.section else self.url

    def at_or_above(self, level: str) -> bool:
        return LEVELS.index(self.level) <= LEVELS.index(level)


class Catalog:
    """All requirements, by id, with a digest of the catalog files."""

    def __init__(self, requirements: Iterable[Requirement], digest: str) -> None:
        self.by_id: dict[str, Requirement] = {}
        for requirement in requirements:
            if requirement.id in self.by_id:
                other = self.by_id[requirement.id].source
                raise DataFileError(
                    requirement.source, f"duplicate requirement id {requirement.id!r} (also at {other})"
                )
            self.by_id[requirement.id] = requirement
        self.digest = digest

    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self.by_id

    def __iter__(self):
        return iter(self.by_id.values())

    def __len__(self) -> int:
        return len(self.by_id)

    def get(self, requirement_id: str) -> Requirement:
        return self.by_id[requirement_id]

    def matching(self, patterns: Iterable[str]) -> set[str]:
        """Ids matching any of the glob patterns."""
        return {rid for rid in self.by_id for p in patterns if fnmatch.fnmatchcase(rid, p)}


def catalog_root() -> Path:
    return Path(str(resources.files("conformance.requirements")))


def _load_file(path: Path) -> list[Requirement]:
    """One catalog file; its shape is checked by the `data/catalog` schema (ids, levels, keywords,
    fingerprints), what the schema cannot say (keyword and level agree) here."""
    data = load_checked(path, "catalog")
    result = []
    for entry in data["requirements"]:
        line = line_of(entry)
        rid, level, keyword = entry["id"], entry["level"], entry["keyword"]
        if KEYWORD_LEVELS[keyword] != level:
            raise DataFileError(
                path, f"{rid}: keyword {keyword} is level {KEYWORD_LEVELS[keyword]}, not {level}", line
            )
        untested = entry.get("untested")
        sentences = entry.get("sentences", [])
        result.append(
            Requirement(
                id=rid,
                level=level,
                keyword=keyword,
                spec=str(data["spec"]),
                version=str(data["version"]),
                document=str(data["document"]),
                section=str(entry["section"] or ""),
                summary=" ".join(str(entry["summary"]).split()),
                url=str(data["url"]),
                untested=untested.strip() if untested is not None else None,
                source=f"{path}:{line}",
                sentences=tuple(sentences),
            )
        )
    return result


def load_catalog_from(root: Path) -> Catalog:
    """Load every `*.yaml` below `root` (one file per spec document)."""
    files = sorted(root.rglob("*.yaml"))
    digest = hashlib.sha256()
    requirements: list[Requirement] = []
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        requirements += _load_file(path)
    return Catalog(requirements, "sha256:" + digest.hexdigest())


@functools.cache
def load_catalog() -> Catalog:
    """The catalog shipped with the package."""
    return load_catalog_from(catalog_root())
