"""Matrix cases: one probe container per distinct config, one test per case."""

from conformance.runtime.matrix import MatrixCase


def test_matrix_case(runtime, probe, matrix_case: MatrixCase) -> None:
    run = probe(matrix_case.config, matrix_case.probe)
    report = run.require_report(matrix_case.requirements)
    data = report.as_dict()
    for expectation in matrix_case.expect:
        expectation.check(data, matrix_case.requirements, run.host)
