"""Signed attestations: sign, then verify; every tampering with the envelope or its content fails.

Keys are made here with `cryptography` (and with the openssl CLI when it is installed); the
results documents come from test_certification.make_results, so no runtime is needed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from securesystemslib.dsse import Envelope

from conformance import __version__
from conformance.cli import main
from conformance.report.certification import attestation
from conformance.report.certification.attestation import (
    ENVELOPE_NAME,
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    AttestationError,
    EnvelopeError,
    load_signer,
    parse_envelope,
    sign,
    verify,
)
from conformance.report.certification.profiles import evaluate, get_profile
from conformance.requirements import load_catalog
from tests.unit.report.certification.test_profiles import (
    FAILING_TEST,
    LABEL,
    MUST_DEVIATING,
    make_results,
    with_failure,
    write_results,
)

KINDS = ("ed25519", "ecdsa-p256", "ecdsa-p256-sec1")


def write_keypair(directory: Path, kind: str, name: str | None = None) -> tuple[Path, Path]:
    """A private key PEM and its public SubjectPublicKeyInfo PEM."""
    directory.mkdir(parents=True, exist_ok=True)
    key: Any
    private_format = serialization.PrivateFormat.PKCS8
    if kind.endswith("ed25519"):
        key = ed25519.Ed25519PrivateKey.generate()
    elif kind.startswith("ecdsa-p256"):
        key = ec.generate_private_key(ec.SECP256R1())
        if kind.endswith("sec1"):
            private_format = serialization.PrivateFormat.TraditionalOpenSSL  # BEGIN EC PRIVATE KEY
    elif kind == "ecdsa-p384":
        key = ec.generate_private_key(ec.SECP384R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = directory / f"{name or kind}.pem"
    public = directory / f"{name or kind}.pub"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, private_format, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def read_statement(envelope: Path) -> dict[str, Any]:
    return json.loads(parse_envelope(envelope.read_bytes()).payload)


def resign(statement: dict[str, Any], key: Path, out: Path, payload_type: str = PAYLOAD_TYPE) -> Path:
    """What a key holder can always do: sign any statement, bypassing sign()'s own checks."""
    envelope = Envelope(json.dumps(statement).encode(), payload_type, {})
    envelope.sign(load_signer(key))
    out.write_text(json.dumps(envelope.to_dict(), indent=2) + "\n")
    return out


def failures(report: attestation.VerifyReport) -> str:
    return "\n".join(f"{c.name}: {c.message}" for c in report.failures)


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, tuple[Path, Path]]:
    return {kind: write_keypair(tmp_path / "keys", kind) for kind in (*KINDS, "other-ed25519")}


@pytest.fixture
def results_path(tmp_path: Path) -> Path:
    return write_results(tmp_path / "run", make_results(tmp_path))


@pytest.fixture
def signed(results_path: Path, keys: dict[str, tuple[Path, Path]]) -> Path:
    return sign(results_path, keys["ed25519"][0])


# -- happy path ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_sign_then_verify(tmp_path: Path, results_path: Path, keys: dict, kind: str) -> None:
    private, public = keys[kind]
    envelope = sign(results_path, private)
    assert envelope == results_path.parent / ENVELOPE_NAME
    report = verify(envelope, public, subject_binary=tmp_path / LABEL)
    assert report.ok, failures(report)
    assert report.summary() == f"VERIFIED: {LABEL} 1.2.3 certified under runtime-linux-must"


def test_the_statement_is_in_toto_v1_about_the_binary(tmp_path: Path, signed: Path) -> None:
    document = json.loads(signed.read_text())
    assert set(document) == {"payload", "payloadType", "signatures"}
    assert document["payloadType"] == "application/vnd.in-toto+json"
    statement = read_statement(signed)
    binary_digest = hashlib.sha256((tmp_path / LABEL).read_bytes()).hexdigest()
    assert statement["_type"] == STATEMENT_TYPE == "https://in-toto.io/Statement/v1"
    assert statement["subject"] == [{"name": LABEL, "digest": {"sha256": binary_digest}}]
    assert statement["predicateType"] == PREDICATE_TYPE
    predicate = statement["predicate"]
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert predicate["results"] == results
    assert predicate["profile"] == "runtime-linux-must"
    assert predicate["verdict"] == evaluate(results, get_profile("runtime-linux-must")).to_dict()
    assert (
        predicate["results_digest"]["sha256"]
        == hashlib.sha256((tmp_path / "run" / "results.json").read_bytes()).hexdigest()
    )


