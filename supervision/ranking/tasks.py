"""The bulletins' Celery tasks: thin wrappers that take dates and call one function (house rule 7).

Their names are those they had when they lived in supervision/tasks.py: django-celery-beat's
rows and queued messages refer to tasks by name. supervision/apps.py imports this module (Celery
looks for tasks.py only at the top of an app).
"""

import datetime

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from supervision.periods import last_complete_period, period_containing
from supervision.ranking.bulletins import (
    FINISH_REQUESTED_BULLETINS,
    GENERATE_BULLETIN,
    bulletin_generate,
    finish_requested_bulletins,
)

RETRIED = {"acks_late": True, "autoretry_for": (DatabaseError,), "retry_backoff": True, "max_retries": 5}


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@shared_task(name=GENERATE_BULLETIN, **RETRIED)
def generate_bulletin_task(kind: str, date: str | None = None, publish: bool = True) -> int:
    """The bulletin of the ``kind`` period containing ``date``; without a date, the last period that ended.

    The beat entries pass only the kind, so a job that runs late (a worker was
    down over the weekend) still publishes the period that has ended.
    """
    day = _date(date)
    period = period_containing(kind, day) if day else last_complete_period(kind, timezone.localdate())
    return bulletin_generate(period=period, publish=publish).pk


@shared_task(name=FINISH_REQUESTED_BULLETINS, **RETRIED)
def finish_requested_bulletins_task() -> int:
    """The sweeper: waiting requests, then every overdue period without a bulletin (the catch-up)."""
    return finish_requested_bulletins()
