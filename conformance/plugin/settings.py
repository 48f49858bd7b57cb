"""Settings resolved from command-line option, then environment variable, then ini value.

Each resolved value remembers where it came from, so the report header can say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from conformance.core.errors import ConfigurationError


@dataclass(frozen=True)
class Setting:
    """One plugin setting: its option, env variable, ini key and parser."""

    name: str
    option: str
    env: str
    help: str
    default: Any = None
    parse: Callable[[str], Any] = str
    multiple: bool = False
    flag: bool = False

    @property
    def ini(self) -> str:
        return self.env.lower()


@dataclass(frozen=True)
class Resolved:
    value: Any
    source: str  # "option", "env OCI_RUNTIME", "ini oci_runtime" or "default"


def split_list(values: list[str] | str) -> list[str]:
    """Accept repeated and comma-separated values alike."""
    items = [values] if isinstance(values, str) else list(values)
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean, got {text!r}")


def resolve(config: pytest.Config, setting: Setting, environ: dict[str, str]) -> Resolved:
    """Option beats env beats ini beats default."""
    value = config.getoption(setting.name, default=None)
    if value not in (None, [], False):
        if setting.multiple:
            return Resolved(split_list(value), "option")
        if setting.flag:
            return Resolved(True, "option")
        return Resolved(_parse(setting, value, f"option {setting.option}"), "option")
    raw = environ.get(setting.env)
    source = f"env {setting.env}"
    if raw is None or raw == "":
        raw = _ini(config, setting.ini)
        source = f"ini {setting.ini}"
    if raw is None or raw == "":
        return Resolved(setting.default, "default")
    if setting.multiple:
        return Resolved(split_list(raw), source)
    return Resolved(_parse(setting, raw, source), source)


def _parse(setting: Setting, raw: str, source: str) -> Any:
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{source}: invalid value {raw!r}: {exc}") from None


def _ini(config: pytest.Config, key: str) -> str | None:
    try:
        value = config.getini(key)
    except ValueError:
        return None
    if isinstance(value, list):
        return ",".join(value) if value else None
    return value or None


#: Settings of every run, whatever its kinds (each kind adds its own, see conformance.kinds).
COMMON_SETTINGS = (
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
        help="parent directory of the per-subject reports (results.json, junit.xml); 'none' disables",
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
        help="directory of per-subject known-deviation files (default: the suite's own); "
        "'none' disables them",
    ),
)
