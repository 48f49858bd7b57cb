"""The pytest plugin (pytest11 entry point): options, header, parametrization, markers, cleanup, reports.

It knows subjects only through the registered kinds (conformance.kinds): each kind brings its
settings, its fixture module and its suite directory, and everything here iterates over them.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
from pathlib import Path

import pytest

from conformance import __version__
from conformance.core import hostinfo
from conformance.core.asserts import requirements_in_effect
from conformance.core.errors import ConformanceError
from conformance.kinds import kinds
from conformance.plugin import hookspecs
from conformance.plugin.expectations import Deviation, expectation_files, load_expectations
from conformance.plugin.session import Session
from conformance.plugin.settings import COMMON_SETTINGS, Setting, resolve
from conformance.plugin.stash import CALL_FAILED, SESSION_KEY, USED_BUNDLES
from conformance.report.allure import alluredir, apply_allure_labels, attach_text, write_allure_extras
from conformance.report.html import write_html
from conformance.report.results import ResultsCollector, build_results, write_results
from conformance.requirements import LEVELS

EXPECTATIONS = pytest.StashKey[dict[str, list[Deviation]]]()
RESULTS_KEY = pytest.StashKey[ResultsCollector]()


def all_settings() -> list[Setting]:
    """Every setting: the common ones, then each kind's selector and its own settings."""
    settings = list(COMMON_SETTINGS)
    for kind in kinds():
        settings += [kind.selector, *kind.settings]
    return settings


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("oci-conformance", "OCI conformance")
    for setting in all_settings():
        help_text = f"{setting.help} [env {setting.env}, ini {setting.ini}]"
        if setting.flag:
            group.addoption(setting.option, action="store_true", dest=setting.name, help=help_text)
        elif setting.multiple:
            group.addoption(setting.option, action="append", dest=setting.name, help=help_text)
        else:
            group.addoption(setting.option, dest=setting.name, help=help_text)
        parser.addini(setting.ini, help=setting.help)


def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """`pytest --runtime=X` (or any kind's option) with no paths runs that kind's bundled suite."""
    namespace = early_config.known_args_namespace
    if namespace.file_or_dir or getattr(namespace, "pyargs", False):
        return
    for kind in kinds():
        given = getattr(namespace, kind.selector.name, None) or os.environ.get(kind.selector.env)
        if given and kind.suite_dir.is_dir():
            args.append(str(kind.suite_dir))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "requirement(*ids): the catalog requirement ids this test checks; every suite test "
        "names at least one (see `oci-conformance catalog`)",
    )
    for kind in kinds():
        if not config.pluginmanager.has_plugin(kind.fixtures_module):
            config.pluginmanager.register(importlib.import_module(kind.fixtures_module), kind.fixtures_module)
    try:
        settings = {s.name: resolve(config, s, dict(os.environ)) for s in all_settings()}
        level = settings["level"].value
        if level not in LEVELS:
            raise ConformanceError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
        session = Session.open(settings)
    except ConformanceError as exc:
        raise pytest.UsageError(f"oci-conformance: {exc}") from None
    config.stash[SESSION_KEY] = session
    config.add_cleanup(session.close)
    for label, subject in session.subjects.items():
        config.hook.pytest_conformance_subject_opened(
            label=label, kind=session.kind_of[label], subject=subject
        )
    _plan_reports(config, session)
    if session.active and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)


def _report_dir(config: pytest.Config, session: Session) -> Path | None:
    setting = session.value("report_dir")
    if not session.active or not setting or setting.lower() == "none" or hasattr(config, "workerinput"):
        return None
    return config.invocation_params.dir / setting


def _plan_reports(config: pytest.Config, session: Session) -> None:
    """Collect outcomes for results.json, and put JUnit XML beside it unless --junitxml was given."""
    directory = _report_dir(config, session)
    if directory is None:
        return
    collector = ResultsCollector()
    config.stash[RESULTS_KEY] = collector
    config.pluginmanager.register(collector, "oci-conformance-results")
    run = "+".join(session.subjects)
    if not config.option.xmlpath:
        config.option.xmlpath = str(directory / run / "junit.xml")


