"""`oci-conformance validate`: check an image layout, an oci-archive, a runtime bundle, or one document.

    oci-conformance validate DIR                      an image layout directory (it holds oci-layout)
    oci-conformance validate FILE.tar                 an oci-archive (a layout in a tar)
    oci-conformance validate BUNDLE_DIR               a runtime bundle (config.json, no oci-layout)
    oci-conformance validate --media-type TYPE FILE   one document (manifest, index, config, ...)

Runtime documents take the project's own media types (the runtime spec defines none):
    application/vnd.oci.runtime.config.v1+json        a runtime config.json
    application/vnd.oci.runtime.state.v1+json         the state of a container (runtime.md)
    application/vnd.oci.runtime.features.v1+json      a runtime's features document (features.md)

Exit status: 0 valid (warnings allowed), 1 invalid (an error finding), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.core.findings import Report
from conformance.image.mediatypes import JSON_DOCUMENTS
from conformance.image.validator import validate_archive, validate_document, validate_layout
from conformance.runtime import validator as runtime_validator

PROG = "oci-conformance validate"
#: Every document type --media-type accepts: the image spec's JSON documents and the runtime ones.
MEDIA_TYPES = (*JSON_DOCUMENTS, *runtime_validator.MEDIA_TYPES)


class UsageError(Exception):
    """The command cannot run at all: exit status 2, no report."""


def add_parsers(subparsers: Any) -> None:
    """Register `validate` on the `oci-conformance` sub-command parser."""
    parser = subparsers.add_parser(
        "validate",
        help="validate an OCI image layout, oci-archive tar, runtime bundle or JSON document",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "path",
        metavar="PATH",
        help="layout directory, oci-archive tar, runtime bundle directory, or document file",
    )
    parser.add_argument(
        "--media-type",
        metavar="TYPE",
        help=f"validate PATH as one JSON document of this type ({', '.join(MEDIA_TYPES)}; the "
        "application/vnd.oci.runtime.* types are this project's own names for the runtime documents)",
    )
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format (text)")
    parser.set_defaults(handler=cmd_validate)


def cmd_validate(args: argparse.Namespace, extra: Sequence[str] = ()) -> int:
    """Run the validation args ask for and print the report; the exit status says the verdict."""
    try:
        report = _validate(Path(args.path), args.media_type)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(render_text(report))
    return 0 if report.ok else 1


def _validate(path: Path, media_type: str | None) -> Report:
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    if media_type is not None:
        if media_type not in MEDIA_TYPES:
            raise UsageError(f"unknown media type {media_type!r}; use one of: {', '.join(MEDIA_TYPES)}")
        if media_type in runtime_validator.MEDIA_TYPES:
            return runtime_validator.validate_document(media_type, _read(path), where=path.name)
        return validate_document(media_type, _read(path), where=path.name)
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            raise UsageError(f"{path}: permission denied")
        if is_runtime_bundle(path):
            return runtime_validator.validate_bundle(path)
        return validate_layout(path)
    _check_readable(path)
    return validate_archive(path)


def is_runtime_bundle(path: Path) -> bool:
    """A directory holding config.json and no oci-layout is a runtime bundle; others are layouts."""
    return (path / "config.json").exists() and not (path / "oci-layout").exists()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _check_readable(path: Path) -> None:
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None


def render_text(report: Report) -> str:
    """One line per finding, then a summary line."""
    lines = [finding.line() for finding in report.findings]
    verdict = "valid" if report.ok else "invalid"
    summary = f"{verdict}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    if report.subject == "image":
        summary += f"; {report.blobs_verified} blob(s) verified, {_size(report.bytes_hashed)} hashed"
    lines.append(summary)
    return "\n".join(lines)


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"  # pragma: no cover
