"""The kind registry: built-in kinds, kinds from entry points, and a new kind end to end."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from conformance import kinds as registry
from conformance.core import entrypoints
from conformance.core.errors import ConfigurationError
from conformance.report.certification.profiles import load_profiles

pytest_plugins = ["pytester"]


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch):
    """kinds() is cached: clear it before and after a test that changes what is registered."""
    registry.kinds.cache_clear()
    yield monkeypatch
    registry.kinds.cache_clear()


def test_builtin_kinds_are_complete_and_distinct() -> None:
    kinds = registry.kinds()
    assert [k.name for k in kinds][:4] == ["runtime", "image-tool", "engine", "registry"]
    for attribute in ("name", "fixture", "suite"):
        values = [getattr(k, attribute) for k in kinds]
        assert len(set(values)) == len(values), attribute
    options = [k.selector.option for k in kinds] + [s.option for k in kinds for s in k.settings]
    assert len(set(options)) == len(options)
    for kind in kinds:
        assert kind.suite_dir.is_dir(), kind
        assert kind.profiles_file.is_file(), kind
        assert kind.default_profile in load_profiles(), kind
        assert kind.spec_version.startswith("v"), kind


def test_lookup_by_name_and_spec() -> None:
    assert registry.kind_named("runtime").fixture == "runtime"
    assert registry.kind_for_spec("image-spec").name == "image-tool"
    with pytest.raises(ConfigurationError, match="unknown subject kind 'nope'"):
        registry.kind_named("nope")
    with pytest.raises(ConfigurationError, match="no subject kind answers to spec"):
        registry.kind_for_spec("no-such-spec")


def test_an_entry_point_that_is_not_a_kind_is_refused(fresh_registry: pytest.MonkeyPatch) -> None:
    fresh_registry.setattr(
        entrypoints, "registered", lambda group: {"bad": "pathlib:Path"} if group == "kinds" else {}
    )
    with pytest.raises(ConfigurationError, match=r"'bad' \(pathlib:Path\) is not a SubjectKind"):
        registry.kinds()


TOY_KIND = """
from conformance.kinds import SubjectKind
from conformance.plugin.settings import Setting


class Toy:
    name = "toy"
    version = "1.0"
    version_output = "toy 1.0"

    def __init__(self, path):
        self.path = path

    def notes(self):
        return ["a toy"]


class ToyKind(SubjectKind):
    name = "toy"
    title = "toy"
    fixture = "toy"
    spec = "runtime-spec"
    spec_version = "v1.3.0"
    suite = "toy"
    default_profile = "runtime-linux-must"
    fixtures_module = "toy_fixtures"
    usage = "pass --toy=PATH"
    selector = Setting("toy", "--toy", "OCI_TOY", multiple=True, help="toys under test")

    @property
    def suite_dir(self):
        import pathlib
        return pathlib.Path(__file__).parent / "toysuite"

    def open(self, value, session):
        return Toy(value)
"""

TOY_FIXTURES = """
import pytest

from conformance.plugin.stash import subject_for


@pytest.fixture(scope="session")
def toy(request):
    return subject_for(request, "toy", "pass --toy=PATH")
"""

TOY_TEST = """
import pytest


@pytest.mark.requirement("runtime.state.id")
def test_has_a_name(toy):
    assert toy.name == "toy"


@pytest.mark.requirement("runtime.state.status")
def test_fails(toy):
    assert toy.version == "2.0"
"""

TOY_HOOKS = """
def pytest_conformance_subject_opened(label, kind, subject):
    print(f"opened {subject.name} as {label} (kind {kind.name})")


def pytest_conformance_report(directory, results, kind):
    extra = directory / "extra.txt"
    extra.write_text(results["subject"]["label"])
    return [extra]
"""


@pytest.fixture
def toy_project(fresh_registry: pytest.MonkeyPatch, pytester: pytest.Pytester) -> pytest.Pytester:
    """A project with the toy kind (registered by entry point) and its two-test suite."""
    pytester.makepyfile(toy_kind=TOY_KIND, toy_fixtures=TOY_FIXTURES)
    suite = pytester.mkdir("toysuite")
    (suite / "test_toy.py").write_text(textwrap.dedent(TOY_TEST))
    fresh_registry.syspath_prepend(str(pytester.path))
    real = entrypoints.registered
    fresh_registry.setattr(
        entrypoints,
        "registered",
        lambda group: {"toy": "toy_kind:ToyKind"} if group == "kinds" else real(group),
    )
    return pytester


def test_a_new_kind_is_one_module_and_a_suite(toy_project: pytest.Pytester) -> None:
    """A kind registered by entry point gets its option, parametrization, header and report."""
    pytester = toy_project
    pytester.makeconftest(TOY_HOOKS)
    result = pytester.runpytest_inprocess("--toy=/bin/true", "-p", "no:cacheprovider", "--report-dir=out")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["toy toy: /bin/true version 1.0 (profile toy)", "  note: a toy"])
    result.stdout.fnmatch_lines(
        ["*opened toy as toy (kind toy)*", "oci-conformance: wrote */out/toy/extra.txt"]
    )
    document = json.loads((Path(pytester.path) / "out" / "toy" / "results.json").read_text())
    assert document["subject"]["kind"] == "toy"
    assert document["requirements"]["runtime.state.id"]["verdict"] == "pass"
    assert document["requirements"]["runtime.state.status"]["verdict"] == "fail"


TOY_EXPECTATIONS = """
runtime: toy
deviations:
  - test: test_has_a_name
    requirement: runtime.state.id
    versions: "1.*"
    observed: the name is lost in some runs
    intermittent: true
  - test: test_fails
    requirement: runtime.state.status
    versions: "1.*"
    observed: reports version 1.0
"""


def test_an_intermittent_deviation_accepts_a_pass_and_still_fails_the_requirement(
    toy_project: pytest.Pytester,
) -> None:
    """A strict deviation must fail; an intermittent one may pass, and its requirement stays failed."""
    pytester = toy_project
    expectations = pytester.mkdir("expected")
    (expectations / "toy.yaml").write_text(TOY_EXPECTATIONS)
    result = pytester.runpytest_inprocess(
        "--toy=/bin/true",
        f"--expectations={expectations}",
        "-p",
        "no:cacheprovider",
        "--report-dir=out",
        "-rxX",
    )
    result.assert_outcomes(xpassed=1, xfailed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*XPASS*test_has_a_name*known deviation (intermittent) of toy 1.0*"])
    document = json.loads((Path(pytester.path) / "out" / "toy" / "results.json").read_text())
    assert document["requirements"]["runtime.state.id"]["verdict"] == "fail"
    assert document["requirements"]["runtime.state.status"]["verdict"] == "fail"
