"""Faults: Redis down or silent, the database gone. The site keeps answering, clearly, and recovers.

Real sockets, no mocks: a port nothing listens on (connections are refused at once), and a
socket that accepts connections and never answers (every read waits for its timeout). The
cache is configured as production configures it for a REDIS_URL (``caches_for``), pointed at them;
the task queue (Celery's broker) too, for the page that asks for a bulletin.

The database gone is a PostgreSQL that stops under a running gunicorn: the server reaches it through
a proxy the test cuts and restores (tests/fixtures/servers.py). A worker killed mid-bulletin is
test_faults_worker.py's.
"""

import datetime
import json
import logging
import math
import socket
import threading
import time
import uuid
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache as default_cache
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from projects.choices import Stage
from projects.tokens import token_create
from supervision.choices import PeriodKind, RequestStatus
from supervision.models_ranking import Bulletin, BulletinRequest
from supervision.periods import period_containing
from tests.fixtures.servers import TcpProxy, WebServer
from tests.fixtures.worker import broker, database_url, row_lock, wait_for, worker_backends
from tests.fixtures.worker import closed_port as free_port
from zhaoqing_tracker.api.throttling import FallbackCounters, counters
from zhaoqing_tracker.settings import caches_for

PROJECTS = "/api/v1/projects/"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def closed_port():
    """A port that was just free and that nothing listens on any more."""
    return free_port()


@pytest.fixture
def silent_port():
    """A port that accepts connections (in a thread) and never sends a byte back."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.05)
    stop, held = threading.Event(), []

    def accept():
        while not stop.is_set():
            try:
                held.append(server.accept()[0])  # keep it open: a closed one would answer EOF
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for held_connection in held:
        held_connection.close()
    server.close()


@pytest.fixture
def redis_at(settings):
    """``redis_at(port)``: the default cache is production's Redis cache, at that port."""

    def point(port):
        settings.CACHES = caches_for(f"redis://127.0.0.1:{port}/0")

    yield point
    counters.reset()  # the next test starts with the shared cache trusted again


@pytest.fixture(autouse=True)
def _trusted_counters():
    counters.reset()


