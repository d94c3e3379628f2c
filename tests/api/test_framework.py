"""What every endpoint of /api/v1/ shares (zhaoqing_tracker/api): the one error shape,
authentication (401, CSRF for sessions), cursor pagination, strict filters, throttling
per token, login throttling (django-axes) and the schema and docs pages."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from projects.api.urls import router as projects_router
from projects.choices import Role
from projects.models import Project
from projects.tokens import token_create
from supervision.api.urls import router as supervision_router
from supervision.ranking.api.urls import router as ranking_router

pytestmark = pytest.mark.usefixtures("english")

API = "/api/v1"
ERROR_KEYS = {"status", "code", "detail"}


def list_urls():
    return [
        f"{API}/{prefix}/"
        for router in (projects_router, supervision_router, ranking_router)
        for prefix, *_ in router.registry
    ]


def token_client(user, name="test") -> APIClient:
    _token, raw = token_create(user=user, name=name, by=user)
    client = APIClient()
    # Messages are in Chinese unless the client asks otherwise (LocaleMiddleware).
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def assert_error(response, status, *, fields=None):
    """The one error shape: {"status", "code", "detail"[, "fields"]}."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert ERROR_KEYS <= set(body) <= ERROR_KEYS | {"fields"}, body
    assert body["status"] == status
    assert isinstance(body["code"], str) and body["code"], body
    assert isinstance(body["detail"], str) and body["detail"], body
    if fields is None:
        assert "fields" not in body, body
    else:
        assert set(fields) <= set(body["fields"]), body
        for messages in body["fields"].values():
            assert isinstance(messages, list) and messages, body
    return body


