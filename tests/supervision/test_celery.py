"""Celery: a task sent through the real Redis broker is run by a worker; without Redis, tasks run eagerly."""

import threading
import uuid

import pytest
from celery.contrib.testing.tasks import ping  # registers the built-in 'celery.ping' task
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from zhaoqing_tracker.celery import app

# A dedicated queue, so the in-process worker never picks up another run's messages.
TEST_QUEUE = "zhaoqing-tracker-tests"
TIMEOUT = 20
_seen: dict[str, threading.Event] = {}

# Celery's Redis result backend still calls redis-py's deprecated setex.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")


@app.task(name="tests.celery_probe")
def celery_probe(token: str) -> str:
    _seen.setdefault(token, threading.Event()).set()
    return f"seen {token}"


def _token() -> str:
    token = uuid.uuid4().hex
    _seen[token] = threading.Event()
    return token


@pytest.fixture
def result_backend():
    """The project runs without a result backend; this test reads results from Redis."""
    saved = app.conf.result_backend
    app.conf.result_backend = settings.REDIS_URL
    _forget_backend()
    yield
    app.conf.result_backend = saved
    _forget_backend()


def _forget_backend():
    # Celery caches the backend object on the app; drop it so the setting above is read.
    app._backend_cache = None
    if hasattr(app._local, "backend"):
        del app._local.backend


@pytest.fixture
def worker():
    with app.connection_for_write() as conn:
        app.amqp.queues.select_add(TEST_QUEUE)
        app.amqp.queues[TEST_QUEUE].bind(conn.default_channel).declare()
        app.amqp.queues[TEST_QUEUE].bind(conn.default_channel).purge()
    with start_worker(
        app, queues=[TEST_QUEUE], perform_ping_check=False, shutdown_timeout=TIMEOUT, loglevel="WARNING"
    ) as worker:
        yield worker


@pytest.mark.redis
def test_settings_use_the_redis_broker():
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url == settings.REDIS_URL


@pytest.mark.redis
def test_a_task_sent_through_the_broker_is_run_by_a_worker(result_backend, worker):
    token = _token()
    result = celery_probe.apply_async(args=[token], queue=TEST_QUEUE)
    assert _seen[token].wait(TIMEOUT), "the worker did not run the task"
    assert result.get(timeout=TIMEOUT) == f"seen {token}"
    result.forget()


@pytest.mark.redis
def test_the_builtin_ping_goes_through_the_broker(result_backend, worker):
    assert ping.name == "celery.ping"
    result = app.send_task(ping.name, queue=TEST_QUEUE)
    assert result.get(timeout=TIMEOUT) == "pong"
    result.forget()


def test_without_redis_tasks_run_eagerly():
    if settings.REDIS_URL:
        pytest.skip("only meaningful when REDIS_URL is unset")
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert settings.CELERY_BROKER_URL == "memory://"
    assert app.conf.task_always_eager is True
    token = _token()
    result = celery_probe.delay(token)
    assert _seen[token].is_set()  # ran in this very call, no worker involved
    assert result.get() == f"seen {token}"


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name