def _write_reports(config: pytest.Config, state: Session) -> list[Path]:
    collector = config.stash.get(RESULTS_KEY, None)
    directory = _report_dir(config, state)
    if collector is None or directory is None:
        return []
    options = {
        name: r.value for name, r in state.settings.items() if r.source != "default" and name != "sign_key"
    }
    written = []
    key = state.value("sign_key")
    for label, subject in state.subjects.items():
        kind = state.kind_of[label]
        document = build_results(label, subject, kind, state.catalog, collector, options)
        path = write_results(directory / label, document)
        written.append(path)
        written.append(write_html(path.parent))
        if key:
            from conformance.report.certification.attestation import sign

            written.append(sign(path, Path(key), path.parent / "attestation.dsse.json"))
        for extra in config.hook.pytest_conformance_report(
            directory=path.parent, results=document, kind=kind
        ):
            written += extra or []
    return written


def _terminate(signum: int, frame: object) -> None:
    """Turn SIGTERM into KeyboardInterrupt so finalizers and the sweep still run."""
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_report_header(config: pytest.Config) -> list[str]:
    session = config.stash.get(SESSION_KEY, None)
    if session is None:
        return []
    specs = ", ".join(f"{kind.spec} {kind.spec_version}" for kind in session.kinds)
    lines = [
        f"oci-conformance {__version__}: {specs}, "
        f"catalog {len(session.catalog)} requirements ({session.catalog.digest[:19]})",
        f"host: {hostinfo.kernel()}, {hostinfo.distro()}, cgroup {hostinfo.cgroup_mode()}",
    ]
    for label, subject in session.subjects.items():
        lines += session.kind_of[label].header(label, subject)
    shown = [
        f"{name}={r.value!r} ({r.source})" for name, r in session.settings.items() if r.source != "default"
    ]
    if shown:
        lines.append("settings: " + ", ".join(shown))
    return lines


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test asking for a kind's fixture runs once per subject of that kind (the id's first part)."""
    session = metafunc.config.stash[SESSION_KEY]
    for kind in session.kinds:
        if kind.fixture in metafunc.fixturenames:
            labels = list(session.subjects_of(kind)) or [None]
            ids = [label or f"no-{kind.fixture.replace('_', '-')}" for label in labels]
            metafunc.parametrize(kind.fixture, labels, indirect=True, scope="session", ids=ids)


def _subject_label(item: pytest.Item, session: Session) -> str | None:
    params = item.callspec.params if hasattr(item, "callspec") else {}
    for kind in session.kinds:
        label = params.get(kind.fixture)
        if label:
            return label
    return None


def _requirement_ids(item: pytest.Item) -> tuple[str, ...]:
    ids: list[str] = []
    for mark in item.iter_markers("requirement"):
        ids += [str(arg) for arg in mark.args]
    return tuple(dict.fromkeys(ids))


def _test_key(item: pytest.Item, label: str | None) -> str:
    """The test name without the subject label, for expectation patterns."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return item.name
    rest = callspec.id
    if label:
        # the label may itself contain dashes (docker-registry): remove it as a whole id part
        padded = f"-{rest}-".replace(f"-{label}-", "-", 1)
        rest = padded[1:-1] if padded != f"-{rest}-" else rest
    return f"{item.originalname}[{rest}]" if rest else item.originalname


