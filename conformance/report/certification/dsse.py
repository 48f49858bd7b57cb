"""DSSE envelopes holding this project's in-toto Statements: their constants, parsing and checks.

Both signing (attestation.py) and submissions (submission.py) read envelopes through here.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from securesystemslib.dsse import Envelope
from securesystemslib.signer import Signature

#: The predicate type of this project's certification attestations (version 1 of its layout).
PREDICATE_TYPE = "https://oci-conformance.dev/certification/v1"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
#: Where `sign` writes the envelope by default, next to results.json; also what `verify` looks
#: for in a submission directory.
ENVELOPE_NAME = "attestation.dsse.json"


class EnvelopeError(ValueError):
    """The file is not a well-formed DSSE envelope."""


def _b64decode(value: Any, what: str) -> bytes:
    """Standard base64, canonical only: two spellings of one payload must not both verify."""
    if not isinstance(value, str):
        raise EnvelopeError(f"{what} is not a string")
    try:
        decoded = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise EnvelopeError(f"{what} is not base64 ({exc})") from None
    if base64.b64encode(decoded).decode() != value:
        raise EnvelopeError(f"{what} is not canonical base64")
    return decoded


def parse_envelope(data: bytes) -> Envelope:
    """A strictly checked DSSE envelope: any field out of place is an error, never ignored."""
    try:
        document = json.loads(data)
    except ValueError as exc:  # includes UnicodeDecodeError
        raise EnvelopeError(f"not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise EnvelopeError("not a JSON object")
    expected = {"payload", "payloadType", "signatures"}
    missing = expected - document.keys()
    if missing:
        raise EnvelopeError(f"missing {', '.join(sorted(missing))}")
    if document.keys() - expected:
        raise EnvelopeError(f"unexpected field(s) {', '.join(sorted(document.keys() - expected))}")
    if not isinstance(document["payloadType"], str):
        raise EnvelopeError("payloadType is not a string")
    payload = _b64decode(document["payload"], "payload")
    signatures = document["signatures"]
    if not isinstance(signatures, list) or not signatures:
        raise EnvelopeError("signatures is not a non-empty list")
    parsed: dict[str, Signature] = {}
    for index, entry in enumerate(signatures):
        if not isinstance(entry, dict) or set(entry) != {"keyid", "sig"}:
            raise EnvelopeError(f"signatures[{index}] is not an object with exactly keyid and sig")
        keyid = entry["keyid"]
        if not isinstance(keyid, str):
            raise EnvelopeError(f"signatures[{index}].keyid is not a string")
        if keyid in parsed:
            raise EnvelopeError(f"two signatures with keyid {keyid!r}")
        parsed[keyid] = Signature(keyid, _b64decode(entry["sig"], f"signatures[{index}].sig").hex())
    return Envelope(payload, document["payloadType"], parsed)


def decode_statement(envelope: Envelope) -> dict[str, Any]:
    """The in-toto Statement in an envelope's payload (not verified: check the signature first)."""
    try:
        statement = json.loads(envelope.payload)
    except ValueError as exc:
        raise EnvelopeError(f"the payload is not JSON ({exc})") from None
    if not isinstance(statement, dict):
        raise EnvelopeError("the payload is not a JSON object")
    if statement.get("_type") != STATEMENT_TYPE:
        raise EnvelopeError(f"the payload is not an in-toto Statement v1 (_type {statement.get('_type')!r})")
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise EnvelopeError(f"predicateType {statement.get('predicateType')!r} is not {PREDICATE_TYPE}")
    subjects = statement.get("subject")
    if not (
        isinstance(subjects, list)
        and len(subjects) == 1
        and isinstance(subjects[0], dict)
        and isinstance(subjects[0].get("name"), str)
        and isinstance(subjects[0].get("digest"), dict)
        and isinstance(subjects[0]["digest"].get("sha256"), str)
    ):
        raise EnvelopeError("the statement needs exactly one subject with a name and a sha256 digest")
    predicate = statement.get("predicate")
    if not (
        isinstance(predicate, dict)
        and isinstance(predicate.get("results"), dict)
        and isinstance(predicate.get("verdict"), dict)
        and isinstance(predicate.get("profile"), str)
    ):
        raise EnvelopeError("the predicate needs results, verdict and profile")
    return statement
