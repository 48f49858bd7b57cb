"""Unit tests for :mod:`conformance.plugin.settings` and the plugin's options.

`resolve` is checked directly against a stand-in for pytest.Config, and end to end in an
inner pytest session (pytester) that prints every resolved setting with its source.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from conformance.core.errors import ConfigurationError
from conformance.plugin.settings import Resolved, Setting, parse_bool, resolve, split_list

pytest_plugins = ["pytester"]

LEVEL = Setting("level", "--level", "OCI_LEVEL", "level", default="MAY", parse=str.upper)
TIMEOUT = Setting(
    "runtime_timeout", "--runtime-timeout", "OCI_RUNTIME_TIMEOUT", "t", default=30.0, parse=float
)
RUNTIME = Setting("runtime", "--runtime", "OCI_RUNTIME", "rt", multiple=True)
KEEP = Setting(
    "keep_bundles", "--keep-bundles", "OCI_KEEP_BUNDLES", "k", default=False, parse=parse_bool, flag=True
)


class FakeConfig:
    """The two pytest.Config methods `resolve` uses; unknown ini keys raise like pytest's."""

    def __init__(self, options: dict[str, Any] | None = None, ini: dict[str, Any] | None = None) -> None:
        self.options = options or {}
        self.ini = ini or {}

    def getoption(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)

    def getini(self, key: str) -> Any:
        if key not in self.ini:
            raise ValueError(f"unknown configuration value: {key!r}")
        return self.ini[key]


def run(
    setting: Setting, options: dict | None = None, env: dict | None = None, ini: dict | None = None
) -> Resolved:
    return resolve(FakeConfig(options, ini), setting, env or {})  # type: ignore[arg-type]


# -- resolve ----------------------------------------------------------------------------------


def test_setting_ini_name_is_lowercase_env() -> None:
    assert LEVEL.ini == "oci_level"


def test_option_beats_env_beats_ini_beats_default() -> None:
    everything = {"options": {"level": "should"}, "env": {"OCI_LEVEL": "must"}, "ini": {"oci_level": "may"}}
    assert run(LEVEL, **everything) == Resolved("SHOULD", "option")
    assert run(LEVEL, env={"OCI_LEVEL": "must"}, ini={"oci_level": "may"}) == Resolved(
        "MUST", "env OCI_LEVEL"
    )
    assert run(LEVEL, ini={"oci_level": "should"}) == Resolved("SHOULD", "ini oci_level")
    assert run(LEVEL) == Resolved("MAY", "default")


def test_empty_values_fall_through() -> None:
    """An empty env variable or ini value means 'not set', not 'set to nothing'."""
    assert run(
        LEVEL, options={"level": None}, env={"OCI_LEVEL": ""}, ini={"oci_level": "should"}
    ) == Resolved("SHOULD", "ini oci_level")
    assert run(LEVEL, env={"OCI_LEVEL": ""}, ini={"oci_level": ""}) == Resolved("MAY", "default")
    assert run(RUNTIME, options={"runtime": []}, env={"OCI_RUNTIME": "runc"}) == Resolved(
        ["runc"], "env OCI_RUNTIME"
    )


def test_unregistered_ini_key_is_not_an_error() -> None:
    assert run(LEVEL, ini={}) == Resolved("MAY", "default")


def test_multiple_values_from_each_source() -> None:
    assert run(RUNTIME, options={"runtime": ["runc,crun", " runsc "]}) == Resolved(
        ["runc", "crun", "runsc"], "option"
    )
    assert run(RUNTIME, env={"OCI_RUNTIME": "runc, ,crun"}) == Resolved(["runc", "crun"], "env OCI_RUNTIME")
    assert run(RUNTIME, ini={"oci_runtime": ["runc", "crun"]}) == Resolved(
        ["runc", "crun"], "ini oci_runtime"
    )
    assert run(RUNTIME, ini={"oci_runtime": []}) == Resolved(None, "default")


def test_flag_false_falls_through_to_env() -> None:
    assert run(KEEP, options={"keep_bundles": True}, env={"OCI_KEEP_BUNDLES": "no"}) == Resolved(
        True, "option"
    )
    assert run(KEEP, options={"keep_bundles": False}, env={"OCI_KEEP_BUNDLES": "yes"}) == Resolved(
        True, "env OCI_KEEP_BUNDLES"
    )
    assert run(KEEP, options={"keep_bundles": False}) == Resolved(False, "default")


def test_parsed_values() -> None:
    assert run(TIMEOUT, env={"OCI_RUNTIME_TIMEOUT": "2.5"}) == Resolved(2.5, "env OCI_RUNTIME_TIMEOUT")
    assert run(TIMEOUT, ini={"oci_runtime_timeout": "7"}) == Resolved(7.0, "ini oci_runtime_timeout")


