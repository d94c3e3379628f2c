"""Celery tasks: thin wrappers that take dates and call one function (house rule 7)."""

import datetime

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from .bulletins import bulletin_generate, finish_requested_bulletins
from .periods import last_complete_period, period_containing
from .reminders import send_overdue_reminders
from .stalled import detect_stalled


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def detect_stalled_projects(today: str | None = None) -> dict:
    run = detect_stalled(today=_date(today))
    return {"flagged": run.flagged, "unflagged": run.unflagged}


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def send_overdue_reminders_task(today: str | None = None) -> int:
    return send_overdue_reminders(today=_date(today))


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def generate_bulletin_task(kind: str, date: str | None = None, publish: bool = True) -> int:
    """The bulletin of the ``kind`` period containing ``date``; without a date, the last period that ended.

    The beat entries pass only the kind, so a job that runs late (a worker was
    down over the weekend) still publishes the period that has ended.
    """
    day = _date(date)
    period = period_containing(kind, day) if day else last_complete_period(kind, timezone.localdate())
    return bulletin_generate(period=period, publish=publish).pk


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def finish_requested_bulletins_task() -> int:
    return finish_requested_bulletins()