def test_a_not_certified_run_still_verifies_and_says_so(tmp_path: Path, keys: dict) -> None:
    results = write_results(tmp_path / "run", with_failure(tmp_path))
    envelope = sign(results, keys["ecdsa-p256"][0], tmp_path / "out" / "att.json")
    report = verify(envelope, keys["ecdsa-p256"][1])
    assert report.ok, failures(report)
    assert report.summary() == f"VERIFIED: {LABEL} 1.2.3 not certified under runtime-linux-must"


def test_sign_under_another_profile(tmp_path: Path, results_path: Path, keys: dict) -> None:
    envelope = sign(results_path, keys["ed25519"][0], profile="runtime-linux-should")
    assert read_statement(envelope)["predicate"]["profile"] == "runtime-linux-should"
    assert verify(envelope, keys["ed25519"][1], profile="runtime-linux-should").ok
    report = verify(envelope, keys["ed25519"][1], profile="runtime-linux-must")
    assert "the attestation is for profile runtime-linux-should, not runtime-linux-must" in failures(report)


@pytest.mark.parametrize(
    "command",
    [
        ["genpkey", "-algorithm", "ed25519"],
        ["ecparam", "-name", "prime256v1", "-genkey"],
        ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    ],
    ids=["ed25519", "ecparam-p256", "genpkey-p256"],
)
def test_keys_made_by_openssl(tmp_path: Path, results_path: Path, command: list[str]) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed")
    private, public = tmp_path / "key.pem", tmp_path / "key.pub"
    subprocess.run([openssl, *command, "-out", str(private)], check=True, capture_output=True)
    subprocess.run(
        [openssl, "pkey", "-in", str(private), "-pubout", "-out", str(public)],
        check=True,
        capture_output=True,
    )
    report = verify(sign(results_path, private), public)
    assert report.ok, failures(report)


def test_an_encrypted_key_needs_its_password(
    tmp_path: Path, results_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    private = tmp_path / "enc.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )
    public = tmp_path / "enc.pub"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    monkeypatch.delenv(attestation.PASSWORD_ENV, raising=False)
    with pytest.raises(AttestationError, match=attestation.PASSWORD_ENV):
        sign(results_path, private)
    monkeypatch.setenv(attestation.PASSWORD_ENV, "s3cret")
    assert verify(sign(results_path, private), public).ok


# -- tampering with the envelope -------------------------------------------------------------------


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path, Path]:
    """One signed envelope, its public key and the binary it is about: the base of the flips."""
    base = tmp_path_factory.mktemp("pristine")
    private, public = write_keypair(base / "keys", "ed25519")
    results = write_results(base / "run", with_failure(base))
    return sign(results, private).read_bytes(), public, base / LABEL


def _landmarks(data: bytes) -> dict[str, int]:
    """Byte positions inside each part of the envelope: structure, payload, keyid, signature."""
    document = json.loads(data)
    payload = data.index(document["payload"].encode())
    signature = data.index(document["signatures"][0]["sig"].encode())
    keyid = data.index(document["signatures"][0]["keyid"].encode())
    payload_type = data.index(document["payloadType"].encode())
    end = payload + len(document["payload"])
    return {
        "first byte": 0,
        "payload key": data.index(b'"payload"') + 3,
        "payload first": payload,
        "payload middle": (payload + end) // 2,
        "payload last": end - 1,
        "payload padding or last": end - 2,
        "payloadType": payload_type + 5,
        "signatures key": data.index(b'"signatures"') + 2,
        "keyid": keyid + 7,
        "sig first": signature,
        "sig middle": signature + len(document["signatures"][0]["sig"]) // 2,
        "sig last": signature + len(document["signatures"][0]["sig"]) - 1,
        "closing brace": len(data) - 2,
        "last byte": len(data) - 1,
    }


LANDMARKS = [
    "first byte",
    "payload key",
    "payload first",
    "payload middle",
    "payload last",
    "payload padding or last",
    "payloadType",
    "signatures key",
    "keyid",
    "sig first",
    "sig middle",
    "sig last",
    "closing brace",
    "last byte",
]


