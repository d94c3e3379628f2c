"""Errors of the API and of the pages: deeply nested JSON is a 400, never a 500; 404 and 500
are in the user's language, and every path under /api/ answers them in the one JSON error
shape; a bulletin download answers to its own media type.

The 500s come from views of this module's own urlconf (``@pytest.mark.urls(__name__)``): the
site's URLs and its error handlers, plus a page and two API views that fail.
"""

import datetime

import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.test import APIClient
from rest_framework.views import APIView

from projects.models import Enterprise, Project
from supervision.periods import period_containing
from supervision.ranking.bulletins import bulletin_generate
from supervision.ranking.exports import pdf_available
from zhaoqing_tracker.urls import handler404, handler500  # noqa: F401 (this urlconf's handlers)
from zhaoqing_tracker.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.usefixtures("english")


def failing_page(request) -> HttpResponse:
    raise RuntimeError("a bug in a page")


def failing_api_function(request) -> HttpResponse:
    raise RuntimeError("a bug in a plain view under /api/")


class FailingApiView(APIView):
    permission_classes = []

    def get(self, request):
        raise RuntimeError("a bug in an API view")


def unreachable_database_page(request) -> HttpResponse:
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


class UnreachableDatabaseApiView(APIView):
    permission_classes = []

    def get(self, request):
        raise InterfaceError("connection already closed")


urlpatterns = [
    path("failing/", failing_page),
    path("api/v1/failing/", FailingApiView.as_view()),
    path("api/failing/", failing_api_function),
    path("no-database/", unreachable_database_page),
    path("api/v1/no-database/", UnreachableDatabaseApiView.as_view()),
    *site_urlpatterns,
]

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


# --- 404 and 500 ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/nope/", "/api/nope", "/api/", "/api/v1/projects/1/nope/"])
def test_an_unknown_path_under_api_is_a_json_404(db, url):
    for client in (APIClient(HTTP_ACCEPT_LANGUAGE="en"), Client(HTTP_ACCEPT="text/html")):
        body = assert_error(client.get(url, HTTP_ACCEPT_LANGUAGE="en"), 404)
        assert body["code"] == "not_found" and body["detail"] == "Not found."
    body = assert_error(APIClient().post(url, {}, format="json"), 404)
    assert body["detail"] == "未找到。"  # Chinese by default


def test_the_404_page_is_in_the_users_language(db, client):
    chinese = client.get("/nope/")
    assert chinese.status_code == 404 and chinese["Content-Type"].startswith("text/html")
    assert "页面不存在" in chinese.content.decode()
    english = client.get("/nope/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 404 and "Page not found" in english.content.decode()
    client.cookies["django_language"] = "en"
    assert "Page not found" in client.get("/nope/").content.decode()


@pytest.fixture
def failing_client(county_staff):
    """``failing_client(**headers)``: a signed-in browser that receives the 500 (the test
    client would raise the view's exception otherwise)."""

    def make(**headers):
        client = Client(raise_request_exception=False, **headers)
        client.force_login(county_staff)
        return client

    yield make


@pytest.mark.urls(__name__)
def test_the_500_page_is_in_the_users_language_without_the_database(failing_client, django_db_blocker):
    chinese, english = failing_client(), failing_client(HTTP_ACCEPT_LANGUAGE="en")
    # A 500 page must show while the database is the thing that fails.
    with django_db_blocker.block():
        answers = {"zh": chinese.get("/failing/"), "en": english.get("/failing/")}
    for answer in answers.values():
        assert answer.status_code == 500 and answer["Content-Type"].startswith("text/html")
    page = answers["zh"].content.decode()
    assert '<html lang="zh-Hans">' in page and "服务器出错" in page, page
    page = answers["en"].content.decode()
    assert '<html lang="en">' in page and "Server error" in page, page


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/api/v1/failing/", "/api/failing/"])
def test_a_500_under_api_is_json_in_the_users_language(failing_client, url):
    english = failing_client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    chinese = failing_client().get(url)
    body = assert_error(english, 500)
    assert body["code"] == "server_error"
    assert body["detail"].startswith("A server error occurred"), body
    assert "服务器出错" in assert_error(chinese, 500)["detail"]


# --- the database out of reach: 503, not 500 ---------------------------------------------------
# The real outage, a PostgreSQL that refuses and drops connections behind a running server, is
# tests/reliability/test_faults.py's; these are the answers, from views that meet it.


@pytest.mark.urls(__name__)
def test_the_page_says_the_database_is_out_of_reach_in_the_users_language(failing_client):
    chinese, english = (
        failing_client().get("/no-database/"),
        failing_client(HTTP_ACCEPT_LANGUAGE="en").get("/no-database/"),
    )
    for answer in (chinese, english):
        assert answer.status_code == 503 and answer["Content-Type"].startswith("text/html")
        assert int(answer["Retry-After"]) > 0
    page = chinese.content.decode()
    assert '<html lang="zh-Hans">' in page and "暂时无法使用" in page, page
    page = english.content.decode()
    assert '<html lang="en">' in page and "temporarily unavailable" in page, page


@pytest.mark.urls(__name__)
def test_an_api_request_without_the_database_is_a_json_503(failing_client):
    english = failing_client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/no-database/")
    body = assert_error(english, 503)
    assert body["code"] == "service_unavailable" and "temporarily unavailable" in body["detail"], body
    assert int(english["Retry-After"]) > 0
    assert "暂时无法使用" in assert_error(failing_client().get("/api/v1/no-database/"), 503)["detail"]


# --- bulletin downloads answer to their own media type ----------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOADS = {"xlsx": XLSX, "html": "text/html", "pdf": "application/pdf"}


@pytest.fixture
def bulletin(regions, today):
    return bulletin_generate(
        period=period_containing("weekly", today - datetime.timedelta(days=7)), publish=True
    )


@pytest.mark.parametrize("kind", sorted(DOWNLOADS))
@pytest.mark.parametrize("accept", ["own", "*/*", "type/*", "browser", None])
def test_a_download_answers_to_its_own_media_type(kind, accept, bulletin, county_staff):
    media_type = DOWNLOADS[kind]
    header = {
        "own": media_type,
        "*/*": "*/*",
        "type/*": media_type.split("/")[0] + "/*",
        "browser": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        None: None,
    }[accept]
    client = client_for(county_staff)
    extra = {"HTTP_ACCEPT": header} if header else {}
    response = client.get(f"/api/v1/bulletins/{bulletin.pk}/{kind}/", **extra)
    if kind == "pdf" and not pdf_available():
        # Without the PDF library and CJK fonts the PDF is a 404, told in JSON whatever was asked.
        assert assert_error(response, 404)["code"] == "not_found"
        return
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(media_type)


@pytest.mark.parametrize("kind", sorted(DOWNLOADS))
def test_a_download_refuses_a_media_type_it_cannot_give(kind, bulletin, county_staff):
    response = client_for(county_staff).get(
        f"/api/v1/bulletins/{bulletin.pk}/{kind}/", HTTP_ACCEPT="text/csv"
    )
    assert assert_error(response, 406)["code"] == "not_acceptable"


def test_a_download_of_a_bulletin_outside_reach_is_a_json_404(county_staff, regions):
    response = client_for(county_staff).get("/api/v1/bulletins/999999/xlsx/", HTTP_ACCEPT=XLSX)
    assert assert_error(response, 404)["code"] == "not_found"
