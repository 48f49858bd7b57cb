"""`oci-conformance certify | sign | verify | submission`: certification verdicts, signed and checked.

    oci-conformance certify RESULTS [--profile NAME]
        the verdict of a run under a profile: exit 0 certified, 1 not certified or incomplete
    oci-conformance sign RESULTS --key KEY [-o FILE] [--profile NAME]
        write a DSSE envelope holding an in-toto statement about the tested binary
    oci-conformance verify ENVELOPE_OR_DIR --key PUB [--subject BINARY_OR_URL] [--profile NAME]
        exit 0 only if every check holds, 1 if one fails (each printed), 2 on a usage error
    oci-conformance submission RUN_DIR --envelope FILE --vendor V --product P --version X --contact C -o DIR
        gather a run's results, its envelope and PRODUCT.yaml for the certification working group

Exit status 2 always means the command could not run (missing file, unusable key, unknown profile).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.core.errors import ConformanceError

PROG = "oci-conformance"


def add_parsers(subparsers: Any) -> None:
    """Register certify, sign, verify and submission on the `oci-conformance` sub-command parser."""
    certify = subparsers.add_parser(
        "certify", help="the certification verdict of a run's results.json under a profile"
    )
    certify.add_argument("results", metavar="RESULTS", help="a run's results.json")
    certify.add_argument("--profile", metavar="NAME", help="profile (default: by the results' spec)")
    certify.set_defaults(handler=cmd_certify)

    sign = subparsers.add_parser("sign", help="sign a results.json as an in-toto attestation (DSSE)")
    sign.add_argument("results", metavar="RESULTS", help="a run's results.json")
    sign.add_argument("--key", required=True, metavar="KEY", help="PEM private key (Ed25519 or ECDSA P-256)")
    sign.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="envelope to write (default: attestation.dsse.json beside RESULTS)",
    )
    sign.add_argument("--profile", metavar="NAME", help="profile (default: by the results' spec)")
    sign.set_defaults(handler=cmd_sign)

    verify = subparsers.add_parser("verify", help="verify a signed attestation or a submission directory")
    verify.add_argument("path", metavar="ENVELOPE_OR_DIR", help="DSSE envelope, or a submission directory")
    verify.add_argument("--key", required=True, metavar="PUB", help="PEM public key of the signer")
    verify.add_argument(
        "--subject",
        metavar="BINARY_OR_URL",
        help="the binary the attestation must be about, or for a registry its URL",
    )
    verify.add_argument("--profile", metavar="NAME", help="require the attestation to be for this profile")
    verify.set_defaults(handler=cmd_verify)

    submission = subparsers.add_parser("submission", help="assemble a submission directory from a run")
    submission.add_argument(
        "run_dir", metavar="RUN_DIR", help="the run's report directory (with results.json)"
    )
    submission.add_argument("--envelope", required=True, metavar="FILE", help="the signed attestation")
    submission.add_argument(
        "--product-file", metavar="PRODUCT.yaml", help="take the product fields from here"
    )
    submission.add_argument("--vendor", help="vendor name")
    submission.add_argument("--product", help="product name")
    submission.add_argument("--version", dest="product_version", metavar="X", help="product version")
    submission.add_argument("--contact", help="who answers the working group's questions (e-mail)")
    submission.add_argument(
        "-o", "--output", required=True, metavar="DIR", help="submission directory to create"
    )
    submission.set_defaults(handler=cmd_submission)


def _error(command: str, exc: Exception) -> int:
    print(f"{PROG} {command}: {exc}", file=sys.stderr)
    return 2


def cmd_certify(args: argparse.Namespace, extra: Sequence[str] = ()) -> int:
    """Print the verdict; the exit status says certified (0) or not, or incomplete (1)."""
    from conformance.report.certification.profiles import (
        consistency_problems,
        default_profile_name,
        evaluate,
        get_profile,
        load_results,
    )

    try:
        results, _ = load_results(Path(args.results))
        profile = get_profile(args.profile or default_profile_name(results))
        verdict = evaluate(results, profile)
    except ConformanceError as exc:
        return _error("certify", exc)
    subject = results.get("subject") if isinstance(results.get("subject"), dict) else {}
    print(verdict.render_text(f"{subject.get('label', '?')} {subject.get('version', '')}".strip()))
    problems = consistency_problems(results, profile)
    if problems:
        print(
            "note: the stored per-requirement summaries disagree with the tests (ignored here):",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
    return 0 if verdict.certified else 1


def cmd_sign(args: argparse.Namespace, extra: Sequence[str] = ()) -> int:
    from conformance.report.certification.attestation import sign

    try:
        output = sign(
            Path(args.results), Path(args.key), args.output and Path(args.output), profile=args.profile
        )
    except ConformanceError as exc:
        return _error("sign", exc)
    print(f"signed {args.results} -> {output}")
    return 0


def cmd_verify(args: argparse.Namespace, extra: Sequence[str] = ()) -> int:
    """Every failed check on its own line, then NOT VERIFIED; or the one VERIFIED line."""
    from conformance.report.certification.attestation import verify

    try:
        subject = args.subject
        if subject and not subject.startswith(("http://", "https://")):
            subject = Path(subject)
        report = verify(Path(args.path), Path(args.key), subject, profile=args.profile)
    except ConformanceError as exc:
        return _error("verify", exc)
    for check in report.failures:
        print(f"{check.name}: {check.message}")
    print(report.summary())
    return 0 if report.ok else 1


def cmd_submission(args: argparse.Namespace, extra: Sequence[str] = ()) -> int:
    from conformance.report.certification.submission import load_product, make_submission

    try:
        fields: dict[str, Any] = load_product(Path(args.product_file)) if args.product_file else {}
        given = {
            "vendor": args.vendor,
            "product": args.product,
            "version": args.product_version,
            "contact": args.contact,
        }
        fields |= {k: v for k, v in given.items() if v is not None}
        missing = [k for k in given if fields.get(k) in (None, "")]
        if missing:
            flags = ", ".join("--" + k for k in missing)
            raise ConformanceError(f"missing {flags} (or set them in --product-file); nothing written")
        output = make_submission(Path(args.run_dir), Path(args.envelope), fields, Path(args.output))
    except ConformanceError as exc:
        return _error("submission", exc)
    print(f"submission written to {output}")
    return 0
