"""A bounded, schema-driven fuzz run (schemathesis) against the OpenAPI document: no 5xx, nothing undocumented."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
OPENAPI = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
OPERATIONS = [(path, method) for path, item in OPENAPI["paths"].items() for method in item if method != "parameters"]


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_no_server_error_and_documented_responses(app, path, method):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operation = schema[path][method.upper()]

    @given(case=operation.as_strategy())
    @FUZZ
    def run(case):
        # Random jurisdiction ids and service codes are valid strings but unknown: 404 is right for them.
        case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])

    run()