def token_client(user) -> APIClient:
    _token, raw = token_create(user=user, name="faults", by=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def warnings_of(caplog):
    return [
        r
        for r in caplog.records
        if r.name == "zhaoqing_tracker.api.throttling" and r.levelno == logging.WARNING
    ]


def test_the_api_answers_with_redis_refusing_connections(
    county_staff, project, redis_at, closed_port, caplog
):
    redis_at(closed_port)
    client = token_client(county_staff)
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            response = client.get(PROJECTS)
            assert response.status_code == 200, response.content[:300]
    assert [row["id"] for row in response.json()["results"]] == [project.pk]
    # One warning for the outage, not one per request.
    assert len(warnings_of(caplog)) == 1, [r.getMessage() for r in warnings_of(caplog)]
    assert "Redis" in warnings_of(caplog)[0].getMessage()


def test_the_api_answers_quickly_with_redis_silent(county_staff, project, redis_at, silent_port, caplog):
    redis_at(silent_port)
    client = token_client(county_staff)
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        first = client.get(PROJECTS)
        first_took = time.monotonic() - started
        assert first.status_code == 200, first.content[:300]
        assert first_took < 1.0, f"the first request waited {first_took:.2f} s for a silent Redis"
        # Later requests do not each wait for the timeout again.
        started = time.monotonic()
        for _ in range(10):
            assert client.get(PROJECTS).status_code == 200
        later_took = time.monotonic() - started
    assert later_took < 2.0, f"ten more requests took {later_took:.2f} s"
    assert len(warnings_of(caplog)) == 1


def test_the_throttle_still_counts_with_redis_down(
    county_staff, redis_at, closed_port, monkeypatch, settings
):
    redis_at(closed_port)
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "3/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)  # read once, at import
    client = token_client(county_staff)
    for _ in range(3):
        assert client.get(PROJECTS).status_code == 200
    response = client.get(PROJECTS)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def p95_ms(seconds: list[float]) -> int:
    return round(sorted(seconds)[max(0, math.ceil(len(seconds) * 0.95) - 1)] * 1000)


# The faults of a deployment with Redis (REDIS_URL set): without one there is none to lose, so these
# run with the suite's PostgreSQL + Redis run and keep the SQLite run short.
@pytest.mark.redis
@pytest.mark.parametrize("state", ["down", "silent"])
def test_pages_and_the_api_keep_answering_without_redis(
    state, client, county_staff, project, raised, redis_at, closed_port, silent_port, figure
):
    """A hundred API requests and a hundred pages with Redis refusing, or never answering."""
    redis_at(closed_port if state == "down" else silent_port)
    client.force_login(county_staff)
    api = token_client(county_staff)
    pages = [
        "/projects/",
        f"/projects/{project.pk}/",
        "/problems/",
        f"/problems/{raised.pk}/",
        "/visits/",
        "/",
    ]
    answers = []
    for i in range(100):
        for send, url in ((api.get, PROJECTS), (client.get, pages[i % len(pages)])):
            started = time.monotonic()
            response = send(url)
            answers.append((url, response.status_code, time.monotonic() - started))
    failed = [(url, status) for url, status, _seconds in answers if status != 200]
    p95 = p95_ms([seconds for _url, _status, seconds in answers])
    server_errors = sum(status >= 500 for _url, status, _seconds in answers)
    figure(f"fault: Redis {state}", requests=len(answers), server_errors=server_errors, p95_ms=p95)
    assert not failed, failed[:10]
    assert p95 < 500, f"p95 {p95} ms with Redis {state}"


@pytest.mark.redis
@pytest.mark.parametrize("state", ["down", "silent"])
def test_the_bulletin_request_page_says_the_queue_is_down(
    state, client, city_admin, regions, today, closed_port, silent_port, figure
):
    """The request is recorded and the page says the queue is down; the sweeper finishes it later."""
    client.force_login(city_admin)
    period = period_containing(PeriodKind.WEEKLY, today - 7 * DAY)
    with broker(f"redis://127.0.0.1:{closed_port if state == 'down' else silent_port}/0"):
        started = time.monotonic()
        response = client.post(
            "/bulletins/generate/",
            {"kind": "weekly", "date": period.end},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        took = time.monotonic() - started
    assert response.status_code == 200 and response.redirect_chain[-1][0] == "/bulletins/"
    assert "The task queue is unavailable; the request for" in response.content.decode()
    request = BulletinRequest.objects.get(kind=period.kind, period_start=period.start)
    assert request.status == RequestStatus.PENDING and "task queue is unavailable" in request.error
    assert not Bulletin.objects.exists()
    assert took < 8, f"the page waited {took:.1f} s for a broker that is {state}"
    figure(f"fault: Redis {state}, bulletin request page", answered_ms=round(took * 1000), request_kept=True)


def test_the_counters_go_back_to_the_shared_cache_when_it_answers_again(db, settings, closed_port, caplog):
    counters = FallbackCounters(default_cache, pause=0)  # asks the shared cache on every call
    key = f"faults-{uuid.uuid4().hex}"  # a name no other test's counter has
    settings.CACHES = caches_for(f"redis://127.0.0.1:{closed_port}/0")
    with caplog.at_level(logging.INFO):
        counters.set(key, [1.0], 60)
        assert counters.get(key) == [1.0]  # from the process's memory
        settings.CACHES = caches_for("")  # a cache that answers
        assert counters.get(key) is None  # the shared cache, not the memory
        counters.set(key, [2.0], 60)
        assert default_cache.get(key) == [2.0]
    told = [
        (r.levelno, r.getMessage()) for r in caplog.records if r.name == "zhaoqing_tracker.api.throttling"
    ]
    assert [level for level, _message in told] == [logging.WARNING, logging.INFO], told
    assert "cannot reach Redis" in told[0][1] and "Redis again" in told[1][1], told


# --- the database gone ----------------------------------------------------------------------------


@pytest.fixture
def web(tmp_path, transactional_db):
    """gunicorn on the test database, through a proxy the test cuts: ``web.server``, ``web.proxy``."""
    params = connection.settings_dict
    proxy = TcpProxy((params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432))).start()
    server = WebServer(
        env={
            "DATABASE_URL": database_url(WEB, through_port=proxy.port),
            "REDIS_URL": settings.REDIS_URL,
            "LOG_LEVEL": "WARNING",
        },
        log_path=tmp_path / "web.log",
    )
    try:
        server.start()
        yield SimpleNamespace(server=server, proxy=proxy)
    finally:
        server.stop()
        proxy.close()
        print(f"----- web.log -----\n{server.log()[-20_000:]}")  # shown when the test failed


WEB = "zq-test-web"


@pytest.mark.postgres
def test_the_database_gone_is_a_503_in_the_users_language_and_the_site_recovers(
    web, county_staff, project, figure
):
    _token, raw = token_create(user=county_staff, name="faults", by=county_staff)
    browser = Client()
    browser.force_login(county_staff)
    session = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    # (kind, language): the API with a token, a page with a session; in English and in Chinese.
    requests = {
        ("api", "en"): (PROJECTS, {"Authorization": f"Token {raw}", "Accept-Language": "en"}),
        ("api", "zh"): (PROJECTS, {"Authorization": f"Token {raw}", "Accept-Language": "zh-hans"}),
        ("page", "en"): ("/projects/", {"Cookie": session, "Accept-Language": "en"}),
        ("page", "zh"): ("/projects/", {"Cookie": session, "Accept-Language": "zh-hans"}),
    }
    told = {"en": "temporarily unavailable", "zh": "暂时无法使用"}
    answers = []

    def send(key):
        path, headers = requests[key]
        answer = web.server.get(path, headers)
        answers.append((key, answer))
        return answer

    # Up: every kind answers.
    for key in requests:
        assert send(key).status == 200, answers[-1]
    # The server's connections are ended under it (PostgreSQL restarted, a failover): the next
    # requests reconnect by themselves, since every request checks its kept connection first.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", [WEB]
        )
    for key in [*requests, *requests]:
        assert send(key).status == 200, answers[-1]

    # Gone while a write is in flight: the server waits for a row the test holds when its
    # connection drops. Its answer is a 503 too, and nothing of the write is kept.
    advance = f"{PROJECTS}{project.pk}/advance/"
    body = json.dumps({"stage": "land_supplied", "on": project.signed_on.isoformat()}).encode()
    headers = {**requests[("api", "en")][1], "Content-Type": "application/json"}
    in_flight = []
    with row_lock(project):
        writer = threading.Thread(
            target=lambda: in_flight.append(web.server.send("POST", advance, headers, body))
        )
        writer.start()
        wait_for(
            lambda: worker_backends(WEB, waiting_on_lock=True),
            timeout=20,
            message=lambda: f"the write never waited on the row\n{web.server.log()}",
        )
        web.proxy.cut()
        writer.join(20)
    (answer,) = in_flight
    answers.append((("api", "en"), answer))
    assert answer.status == 503 and json.loads(answer.text)["code"] == "service_unavailable", answer
    # Gone: connections refused. Requests keep coming meanwhile.
    refused = [(key, send(key)) for _round in range(10) for key in requests]
    for key, answer in refused:
        assert answer.status == 503, (key, answer)
        assert int(answer.headers["Retry-After"]) > 0
        assert told[key[1]] in answer.text, (key, answer.text[:500])
        if key[0] == "api":
            body = json.loads(answer.text)
            assert (body["status"], body["code"]) == (503, "service_unavailable"), body
    # Back: the very next request of each kind is answered.
    web.proxy.restore()
    recovered = all(send(key).status == 200 for key in requests)
    assert recovered, answers[-4:]
    assert worker_backends(WEB), "the server did not connect again"
    project.refresh_from_db()
    assert (project.stage, project.version, project.transitions.count()) == (Stage.SIGNED, 1, 1)

    statuses = [answer.status for _key, answer in answers]
    figure(
        "fault: database gone",
        requests=len(answers),
        answered_503=statuses.count(503),
        server_errors=sum(status >= 500 and status != 503 for status in statuses),
        recovered=recovered,
    )
    assert set(statuses) == {200, 503}