def _verify_flipped(tmp_path: Path, pristine: tuple[bytes, Path, Path], position: int, mask: int) -> None:
    data, public, binary = pristine
    flipped = bytearray(data)
    flipped[position] ^= mask
    path = tmp_path / "flipped.dsse.json"
    path.write_bytes(bytes(flipped))
    report = verify(path, public, subject_binary=binary)
    assert not report.ok, (
        f"flipping byte {position} ({data[position : position + 1]!r}) by {mask:#x} verified"
    )
    assert report.summary() == "NOT VERIFIED"


@pytest.mark.parametrize("step", range(61))
def test_flipping_a_byte_anywhere_fails(tmp_path: Path, pristine: tuple, step: int) -> None:
    """61 positions spread evenly over the whole file, first and last byte included."""
    _verify_flipped(tmp_path, pristine, step * (len(pristine[0]) - 1) // 60, 0x01)


@pytest.mark.parametrize("mask", [0x01, 0x02, 0x20, 0x80])
@pytest.mark.parametrize("landmark", LANDMARKS)
def test_flipping_a_byte_in_each_part_fails(
    tmp_path: Path, pristine: tuple, landmark: str, mask: int
) -> None:
    _verify_flipped(tmp_path, pristine, _landmarks(pristine[0])[landmark], mask)


def test_every_byte_of_the_signatures_matters(tmp_path: Path, pristine: tuple) -> None:
    """Each byte from "signatures" to the end (keyid, signature, punctuation), flipped in turn."""
    data = pristine[0]
    for position in range(data.index(b'"signatures"'), len(data)):
        _verify_flipped(tmp_path, pristine, position, 0x01)


def test_non_canonical_base64_is_refused() -> None:
    payload = json.dumps(
        {"payload": "QR==", "payloadType": PAYLOAD_TYPE, "signatures": [{"keyid": "", "sig": "QQ=="}]}
    )
    with pytest.raises(EnvelopeError, match="payload is not canonical base64"):
        parse_envelope(payload.encode())


def test_a_truncated_envelope_is_not_a_dsse_envelope(tmp_path: Path, pristine: tuple) -> None:
    data, public, _ = pristine
    for cut in (1, len(data) // 2, len(data) - 3):
        path = tmp_path / "truncated.json"
        path.write_bytes(data[:cut])
        report = verify(path, public)
        assert [c.name for c in report.failures] == ["envelope"]
        assert report.failures[0].message.startswith("not a DSSE envelope: ")


@pytest.mark.parametrize(
    "content",
    [b"", b"hello", b"\xff\xfe\x00", b"[]", b'{"payload": "e30=", "payloadType": "x"}', b"null"],
    ids=["empty", "text", "binary", "list", "no-signatures", "null"],
)
def test_non_json_or_non_envelope_files_fail(tmp_path: Path, keys: dict, content: bytes) -> None:
    path = tmp_path / "junk.json"
    path.write_bytes(content)
    report = verify(path, keys["ed25519"][1])
    assert not report.ok
    assert report.failures[0].message.startswith("not a DSSE envelope: ")


def test_another_key_does_not_verify(signed: Path, keys: dict) -> None:
    for other in ("other-ed25519", "ecdsa-p256"):
        report = verify(signed, keys[other][1])
        assert [c.name for c in report.failures] == ["signature"]
        assert f"signature does not verify with {keys[other][1]}" in report.failures[0].message


def test_a_replaced_signature_does_not_verify(tmp_path: Path, signed: Path, keys: dict) -> None:
    """The payload signed with another key, under the original keyid: still refused."""
    other = json.loads(
        sign(signed.parent / "results.json", keys["other-ed25519"][0], tmp_path / "o.json").read_text()
    )
    document = json.loads(signed.read_text())
    document["signatures"][0]["sig"] = other["signatures"][0]["sig"]
    signed.write_text(json.dumps(document))
    assert "signature" in [c.name for c in verify(signed, keys["ed25519"][1]).failures]


def test_a_wrong_payload_type_fails(tmp_path: Path, signed: Path, keys: dict) -> None:
    path = resign(read_statement(signed), keys["ed25519"][0], tmp_path / "t.json", "application/json")
    report = verify(path, keys["ed25519"][1])
    assert [c.name for c in report.failures] == ["payloadType"]


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (lambda s: s.update(predicateType="https://example.com/other/v1"), "predicateType"),
        (lambda s: s.update(_type="https://in-toto.io/Statement/v0.1"), "not an in-toto Statement v1"),
        (lambda s: s.update(subject=[]), "exactly one subject"),
        (lambda s: s["predicate"].pop("verdict"), "results, verdict and profile"),
    ],
    ids=["predicateType", "_type", "subject", "predicate"],
)
def test_a_statement_of_another_kind_fails(
    tmp_path: Path, signed: Path, keys: dict, edit: Any, error: str
) -> None:
    statement = read_statement(signed)
    edit(statement)
    report = verify(resign(statement, keys["ed25519"][0], tmp_path / "s.json"), keys["ed25519"][1])
    assert [c.name for c in report.failures] == ["statement"]
    assert error in report.failures[0].message


