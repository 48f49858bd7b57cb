"""Subject kinds: each kind of software under test is described once, here, by one class.

A kind knows its option and environment names, its fixture, the spec and catalog it answers
to, its bundled suite directory (matrices, expectations, certification profiles), and how a
value such as `--runtime=runc` becomes a subject. The plugin, the session, the report writer
and the command line iterate over `kinds()`; none of them asks which kind it holds.

Other packages add kinds through the `oci_conformance.kinds` entry-point group, each entry
naming a SubjectKind subclass ("package.module:MyKind").
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from conformance.core import entrypoints
from conformance.core.errors import ConfigurationError
from conformance.plugin.settings import Setting

if TYPE_CHECKING:
    from conformance.plugin.session import Session


@runtime_checkable
class Subject(Protocol):
    """What every subject under test offers the reports: who it is and how it is driven."""

    name: str
    path: str
    version: str
    version_output: str

    def notes(self) -> list[str]: ...


def suites_dir() -> Path:
    """The bundled suites: `suites/` beside the package in a checkout, else `conformance.suites`.

    The checkout's own directory wins, so a working tree (or a second one) runs its own suites
    even when another tree of the project is the one installed in editable mode.
    """
    checkout = Path(__file__).resolve().parent.parent.parent / "suites"
    if (checkout / "runtime").is_dir():
        return checkout
    spec = importlib.util.find_spec("conformance.suites")
    if spec and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return checkout


class SubjectKind:
    """One kind of subject. Subclasses fill in the class attributes and `open`."""

    #: Stable name, also `subject.kind` in results.json ("runtime", "image-tool").
    name: ClassVar[str]
    #: Words for messages ("runtime", "image tool").
    title: ClassVar[str]
    #: The pytest fixture that yields one subject; tests asking for it run once per subject.
    fixture: ClassVar[str]
    #: The specification, as the catalog names it ("runtime-spec"), and its pinned version.
    spec: ClassVar[str]
    spec_version: ClassVar[str]
    #: The suite directory's name below the bundled suites.
    suite: ClassVar[str]
    #: The certification profile `certify` uses when none is named.
    default_profile: ClassVar[str]
    #: Module with this kind's fixtures and collection hooks, registered as a pytest plugin.
    fixtures_module: ClassVar[str]
    #: The setting that names the subjects (`--runtime`, `OCI_RUNTIME`, `oci_runtime`).
    selector: ClassVar[Setting]
    #: Further settings of this kind only.
    settings: ClassVar[tuple[Setting, ...]] = ()
    #: How to name a subject, for the message when a suite of this kind runs without one.
    usage: ClassVar[str] = ""

    @property
    def suite_dir(self) -> Path:
        return suites_dir() / self.suite

    @property
    def expectations_dir(self) -> Path:
        return self.suite_dir / "expectations"

    @property
    def profiles_file(self) -> Path:
        return self.suite_dir / "profiles.yaml"

    def prepare(self, session: Session) -> None:
        """Set up what this kind's subjects share, once per session, before the first `open`."""

    def open(self, value: str, session: Session) -> Subject:
        """Resolve and check one subject; raises ConformanceError with one clear message."""
        raise NotImplementedError

    def opened(self, label: str, subject: Subject, session: Session) -> None:
        """Called once the subject has its label (e.g. to give it private state)."""

    def header(self, label: str, subject: Subject) -> list[str]:
        """Lines of the pytest report header about one subject."""
        lines = [f"{self.title} {label}: {subject.path} version {subject.version} (profile {subject.name})"]
        return lines + [f"  note: {note}" for note in subject.notes()]

    def close(self, session: Session) -> list[str]:
        """Remove what this kind created outside the work directory; returns what could not be."""
        return []

    def tidy(self, session: Session) -> list[str]:
        """After stray processes are killed: remove what a subject left behind; returns what was."""
        return []

    def __repr__(self) -> str:
        return f"<kind {self.name}>"


#: Built-in kinds, in the order the report header lists them.
BUILTIN: dict[str, str] = {
    "runtime": "conformance.kinds.runtime:RuntimeKind",
    "image-tool": "conformance.kinds.image_tool:ImageToolKind",
    "engine": "conformance.kinds.engine:EngineKind",
    "registry": "conformance.kinds.registry:RegistryKind",
}


@functools.cache
def kinds() -> tuple[SubjectKind, ...]:
    """Every registered kind: the built-in ones, then those of installed extensions."""
    found: dict[str, SubjectKind] = {}
    for name, target in {**BUILTIN, **entrypoints.registered("kinds")}.items():
        cls = entrypoints.load(target)
        if not (isinstance(cls, type) and issubclass(cls, SubjectKind)):
            raise ConfigurationError(f"subject kind {name!r} ({target}) is not a SubjectKind subclass")
        kind = cls()
        if kind.name in found:
            raise ConfigurationError(f"subject kind {kind.name!r} is registered twice ({target})")
        found[kind.name] = kind
    return tuple(found.values())


def kind_named(name: str) -> SubjectKind:
    for kind in kinds():
        if kind.name == name:
            return kind
    known = ", ".join(k.name for k in kinds())
    raise ConfigurationError(f"unknown subject kind {name!r} (known: {known})")


def kind_for_spec(spec: str) -> SubjectKind:
    """The kind whose subjects answer to `spec` (for profiles and reports of a results.json)."""
    for kind in kinds():
        if kind.spec == spec:
            return kind
    known = ", ".join(k.spec for k in kinds())
    raise ConfigurationError(f"no subject kind answers to spec {spec!r} (known: {known})")


def spec_versions() -> dict[str, str]:
    return {kind.spec: kind.spec_version for kind in kinds()}
