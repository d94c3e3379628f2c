"""A real Celery worker in a subprocess, and the broker plumbing the worker tests need.

The in-process ``celery.contrib.testing`` worker of test_celery.py cannot be SIGKILLed
without killing pytest, so the tests that kill a worker mid-task start the real
``celery worker`` command, in a session of its own so that the main process and its
prefork children can be killed together, on a queue of their own so that parallel
runs sharing one Redis never take each other's messages.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.db import connection
from kombu import Exchange, Queue

from zhaoqing_tracker.celery import app

ROOT = Path(__file__).resolve().parent.parent


def database_url(application_name: str) -> str:
    """A DATABASE_URL for the test database pytest-django created, tagged with ``application_name``.

    The tag finds the worker's own backends in pg_stat_activity (which one waits on a
    lock, and whether any outlived the worker).
    """
    params = connection.settings_dict
    credentials = quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        credentials += ":" + quote(params["PASSWORD"], safe="")
    host = params["HOST"] or "localhost"
    port = f":{params['PORT']}" if params["PORT"] else ""
    return (
        f"postgres://{credentials}@{host}{port}/{quote(params['NAME'], safe='')}"
        f"?application_name={application_name}"
    )


def worker_backends(application_name: str, *, waiting_on_lock: bool = False) -> list[int]:
    """PostgreSQL backend pids opened by the worker tagged ``application_name``."""
    sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s"
    if waiting_on_lock:
        sql += " AND wait_event_type = 'Lock'"
    with connection.cursor() as cursor:
        cursor.execute(sql, [application_name])
        return [row[0] for row in cursor.fetchall()]


def wait_for(condition, *, timeout: float, message, interval: float = 0.2):
    """Poll ``condition()`` until it returns something truthy; fail with ``message()`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(interval)


def is_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def queue_named(name: str) -> Queue:
    # The same queue Celery creates for ``apply_async(queue=name)`` and ``worker -Q name``.
    return Queue(name, Exchange(name), routing_key=name)


@contextlib.contextmanager
def private_queue():
    """A fresh queue name on the configured broker; emptied before and deleted after."""
    name = f"zhaoqing-tracker-worker-tests-{uuid.uuid4().hex[:12]}"
    with app.connection_for_write() as conn:
        queue_named(name).bind(conn.default_channel).purge()
    try:
        yield name
    finally:
        with app.connection_for_write() as conn:
            bound = queue_named(name).bind(conn.default_channel)
            bound.declare()  # this channel learns the binding, so that delete removes it from Redis
            bound.delete()


def _forget_broker_connections():
    # What Celery does after a fork: the pools are rebuilt from app.conf on next use.
    app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


@contextlib.contextmanager
def broker(url: str):
    """Send tasks through the broker at ``url`` (never eagerly) inside the block.

    ``override_settings`` is not enough: the Celery app copied the CELERY_* settings
    when it was configured, and keeps its connection and producer pools.
    """
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    _forget_broker_connections()
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            if app._pool is not None:
                app._pool.force_close_all()
        app.conf.broker_url, app.conf.task_always_eager = saved
        _forget_broker_connections()


def closed_port() -> int:
    """A local port nobody listens on: a broker URL there is a broker that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nobody listens there once the socket is closed


class Worker:
    """``celery -A zhaoqing_tracker worker`` against the test database, on one queue."""

    def __init__(
        self,
        *,
        queue: str,
        redis_url: str,
        log_path: Path,
        concurrency: int = 1,
        visibility_timeout: int = 5,
    ):
        self.queue = queue
        self.redis_url = redis_url
        self.log_path = log_path
        self.concurrency = concurrency
        self.visibility_timeout = visibility_timeout
        self.application_name = f"zq-test-worker-{uuid.uuid4().hex[:8]}"
        self.process: subprocess.Popen | None = None

    def start(self, *, ready_timeout: float = 45) -> "Worker":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "zhaoqing_tracker.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "DATABASE_URL": database_url(self.application_name),
            "REDIS_URL": self.redis_url,
            # A killed worker's unacknowledged message is handed out again this soon.
            "CELERY_VISIBILITY_TIMEOUT": str(self.visibility_timeout),
            "LOG_LEVEL": "INFO",
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "zhaoqing_tracker",
            "worker",
            "-l",
            "info",
            "--pool",
            "prefork",
            "--concurrency",
            str(self.concurrency),
            "-Q",
            self.queue,
            "-n",
            f"{self.application_name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with open(self.log_path, "ab") as log:
            # A session of its own: os.killpg then reaches the main process and its pool children.
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(
            lambda: self.process.poll() is not None or " ready." in self.log(),
            timeout=ready_timeout,
            message=lambda: f"the worker did not become ready in {ready_timeout} s\n{self.log()}",
        )
        assert self.process.poll() is None, f"the worker exited with {self.process.returncode}\n{self.log()}"
        return self

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def child_pids(self) -> list[int]:
        """The prefork pool processes (Linux /proc; any thread of the main process may have forked one)."""
        pids = []
        for children in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                pids += [int(pid) for pid in children.read_text().split()]
        return sorted(pids)

    def kill(self):
        """SIGKILL the whole worker: main process and pool children, no chance to clean up."""
        children = self.child_pids()
        assert children, f"the worker has no pool process\n{self.log()}"
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_for(
            lambda: not any(map(is_running, children)),
            timeout=10,
            message=f"pool processes {children} survived the SIGKILL",
        )
        self._forget_remote_control_queue()

    def _forget_remote_control_queue(self):
        # A warm shutdown unbinds the worker's remote-control (pidbox) queue; a killed
        # worker leaves it bound, and broadcasts would pile up there in the shared Redis.
        node = f"{self.application_name}@"
        with app.connection_for_write() as conn:
            client = conn.default_channel.client
            for member in client.smembers("_kombu.binding.celery.pidbox"):
                queue = member.decode().split("\x06\x16")[-1]
                if queue.startswith(node):
                    client.srem("_kombu.binding.celery.pidbox", member)
                    client.delete(queue)

    def stop(self, timeout: float = 20):
        """Warm shutdown (SIGTERM to the main process); SIGKILL the group if it does not go."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # pool children left behind, if any
        self.process.wait(timeout=10)

    def close_database_backends(self, timeout: float = 10):
        """Wait for the worker's PostgreSQL backends to end; end any that outlive it.

        A backend of a killed worker that was waiting on a lock only notices its client
        is gone when it next talks to it; the test database cannot be dropped while it lives.
        """
        try:
            wait_for(lambda: not worker_backends(self.application_name), timeout=timeout, message="")
        except AssertionError:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = %s",
                    [self.application_name],
                )