# -- tampering with the content, re-signed with the right key ----------------------------------------


def test_an_edited_requirement_verdict_fails_even_when_re_signed(tmp_path: Path, keys: dict) -> None:
    document = with_failure(tmp_path)
    document["requirements"][MUST_DEVIATING]["verdict"] = "pass"
    results = write_results(tmp_path / "run", document)
    with pytest.raises(AttestationError, match="refusing to sign"):
        sign(results, keys["ed25519"][0])
    envelope = sign(results, keys["ed25519"][0], force=True)
    report = verify(envelope, keys["ed25519"][1])
    assert not report.ok
    assert f"{MUST_DEVIATING}: stored verdict 'pass' does not follow from its tests" in failures(report)
    assert report.summary() == "NOT VERIFIED"


def test_an_edited_top_level_verdict_fails(tmp_path: Path, keys: dict) -> None:
    results = write_results(tmp_path / "run", with_failure(tmp_path))
    statement = read_statement(sign(results, keys["ed25519"][0]))
    statement["predicate"]["verdict"]["certified"] = True
    statement["predicate"]["verdict"]["blocking"] = []
    report = verify(resign(statement, keys["ed25519"][0], tmp_path / "v.json"), keys["ed25519"][1])
    assert [c.name for c in report.failures] == ["verdict"]
    assert "certified True signed, False recomputed" in report.failures[0].message


def test_an_edited_verdict_without_re_signing_fails_the_signature(tmp_path: Path, keys: dict) -> None:
    results = write_results(tmp_path / "run", with_failure(tmp_path))
    envelope = sign(results, keys["ed25519"][0])
    document = json.loads(envelope.read_text())
    statement = read_statement(envelope)
    statement["predicate"]["verdict"]["certified"] = True
    document["payload"] = Envelope(json.dumps(statement).encode(), PAYLOAD_TYPE, {}).to_dict()["payload"]
    envelope.write_text(json.dumps(document))
    assert "signature" in [c.name for c in verify(envelope, keys["ed25519"][1]).failures]


def test_a_removed_failing_test_fails_even_when_re_signed(tmp_path: Path, keys: dict) -> None:
    document = with_failure(tmp_path)
    document["tests"] = [t for t in document["tests"] if t["nodeid"] != FAILING_TEST]
    results = write_results(tmp_path / "run", document)
    envelope = sign(results, keys["ed25519"][0], force=True)  # the verdict now says certified
    assert read_statement(envelope)["predicate"]["verdict"]["certified"] is True
    report = verify(envelope, keys["ed25519"][1])
    assert not report.ok
    text = failures(report)
    assert f"{MUST_DEVIATING}: stored verdict 'fail' does not follow" in text
    assert FAILING_TEST in text


def test_a_removed_failing_test_with_the_old_verdict_fails(tmp_path: Path, keys: dict) -> None:
    """The signed verdict kept from before the removal no longer follows from the tests."""
    results = write_results(tmp_path / "run", with_failure(tmp_path))
    statement = read_statement(sign(results, keys["ed25519"][0]))
    tests = statement["predicate"]["results"]["tests"]
    statement["predicate"]["results"]["tests"] = [t for t in tests if t["nodeid"] != FAILING_TEST]
    report = verify(resign(statement, keys["ed25519"][0], tmp_path / "r.json"), keys["ed25519"][1])
    assert {"results", "verdict"} <= {c.name for c in report.failures}


def test_a_relabelled_level_fails(tmp_path: Path, keys: dict) -> None:
    document = with_failure(tmp_path)
    document["requirements"][MUST_DEVIATING]["level"] = "MAY"
    envelope = sign(write_results(tmp_path / "run", document), keys["ed25519"][0], force=True)
    assert "level is MUST in the catalog, 'MAY' in the results" in failures(
        verify(envelope, keys["ed25519"][1])
    )


