"""The pytest plugin: options, report header, parametrization, requirement markers, cleanup."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from conformance import IMAGE_SPEC_VERSION, RUNTIME_SPEC_VERSION, __version__, hostinfo
from conformance.errors import ConformanceError
from conformance.expectations import Deviation, load_expectations
from conformance.fixtures import (
    CALL_FAILED,
    SESSION_KEY,
    USED_BUNDLES,
    bundles_factory,
    image_tool,
    image_workdir,
    make_container,
    probe,
    runtime,
    state_entries,
)
from conformance.image.cases import KIND_KEYS as IMAGE_CASE_KINDS
from conformance.image.cases import load_cases
from conformance.matrix import MatrixCase, load_matrices
from conformance.report.allure_extras import alluredir, apply_allure_labels, write_allure_extras
from conformance.report.html import write_html
from conformance.report.results import ResultsCollector, build_results, write_results
from conformance.requirements import LEVELS, load_catalog
from conformance.session import RuntimeSession
from conformance.settings import Setting, parse_bool, resolve

__all__ = [
    "bundles_factory",
    "image_tool",
    "image_workdir",
    "make_container",
    "probe",
    "runtime",
    "state_entries",
]


def _suites_dir() -> Path:
    """The bundled suites: `suites/` in a checkout, `conformance/suites/` when installed."""
    import importlib.util

    spec = importlib.util.find_spec("conformance.suites")
    if spec and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parent.parent / "suites"


SUITES_DIR = _suites_dir()
EXPECTATIONS = pytest.StashKey[dict[str, list[Deviation]]]()
RESULTS_KEY = pytest.StashKey[ResultsCollector]()

SETTINGS = [
    Setting(
        "runtime",
        "--runtime",
        "OCI_RUNTIME",
        multiple=True,
        help="runtime under test: a path or a name on PATH; repeat or comma-separate to "
        "run the suite once per runtime",
    ),
    Setting(
        "image_tool",
        "--image-tool",
        "OCI_IMAGE_TOOL",
        multiple=True,
        help="image tool under test: umoci, skopeo, buildah, a path to one, or a YAML description "
        "of a tool's commands; repeat or comma-separate to run the image suite once per tool",
    ),
    Setting(
        "image_tool_timeout",
        "--image-tool-timeout",
        "OCI_IMAGE_TOOL_TIMEOUT",
        default=120.0,
        parse=float,
        help="seconds before an image-tool call is killed (default 120)",
    ),
    Setting(
        "runtime_profile",
        "--runtime-profile",
        "OCI_RUNTIME_PROFILE",
        help="force a profile (runc, crun, runsc, generic) instead of detecting it from --version",
    ),
    Setting(
        "runtime_arg",
        "--runtime-arg",
        "OCI_RUNTIME_ARGS",
        multiple=True,
        help="extra global flag passed to every runtime call (repeatable)",
    ),
    Setting(
        "runtime_timeout",
        "--runtime-timeout",
        "OCI_RUNTIME_TIMEOUT",
        default=30.0,
        parse=float,
        help="seconds before a runtime call is killed (default 30)",
    ),
    Setting(
        "busybox",
        "--busybox",
        "OCI_BUSYBOX",
        help="static busybox for the container rootfs (default: busybox on PATH)",
    ),
    Setting(
        "level",
        "--level",
        "OCI_LEVEL",
        default="MAY",
        parse=str.upper,
        help="run only requirements at or above this level: MUST, SHOULD or MAY (default)",
    ),
    Setting(
        "requirement",
        "--requirement",
        "OCI_REQUIREMENT",
        multiple=True,
        help="run only tests covering these requirement ids or globs (repeatable)",
    ),
    Setting(
        "keep_bundles",
        "--keep-bundles",
        "OCI_KEEP_BUNDLES",
        default=False,
        parse=parse_bool,
        flag=True,
        help="keep the bundles of failed tests for debugging and print where",
    ),
    Setting(
        "report_dir",
        "--report-dir",
        "OCI_REPORT_DIR",
        default="reports",
        help="parent directory of the per-runtime reports (results.json, junit.xml); 'none' disables",
    ),
    Setting(
        "sign_key",
        "--sign-key",
        "OCI_SIGN_KEY",
        help="PEM private key (Ed25519 or ECDSA P-256): sign each results.json as an in-toto "
        "attestation (attestation.dsse.json beside it)",
    ),
    Setting(
        "expectations",
        "--expectations",
        "OCI_EXPECTATIONS",
        help="directory of per-runtime known-deviation files (default: the suite's own); "
        "'none' disables them",
    ),
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("oci-conformance", "OCI runtime conformance")
    for setting in SETTINGS:
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
    """`pytest --runtime=X` (or `--image-tool=Y`) with no paths runs the bundled suite."""
    namespace = early_config.known_args_namespace
    if namespace.file_or_dir or getattr(namespace, "pyargs", False):
        return
    for dest, env, suite in (
        ("runtime", "OCI_RUNTIME", "runtime"),
        ("image_tool", "OCI_IMAGE_TOOL", "image"),
    ):
        if (getattr(namespace, dest, None) or os.environ.get(env)) and (SUITES_DIR / suite).is_dir():
            args.append(str(SUITES_DIR / suite))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "requirement(*ids): the catalog requirement ids this test checks; every suite test "
        "names at least one (see `oci-conformance catalog`)",
    )
    try:
        settings = {s.name: resolve(config, s, dict(os.environ)) for s in SETTINGS}
        level = settings["level"].value
        if level not in LEVELS:
            raise ConformanceError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
        session = RuntimeSession.open(settings)
    except ConformanceError as exc:
        raise pytest.UsageError(f"oci-conformance: {exc}") from None
    config.stash[SESSION_KEY] = session
    config.add_cleanup(session.close)
    _plan_reports(config, session)
    if session.active and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)


def _report_dir(config: pytest.Config, session: RuntimeSession) -> Path | None:
    setting = session.value("report_dir")
    if not session.active or not setting or setting.lower() == "none" or hasattr(config, "workerinput"):
        return None
    return config.invocation_params.dir / setting


def _plan_reports(config: pytest.Config, session: RuntimeSession) -> None:
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


def _write_reports(config: pytest.Config, state: RuntimeSession) -> list[Path]:
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
        spec = "runtime-spec" if label in state.runtimes else "image-spec"
        document = build_results(label, subject, spec, state.catalog, collector, options)
        path = write_results(directory / label, document)
        written.append(path)
        written.append(write_html(path.parent))
        if key:
            from conformance.report.attestation import sign

            written.append(sign(path, Path(key), path.parent / "attestation.dsse.json"))
    return written


def _terminate(signum: int, frame: object) -> None:
    """Turn SIGTERM into KeyboardInterrupt so finalizers and the sweep still run."""
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_report_header(config: pytest.Config) -> list[str]:
    session = config.stash.get(SESSION_KEY, None)
    if session is None:
        return []
    lines = [
        f"oci-conformance {__version__}: runtime-spec {RUNTIME_SPEC_VERSION}, "
        f"image-spec {IMAGE_SPEC_VERSION}, "
        f"catalog {len(session.catalog)} requirements ({session.catalog.digest[:19]})",
        f"host: {hostinfo.kernel()}, {hostinfo.distro()}, cgroup {hostinfo.cgroup_mode()}",
    ]
    for label, rt in session.runtimes.items():
        lines.append(f"runtime {label}: {rt.path} version {rt.version} (profile {rt.name})")
        lines += [f"  note: {note}" for note in rt.notes()]
    for label, tool in session.image_tools.items():
        roles = ", ".join(sorted(tool.roles))
        lines.append(f"image tool {label}: {tool.path} version {tool.version} (roles: {roles})")
    shown = [
        f"{name}={r.value!r} ({r.source})" for name, r in session.settings.items() if r.source != "default"
    ]
    if shown:
        lines.append("settings: " + ", ".join(shown))
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    session = metafunc.config.stash[SESSION_KEY]
    for fixture, subjects in (("runtime", session.runtimes), ("image_tool", session.image_tools)):
        if fixture in metafunc.fixturenames:
            labels = list(subjects) or [None]
            ids = [label or f"no-{fixture.replace('_', '-')}" for label in labels]
            metafunc.parametrize(fixture, labels, indirect=True, scope="session", ids=ids)
    for kind in IMAGE_CASE_KINDS:
        if f"{kind}_case" in metafunc.fixturenames:
            path = Path(str(metafunc.module.__file__)).parent / "matrices" / f"{kind}.yaml"
            try:
                image_cases = load_cases(path, kind, load_catalog())
            except ConformanceError as exc:
                raise pytest.Collector.CollectError(f"oci-conformance: {exc}") from None
            metafunc.parametrize(
                f"{kind}_case",
                [
                    pytest.param(c, id=c.id, marks=[pytest.mark.requirement(*c.requirements)])
                    for c in image_cases
                ],
            )
    if "matrix_case" in metafunc.fixturenames:
        directory = Path(str(metafunc.module.__file__)).parent / "matrices"
        try:
            cases = load_matrices(directory, load_catalog())
        except ConformanceError as exc:
            raise pytest.Collector.CollectError(f"oci-conformance: {exc}") from None
        metafunc.parametrize(
            "matrix_case",
            [pytest.param(c, id=c.id, marks=[pytest.mark.requirement(*c.requirements)]) for c in cases],
        )


def _requirement_ids(item: pytest.Item) -> tuple[str, ...]:
    ids: list[str] = []
    for mark in item.iter_markers("requirement"):
        ids += [str(arg) for arg in mark.args]
    return tuple(dict.fromkeys(ids))


def _test_key(item: pytest.Item) -> str:
    """The test name without the runtime label, for expectation patterns."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return item.name
    label = callspec.params.get("runtime") or callspec.params.get("image_tool")
    parts = [p for p in callspec.id.split("-")] if label else [callspec.id]
    if label and label in parts:
        parts.remove(label)
    rest = "-".join(parts)
    return f"{item.originalname}[{rest}]" if rest else item.originalname