@pytest.mark.parametrize(
    ("setting", "kwargs", "message"),
    [
        (TIMEOUT, {"env": {"OCI_RUNTIME_TIMEOUT": "soon"}}, "env OCI_RUNTIME_TIMEOUT: invalid value 'soon'"),
        (TIMEOUT, {"ini": {"oci_runtime_timeout": "1m"}}, "ini oci_runtime_timeout: invalid value '1m'"),
        (KEEP, {"env": {"OCI_KEEP_BUNDLES": "maybe"}}, "env OCI_KEEP_BUNDLES: invalid value 'maybe'"),
    ],
)
def test_invalid_value_names_the_source(setting: Setting, kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        run(setting, **kwargs)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ("a", ["a"]),
        ("a,b", ["a", "b"]),
        (" a , b ,", ["a", "b"]),
        (["a", "b,c"], ["a", "b", "c"]),
        (["a", "", " , "], ["a"]),
        ("", []),
        ([], []),
    ],
)
def test_split_list(values: list[str] | str, expected: list[str]) -> None:
    assert split_list(values) == expected


@pytest.mark.parametrize("text", ["1", "true", "Yes", " ON ", "TRUE"])
def test_parse_bool_true(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["0", "false", "No", "off", "", "  "])
def test_parse_bool_false(text: str) -> None:
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["2", "maybe", "yess", "enabled"])
def test_parse_bool_invalid(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        parse_bool(text)


# -- end to end, in an inner pytest session ---------------------------------------------------

SHOW_SETTINGS = """
from conformance.plugin.stash import SESSION_KEY


def test_show(pytestconfig):
    for name, resolved in pytestconfig.stash[SESSION_KEY].settings.items():
        print(f"SETTING {name}={resolved.value!r} [{resolved.source}]")
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inner session must not see the caller's OCI_* variables."""
    import os

    for name in list(os.environ):
        if name.startswith("OCI_"):
            monkeypatch.delenv(name)


def settings_of(pytester: pytest.Pytester, *args: str) -> tuple[dict[str, str], pytest.RunResult]:
    """Run the inner session; `name -> "value [source]"` for every setting."""
    pytester.makepyfile(test_show=SHOW_SETTINGS)
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    found = {}
    for line in result.outlines:
        match = re.search(r"SETTING (\w+)=(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2)
    assert found, result.stdout.str()
    return found, result


def test_help_lists_the_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    assert result.ret == pytest.ExitCode.OK
    text = result.stdout.str()
    assert "OCI conformance" in text
    for option in (
        "--runtime=",
        "--runtime-arg=",
        "--runtime-timeout=",
        "--runtime-profile=",
        "--image-tool=",
        "--image-tool-timeout=",
        "--busybox=",
        "--level=",
        "--requirement=",
        "--keep-bundles",
        "--expectations=",
    ):
        assert option in text, option
    assert "OCI_RUNTIME_TIMEOUT" in text
    assert "oci_runtime_timeout" in text


def test_bogus_level_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_show=SHOW_SETTINGS)
    result = pytester.runpytest_subprocess("--level=BOGUS")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*oci-conformance: --level must be one of MUST, SHOULD, MAY, got 'BOGUS'*"])
    assert "Traceback" not in result.stderr.str()


def test_good_level_is_accepted(pytester: pytest.Pytester) -> None:
    found, _ = settings_of(pytester, "--level=SHOULD")
    assert found["level"] == "'SHOULD' [option]"


def test_defaults(pytester: pytest.Pytester) -> None:
    found, result = settings_of(pytester)
    assert found["level"] == "'MAY' [default]"
    assert found["runtime"] == "None [default]"
    assert found["runtime_timeout"] == "30.0 [default]"
    assert found["keep_bundles"] == "False [default]"
    assert not any(line.startswith("settings:") for line in result.outlines)


def test_ini_values(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\n"
        "oci_level = should\n"
        "oci_runtime_timeout = 12\n"
        "oci_keep_bundles = yes\n"
        "oci_requirement = config.*, runtime.state\n"
    )
    found, result = settings_of(pytester)
    assert found["level"] == "'SHOULD' [ini oci_level]"
    assert found["runtime_timeout"] == "12.0 [ini oci_runtime_timeout]"
    assert found["keep_bundles"] == "True [ini oci_keep_bundles]"
    assert found["requirement"] == "['config.*', 'runtime.state'] [ini oci_requirement]"
    result.stdout.fnmatch_lines(["settings: *level='SHOULD' (ini oci_level)*"])


def test_env_beats_ini(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeini("[pytest]\noci_level = should\noci_runtime_timeout = 12\n")
    monkeypatch.setenv("OCI_LEVEL", "must")
    found, _ = settings_of(pytester)
    assert found["level"] == "'MUST' [env OCI_LEVEL]"
    assert found["runtime_timeout"] == "12.0 [ini oci_runtime_timeout]"


def test_option_beats_env(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeini("[pytest]\noci_level = may\n")
    monkeypatch.setenv("OCI_LEVEL", "MUST")
    found, result = settings_of(pytester, "--level=SHOULD")
    assert found["level"] == "'SHOULD' [option]"
    result.stdout.fnmatch_lines(["settings: *level='SHOULD' (option)*"])


def test_repeated_and_comma_separated_options(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCI_RUNTIME_ARGS", "--ignored")
    found, _ = settings_of(
        pytester,
        "--requirement=config.*,runtime.state",
        "--requirement",
        "bundle.*",
        "--runtime-arg=--debug",
        "--runtime-arg=--systemd-cgroup",
    )
    assert found["requirement"] == "['config.*', 'runtime.state', 'bundle.*'] [option]"
    assert found["runtime_arg"] == "['--debug', '--systemd-cgroup'] [option]"


def test_env_list_and_flag(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCI_RUNTIME_ARGS", "--debug, --log=/dev/null")
    monkeypatch.setenv("OCI_KEEP_BUNDLES", "0")
    found, _ = settings_of(pytester)
    assert found["runtime_arg"] == "['--debug', '--log=/dev/null'] [env OCI_RUNTIME_ARGS]"
    assert found["keep_bundles"] == "False [env OCI_KEEP_BUNDLES]"
    found, _ = settings_of(pytester, "--keep-bundles")
    assert found["keep_bundles"] == "True [option]"


@pytest.mark.parametrize(
    ("env", "ini", "message"),
    [
        ({"OCI_RUNTIME_TIMEOUT": "soon"}, "", "env OCI_RUNTIME_TIMEOUT: invalid value 'soon'"),
        ({}, "oci_keep_bundles = maybe\n", "ini oci_keep_bundles: invalid value 'maybe'"),
        ({"OCI_LEVEL": "sometimes"}, "", "--level must be one of MUST, SHOULD, MAY, got 'SOMETIMES'"),
    ],
    ids=["env-float", "ini-bool", "env-level"],
)
def test_invalid_setting_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], ini: str, message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if ini:
        pytester.makeini("[pytest]\n" + ini)
    pytester.makepyfile(test_show=SHOW_SETTINGS)
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_unusable_busybox_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """The busybox is checked before any runtime is run or any directory is made."""
    pytester.makepyfile(test_show=SHOW_SETTINGS)
    result = pytester.runpytest_subprocess("--runtime=runc", "--busybox=/nonexistent/busybox", "test_show.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "busybox '/nonexistent/busybox' does not exist" in result.stderr.str()


@pytest.fixture
def fake_busybox(pytester: pytest.Pytester, static_elf) -> str:
    """A synthetic static ELF: passes the busybox check, and is never run by these tests."""
    return str(static_elf(directory=pytester.path))


@pytest.fixture
def fake_runtime(pytester: pytest.Pytester, executable) -> str:
    """Answers --version like runc; every other command succeeds and prints nothing."""
    body = '[ "$1" = --version ] && echo "runc version 1.1.5+ds1"\nexit 0\n'
    return str(executable(body, name="fake-runc", directory=pytester.path))


def test_missing_runtime_is_a_usage_error(pytester: pytest.Pytester, fake_busybox: str) -> None:
    """A wrong --runtime path is one clear line naming it."""
    pytester.makepyfile(test_show=SHOW_SETTINGS)
    result = pytester.runpytest_subprocess(
        "--runtime=/nonexistent/runtime", f"--busybox={fake_busybox}", "test_show.py"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "runtime '/nonexistent/runtime' does not exist" in result.stderr.str()


def test_runtime_from_env_is_opened_and_shown(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fake_runtime: str, fake_busybox: str
) -> None:
    runtime = fake_runtime
    monkeypatch.setenv("OCI_RUNTIME", runtime)
    monkeypatch.setenv("OCI_RUNTIME_TIMEOUT", "5")
    found, result = settings_of(pytester, f"--busybox={fake_busybox}", "test_show.py")
    assert found["runtime"] == f"[{runtime!r}] [env OCI_RUNTIME]"
    assert found["runtime_timeout"] == "5.0 [env OCI_RUNTIME_TIMEOUT]"
    result.stdout.fnmatch_lines([f"runtime runc: {runtime} version 1.1.5+ds1 (profile runc)"])


def test_runtime_timeout_option_with_a_runtime(
    pytester: pytest.Pytester, fake_runtime: str, fake_busybox: str
) -> None:
    found, _ = settings_of(
        pytester,
        f"--runtime={fake_runtime}",
        f"--busybox={fake_busybox}",
        "--runtime-timeout=5",
        "test_show.py",
    )
    assert found["runtime_timeout"] == "5.0 [option]"


@pytest.mark.parametrize(
    ("option", "name", "expected"),
    [
        ("--runtime-timeout=5", "runtime_timeout", "5.0 [option]"),
        ("--level=should", "level", "'SHOULD' [option]"),
    ],
    ids=["timeout", "level"],
)
def test_option_values_are_parsed_like_env_values(
    pytester: pytest.Pytester, option: str, name: str, expected: str
) -> None:
    found, _ = settings_of(pytester, option)
    assert found[name] == expected


def test_invalid_option_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_show=SHOW_SETTINGS)
    result = pytester.runpytest_subprocess("--runtime-timeout=soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--runtime-timeout" in result.stderr.str() or "option" in result.stderr.str()