def test_the_wrong_subject_binary_fails(tmp_path: Path, signed: Path, keys: dict) -> None:
    other = tmp_path / "other-binary"
    other.write_bytes(b"not the tested binary")
    report = verify(signed, keys["ed25519"][1], subject_binary=other)
    assert [c.name for c in report.failures] == ["subject binary"]
    assert (
        f"{other} has sha256:{hashlib.sha256(other.read_bytes()).hexdigest()}" in report.failures[0].message
    )
    assert verify(signed, keys["ed25519"][1], subject_binary=tmp_path / LABEL).ok


def test_a_statement_subject_that_is_not_the_results_subject_fails(
    tmp_path: Path, signed: Path, keys: dict
) -> None:
    statement = read_statement(signed)
    statement["subject"][0]["digest"]["sha256"] = "0" * 64
    report = verify(resign(statement, keys["ed25519"][0], tmp_path / "x.json"), keys["ed25519"][1])
    assert [c.name for c in report.failures] == ["subject"]


def test_an_unknown_catalog_digest_fails(tmp_path: Path, keys: dict) -> None:
    document = make_results(tmp_path)
    document["catalog_digest"] = "sha256:" + "ab" * 32
    results = write_results(tmp_path / "run", document)
    with pytest.raises(AttestationError, match="not a known catalog"):
        sign(results, keys["ed25519"][0])
    report = verify(sign(results, keys["ed25519"][0], force=True), keys["ed25519"][1])
    assert [c.name for c in report.failures] == ["catalog"]
    assert load_catalog().digest in report.failures[0].message