@pytest.fixture
def isolated_cache(settings):
    """A cache of the test's own: throttle counters of other tests (or of another test run
    sharing the Redis server) cannot leak in."""
    default = dict(settings.CACHES["default"])
    default["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    if "locmem" in default["BACKEND"]:
        default["LOCATION"] = default["KEY_PREFIX"]
    settings.CACHES = {**settings.CACHES, "default": default}


@pytest.fixture
def throttle_rates(settings, monkeypatch, isolated_cache):
    """``throttle_rates(token="3/minute")``. DRF's throttles read DEFAULT_THROTTLE_RATES once,
    at import (SimpleRateThrottle.THROTTLE_RATES), so the setting alone does not reach them."""

    def set_rates(**rates):
        merged = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": merged}
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", merged)

    return set_rates


# --- the error shape ----------------------------------------------------------------------


def test_401_without_credentials_with_www_authenticate(db, project):
    client = APIClient()
    for url in [*list_urls(), f"{API}/projects/{project.pk}/"]:
        response = client.get(url)
        body = assert_error(response, 401)
        assert body["code"] == "not_authenticated"
        assert response["WWW-Authenticate"] == "Token", url


def test_401_for_a_bad_token(db, regions):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token zq_not-a-real-token")
    response = client.get(f"{API}/projects/")
    body = assert_error(response, 401)
    assert body["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_400_with_field_messages(county_staff, project):
    client = token_client(county_staff)
    response = client.post(
        f"{API}/projects/",
        {
            "name": "x" * 201,
            "enterprise": {"id": project.enterprise_id},
            "region": "999999",
            "industry": project.industry.code,
            "planned_investment": "-1",
            "signed_on": "2025-02-30",
        },
        format="json",
    )
    body = assert_error(response, 400, fields=["name", "region", "planned_investment", "signed_on"])
    assert body["code"] == "invalid"
    assert Project.objects.count() == 1


def test_400_for_a_body_that_is_not_json_and_415_for_another_media_type(county_staff):
    client = token_client(county_staff)
    body = assert_error(client.post(f"{API}/problems/", "{not json", content_type="application/json"), 400)
    assert body["code"] == "parse_error"
    body = assert_error(client.post(f"{API}/problems/", "project=1", content_type="text/plain"), 415)
    assert body["code"] == "unsupported_media_type"


def test_400_for_an_unknown_query_parameter_names_it(county_staff):
    client = token_client(county_staff)
    for url in list_urls():
        response = client.get(url, {"colour": "red"})
        body = assert_error(response, 400, fields=["colour"])
        assert body["fields"]["colour"] == ["Unknown filter."], url


def test_403_for_a_move_the_role_may_not_take(county_leader, project):
    client = token_client(county_leader)
    response = client.post(
        f"{API}/projects/{project.pk}/advance/", {"stage": "land_supplied", "on": "2025-01-01"}
    )
    body = assert_error(response, 403)
    assert body["code"] == "permission_denied"


def test_404_for_another_regions_record_and_for_no_record(make_user, other_region, project):
    client = token_client(make_user(Role.COUNTY_STAFF, region=other_region))
    for url in (f"{API}/projects/{project.pk}/", f"{API}/projects/{project.pk + 1000}/"):
        body = assert_error(client.get(url), 404)
        assert body["code"] == "not_found"


def test_405_with_allow_header(city_admin, county_staff, project, raised):
    response = token_client(city_admin).post(f"{API}/regions/", {"code": "441299"})
    body = assert_error(response, 405)
    assert body["code"] == "method_not_allowed"
    assert "GET" in response["Allow"] and "POST" not in response["Allow"]
    # Problems change only through their actions: no PUT or PATCH.
    response = token_client(county_staff).patch(f"{API}/problems/{raised.pk}/", {"description": "改"})
    assert_error(response, 405)
    assert "PATCH" not in response["Allow"]


def test_412_for_a_stale_if_match_changes_nothing(county_staff, project):
    client = token_client(county_staff)
    url = f"{API}/projects/{project.pk}/"
    etag = client.get(url)["ETag"]
    assert etag == f'"{project.version}"'
    response = client.patch(url, {"name": "新名称"}, HTTP_IF_MATCH=f'"{project.version - 1}"')
    body = assert_error(response, 412)
    assert body["code"] == "stale"
    project.refresh_from_db()
    assert project.name != "新名称"
    response = client.patch(url, {"name": "新名称"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] == f'"{project.version + 1}"'


# --- never a 500 for what a client sends ---------------------------------------------------
# Inputs that SQLite takes but PostgreSQL refuses (a NUL character in a text parameter, a UTC
# offset beyond ±15:59): the API must answer them itself, not pass them to the database.


@pytest.mark.parametrize(
    "query",
    ["2025-01-01T00:00:00-18:27", "2025-01-01T00:00:00+23:40", "0001-01-01T00:00:00+08:00"],
)
def test_updated_after_takes_any_iso_offset(city_admin, project, query):
    client = token_client(city_admin)
    for url in list_urls():
        if url.endswith("/regions/"):
            continue  # regions do not change through the API; they have no updated_after
        response = client.get(url, {"updated_after": query})
        assert response.status_code in (200, 400), (url, response.status_code)
        if response.status_code == 400:
            assert_error(response, 400, fields=["updated_after"])


@pytest.mark.parametrize("field", ["region", "industry", "assignee", "description"])
def test_a_nul_character_in_a_code_or_name_is_a_400(field, city_admin, county_staff, project, raised, unit):
    nul = "\x00"
    cases = {
        "region": (
            city_admin,
            f"{API}/targets/",
            {"region": f"44{nul}1202", "year": 2025, "investment": "1.00", "investment_h1": "1.00"},
        ),
        "industry": (
            county_staff,
            f"{API}/projects/",
            {
                "name": "项目",
                "enterprise": {"id": project.enterprise_id},
                "region": project.region.code,
                "industry": f"new-{nul}materials",
                "planned_investment": "1.00",
                "signed_on": "2025-01-01",
            },
        ),
        "assignee": (
            city_admin,  # a role that assigns (DESIGN "Roles"), so the refusal is the field's
            f"{API}/problems/{raised.pk}/assign/",
            {"unit": unit.pk, "assignee": f"staff-{nul}duanzhou", "due_on": "2030-01-01"},
        ),
        "description": (
            county_staff,
            f"{API}/problems/",
            {"project": project.pk, "category": "land_use", "description": f"a{nul}b"},
        ),
    }
    user, url, body = cases[field]
    assert_error(token_client(user).post(url, body, format="json"), 400, fields=[field])


# --- sessions need CSRF -------------------------------------------------------------------


def test_session_auth_requires_csrf_for_unsafe_methods(county_staff, project):
    client = APIClient(enforce_csrf_checks=True)
    client.get("/admin/login/")  # sets the CSRF cookie, as a browser page would
    csrf_token = client.cookies["csrftoken"].value
    client.force_login(county_staff)
    payload = {"project": project.pk, "category": "land_use", "description": "用地指标未落实"}

    assert client.get(f"{API}/problems/").status_code == 200  # safe methods need no token
    body = assert_error(client.post(f"{API}/problems/", payload, format="json"), 403)
    assert "CSRF" in body["detail"]

    response = client.post(f"{API}/problems/", payload, format="json", HTTP_X_CSRFTOKEN=csrf_token)
    assert response.status_code == 201, response.json()


def test_a_token_needs_no_csrf(county_staff, project):
    client = token_client(county_staff)
    client.handler.enforce_csrf_checks = True
    payload = {"project": project.pk, "category": "land_use", "description": "用地指标未落实"}
    assert client.post(f"{API}/problems/", payload, format="json").status_code == 201


# --- pagination ---------------------------------------------------------------------------


@pytest.fixture
def many_projects(project):
    """501 projects (one more than the largest page), written in one statement."""
    Project.objects.bulk_create(
        Project(
            code=f"T-{i:04d}",
            name=f"项目{i}",
            enterprise=project.enterprise,
            region=project.region,
            industry=project.industry,
            signed_on=project.signed_on,
            planned_investment=Decimal("1000000.00"),
        )
        for i in range(500)
    )
    assert Project.objects.count() == 501


def test_page_size_is_capped_at_500(city_admin, many_projects):
    client = token_client(city_admin)
    # DRF's CursorPagination cuts a larger page_size down to max_page_size (no error).
    first = client.get(f"{API}/projects/", {"page_size": 501}).json()
    assert len(first["results"]) == 500
    assert first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert len(set(ids)) == 501

    assert len(client.get(f"{API}/projects/").json()["results"]) == 100  # the default page
    assert len(client.get(f"{API}/projects/", {"page_size": 7}).json()["results"]) == 7


def test_a_bad_cursor_is_a_404(city_admin, project):
    # DRF's CursorPagination answers a cursor it cannot read with 404 "Invalid cursor".
    body = assert_error(token_client(city_admin).get(f"{API}/projects/", {"cursor": "not-a-cursor"}), 404)
    assert body["code"] == "not_found"


def test_no_list_counts_rows(city_admin, project):
    client = token_client(city_admin)
    # The live ranking is one computed object, not a paged list: counting projects is its job.
    for url in [url for url in list_urls() if url != f"{API}/rankings/"]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        assert set(response.json()) == {"next", "previous", "results"}, url
        counting = [q["sql"] for q in queries if re.search(r"\bCOUNT\s*\(", q["sql"], re.IGNORECASE)]
        assert not counting, (url, counting)


def test_incremental_sync_with_updated_after(city_admin, make_project):
    """updated_after + ordering=updated_at: every row changed after the last one seen, once."""
    client = token_client(city_admin)
    projects = [make_project(name=f"项目{i}") for i in range(5)]
    pages, url = [], f"{API}/projects/?ordering=updated_at&page_size=2"
    while url:
        page = client.get(url).json()
        pages.append(page["results"])
        url = page["next"]
    seen = [row["id"] for page in pages for row in page]
    assert seen == [p.pk for p in sorted(projects, key=lambda p: (p.updated_at, p.pk))]

    last = pages[-1][-1]["updated_at"]
    client.patch(f"{API}/projects/{projects[1].pk}/", {"name": "改名"})
    changed = client.get(f"{API}/projects/", {"updated_after": last, "ordering": "updated_at"}).json()
    assert [row["id"] for row in changed["results"]] == [projects[1].pk]


# --- throttling ---------------------------------------------------------------------------


def test_throttling_per_token(county_staff, throttle_rates):
    throttle_rates(token="3/minute")
    first, second = token_client(county_staff, "erp"), token_client(county_staff, "dashboard")
    for _ in range(3):
        assert first.get(f"{API}/projects/").status_code == 200
    response = first.get(f"{API}/projects/")
    body = assert_error(response, 429)
    assert body["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    # Another token of the same user has its own budget.
    for _ in range(3):
        assert second.get(f"{API}/projects/").status_code == 200
    assert second.get(f"{API}/projects/").status_code == 429


# --- login throttling (django-axes) -------------------------------------------------------


LOGIN = "/admin/login/"


@pytest.fixture
def admin_user(make_user, region):
    user = make_user(Role.COUNTY_STAFF, region=region, username="staff-login")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def login_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    return 3


def login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra)


def test_failed_logins_lock_the_client_out_even_with_the_right_password(client, admin_user, login_limit):
    for _ in range(login_limit - 1):
        response = login(client, admin_user.username, "wrong")
        assert response.status_code == 200  # the form again, with its error
        assert "_auth_user_id" not in client.session
    locked = login(client, admin_user.username, "wrong")
    assert locked.status_code == 429
    assert "too many login attempts" in locked.content.decode()

    response = login(client, admin_user.username, "x-Pass-1234")
    assert response.status_code == 429
    assert "Account locked: too many login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session

    # Only this username from this address is locked: the same user elsewhere is not.
    other = login(client.__class__(), admin_user.username, "x-Pass-1234", REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, admin_user, login_limit):
    for _ in range(login_limit):
        login(client, admin_user.username, "wrong")
    assert login(client, admin_user.username, "x-Pass-1234").status_code == 429

    # Sixteen minutes later (the cool-off is 15): the attempts have expired.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    response = login(client, admin_user.username, "x-Pass-1234")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(admin_user.pk)


def test_an_admin_can_lift_the_lock_at_once(client, admin_user, login_limit):
    for _ in range(login_limit):
        login(client, admin_user.username, "wrong")
    assert login(client, admin_user.username, "x-Pass-1234").status_code == 429

    assert axes_reset(username=admin_user.username) == 1
    assert login(client, admin_user.username, "x-Pass-1234").status_code == 302


def test_a_successful_login_clears_the_failures(client, admin_user, login_limit):
    for _ in range(login_limit - 1):
        login(client, admin_user.username, "wrong")
    assert login(client, admin_user.username, "x-Pass-1234").status_code == 302
    client.logout()
    for _ in range(login_limit - 1):
        assert login(client, admin_user.username, "wrong").status_code == 200


# --- schema and docs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, headers",
    [({"format": "json"}, {}), ({}, {"HTTP_ACCEPT": "application/json"})],
    ids=["format-param", "accept-header"],
)
def test_schema_is_openapi_3_json(db, query, headers):
    response = APIClient().get("/api/schema/", query, **headers)
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert any(path.startswith(f"{API}/projects/") for path in schema["paths"])


def test_docs_page_uses_vendored_files_only(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    urls = re.findall(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", page)
    assert len(urls) >= 4, urls  # swagger-ui.css, its bundle and preset, the start-up script
    for url in urls:
        if url.startswith("/api/docs/?"):  # the start-up script, served as a file for the CSP
            script = APIClient().get(url)
            assert script.status_code == 200
            assert script["Content-Type"].startswith("application/javascript")
            assert b"SwaggerUIBundle(" in script.content
            continue
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a vendored static file"
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost)", page), "the docs page names another host"
