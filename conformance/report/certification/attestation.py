"""Signed certification attestations: an in-toto Statement about the tested binary, in a DSSE envelope.

The statement's subject is the binary the suite ran (its sha256 from results.json), or for a
subject without a binary (a registry at a URL) its identity: the URL and the version it reported,
named by the URL, with the sha256 of their canonical JSON (`results.identity_digest`); its predicate
carries the whole results document, the profile and the verdict. `verify` trusts nothing in the
predicate it can recompute: it derives the verdict again from the per-test outcomes, and rejects a
document whose stored summaries (per-requirement verdicts, test lists, counts) do not follow from
them, so an edit made before signing is caught as surely as one made after.

Keys are PEM files: Ed25519 or ECDSA P-256 private keys (PKCS#8 or SEC1, as openssl and cosign
write them, unencrypted or with a password) to sign, their SubjectPublicKeyInfo PEM to verify.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import UnverifiedSignatureError
from securesystemslib.signer import CryptoSigner, SSlibKey

from conformance import __version__
from conformance.core.errors import ConformanceError
from conformance.report.certification.dsse import (
    ENVELOPE_NAME,
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    EnvelopeError,
    decode_statement,
    parse_envelope,
)
from conformance.report.certification.profiles import (
    CertificationError,
    Profile,
    consistency_problems,
    default_profile_name,
    evaluate,
    get_profile,
    load_results,
)
from conformance.report.certification.submission import PRODUCT_FILE, product_problems
from conformance.report.results import identity_digest
from conformance.requirements import Catalog, load_catalog

#: Suite versions whose results this version can still judge (besides its own).
KNOWN_SUITE_VERSIONS: tuple[str, ...] = ("0.1.0",)
#: Catalog digests accepted besides the installed catalog's (none yet: a catalog change means the
#: per-requirement verdicts of older results no longer line up with the requirements judged).
KNOWN_CATALOG_DIGESTS: tuple[str, ...] = ()
#: Environment variable holding the password of an encrypted private key.
PASSWORD_ENV = "OCI_CONFORMANCE_KEY_PASSWORD"


class AttestationError(ConformanceError):
    """Signing or verification cannot even start: missing file, unusable key, unsignable results."""


def _read(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise AttestationError(f"{path}: no such {what}") from None
    except OSError as exc:
        raise AttestationError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None


def _check_key_type(path: Path, key: object) -> None:
    """Only the algorithms the working group accepts: Ed25519 and ECDSA over P-256."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if isinstance(key.curve, ec.SECP256R1):
            return
        raise AttestationError(f"{path}: ECDSA curve {key.curve.name} is not accepted; use P-256 or Ed25519")
    raise AttestationError(f"{path}: {type(key).__name__} keys are not accepted; use Ed25519 or ECDSA P-256")


def load_signer(path: Path, password: str | None = None) -> CryptoSigner:
    """A securesystemslib signer for a PEM private key file."""
    data = _read(path, "key file")
    if password is None and os.environ.get(PASSWORD_ENV):
        password = os.environ[PASSWORD_ENV]
    if b"PUBLIC KEY-----" in data and b"PRIVATE KEY-----" not in data:
        raise AttestationError(f"{path}: is a public key; signing needs the private key")
    if b"ENCRYPTED SIGSTORE PRIVATE KEY" in data:
        raise AttestationError(
            f"{path}: a cosign-encrypted key; export it unencrypted (PKCS#8 PEM) to sign with it"
        )
    try:
        key = load_pem_private_key(data, password.encode() if password else None)
    except TypeError as exc:  # password missing, or given for an unencrypted key
        hint = f"; set {PASSWORD_ENV}" if password is None else ""
        raise AttestationError(f"{path}: {exc}{hint}") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise AttestationError(f"{path}: not a usable PEM private key ({exc})") from None
    _check_key_type(path, key)
    return CryptoSigner(key)