def test_a_known_older_catalog_digest_is_accepted(
    tmp_path: Path, keys: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = make_results(tmp_path)
    document["catalog_digest"] = "sha256:" + "ab" * 32
    monkeypatch.setattr(attestation, "KNOWN_CATALOG_DIGESTS", ("sha256:" + "ab" * 32,))
    envelope = sign(write_results(tmp_path / "run", document), keys["ed25519"][0])
    assert verify(envelope, keys["ed25519"][1]).ok


def test_an_unknown_suite_version_fails(tmp_path: Path, keys: dict) -> None:
    document = make_results(tmp_path)
    assert document["suite"]["version"] == __version__
    document["suite"]["version"] = "99.0.0"
    envelope = sign(write_results(tmp_path / "run", document), keys["ed25519"][0], force=True)
    report = verify(envelope, keys["ed25519"][1])
    assert [c.name for c in report.failures] == ["suite"]


def test_a_changed_profile_definition_fails(tmp_path: Path, signed: Path, keys: dict) -> None:
    statement = read_statement(signed)
    statement["predicate"]["profile_digest"] = "sha256:" + "0" * 64
    report = verify(resign(statement, keys["ed25519"][0], tmp_path / "p.json"), keys["ed25519"][1])
    assert [c.name for c in report.failures] == ["profile"]


def test_malformed_signed_results_fail_without_a_traceback(tmp_path: Path, signed: Path, keys: dict) -> None:
    statement = read_statement(signed)
    statement["predicate"]["results"]["tests"] = "none"
    report = verify(resign(statement, keys["ed25519"][0], tmp_path / "m.json"), keys["ed25519"][1])
    assert not report.ok and "results" in {c.name for c in report.failures}
    statement["predicate"]["results"] = {"spec": 1}
    report = verify(resign(statement, keys["ed25519"][0], tmp_path / "m.json"), keys["ed25519"][1])
    assert not report.ok


# -- keys and files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "error"), [("rsa", "RSA"), ("ecdsa-p384", "secp384r1")])
def test_unaccepted_key_types_are_refused(tmp_path: Path, results_path: Path, kind: str, error: str) -> None:
    private, public = write_keypair(tmp_path / "k", kind)
    with pytest.raises(AttestationError, match=error):
        sign(results_path, private)
    with pytest.raises(AttestationError, match=error):
        verify(results_path, public)


def test_keys_of_the_wrong_half_are_refused(results_path: Path, signed: Path, keys: dict) -> None:
    private, public = keys["ed25519"]
    with pytest.raises(AttestationError, match="is a public key"):
        sign(results_path, public)
    with pytest.raises(AttestationError, match="is a private key"):
        verify(signed, private)
    with pytest.raises(AttestationError, match="not a PEM public key"):
        verify(signed, results_path)


def test_missing_files_are_usage_errors(tmp_path: Path, results_path: Path, signed: Path, keys: dict) -> None:
    with pytest.raises(AttestationError, match="no such"):
        sign(tmp_path / "nope.json", keys["ed25519"][0])
    with pytest.raises(AttestationError, match="no such"):
        sign(results_path, tmp_path / "nope.pem")
    with pytest.raises(AttestationError, match="no such"):
        verify(tmp_path / "nope.json", keys["ed25519"][1])
    with pytest.raises(AttestationError, match="no such"):
        verify(signed, tmp_path / "nope.pub")
    with pytest.raises(AttestationError, match="no such"):
        verify(signed, keys["ed25519"][1], subject_binary=tmp_path / "nope")


def test_results_without_a_binary_digest_cannot_be_signed(tmp_path: Path, keys: dict) -> None:
    document = make_results(tmp_path)
    document["subject"]["digest"] = ""
    with pytest.raises(AttestationError, match="no sha256 digest of the tested binary"):
        sign(write_results(tmp_path / "run", document), keys["ed25519"][0])


def test_image_results_get_the_image_profile(tmp_path: Path, keys: dict) -> None:
    document = make_results(tmp_path, {}, spec="image-spec")
    envelope = sign(write_results(tmp_path / "run", document), keys["ed25519"][0], force=True)
    assert read_statement(envelope)["predicate"]["profile"] == "image-layout-must"
    report = verify(envelope, keys["ed25519"][1])
    assert report.ok and report.summary().endswith("not certified under image-layout-must")
    with pytest.raises(AttestationError, match="is for runtime-spec"):
        sign(tmp_path / "run" / "results.json", keys["ed25519"][0], profile="runtime-linux-must")


# -- command line -----------------------------------------------------------------------------------


def test_cli_sign_and_verify(
    tmp_path: Path, results_path: Path, keys: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = keys["ecdsa-p256"]
    assert main(["sign", str(results_path), "--key", str(private)]) == 0
    envelope = results_path.parent / ENVELOPE_NAME
    assert f"-> {envelope}" in capsys.readouterr().out
    assert main(["verify", str(envelope), "--key", str(public), "--subject", str(tmp_path / LABEL)]) == 0
    assert capsys.readouterr().out == f"VERIFIED: {LABEL} 1.2.3 certified under runtime-linux-must\n"
    out = tmp_path / "elsewhere.json"
    assert (
        main(
            [
                "sign",
                str(results_path),
                "--key",
                str(private),
                "-o",
                str(out),
                "--profile",
                "runtime-linux-should",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["verify", str(out), "--key", str(public), "--profile", "runtime-linux-should"]) == 0
    assert capsys.readouterr().out.endswith("certified under runtime-linux-should\n")


def test_cli_verify_prints_each_failure_then_not_verified(
    tmp_path: Path, signed: Path, keys: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    other.write_bytes(b"x")
    code = main(["verify", str(signed), "--key", str(keys["other-ed25519"][1]), "--subject", str(other)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[-1] == "NOT VERIFIED"
    assert lines[0].startswith("signature: signature does not verify with ")
    assert lines[1].startswith(f"subject binary: {other} has sha256:")
    assert len(lines) == 3


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "{missing}", "--key", "{pub}"],
        ["verify", "{signed}", "--key", "{missing}"],
        ["verify", "{signed}", "--key", "{pub}", "--subject", "{missing}"],
        ["verify", "{signed}", "--key", "{pub}", "--profile", "nope"],
        ["verify", "{signed}"],
        ["sign", "{missing}", "--key", "{key}"],
        ["sign", "{results}", "--key", "{missing}"],
        ["sign", "{results}", "--key", "{key}", "--profile", "nope"],
    ],
)
def test_cli_usage_errors_exit_2(
    tmp_path: Path, results_path: Path, signed: Path, keys: dict, argv: list[str]
) -> None:
    values = {
        "missing": tmp_path / "missing",
        "pub": keys["ed25519"][1],
        "key": keys["ed25519"][0],
        "signed": signed,
        "results": results_path,
    }
    assert main([a.format(**values) for a in argv]) == 2


def test_verify_report_of_a_copy_is_independent_of_the_original(
    tmp_path: Path, signed: Path, keys: dict
) -> None:
    """verify reads only the envelope: removing the run directory's results changes nothing."""
    copy_path = tmp_path / "copy.dsse.json"
    shutil.copyfile(signed, copy_path)
    (signed.parent / "results.json").unlink()
    assert verify(copy_path, keys["ed25519"][1]).ok
