"""The registry kind: any registry reachable over HTTP, or Debian's docker-registry started privately."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from conformance import DISTRIBUTION_SPEC_VERSION
from conformance.core.errors import ConfigurationError
from conformance.kinds import Subject, SubjectKind
from conformance.plugin.settings import Setting, parse_bool

if TYPE_CHECKING:
    from conformance.plugin.session import Session
    from conformance.registry.embedded import EmbeddedRegistry
    from conformance.registry.repository import Ledger


@dataclass
class RegistryWorkspace:
    """What the registry tests of one pytest process share."""

    namespace: str
    cross_namespace: str
    run: dict
    #: Embedded registries this process started (the controller's, or a single process's).
    started: list[EmbeddedRegistry] = field(default_factory=list)
    #: Every test's ledger, by subject label; what a teardown could not delete is deleted at close.
    ledgers: list[tuple[str, Ledger]] = field(default_factory=list)


class RegistryKind(SubjectKind):
    name = "registry"
    title = "registry"
    fixture = "registry"
    spec = "distribution-spec"
    spec_version = DISTRIBUTION_SPEC_VERSION
    suite = "registry"
    default_profile = "registry-full"
    fixtures_module = "conformance.registry.fixtures"
    usage = "pass --registry=URL or --registry=docker-registry (or set OCI_REGISTRY)"
    selector: ClassVar[Setting] = Setting(
        "registry",
        "--registry",
        "OCI_REGISTRY",
        multiple=True,
        help="registry under test: a base URL (https://host:port), or docker-registry, "
        "docker-registry+auth (Basic auth) or docker-registry+nodelete (deletes disabled) to start "
        "Debian's docker-registry privately; repeatable",
    )
    settings: ClassVar[tuple[Setting, ...]] = (
        Setting(
            "registry_namespace",
            "--registry-namespace",
            "OCI_REGISTRY_NAMESPACE",
            help="repository namespace the suite writes in (default: a fresh conformance/<random>)",
        ),
        Setting(
            "registry_cross_namespace",
            "--registry-cross-namespace",
            "OCI_REGISTRY_CROSS_NAMESPACE",
            help="second namespace for cross-repository mounts (default: the namespace itself)",
        ),
        Setting("registry_user", "--registry-user", "OCI_REGISTRY_USER", help="user name for Basic auth"),
        Setting(
            "registry_password_file",
            "--registry-password-file",
            "OCI_REGISTRY_PASSWORD_FILE",
            help="file holding the password (else env OCI_REGISTRY_PASSWORD; never an option)",
        ),
        Setting(
            "registry_ca", "--registry-ca", "OCI_REGISTRY_CA", help="CA bundle (PEM) for https registries"
        ),
        Setting(
            "registry_insecure",
            "--registry-insecure",
            "OCI_REGISTRY_INSECURE",
            default=False,
            parse=parse_bool,
            flag=True,
            help="do not verify the registry's TLS certificate",
        ),
        Setting(
            "registry_timeout",
            "--registry-timeout",
            "OCI_REGISTRY_TIMEOUT",
            default=30.0,
            parse=float,
            help="seconds before one HTTP request is abandoned (default 30)",
        ),
        Setting(
            "registry_request_log",
            "--registry-request-log",
            "OCI_REGISTRY_REQUEST_LOG",
            help="append every request the suite makes to this file, one JSON line each "
            "(bodies in FILE.bodies/; benchmarks/registry_requests.py replays them)",
        ),
        Setting(
            "registry_keep",
            "--keep",
            "OCI_REGISTRY_KEEP",
            default=False,
            parse=parse_bool,
            flag=True,
            help="keep what the registry suite pushed (default: delete it at the end)",
        ),
    )

    def prepare(self, session: Session) -> None:
        from conformance.registry import embedded, subject

        run = (subject.read_run_file() if session.worker != "main" else None) or {}
        given = session.value("registry_namespace")
        namespace = subject.check_namespace(
            given or run.get("namespace") or subject.new_namespace(), "--registry-namespace"
        )
        cross = subject.check_namespace(
            session.value("registry_cross_namespace") or namespace, "--registry-cross-namespace"
        )
        workspace = RegistryWorkspace(namespace, cross, run)
        session.state[self.name] = workspace
        if run:
            return
        assert session.workdir is not None
        endpoints = {}
        try:
            for value in session.value("registry") or []:
                if value in embedded.FLAVOURS and value not in endpoints:
                    started = embedded.start(value, session.workdir / value.replace("+", "-"))
                    workspace.started.append(started)
                    endpoints[value] = {
                        "url": started.url,
                        "user": started.user,
                        "password": started.password,
                        "binary": started.binary,
                        "version": started.version,
                        "version_output": started.version_output,
                    }
        except BaseException:
            for started in workspace.started:
                started.stop()
            raise
        workspace.run = {"namespace": namespace, "embedded": endpoints}
        subject.write_run_file(session.workdir, workspace.run)

    def open(self, value: str, session: Session) -> Subject:
        from conformance.registry import embedded, subject
        from conformance.registry.client import Credentials

        workspace: RegistryWorkspace = session.state[self.name]
        timeout = session.value("registry_timeout")
        keep = bool(session.value("registry_keep"))
        if value in embedded.FLAVOURS:
            endpoint = workspace.run["embedded"][value]
            credentials = Credentials(endpoint["user"], endpoint["password"]) if endpoint["user"] else None
            opened = subject.RegistrySubject(
                name=value,
                path=endpoint["binary"],
                version=endpoint["version"],
                version_output=endpoint["version_output"],
                url=endpoint["url"],
                namespace=workspace.namespace,
                cross_namespace=workspace.cross_namespace,
                credentials=credentials,
                verify=True,
                timeout=timeout,
                keep=keep,
                embedded=value,
            )
        else:
            url = value if "://" in value else f"https://{value}"
            if not url.startswith(("http://", "https://")):
                raise ConfigurationError(
                    f"--registry: {value!r} is neither an http(s) URL nor an embedded flavour"
                )
            user = session.value("registry_user")
            secret = subject.password(session.value("registry_password_file"))
            if user and secret is None:
                raise ConfigurationError(
                    "--registry-user needs a password: --registry-password-file or env OCI_REGISTRY_PASSWORD"
                )
            verify: bool | str = session.value("registry_ca") or True
            if session.value("registry_insecure"):
                verify = False
            opened = subject.RegistrySubject(
                name=subject.label_for(url),
                path=url.rstrip("/"),
                version="unknown",
                version_output="",
                url=url.rstrip("/"),
                namespace=workspace.namespace,
                cross_namespace=workspace.cross_namespace,
                credentials=Credentials(user, secret) if user and secret is not None else None,
                verify=verify,
                timeout=timeout,
                keep=keep,
            )
        log = session.value("registry_request_log")
        opened.request_log = str(Path(log).resolve()) if log else None
        subject.check_reachable(opened)
        return opened

    def header(self, label: str, subject: Subject) -> list[str]:
        lines = [f"{self.title} {label}: {getattr(subject, 'url', subject.path)} version {subject.version}"]
        return lines + [f"  {note}" for note in subject.notes()]

    def close(self, session: Session) -> list[str]:
        workspace: RegistryWorkspace | None = session.state.get(self.name)
        if workspace is None:
            return []
        problems: list[str] = []
        subjects = session.subjects_of(self)
        for label, ledger in workspace.ledgers:
            opened = subjects.get(label)
            if opened is not None and not opened.keep:  # type: ignore[attr-defined]
                client = opened.client()  # type: ignore[attr-defined]
                problems += [f"registry {label}: {p}" for p in ledger.clean(client)]
                client.close()
        for started in workspace.started:
            message = started.stop()
            if message:
                problems.append(message)
        if workspace.started:
            os.environ.pop("OCI_CONFORMANCE_REGISTRY_RUN", None)
        return problems