def load_public_key(path: Path) -> SSlibKey:
    """A securesystemslib key for a PEM SubjectPublicKeyInfo file."""
    data = _read(path, "key file")
    if b"PRIVATE KEY-----" in data:
        raise AttestationError(
            f"{path}: is a private key; verify with the public key (openssl pkey -in KEY -pubout)"
        )
    try:
        key = load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise AttestationError(f"{path}: not a PEM public key ({exc})") from None
    _check_key_type(path, key)
    return SSlibKey.from_crypto(key)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_statement(
    results: Mapping[str, Any], results_bytes: bytes, profile: Profile, catalog: Catalog | None = None
) -> dict[str, Any]:
    """The in-toto Statement v1 for one results document under one profile."""
    subject = results.get("subject")
    if not isinstance(subject, dict):
        raise AttestationError("results.json has no subject")
    digest = str(subject.get("digest") or "")
    if not digest.startswith("sha256:") or len(digest) != len("sha256:") + 64:
        raise AttestationError(
            "results.json has no sha256 digest of the tested binary (subject.digest): it could not "
            "be read when the suite ran, so there is nothing to attest about"
        )
    identity = subject.get("identity") if isinstance(subject.get("identity"), dict) else None
    if identity:
        name = str(identity.get("url") or "")
    else:
        name = Path(str(subject.get("path") or "")).name or str(subject.get("label") or "")
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": name, "digest": {"sha256": digest.removeprefix("sha256:")}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "profile": profile.name,
            "profile_digest": profile.digest,
            "verdict": evaluate(results, profile, catalog).to_dict(),
            "results_digest": {"sha256": hashlib.sha256(results_bytes).hexdigest()},
            "results": results,
        },
    }


def sign(
    results_path: Path,
    key_path: Path,
    output_path: Path | None = None,
    *,
    profile: str | None = None,
    force: bool = False,
    password: str | None = None,
) -> Path:
    """Sign results.json: write the DSSE envelope (default: attestation.dsse.json beside it).

    Refuses results that `verify` would reject anyway (unknown catalog or suite version, stored
    summaries that do not follow from the tests), so a vendor learns it before submitting;
    `force` signs regardless (for tests that need such an envelope).
    """
    results_path = Path(results_path)
    if not results_path.is_file():
        raise AttestationError(f"{results_path}: no such results file")
    try:
        results, raw = load_results(results_path)
        chosen = get_profile(profile or default_profile_name(results))
    except CertificationError as exc:
        raise AttestationError(str(exc)) from None
    signer = load_signer(Path(key_path), password)
    try:
        statement = build_statement(results, raw, chosen)
    except CertificationError as exc:
        raise AttestationError(f"{results_path}: {exc}") from None
    if not force:
        report = VerifyReport(Path(results_path))
        _check_statement(report, statement, None, None, load_catalog())
        if not report.ok:
            lines = "\n  ".join(f"{c.name}: {c.message}" for c in report.failures)
            raise AttestationError(f"refusing to sign {results_path}:\n  {lines}")
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    envelope = Envelope(payload, PAYLOAD_TYPE, {})
    envelope.sign(signer)
    output = Path(output_path) if output_path else results_path.parent / ENVELOPE_NAME
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(envelope.to_dict(), indent=2) + "\n")
    return output


@dataclass
class Check:
    name: str
    ok: bool
    message: str = ""


@dataclass
class VerifyReport:
    """Every check verify made; it passes only if all of them did."""

    path: Path
    checks: list[Check] = field(default_factory=list)
    envelope: Path | None = None
    subject: str = ""
    version: str = ""
    profile: str = ""
    certified: bool | None = None
    #: certified, not certified or incomplete, as recomputed.
    status: str = ""

    def check(self, name: str, ok: bool, message: str = "") -> bool:
        self.checks.append(Check(name, ok, "" if ok else message))
        return ok

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and not self.failures

    def summary(self) -> str:
        if not self.ok:
            return "NOT VERIFIED"
        state = self.status or ("certified" if self.certified else "not certified")
        return f"VERIFIED: {self.subject} {self.version} {state} under {self.profile}"


