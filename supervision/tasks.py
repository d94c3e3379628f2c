"""Celery tasks: thin wrappers that take dates and call one function (house rule 7). The
bulletins' tasks are in supervision/ranking/tasks.py."""

import datetime

from celery import shared_task
from django.db import DatabaseError

from supervision.reminders import send_overdue_reminders
from supervision.stalled import detect_stalled


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def detect_stalled_projects(today: str | None = None) -> dict:
    run = detect_stalled(today=_date(today))
    return {"flagged": run.flagged, "unflagged": run.unflagged}


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def send_overdue_reminders_task(today: str | None = None) -> int:
    return send_overdue_reminders(today=_date(today))
