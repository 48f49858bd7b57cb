"""Submission directories: what a vendor hands the certification working group.

A submission holds the run's results.json, the signed attestation over it, the human-readable
report and JUnit XML when the run wrote them, and PRODUCT.yaml naming the product and a contact.
`oci-conformance verify DIR --key PUB` checks the whole directory.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from conformance.core.errors import ConformanceError
from conformance.report.certification.dsse import (
    ENVELOPE_NAME,
    EnvelopeError,
    decode_statement,
    parse_envelope,
)

PRODUCT_FILE = "PRODUCT.yaml"
#: Fields PRODUCT.yaml must have, as non-empty strings.
REQUIRED_PRODUCT_FIELDS = ("vendor", "product", "version", "contact")
#: Files of a run directory copied into the submission when present.
OPTIONAL_ARTIFACTS = ("index.html", "junit.xml")


class SubmissionError(ConformanceError):
    """The submission cannot be assembled; nothing has been written."""


def field_problems(fields: Mapping[str, Any]) -> list[str]:
    """Missing or unusable required fields: each one line, naming the field."""
    problems = []
    missing = [name for name in REQUIRED_PRODUCT_FIELDS if fields.get(name) in (None, "")]
    if missing:
        problems.append(f"missing required field(s): {', '.join(missing)}")
    for name in REQUIRED_PRODUCT_FIELDS:
        value = fields.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            problems.append(f"{name} must be a string (quote it in YAML), got {value!r}")
        elif not value.strip():
            problems.append(f"{name} is blank")
    return problems


def load_product(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise SubmissionError(f"{path}: no such file") from None
    except (OSError, yaml.YAMLError) as exc:
        raise SubmissionError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise SubmissionError(f"{path}: must be a mapping of vendor, product, version, contact")
    return data


def product_problems(path: Path) -> list[str]:
    """What is wrong with a submission's PRODUCT.yaml (empty if nothing)."""
    if not Path(path).is_file():
        return [f"{path} is missing"]
    try:
        fields = load_product(path)
    except SubmissionError as exc:
        return [str(exc)]
    return [f"{path}: {problem}" for problem in field_problems(fields)]


def product_fields(product: Path | Mapping[str, Any]) -> dict[str, Any]:
    """The PRODUCT.yaml content from a file or from fields; refuses incomplete ones."""
    fields = load_product(Path(product)) if isinstance(product, str | Path) else dict(product)
    problems = field_problems(fields)
    if problems:
        raise SubmissionError(f"PRODUCT.yaml: {'; '.join(problems)}")
    ordered = {name: fields[name].strip() for name in REQUIRED_PRODUCT_FIELDS}
    return ordered | {k: v for k, v in fields.items() if k not in ordered and v is not None}


def _signed_results_digest(envelope: Path) -> str:
    try:
        statement = decode_statement(parse_envelope(envelope.read_bytes()))
    except OSError as exc:
        raise SubmissionError(f"{envelope}: cannot read: {exc.strerror or exc}") from None
    except EnvelopeError as exc:
        raise SubmissionError(f"{envelope}: not a certification attestation: {exc}") from None
    pinned = statement["predicate"].get("results_digest")
    if not isinstance(pinned, dict) or not isinstance(pinned.get("sha256"), str):
        raise SubmissionError(f"{envelope}: the attestation does not pin the results.json it signs")
    return pinned["sha256"]


def make_submission(
    run_dir: Path, envelope: Path, product: Path | Mapping[str, Any], output_dir: Path
) -> Path:
    """Assemble a submission directory; checks everything before writing anything.

    The envelope must sign this run's results.json (byte for byte), so a submission never pairs
    an attestation with other results. The signature itself is checked by `verify`, which needs
    the vendor's public key.
    """
    run_dir, envelope, output_dir = Path(run_dir), Path(envelope), Path(output_dir)
    results = run_dir / "results.json"
    if not results.is_file():
        raise SubmissionError(f"{run_dir}: no results.json (is it a run's report directory?)")
    if not envelope.is_file():
        raise SubmissionError(f"{envelope}: no such envelope (create it with `oci-conformance sign`)")
    fields = product_fields(product)
    if _signed_results_digest(envelope) != hashlib.sha256(results.read_bytes()).hexdigest():
        raise SubmissionError(f"{envelope} signs a different results.json than {results}")
    if output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir())):
        raise SubmissionError(f"{output_dir}: exists and is not an empty directory")
    output_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(results, output_dir / "results.json")
    shutil.copyfile(envelope, output_dir / ENVELOPE_NAME)
    for name in OPTIONAL_ARTIFACTS:
        if (run_dir / name).is_file():
            shutil.copyfile(run_dir / name, output_dir / name)
    (output_dir / PRODUCT_FILE).write_text(yaml.safe_dump(fields, sort_keys=False, allow_unicode=True))
    return output_dir
