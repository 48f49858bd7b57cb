"""Matrix cases: one probe container per distinct config, one test per case."""

from conformance.core.asserts import skip_unsupported
from conformance.runtime import host
from conformance.runtime.matrix import MatrixCase


def test_matrix_case(runtime, probe, matrix_case: MatrixCase) -> None:
    missing = host.missing_features(matrix_case.requires)
    if missing:
        skip_unsupported(matrix_case.requirements, "; ".join(missing))
    run = probe(matrix_case.config, matrix_case.probe)
    run.require_report(matrix_case.requirements)
    data = run.observed()
    for expectation in matrix_case.expect:
        expectation.check(data, matrix_case.requirements, run.host)