def _expectations(config: pytest.Config, session: RuntimeSession, label: str) -> list[Deviation]:
    cache = config.stash.setdefault(EXPECTATIONS, {})
    if label not in cache:
        setting = session.value("expectations")
        if setting and setting.lower() == "none":
            cache[label] = []
        else:
            suite = "runtime" if label in session.runtimes else "image"
            directory = Path(setting) if setting else SUITES_DIR / suite / "expectations"
            if not directory.is_dir():
                raise pytest.UsageError(f"oci-conformance: --expectations: {directory} is not a directory")
            name = session.subjects[label].name
            try:
                cache[label] = load_expectations(directory / f"{name}.yaml", session.catalog)
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
    for fixture, subjects, hint in (
        ("runtime", state.runtimes, "a runtime: pass --runtime=PATH_OR_NAME (or set OCI_RUNTIME)"),
        ("image_tool", state.image_tools, "an image tool: pass --image-tool=NAME (or set OCI_IMAGE_TOOL)"),
    ):
        if not subjects and not config.option.collectonly and any(fixture in i.fixturenames for i in items):
            raise pytest.UsageError(f"oci-conformance: the {fixture.replace('_', ' ')} suite needs {hint}")
    for item in items:
        ids = _requirement_ids(item)
        if not ids:
            if {"runtime", "image_tool"} & set(item.fixturenames):
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
        params = item.callspec.params if hasattr(item, "callspec") else {}
        label = params.get("runtime") or params.get("image_tool")
        if label and label in state.subjects:
            rt = state.subjects[label]
            kind = "runtime" if label in state.runtimes else "image_tool"
            item.user_properties.append((kind, f"{rt.name} {rt.version}"))
            item.user_properties.append(("subject_label", label))
            key = _test_key(item)
            for deviation in _expectations(config, state, label):
                if deviation.applies(key, ids, rt.version):
                    item.add_marker(
                        pytest.mark.xfail(
                            reason=deviation.reason(rt.name, rt.version), strict=True, raises=AssertionError
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
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    if report.failed or (report.when == "call" and hasattr(report, "wasxfail")):
        for bundle, container in item.stash.get(USED_BUNDLES, []):
            _add_section(report, f"config.json {bundle.path.name}", json.dumps(bundle.config, indent=2))
            if container is not None and container.calls:
                _add_section(report, f"runtime calls {container.id}", container.transcript())
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


__all__ += ["MatrixCase"]
