"""The JSON Schemas of the suite's own data files (conformance/schemas/data/).

Each is a valid, fully described draft 2020-12 schema; every shipped data file validates against
its schema; and what the schemas repeat from the code (patterns, levels, operators) agrees with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from conformance.core.cases import CASE_ID, OPERATORS
from conformance.core.datafile import load_checked
from conformance.image.cases import KIND_SCHEMAS
from conformance.image.tools import generic
from conformance.kinds import suites_dir
from conformance.requirements import FINGERPRINT_PATTERN, ID_PATTERN, KEYWORD_LEVELS, LEVELS, catalog_root
from conformance.schemas import load_schema, schema_names, validate

DATA_SCHEMAS = [
    "catalog",
    "engine-runtime",
    "engine-suite",
    "expectations",
    "image-consumer-cases",
    "image-conversion-cases",
    "image-fault-cases",
    "profiles",
    "runtime-matrix",
    "tool-description",
]
MATRIX_SCHEMAS = ["runtime-matrix", *KIND_SCHEMAS.values()]


def _shipped() -> list[tuple[Path, str]]:
    suites = suites_dir()
    files = [(path, "catalog") for path in sorted(catalog_root().rglob("*.yaml"))]
    files += [(path, "runtime-matrix") for path in sorted((suites / "runtime" / "matrices").glob("*.yaml"))]
    files += [(suites / "image" / "matrices" / f"{kind}.yaml", name) for kind, name in KIND_SCHEMAS.items()]
    files += [
        (suites / "engine" / "engine.yaml", "engine-suite"),
        (suites / "engine" / "runtime.yaml", "engine-runtime"),
    ]
    files += [(path, "expectations") for path in sorted(suites.glob("*/expectations/*.yaml"))]
    files += [(path, "profiles") for path in sorted(suites.glob("*/profiles.yaml"))]
    return files


SHIPPED = _shipped()


def test_data_schemas_are_bundled() -> None:
    assert [name for name in schema_names() if name.startswith("data/")] == [
        f"data/{n}" for n in DATA_SCHEMAS
    ]


@pytest.mark.parametrize("name", DATA_SCHEMAS)
def test_data_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(f"data/{name}")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", DATA_SCHEMAS)
def test_data_schema_is_fully_described(name: str, undescribed) -> None:
    assert undescribed(load_schema(f"data/{name}")) == []


def test_every_kind_of_data_file_is_shipped() -> None:
    kinds = [schema for _, schema in SHIPPED]
    assert set(kinds) == set(DATA_SCHEMAS) - {"tool-description"}
    assert (
        kinds.count("catalog") > 1 and kinds.count("runtime-matrix") > 1 and kinds.count("expectations") > 1
    )


@pytest.mark.parametrize(("path", "schema"), SHIPPED, ids=[f"{p.parent.name}/{p.name}" for p, _ in SHIPPED])
def test_shipped_data_file_validates(path: Path, schema: str) -> None:
    load_checked(path, schema)


def test_documented_tool_description_validates() -> None:
    """The example in the generic tool's docstring is a valid description."""
    example = yaml.safe_load(generic.__doc__.split("\n\n", 1)[1])
    assert set(example["commands"]) == set(generic.VERB_ROLES)
    assert validate("data/tool-description", example) == []


# -- what the schemas repeat from the code -----------------------------------------------------


def _defs(name: str) -> dict[str, Any]:
    return load_schema(f"data/{name}")["$defs"]


def test_catalog_schema_agrees_with_the_loader() -> None:
    requirement = _defs("catalog")["requirement"]["properties"]
    assert requirement["id"]["pattern"] == ID_PATTERN.pattern
    assert requirement["sentences"]["items"]["pattern"] == FINGERPRINT_PATTERN.pattern
    assert requirement["level"]["enum"] == list(LEVELS)
    assert requirement["keyword"]["enum"] == list(KEYWORD_LEVELS)


@pytest.mark.parametrize("name", MATRIX_SCHEMAS)
def test_case_headers_agree_with_the_shared_parser(name: str) -> None:
    case = _defs(name)["case"]["properties"]
    assert case["id"]["pattern"] == CASE_ID.pattern
    runtime = _defs("runtime-matrix")["case"]["properties"]
    assert (case["id"], case["requirements"], case["summary"]) == (
        runtime["id"],
        runtime["requirements"],
        runtime["summary"],
    )


@pytest.mark.parametrize("name", ["runtime-matrix", "image-conversion-cases"])
def test_expectation_operators_are_the_code_operators(name: str) -> None:
    expectation = _defs(name)["expectation"]
    assert [option["required"] for option in expectation["oneOf"]] == [[op] for op in OPERATORS]
    assert set(expectation["properties"]) == {"field", "message", *OPERATORS}
    assert expectation == _defs("runtime-matrix")["expectation"]


def test_profile_levels_are_the_catalog_levels() -> None:
    profile = _defs("profiles")["profile"]["properties"]
    assert profile["levels"]["items"]["enum"] == profile["warn_levels"]["items"]["enum"] == list(LEVELS)


def test_tool_description_verbs_are_the_generic_tool_verbs() -> None:
    commands = load_schema("data/tool-description")["properties"]["commands"]["properties"]
    assert set(commands) == set(generic.VERB_ROLES)
