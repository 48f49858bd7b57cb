"""A registry under test: its URL, how to reach it, and the namespace the suite writes in.

Under pytest-xdist the controller opens the registry first (starting an embedded one, choosing
the namespace) and writes what the workers need to a file in its work directory (mode 0600, it
may hold the embedded registry's password); the workers find it through an environment variable
the controller sets before they start, so every process of a run uses one registry and one
namespace.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from conformance.core.errors import ConfigurationError, SubjectNotUsable
from conformance.registry import embedded
from conformance.registry.client import Credentials, RegistryClient
from conformance.registry.requestlog import RequestLog

#: Set by the controller for its workers: the run file with the namespace and embedded endpoints.
RUN_FILE_ENV = "OCI_CONFORMANCE_REGISTRY_RUN"
NAME_PATTERN = r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*"


@dataclass
class RegistrySubject:
    """One registry under test (the Subject protocol of conformance.kinds)."""

    name: str
    path: str
    version: str
    version_output: str
    url: str
    namespace: str
    cross_namespace: str
    credentials: Credentials | None
    verify: bool | str
    timeout: float
    keep: bool
    embedded: str | None = None
    extra_notes: list[str] = field(default_factory=list)
    #: --registry-request-log: every request of every client is logged there.
    request_log: str | None = None

    def notes(self) -> list[str]:
        auth = f"basic auth as {self.credentials.user}" if self.credentials else "no credentials"
        what = "keeps what it pushes (--keep)" if self.keep else "deletes what it pushed at the end"
        lines = [
            f"url {self.url} ({auth}); writes only below {self.namespace}/ and "
            f"{self.cross_namespace}/, and {what}"
        ]
        if self.embedded:
            lines.append(
                f"embedded {self.embedded}: {embedded.FLAVOURS[self.embedded]}, started by the suite"
            )
        return lines + self.extra_notes

    def identity(self) -> dict[str, str] | None:
        """What a signature is about when there is no binary: the URL and the version reported.

        None for an embedded registry: its binary (digest and version) is the subject then.
        """
        return None if self.embedded else {"url": self.url, "version": self.version}

    def client(self) -> RegistryClient:
        log = RequestLog(self.request_log) if self.request_log else None
        return RegistryClient(self.url, self.credentials, self.verify, self.timeout, log=log)


def new_namespace() -> str:
    return f"conformance/{secrets.token_hex(4)}"


def check_namespace(value: str, option: str) -> str:
    import re

    value = value.strip("/")
    if not re.fullmatch(NAME_PATTERN, value):
        raise ConfigurationError(f"{option}: {value!r} is not a repository name of the spec's grammar")
    return value


def read_run_file() -> dict | None:
    path = os.environ.get(RUN_FILE_ENV)
    if not path or not Path(path).is_file():
        return None
    return json.loads(Path(path).read_text())


def write_run_file(workdir: Path, document: dict) -> Path:
    path = workdir / "registry-run.json"
    path.touch(mode=0o600)
    path.write_text(json.dumps(document))
    os.environ[RUN_FILE_ENV] = str(path)
    return path


def password(password_file: str | None) -> str | None:
    """The password from --registry-password-file, else OCI_REGISTRY_PASSWORD (never an option)."""
    if password_file:
        try:
            return Path(password_file).read_text().rstrip("\r\n")
        except OSError as exc:
            raise ConfigurationError(f"--registry-password-file: {exc}") from None
    return os.environ.get("OCI_REGISTRY_PASSWORD")


def label_for(url: str) -> str:
    """A report label from a URL: host and port, with characters safe for a directory name."""
    netloc = urlsplit(url).netloc or url
    return netloc.replace(":", "-").replace("@", "-") or "registry"


def check_reachable(subject: RegistrySubject) -> None:
    """GET /v2/ answers 200 (with the credentials, if any); one clear error otherwise."""
    client = subject.client()
    try:
        response = client.request("GET", "/v2/")
    except AssertionError as exc:
        raise SubjectNotUsable(f"registry {subject.url}: {exc}") from None
    finally:
        client.close()
    if response.status != 200:
        hint = " (give --registry-user and a password)" if response.status == 401 else ""
        raise SubjectNotUsable(f"registry {subject.url}: GET /v2/ answered {response.status}{hint}")
    api = response.header("Docker-Distribution-API-Version")
    if api:
        subject.extra_notes.append(f"Docker-Distribution-API-Version: {api}")
    if subject.version == "unknown":
        subject.version, subject.version_output = reported_version(response.header("Server"), api)


def reported_version(server: str | None, api: str | None) -> tuple[str, str]:
    """A URL registry's version (and its source) from GET /v2/: the Server header, else the API version."""
    if server:
        return server, f"Server: {server}"
    if api:
        return api, f"Docker-Distribution-API-Version: {api} (no Server header)"
    return "unknown", "neither a Server nor a Docker-Distribution-API-Version header on GET /v2/"
