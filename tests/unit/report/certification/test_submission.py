"""Submission directories: assembled from a run, refused when incomplete, verified as a whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conformance.cli import main
from conformance.report.certification.attestation import ENVELOPE_NAME, sign, verify
from conformance.report.certification.submission import (
    PRODUCT_FILE,
    REQUIRED_PRODUCT_FIELDS,
    SubmissionError,
    make_submission,
)
from tests.unit.report.certification.test_attestation import failures, write_keypair
from tests.unit.report.certification.test_profiles import make_results, write_results

PRODUCT = {"vendor": "ACME", "product": "ACME Containers", "version": "2.0", "contact": "oci@acme.example"}


@pytest.fixture
def run(tmp_path: Path) -> dict[str, Path]:
    """A run directory with results, report and JUnit XML, signed; and the key pair."""
    results = write_results(tmp_path / "run", make_results(tmp_path))
    (results.parent / "index.html").write_text("<html>report</html>\n")
    (results.parent / "junit.xml").write_text("<testsuites/>\n")
    (results.parent / "debug.log").write_text("not part of a submission\n")
    private, public = write_keypair(tmp_path / "keys", "ed25519")
    return {
        "dir": results.parent,
        "results": results,
        "envelope": sign(results, private),
        "private": private,
        "public": public,
    }


def test_a_submission_holds_the_run_the_envelope_and_the_product(tmp_path: Path, run: dict) -> None:
    out = make_submission(run["dir"], run["envelope"], PRODUCT, tmp_path / "submission")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["results.json", ENVELOPE_NAME, "index.html", "junit.xml", PRODUCT_FILE]
    )
    assert (out / "results.json").read_bytes() == run["results"].read_bytes()
    assert (out / ENVELOPE_NAME).read_bytes() == run["envelope"].read_bytes()
    assert yaml.safe_load((out / PRODUCT_FILE).read_text()) == PRODUCT
    assert list(yaml.safe_load((out / PRODUCT_FILE).read_text())) == list(REQUIRED_PRODUCT_FIELDS)
    report = verify(out, run["public"])
    assert report.ok, failures(report)
    assert report.envelope == out / ENVELOPE_NAME


def test_optional_artifacts_are_only_copied_when_present(tmp_path: Path, run: dict) -> None:
    (run["dir"] / "index.html").unlink()
    (run["dir"] / "junit.xml").unlink()
    out = make_submission(run["dir"], run["envelope"], PRODUCT, tmp_path / "submission")
    assert sorted(p.name for p in out.iterdir()) == sorted(["results.json", ENVELOPE_NAME, PRODUCT_FILE])
    assert verify(out, run["public"]).ok


def test_product_fields_from_a_file_keep_extra_fields(tmp_path: Path, run: dict) -> None:
    product = tmp_path / "product.yaml"
    product.write_text(yaml.safe_dump(PRODUCT | {"website": "https://acme.example"}))
    out = make_submission(run["dir"], run["envelope"], product, tmp_path / "submission")
    assert yaml.safe_load((out / PRODUCT_FILE).read_text())["website"] == "https://acme.example"


@pytest.mark.parametrize("missing", REQUIRED_PRODUCT_FIELDS)
def test_a_missing_field_is_refused_and_nothing_is_written(tmp_path: Path, run: dict, missing: str) -> None:
    fields = {k: v for k, v in PRODUCT.items() if k != missing}
    with pytest.raises(SubmissionError, match=f"missing required field\\(s\\): {missing}"):
        make_submission(run["dir"], run["envelope"], fields, tmp_path / "submission")
    assert not (tmp_path / "submission").exists()


def test_unusable_field_values_are_refused(tmp_path: Path, run: dict) -> None:
    product = tmp_path / "product.yaml"
    product.write_text("vendor: ACME\nproduct: P\nversion: 1.10\ncontact: a@b.example\n")
    with pytest.raises(SubmissionError, match="version must be a string"):
        make_submission(run["dir"], run["envelope"], product, tmp_path / "submission")
    with pytest.raises(SubmissionError, match="contact is blank"):
        make_submission(run["dir"], run["envelope"], PRODUCT | {"contact": "  "}, tmp_path / "submission")
    with pytest.raises(SubmissionError, match="no such file"):
        make_submission(run["dir"], run["envelope"], tmp_path / "nope.yaml", tmp_path / "submission")


def test_an_envelope_over_other_results_is_refused(tmp_path: Path, run: dict) -> None:
    run["results"].write_text(run["results"].read_text().replace('"duration": 0.5', '"duration": 0.6'))
    with pytest.raises(SubmissionError, match=r"signs a different results\.json"):
        make_submission(run["dir"], run["envelope"], PRODUCT, tmp_path / "submission")


def test_refuses_missing_inputs_and_a_used_output(tmp_path: Path, run: dict) -> None:
    with pytest.raises(SubmissionError, match=r"no results\.json"):
        make_submission(tmp_path / "keys", run["envelope"], PRODUCT, tmp_path / "s1")
    with pytest.raises(SubmissionError, match="no such envelope"):
        make_submission(run["dir"], tmp_path / "nope.json", PRODUCT, tmp_path / "s2")
    with pytest.raises(SubmissionError, match="not a certification attestation"):
        make_submission(run["dir"], run["results"], PRODUCT, tmp_path / "s3")
    used = tmp_path / "used"
    used.mkdir()
    (used / "x").write_text("x")
    with pytest.raises(SubmissionError, match="not an empty directory"):
        make_submission(run["dir"], run["envelope"], PRODUCT, used)


# -- verifying a submission directory -----------------------------------------------------------------


@pytest.fixture
def submission(tmp_path: Path, run: dict) -> Path:
    return make_submission(run["dir"], run["envelope"], PRODUCT, tmp_path / "submission")


def test_results_that_are_not_byte_identical_fail(submission: Path, run: dict) -> None:
    results = submission / "results.json"
    results.write_text(json.dumps(json.loads(results.read_text())))  # same content, other bytes
    report = verify(submission, run["public"])
    assert [c.name for c in report.failures] == ["submission"]
    assert "is not byte-identical to the signed results.json" in report.failures[0].message
    results.unlink()
    assert "no results.json" in failures(verify(submission, run["public"]))


@pytest.mark.parametrize("content", [None, "vendor: ACME\nproduct: P\nversion: '1'\n", "- a list\n"])
def test_an_incomplete_product_file_fails(submission: Path, run: dict, content: str | None) -> None:
    product = submission / PRODUCT_FILE
    if content is None:
        product.unlink()
    else:
        product.write_text(content)
    report = verify(submission, run["public"])
    assert [c.name for c in report.failures] == ["product"]
    expected = (
        "is missing" if content is None else ("contact" if "vendor" in content else "must be a mapping")
    )
    assert expected in report.failures[0].message


def test_a_directory_without_an_envelope_fails(submission: Path, run: dict) -> None:
    (submission / ENVELOPE_NAME).unlink()
    report = verify(submission, run["public"])
    assert not report.ok
    assert report.failures[0].name == "envelope"


def test_the_envelope_may_have_another_name_if_it_is_the_only_one(submission: Path, run: dict) -> None:
    (submission / ENVELOPE_NAME).rename(submission / "acme.dsse.json")
    assert verify(submission, run["public"]).ok


def test_a_tampered_envelope_in_a_submission_fails(submission: Path, run: dict) -> None:
    envelope = submission / ENVELOPE_NAME
    envelope.write_bytes(envelope.read_bytes()[:-40])
    report = verify(submission, run["public"])
    assert report.failures[0].message.startswith("not a DSSE envelope: ")


# -- command line ------------------------------------------------------------------------------------


def test_cli_submission_then_verify(tmp_path: Path, run: dict, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "submission"
    argv = ["submission", str(run["dir"]), "--envelope", str(run["envelope"]), "-o", str(out)]
    fields = [
        "--vendor",
        "ACME",
        "--product",
        "ACME Containers",
        "--version",
        "2.0",
        "--contact",
        "oci@acme.example",
    ]
    assert main([*argv, *fields]) == 0
    assert f"submission written to {out}" in capsys.readouterr().out
    assert yaml.safe_load((out / PRODUCT_FILE).read_text()) == PRODUCT
    assert main(["verify", str(out), "--key", str(run["public"])]) == 0
    assert capsys.readouterr().out.startswith("VERIFIED: fakert 1.2.3 certified under runtime-linux-must")
    (out / PRODUCT_FILE).write_text("vendor: ACME\n")
    assert main(["verify", str(out), "--key", str(run["public"])]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "NOT VERIFIED"


def test_cli_submission_with_a_product_file(tmp_path: Path, run: dict) -> None:
    product = tmp_path / "p.yaml"
    product.write_text(yaml.safe_dump(PRODUCT | {"contact": "old@acme.example"}))
    out = tmp_path / "submission"
    argv = ["submission", str(run["dir"]), "--envelope", str(run["envelope"]), "-o", str(out)]
    assert main([*argv, "--product-file", str(product), "--contact", "new@acme.example"]) == 0
    assert yaml.safe_load((out / PRODUCT_FILE).read_text())["contact"] == "new@acme.example"


def test_cli_submission_missing_fields_exit_2(
    tmp_path: Path, run: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "submission"
    argv = ["submission", str(run["dir"]), "--envelope", str(run["envelope"]), "-o", str(out)]
    assert main([*argv, "--vendor", "ACME", "--product", "P"]) == 2
    assert "missing --version, --contact" in capsys.readouterr().err
    assert not out.exists()
    assert main(["submission", str(run["dir"]), "-o", str(out)]) == 2  # argparse: --envelope required
