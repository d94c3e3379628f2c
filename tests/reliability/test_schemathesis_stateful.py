"""Schemathesis's stateful phase over /api/v1/, signed in as the city admin: scenarios of several
requests, each step taking an id an earlier response answered and following the schema's links
(zhaoqing_tracker/api/links.py: a new project's id into its advance, its problems, its reports…;
plus the links schemathesis infers). No step may answer a 5xx or break the schema, and a record
just created must be there for the requests that name it (ensure_resource_availability).
use_after_free is left out: the API deletes nothing, so there is no freed record to use.

The run is bounded (API_STATEFUL_SCENARIOS scenarios, 80 on PostgreSQL and 20 on SQLite, of at
most API_STATEFUL_STEPS steps, 8) with a fixed seed; each scenario starts from the same records.
Generated references that name no record are steered, most of the time, to records that exist,
while the ids a link brings stay (tests/fixtures/schemathesis.py).
"""

import os
from collections import Counter

from django.db import connection, transaction
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    ensure_resource_availability,
    not_a_server_error,
    response_schema_conformance,
)

from tests.fixtures.schemathesis import auth_headers, load_schema, steer_case

# The reliability run is CI's PostgreSQL one; on SQLite a short run shows the workflows still run.
SCENARIOS = int(os.environ.get("API_STATEFUL_SCENARIOS", "80" if connection.vendor == "postgresql" else "20"))
STEPS = int(os.environ.get("API_STATEFUL_STEPS", "8"))
schema = load_schema({"generation": {"deterministic": True}, "phases": {"stateful": {"max-steps": STEPS}}})
CHECKS = [not_a_server_error, response_schema_conformance, ensure_resource_availability]
TALLY = Counter()


class Workflows(schema.as_state_machine()):
    token = ""  # the city admin's, set by the test

    def setup(self):
        # Each scenario starts from the same records: Hypothesis replays choices and expects the
        # same answers to them (a scenario that met another's writes would make it "flaky").
        TALLY["scenarios"] += 1
        self.savepoint = transaction.savepoint()

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)
        super().teardown()

    def step(self, input):
        TALLY["links_followed"] += input.transition is not None and input.is_applied
        return super().step(input)

    def before_call(self, case):
        steer_case(case, keep_existing=True)

    def get_call_kwargs(self, case):
        return {"headers": auth_headers(self.token)}

    def after_call(self, response, case):
        super().after_call(response, case)
        TALLY["requests"] += 1
        TALLY["server_errors"] += response.status_code >= 500

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(
            response, checks=CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder
        )


def test_api_workflows(api_token, figure):
    Workflows.token = api_token
    Workflows.run(
        settings=hypothesis_settings(
            max_examples=SCENARIOS,
            # No shrinking: the scenarios share the database, so a replay meets another state.
            phases=[Phase.generate],
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
    )
    figure(
        "schemathesis stateful",
        scenarios=TALLY["scenarios"],
        requests=TALLY["requests"],
        links_followed=TALLY["links_followed"],
        server_errors=TALLY["server_errors"],
    )
    assert TALLY["requests"] > TALLY["scenarios"] > 0 and TALLY["links_followed"] > 0, TALLY
