"""A big ledger is read and written by a real Celery worker, with its progress in the cache.

The worker is the real ``celery worker`` command (tests/fixtures/worker.py) on a private queue,
reading the test database (so the test commits its data: ``transactional_db``) and the same
Redis the test's cache uses, where the import reports its progress.
"""

import pytest
from django.conf import settings

from projects.imports.models import ImportStatus, LedgerImport
from projects.imports.preview import progress
from projects.imports.services import import_confirm, import_create
from projects.models import Project
from tests.fixtures.ledgers import ledger_row, messy_ledger, upload
from tests.fixtures.worker import Worker, private_queue, wait_for
from zhaoqing_tracker.celery import app

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
ROWS = 120


@pytest.fixture
def worker(transactional_db, tmp_path, settings, monkeypatch):
    """A worker on a private queue that the product's ``delay()`` calls reach, sharing MEDIA_ROOT."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    monkeypatch.setenv("DJANGO_MEDIA_ROOT", str(media))
    # Big files go to the worker: nothing is small enough to read in the request.
    settings.IMPORT_INLINE_MAX_BYTES = settings.IMPORT_INLINE_MAX_ROWS = 0
    with private_queue() as queue:
        saved = app.conf.task_default_queue
        app.conf.task_default_queue = queue
        running = Worker(queue=queue, redis_url=settings.REDIS_URL, log_path=tmp_path / "worker.log").start()
        try:
            yield running
        finally:
            app.conf.task_default_queue = saved
            running.stop()
            running.close_database_backends()
            print(running.log())


def settled(ledger_import_id, *statuses):
    def check():
        return LedgerImport.objects.get(pk=ledger_import_id).status in statuses

    return check


def test_a_big_ledger_is_previewed_and_written_by_the_worker(worker, county_staff, industry):
    rows = [
        ledger_row(n, f"项目{n:03d}", f"企业{n:03d}", "", "端州区", "新材料", 100 + n, "2024-03-05")
        for n in range(1, ROWS + 1)
    ]
    ledger_import = import_create(
        by=county_staff, file=upload("台账.xlsx", messy_ledger(rows)), kind="projects"
    )
    assert ledger_import.status == ImportStatus.QUEUED  # the request did not read it
    wait_for(
        settled(ledger_import.pk, ImportStatus.READY, ImportStatus.HAS_ERRORS, ImportStatus.FAILED),
        timeout=60,
        message=lambda: worker.log(),
    )
    ledger_import.refresh_from_db()
    assert ledger_import.status == ImportStatus.READY, ledger_import.error
    assert ledger_import.counts["new"] == ROWS
    # Every row under the header was read (the 合计 row too), out of the sheet's last row.
    assert progress(ledger_import.pk) == {
        "done": ROWS + 1,
        "total": ledger_import.header_row + ROWS + 2,
        "phase": "preview",
    }

    ledger_import = import_confirm(ledger_import=ledger_import, by=county_staff)
    assert ledger_import.status == ImportStatus.COMMITTING
    wait_for(
        settled(ledger_import.pk, ImportStatus.COMMITTED, ImportStatus.HAS_ERRORS),
        timeout=120,
        message=lambda: worker.log(),
    )
    assert LedgerImport.objects.get(pk=ledger_import.pk).status == ImportStatus.COMMITTED
    assert Project.objects.count() == ROWS
    assert set(Project.history.values_list("history_user", flat=True)) == {county_staff.pk}
    assert not settings.CELERY_TASK_ALWAYS_EAGER
