"""Answers the client's request could provoke, which must never be a 500: deeply nested JSON."""

import pytest
from rest_framework.test import APIClient

from projects.models import Enterprise, Project

pytestmark = pytest.mark.usefixtures("english")

PROJECTS = "/api/v1/projects/"
ERROR_KEYS = {"status", "code", "detail"}


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def assert_error(response, status):
    """The one error shape of the API: {"status", "code", "detail"}."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"], body
    return body


# --- deeply nested JSON ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"name": "x", "enterprise": ' + '{"name": ' * 5_000 + '"x"' + "}" * 5_000 + "}",
        # Shallow enough for the parser, deeper than any request of this API needs.
        '{"name": ' + "[" * 500 + "]" * 500 + "}",
    ],
    ids=["100000-lists", "5000-objects", "500-lists"],
)
def test_deeply_nested_json_is_a_400_and_writes_nothing(county_staff, project, body):
    before = (Project.objects.count(), Enterprise.objects.count())
    response = client_for(county_staff).post(PROJECTS, body, content_type="application/json")
    payload = assert_error(response, 400)
    assert payload["code"] == "parse_error"
    assert "nested too deeply" in payload["detail"]
    assert (Project.objects.count(), Enterprise.objects.count()) == before


def test_nesting_a_request_needs_is_parsed_as_before(county_staff, project):
    # One nested object (the enterprise) is what the API takes; its errors come back by field.
    response = client_for(county_staff).post(
        PROJECTS, {"name": "项目", "enterprise": {"name": ""}}, format="json"
    )
    assert response.status_code == 400
    assert "enterprise.name" in response.json()["fields"]


def test_the_nesting_message_is_in_chinese_by_default(county_staff, project):
    client = APIClient()
    client.force_authenticate(county_staff)
    body = '{"name": ' + "[" * 2_000 + "]" * 2_000 + "}"
    payload = assert_error(client.post(PROJECTS, body, content_type="application/json"), 400)
    assert payload["detail"] == "JSON 请求体嵌套层级过深（超过 32 层）。"
