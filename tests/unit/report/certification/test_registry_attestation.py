"""Signing and verifying the results of a registry run: the subject is the registry's URL and the
version it reported (or, for the embedded registry, the docker-registry binary)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.kinds import kind_for_spec
from conformance.registry.subject import RegistrySubject, reported_version
from conformance.report.certification.attestation import sign, verify
from conformance.report.results import ResultsCollector, build_results, identity_digest
from conformance.report.results import TestOutcome as Outcome
from conformance.requirements import load_catalog
from tests.unit.report.certification.test_attestation import read_statement, resign, write_keypair
from tests.unit.report.certification.test_profiles import rest_of_scope, write_results

URL = "https://registry.example.com:5000"
LABEL = "registry.example.com-5000"
#: A few tests of a registry run: nodeid -> (outcome, requirements).
OUTCOMES: dict[str, tuple[str, list[str]]] = {
    f"suites/registry/test_pull.py::test_manifest_get[{LABEL}-tag]": (
        "passed",
        ["distribution.pull.manifest-get", "distribution.pull.reference-format"],
    ),
    f"suites/registry/test_pull.py::test_head[{LABEL}-blob]": ("passed", ["distribution.pull.head-200"]),
    f"suites/registry/test_push.py::test_out_of_order_chunk[{LABEL}]": (
        "failed",
        ["distribution.push.chunk-out-of-order-416"],
    ),
}


def registry_subject(embedded_binary: Path | None = None) -> RegistrySubject:
    return RegistrySubject(
        name=LABEL if embedded_binary is None else "docker-registry",
        path=URL if embedded_binary is None else str(embedded_binary),
        version="registry/2.0" if embedded_binary is None else "2.8.2+ds1",
        version_output="",
        url=URL,
        namespace="conformance/abc",
        cross_namespace="conformance/abc",
        credentials=None,
        verify=True,
        timeout=30.0,
        keep=False,
        embedded=None if embedded_binary is None else "docker-registry",
    )


def registry_results(subject: RegistrySubject) -> dict[str, Any]:
    """A results document of a registry run, made by the real build_results."""
    collector = ResultsCollector()
    outcomes = OUTCOMES | {
        f"suites/registry/test_rest.py::test_everything_else[{LABEL}]": (
            "passed",
            rest_of_scope("distribution-spec", OUTCOMES),
        )
    }
    for nodeid, (outcome, rids) in outcomes.items():
        collector.outcomes[nodeid] = Outcome(
            nodeid=nodeid,
            outcome=outcome,
            requirements=rids,
            level="MUST",
            runtime=LABEL,
            duration=0.1,
            message="" if outcome == "passed" else "failed: 202, not 416",
        )
    kind = kind_for_spec("distribution-spec")
    return build_results(LABEL, subject, kind, load_catalog(), collector, {"registry": [URL]})


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    return write_keypair(tmp_path / "keys", "ed25519")


@pytest.fixture
def results_path(tmp_path: Path) -> Path:
    return write_results(tmp_path / "run", registry_results(registry_subject()))


def test_a_url_registry_is_identified_by_url_and_version(results_path: Path, keys: tuple) -> None:
    subject = json.loads(results_path.read_text())["subject"]
    assert subject["identity"] == {"url": URL, "version": "registry/2.0"}
    assert subject["digest"] == identity_digest({"url": URL, "version": "registry/2.0"})
    statement = read_statement(sign(results_path, keys[0]))
    assert statement["subject"][0]["name"] == URL
    assert "sha256:" + statement["subject"][0]["digest"]["sha256"] == subject["digest"]


def test_sign_then_verify_with_the_url(results_path: Path, keys: tuple) -> None:
    envelope = sign(results_path, keys[0])
    report = verify(envelope, keys[1], URL + "/")
    assert report.ok, [f"{c.name}: {c.message}" for c in report.failures]
    assert report.summary() == f"VERIFIED: {LABEL} registry/2.0 not certified under registry-full"
    assert main(["verify", str(envelope), "--key", str(keys[1]), "--subject", URL]) == 0


def test_another_url_does_not_verify(results_path: Path, keys: tuple) -> None:
    report = verify(sign(results_path, keys[0]), keys[1], "https://other.example.com")
    assert not report.ok
    assert [c.name for c in report.failures] == ["subject url"]


def test_an_edited_version_fails_even_when_re_signed(tmp_path: Path, results_path: Path, keys: tuple) -> None:
    statement = read_statement(sign(results_path, keys[0]))
    statement["predicate"]["results"]["subject"]["identity"]["version"] = "registry/9.9"
    forged = resign(statement, keys[0], tmp_path / "forged.dsse.json")
    report = verify(forged, keys[1], URL)
    assert "subject url" in [c.name for c in report.failures]


def test_the_embedded_registry_is_identified_by_its_binary(tmp_path: Path, keys: tuple) -> None:
    binary = tmp_path / "docker-registry"
    binary.write_bytes(b"not really docker-registry\n")
    path = write_results(tmp_path / "run", registry_results(registry_subject(binary)))
    subject = json.loads(path.read_text())["subject"]
    assert "identity" not in subject
    statement = read_statement(sign(path, keys[0]))
    assert statement["subject"][0]["name"] == "docker-registry"
    report = verify(path.parent / "attestation.dsse.json", keys[1], binary)
    assert report.ok, [f"{c.name}: {c.message}" for c in report.failures]


@pytest.mark.parametrize(
    ("server", "api", "version"),
    [
        ("Harbor/2.10", "registry/2.0", "Harbor/2.10"),
        (None, "registry/2.0", "registry/2.0"),
        (None, None, "unknown"),
    ],
)
def test_the_reported_version(server: str | None, api: str | None, version: str) -> None:
    assert reported_version(server, api)[0] == version
