"""The API keeps serving when Redis, which holds the throttle counters, is down or silent.

Real sockets, no mocks: a port nothing listens on (connections are refused at once), and a
socket that accepts connections and never answers (every read waits for its timeout). The
cache is configured as production configures it for a REDIS_URL (``caches_for``), pointed at them.
"""

import logging
import socket
import threading
import time
import uuid

import pytest
from django.core.cache import cache as default_cache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from projects.tokens import token_create
from zhaoqing_tracker.api.throttling import FallbackCounters, counters
from zhaoqing_tracker.settings import caches_for

PROJECTS = "/api/v1/projects/"


@pytest.fixture
def closed_port():
    """A port that was just free and that nothing listens on any more."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    for connection in held:
        connection.close()
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


def test_pages_keep_working_with_redis_down(client, county_staff, project, redis_at, closed_port):
    redis_at(closed_port)
    client.force_login(county_staff)
    response = client.get("/projects/")
    assert response.status_code == 200
    assert project.name in response.content.decode()


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
