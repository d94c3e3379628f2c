"""Schemathesis over every operation of /api/v1/, signed in as the city admin, against the app in
this process: no 5xx, no response that breaks the schema.

Paths and bodies that name a record by id are steered, most of the time, to records that exist
(tests/fixtures/schemathesis.py), so the run reaches the actions and updates rather than
stopping at 404s. Set API_FUZZ_EXAMPLES for a longer run (default 15 examples per operation and
phase). The last test reports the figure: operations, requests, server errors.
"""

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.fixtures.schemathesis import auth_headers, load_schema, steer_case

MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))
schema = load_schema({"generation": {"max-examples": MAX_EXAMPLES, "deterministic": True}})
CHECKS = [not_a_server_error, response_schema_conformance]
TALLY = Counter()
OPERATIONS = set()


@schema.parametrize()
@hypothesis_settings(
    deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck), print_blob=False
)
def test_api_conforms_to_its_schema(case, api_token):
    steer_case(case)
    response = case.call(headers=auth_headers(api_token))
    OPERATIONS.add(case.operation.label)
    TALLY["requests"] += 1
    TALLY["server_errors"] += response.status_code >= 500
    case.validate_response(response, checks=CHECKS)


# Last in the module: the figure of the run above.
def test_schemathesis_figure(figure):
    if not TALLY["requests"]:
        pytest.skip("the run did not take place (a selection without it)")
    figure(
        "schemathesis per operation",
        operations=len(OPERATIONS),
        requests=TALLY["requests"],
        server_errors=TALLY["server_errors"],
    )
    assert TALLY["server_errors"] == 0