def find_envelope(directory: Path) -> Path | None:
    """The envelope of a submission directory: attestation.dsse.json, or its only *.dsse.json."""
    if (directory / ENVELOPE_NAME).is_file():
        return directory / ENVELOPE_NAME
    candidates = sorted(directory.glob("*.dsse.json"))
    return candidates[0] if len(candidates) == 1 else None


def verify(
    path: Path,
    public_key_path: Path,
    subject_binary: Path | str | None = None,
    profile: str | None = None,
) -> VerifyReport:
    """Check an envelope (or a submission directory holding one) with a public key.

    Raises AttestationError only when verification cannot start (missing envelope, key or
    binary); every finding about the attestation itself is a failed check in the report.
    """
    path = Path(path)
    if not path.exists():
        raise AttestationError(f"{path}: no such file or directory")
    key = load_public_key(Path(public_key_path))
    if subject_binary is not None and not _is_url(subject_binary) and not Path(subject_binary).is_file():
        raise AttestationError(f"{subject_binary}: no such file")
    if profile is not None:
        try:
            get_profile(profile)
        except CertificationError as exc:
            raise AttestationError(str(exc)) from None
    report = VerifyReport(path)
    directory = path if path.is_dir() else None
    envelope_path = find_envelope(path) if directory else path
    report.envelope = envelope_path
    if envelope_path is None:
        report.check("envelope", False, f"no {ENVELOPE_NAME} (or single *.dsse.json) in {path}")
        _check_product(report, path)
        return report
    statement = _check_envelope(report, _read(envelope_path, "envelope"), key, public_key_path)
    if statement is not None:
        try:
            _check_statement(report, statement, subject_binary, profile, load_catalog())
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            report.check("results", False, f"the signed results document is malformed ({exc!r})")
    if directory is not None:
        _check_submission(report, directory, statement)
    return report


def _check_envelope(
    report: VerifyReport, data: bytes, key: SSlibKey, key_path: Path
) -> dict[str, Any] | None:
    """Envelope shape, payloadType and signature; the statement if the payload is one."""
    try:
        envelope = parse_envelope(data)
    except EnvelopeError as exc:
        report.check("envelope", False, f"not a DSSE envelope: {exc}")
        return None
    report.check("envelope", True)
    report.check(
        "payloadType",
        envelope.payload_type == PAYLOAD_TYPE,
        f"payloadType is {envelope.payload_type!r}, expected {PAYLOAD_TYPE!r}",
    )
    try:
        envelope.verify([key], 1)
        verified = True
    except (UnverifiedSignatureError, ValueError):
        verified = False
    report.check("signature", verified, f"signature does not verify with {key_path} (keyid {key.keyid[:16]})")
    try:
        statement = decode_statement(envelope)
    except EnvelopeError as exc:
        report.check("statement", False, str(exc))
        return None
    report.check("statement", True)
    return statement


