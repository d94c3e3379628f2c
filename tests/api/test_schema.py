"""The OpenAPI schema of /api/v1/: valid, generated without warnings, every operation and
field described, write operations with examples; and schemathesis over the whole schema
against the app in this process, signed in as the city admin: no 5xx, no response that
breaks the schema.

The fuzzing runs through the real WSGI application inside the test's transaction (the
test database, rolled back afterwards), with throttling out of the way. Paths and
bodies that name a record by id are steered, most of the time, to records that exist, so
the run reaches the actions and updates rather than stopping at 404s. Set
API_FUZZ_EXAMPLES for a longer run (default 15 examples per operation and phase).
"""

import json
import os
import uuid

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from openapi_spec_validator import validate as validate_openapi
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error, response_schema_conformance

from projects.choices import Role
from projects.models import AnnualTarget, Enterprise, Industry, InvestmentReport, Project, Region
from projects.tokens import token_create
from supervision import services as supervision_services
from supervision.models import (
    ExtensionRequest,
    Milestone,
    Person,
    Problem,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
    Unit,
)
from tests.fixtures.api_matrix import World
from zhaoqing_tracker.wsgi import application

API = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


# --- the schema itself ------------------------------------------------------------------------


def test_schema_is_valid_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    validate_schema(openapi)  # drf-spectacular's own check against the OpenAPI 3.0 JSON schema
    validate_openapi(json.loads(json.dumps(openapi)))  # openapi-spec-validator, with $ref resolution


def test_schema_generates_without_warnings(tmp_path):
    """drf-spectacular warns about what it had to guess; a guess is an undocumented field."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_every_operation_has_a_summary_or_description(openapi):
    bare = [
        name
        for name, operation in operations(openapi)
        if not (operation.get("summary") or operation.get("description"))
    ]
    assert not bare, "operations without a summary or description:\n" + "\n".join(bare)


def undescribed_properties(openapi):
    for name, component in openapi["components"]["schemas"].items():
        for variant in [component, *component.get("allOf", []), *component.get("oneOf", [])]:
            for prop, spec in variant.get("properties", {}).items():
                if not spec.get("description"):
                    yield f"{name}.{prop}"


def test_every_schema_property_is_described(openapi):
    missing = sorted(set(undescribed_properties(openapi)))
    assert not missing, f"{len(missing)} properties without a description:\n" + "\n".join(missing)


def test_every_parameter_is_described(openapi):
    missing = [
        f"{name} {parameter['in']} {parameter['name']}"
        for name, operation in operations(openapi)
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    assert not missing, f"{len(missing)} parameters without a description:\n" + "\n".join(missing)


def test_every_request_body_has_an_example(openapi):
    missing = [
        name
        for name, operation in operations(openapi)
        if "requestBody" in operation
        and not any(
            content.get("examples") or content.get("example")
            for content in operation["requestBody"]["content"].values()
        )
    ]
    assert not missing, "request bodies without an example:\n" + "\n".join(missing)


# --- schemathesis -----------------------------------------------------------------------------

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json",
    application,
    config=schemathesis.Config.from_dict(
        {"generation": {"max-examples": MAX_EXAMPLES, "deterministic": True}}
    ),
)
CHECKS = [not_a_server_error, response_schema_conformance]

# Which records a path's {id} names, by the path's first segment after /api/v1/.
PATH_MODELS = {
    "enterprises": Enterprise,
    "units": Unit,
    "projects": Project,
    "investment-reports": InvestmentReport,
    "targets": AnnualTarget,
    "problems": Problem,
    "service-teams": ServiceTeam,
    "visits": SupervisionVisit,
    "service-logs": ServiceLog,
    "milestones": Milestone,
}
# Which records a body's field names (ids; regions and industries by code).
BODY_MODELS = {
    "project": Project,
    "projects": Project,
    "visit": SupervisionVisit,
    "unit": Unit,
    "leader": Person,
    "responsible": Person,
    "county_leader": Person,
    "chief_officer": Person,
    "specialist": Person,
    "person": Person,
    "request": ExtensionRequest,
    "region": Region,
    "industry": Industry,
    "parent": Industry,
}


def steer(value, choices):
    """Map a generated value onto an existing record most of the time (deterministically, so
    the run stays reproducible); one slot in len+1 keeps the generated value, so unknown
    references are still sent."""
    if not choices:
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        return value
    number = value if isinstance(value, int) else sum(map(ord, value))
    slot = number % (len(choices) + 1)
    chosen = choices[slot] if slot < len(choices) else value
    return chosen if type(chosen) is type(value) else value


def keys(model):
    field = "code" if model in (Region, Industry) else "pk"
    return list(model.objects.order_by(field).values_list(field, flat=True))


def steer_case(case):
    resource = case.path.removeprefix(f"{API}/").split("/")[0]
    params = case.path_parameters or {}
    if "id" in params and resource in PATH_MODELS:
        params["id"] = steer(params["id"], keys(PATH_MODELS[resource]))
    if "code" in params and resource in ("regions", "industries"):
        params["code"] = steer(params["code"], keys(Region if resource == "regions" else Industry))
    if isinstance(case.body, dict):
        for name, model in BODY_MODELS.items():
            value = case.body.get(name)
            if isinstance(value, list):
                case.body[name] = [steer(item, keys(model)) for item in value]
            elif value is not None:
                case.body[name] = steer(value, keys(model))
        enterprise = case.body.get("enterprise")
        if isinstance(enterprise, dict) and "id" in enterprise:
            enterprise["id"] = steer(enterprise["id"], keys(Enterprise))


@pytest.fixture
def keep_test_transaction():
    """At the start and end of each request Django closes the connections it takes for stale;
    inside the test's transaction (autocommit off) that would throw the test's data away."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def no_throttling(settings, monkeypatch):
    rates = {"token": "1000000/minute", "anon": "1000000/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)  # read once, at import
    default = {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    settings.CACHES = {**settings.CACHES, "default": default}


@pytest.fixture
def api_token(
    city_admin,
    county_staff,
    region,
    other_region,
    make_user,
    enterprise,
    industry,
    today,
    keep_test_transaction,
    no_throttling,
):
    """The city admin's token, and records of every kind and problem state in two regions."""
    other_staff = make_user(Role.COUNTY_STAFF, region=other_region, username="staff-dinghu")
    for staff, place in ((county_staff, region), (other_staff, other_region)):
        world = World(place, staff, city_admin, enterprise, industry, today)
        for name in (
            "project",
            "unit",
            "person",
            "report",
            "target",
            "problem",
            "team",
            "visit",
            "log",
            "milestone",
        ):
            getattr(world, name)
        world.assigned()
        world.extension_pending()
        world.land_supplied()
        world.resolved()
        supervision_services.problem_verify(problem=world.resolved(), by=city_admin)
    return token_create(user=city_admin, name="schemathesis", by=city_admin)[1]


@schema.parametrize()
@hypothesis_settings(
    deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck), print_blob=False
)
def test_api_conforms_to_its_schema(case, api_token):
    steer_case(case)
    case.call_and_validate(
        headers={"Authorization": f"Token {api_token}", "Accept-Language": "en"}, checks=CHECKS
    )