def _expectations(config: pytest.Config, session: Session, label: str) -> list[Deviation]:
    cache = config.stash.setdefault(EXPECTATIONS, {})
    if label not in cache:
        setting = session.value("expectations")
        if setting and setting.lower() == "none":
            cache[label] = []
        else:
            directory = Path(setting) if setting else session.kind_of[label].expectations_dir
            if setting and not directory.is_dir():
                raise pytest.UsageError(f"oci-conformance: --expectations: {directory} is not a directory")
            try:
                files = expectation_files(directory, session.subjects[label].name)
                cache[label] = [d for path in files for d in load_expectations(path, session.catalog)]
            except ConformanceError as exc:
                raise pytest.UsageError(f"oci-conformance: {exc}") from None
    return cache[label]


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = config.stash[SESSION_KEY]
    catalog = state.catalog
    level = state.value("level")
    wanted = state.value("requirement") or []
    selected, deselected = [], []
    fixtures = {kind.fixture for kind in state.kinds}
    for kind in state.kinds:
        if (
            not state.subjects_of(kind)
            and not config.option.collectonly
            and any(kind.fixture in i.fixturenames for i in items)
        ):
            raise pytest.UsageError(
                f"oci-conformance: the {kind.title} suite needs a {kind.title}: {kind.usage}"
            )
    for item in items:
        ids = _requirement_ids(item)
        if not ids:
            if fixtures & set(item.fixturenames):
                path, line, _ = item.location
                raise pytest.UsageError(
                    f"{path}:{line + 1}: {item.name} names no requirement (add @pytest.mark.requirement)"
                )
            selected.append(item)
            continue
        unknown = [rid for rid in ids if rid not in catalog]
        if unknown:
            path, line, _ = item.location
            raise pytest.UsageError(
                f"{path}:{line + 1}: {item.name}: unknown requirement id(s) {', '.join(unknown)}"
            )
        strongest = min((catalog.get(rid).level for rid in ids), key=LEVELS.index)
        if LEVELS.index(strongest) > LEVELS.index(level) or (
            wanted and not catalog.matching(wanted) & set(ids)
        ):
            deselected.append(item)
            continue
        item.user_properties.append(("requirement", " ".join(ids)))
        item.user_properties.append(("level", strongest))
        label = _subject_label(item, state)
        if label and label in state.subjects:
            subject, kind = state.subjects[label], state.kind_of[label]
            item.user_properties.append((kind.fixture, f"{subject.name} {subject.version}"))
            item.user_properties.append(("subject_label", label))
            key = _test_key(item, label)
            for deviation in _expectations(config, state, label):
                if deviation.applies(key, ids, subject.version):
                    item.add_marker(
                        pytest.mark.xfail(
                            reason=deviation.reason(subject.name, subject.version),
                            strict=not deviation.intermittent,
                            raises=AssertionError,
                        )
                    )
                    item.user_properties.append(("known_deviation", deviation.requirement))
                    break
        selected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
    apply_allure_labels(items, catalog)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """While the test runs, checks that name no requirement judge its marker's ids (core.asserts)."""
    with requirements_in_effect(_requirement_ids(item)):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    if report.failed or (report.when == "call" and hasattr(report, "wasxfail")):
        for bundle, container in item.stash.get(USED_BUNDLES, []):
            config_text = json.dumps(bundle.config, indent=2)
            _add_section(report, f"config.json {bundle.path.name}", config_text)
            attach_text(item.config, f"config.json {bundle.path.name}", config_text, "application/json")
            if container is not None and container.calls:
                _add_section(report, f"runtime calls {container.id}", container.transcript())
                attach_text(item.config, f"runtime calls {container.id}", container.transcript())
        state = item.config.stash[SESSION_KEY]
        if report.failed and state.value("keep_bundles"):
            for bundle, _ in item.stash.get(USED_BUNDLES, []):
                state.kept.append((item.nodeid, bundle.path))
    return report


def _add_section(report: pytest.TestReport, name: str, content: str) -> None:
    """Attach to the failure text itself where possible, so JUnit XML (and the HTML page) keep it."""
    longrepr = report.longrepr
    if hasattr(longrepr, "addsection"):
        longrepr.addsection(name, content)
    else:
        report.sections.append((name, content))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(SESSION_KEY, None)
    if state is None:
        return
    for nodeid, path in dict.fromkeys(state.kept):
        terminalreporter.write_line(f"oci-conformance: kept bundle of failed {nodeid}: {path}")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Clean up, then write the reports (after the JUnit writer, whose file the HTML page reads)."""
    state = session.config.stash.get(SESSION_KEY, None)
    if state is None or not state.active:
        return
    state.close()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter and state.strays:
        reporter.write_line(
            f"oci-conformance: killed {len(state.strays)} process(es) the runtime left behind: "
            + "; ".join(state.strays)
        )
    if reporter and state.removed:
        reporter.write_line(
            f"oci-conformance: removed {len(state.removed)} thing(s) the runtime left behind: "
            + "; ".join(state.removed)
        )
    written = _write_reports(session.config, state)
    for path in written:
        if reporter:
            reporter.write_line(f"oci-conformance: wrote {path}")
    target = alluredir(session.config)
    results = [p for p in written if p.name == "results.json"]
    if target is not None and results:
        write_allure_extras(target, [json.loads(p.read_text()) for p in results])
    if state.leftovers:
        message = "oci-conformance: containers could not be removed: " + ", ".join(state.leftovers)
        if reporter:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