def _check_statement(
    report: VerifyReport,
    statement: dict[str, Any],
    subject_binary: Path | str | None,
    profile_name: str | None,
    catalog: Catalog,
) -> None:
    """Everything the statement claims that this suite can check or recompute."""
    predicate = statement["predicate"]
    results = predicate["results"]
    subject = results.get("subject") if isinstance(results.get("subject"), dict) else {}
    report.subject = str(subject.get("label") or statement["subject"][0]["name"])
    report.version = str(subject.get("version") or "")
    signed = statement["subject"][0]
    claimed = str(subject.get("digest") or "")
    report.check(
        "subject",
        claimed == "sha256:" + signed["digest"]["sha256"],
        f"statement subject sha256:{signed['digest']['sha256']} is not the results' subject digest {claimed}",
    )
    if subject_binary is not None and _is_url(subject_binary):
        _check_subject_url(report, str(subject_binary), subject, signed["digest"]["sha256"])
    elif subject_binary is not None:
        actual = sha256_file(Path(subject_binary))
        report.check(
            "subject binary",
            actual == signed["digest"]["sha256"],
            f"{subject_binary} has sha256:{actual}, "
            f"the attestation is about sha256:{signed['digest']['sha256']}",
        )
    suite = results.get("suite") if isinstance(results.get("suite"), dict) else {}
    version = suite.get("version")
    report.check(
        "suite",
        suite.get("name") == "oci-conformance"
        and (version == __version__ or version in KNOWN_SUITE_VERSIONS),
        f"suite {suite.get('name')!r} version {version!r} is not one this suite ({__version__}) knows",
    )
    digest = results.get("catalog_digest")
    report.check(
        "catalog",
        digest == catalog.digest or digest in KNOWN_CATALOG_DIGESTS,
        f"catalog digest {digest} is not a known catalog (this suite's is {catalog.digest})",
    )
    name = predicate["profile"]
    try:
        chosen = get_profile(name)
    except CertificationError as exc:
        report.check("profile", False, str(exc))
        return
    report.profile = name
    if profile_name is not None:
        report.check(
            "profile", profile_name == name, f"the attestation is for profile {name}, not {profile_name}"
        )
    report.check(
        "profile",
        predicate.get("profile_digest") == chosen.digest,
        f"profile {name} was signed as {predicate.get('profile_digest')}, this suite defines it as "
        f"{chosen.digest}",
    )
    for problem in consistency_problems(results, chosen, catalog):
        report.check("results", False, problem)
    try:
        recomputed = evaluate(results, chosen, catalog).to_dict()
    except CertificationError as exc:
        report.check("verdict", False, f"cannot recompute the verdict: {exc}")
        return
    report.certified = recomputed["certified"]
    report.status = recomputed["status"]
    report.check(
        "verdict", predicate["verdict"] == recomputed, _verdict_difference(predicate["verdict"], recomputed)
    )


def _is_url(value: str | Path) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def _check_subject_url(report: VerifyReport, url: str, subject: dict[str, Any], signed: str) -> None:
    """A subject without a binary (a registry): the attestation is about this URL (and its version)."""
    identity = subject.get("identity") if isinstance(subject.get("identity"), dict) else {}
    if not report.check(
        "subject url",
        identity.get("url") == url.rstrip("/"),
        f"the attestation is about {identity.get('url') or 'a binary, not a URL'}, not {url}",
    ):
        return
    expected = identity_digest({"url": url.rstrip("/"), "version": str(identity.get("version"))})
    report.check(
        "subject url",
        expected == "sha256:" + signed,
        f"{url} version {identity.get('version')} has identity {expected}, the attestation is about "
        f"sha256:{signed}",
    )


def _verdict_difference(signed: dict[str, Any], recomputed: dict[str, Any]) -> str:
    keys = sorted(k for k in signed.keys() | recomputed.keys() if signed.get(k) != recomputed.get(k))
    detail = ", ".join(keys)
    if "certified" in keys:
        detail = (
            f"certified {signed.get('certified')!r} signed, {recomputed['certified']!r} recomputed; {detail}"
        )
    return f"the signed verdict does not follow from the per-test outcomes (differs in: {detail})"


def _check_submission(report: VerifyReport, directory: Path, statement: dict[str, Any] | None) -> None:
    """A submission directory: its results.json is the signed one, and PRODUCT.yaml is complete."""
    results_path = directory / "results.json"
    if not results_path.is_file():
        report.check("submission", False, f"no results.json in {directory}")
    elif statement is not None:
        data = results_path.read_bytes()
        pinned = statement["predicate"].get("results_digest")
        pinned_hex = pinned.get("sha256") if isinstance(pinned, dict) else None
        try:
            same_document = json.loads(data) == statement["predicate"]["results"]
        except ValueError:
            same_document = False
        report.check(
            "submission",
            hashlib.sha256(data).hexdigest() == pinned_hex and same_document,
            f"{results_path} is not byte-identical to the signed results.json",
        )
    _check_product(report, directory)


def _check_product(report: VerifyReport, directory: Path) -> None:
    for problem in product_problems(directory / PRODUCT_FILE):
        report.check("product", False, problem)
    if not any(c.name == "product" for c in report.checks):
        report.check("product", True)
