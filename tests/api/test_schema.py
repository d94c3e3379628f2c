"""The OpenAPI schema of /api/v1/: valid, generated without warnings, every operation and
field described, write operations with examples, and links from each creation to what takes
the new record's id. Schemathesis runs over it in tests/reliability/test_schemathesis*.py.
"""

import json

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from openapi_spec_validator import validate as validate_openapi

HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


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


def links_of(openapi, path: str) -> dict:
    return openapi["paths"][path]["post"]["responses"]["201"].get("links", {})


def test_a_creation_links_to_what_takes_the_new_id(openapi):
    """zhaoqing_tracker/api/links.py: a new project's id goes into its own path and into the
    ``project`` of the records created for it; every link names an operation of the schema."""
    project = links_of(openapi, "/api/v1/projects/")
    assert project["v1_projects_advance_create"]["parameters"] == {"id": "$response.body#/id"}
    assert project["v1_problems_create"]["requestBody"] == {"project": "$response.body#/id"}
    assert project["v1_investment_reports_create"]["requestBody"] == {"project": "$response.body#/id"}
    assert links_of(openapi, "/api/v1/visits/")["v1_problems_create"]["requestBody"] == {
        "visit": "$response.body#/id"
    }
    assert "v1_problems_verify_create" in links_of(openapi, "/api/v1/problems/")
    operation_ids = {operation["operationId"] for _name, operation in operations(openapi)}
    for path, item in openapi["paths"].items():
        for link in item.get("post", {}).get("responses", {}).get("201", {}).get("links", {}).values():
            assert link["operationId"] in operation_ids, (path, link)
            assert link["description"], (path, link)
