"""The Celery app and the one beat schedule.

Every periodic job of the product is listed in ``app.conf.beat_schedule`` below,
each with a comment saying in plain words when it runs and why. Times are
Asia/Shanghai (CELERY_TIMEZONE). Beat keeps the schedule in the database
(django-celery-beat) so the city admin can see and change it in the admin;
zhaoqing_tracker/beat.py installs these entries there once.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhaoqing_tracker.settings")

app = Celery("zhaoqing_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every morning at 06:00 Asia/Shanghai, before the bureaus open: flag projects
    # that stopped moving (半拉子) and clear the flag of those that moved again.
    "detect-stalled-projects": {
        "task": "supervision.tasks.detect_stalled_projects",
        "schedule": crontab(hour=6, minute=0),
    },
    # Every morning at 08:30, when staff are at their desks: one e-mail per person
    # listing problems and milestones past their due date (sent once a day).
    "send-overdue-reminders": {
        "task": "supervision.tasks.send_overdue_reminders_task",
        "schedule": crontab(hour=8, minute=30),
    },
    # Every Monday at 08:00: publish the weekly bulletin of the ISO week that
    # ended the day before, in time for the Monday morning meeting.
    "weekly-bulletin": {
        "task": "supervision.tasks.generate_bulletin_task",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
        "kwargs": {"kind": "weekly"},
    },
    # On the 1st of every month at 08:00: the monthly bulletin of the month just ended.
    "monthly-bulletin": {
        "task": "supervision.tasks.generate_bulletin_task",
        "schedule": crontab(hour=8, minute=0, day_of_month=1),
        "kwargs": {"kind": "monthly"},
    },
    # On 1 January, April, July and October at 08:00: the quarterly bulletin of
    # the quarter just ended, with year-on-year investment growth.
    "quarterly-bulletin": {
        "task": "supervision.tasks.generate_bulletin_task",
        "schedule": crontab(hour=8, minute=0, day_of_month=1, month_of_year="1,4,7,10"),
        "kwargs": {"kind": "quarterly"},
    },
    # Every five minutes: finish bulletins that were asked for while the queue
    # was down (the request row was written; its message never got through), and
    # catch up: from 09:00 the day after a period ends, ask for its bulletin if it
    # has none, because a bulletin job above whose message could not be sent while
    # the broker was down is not retried by beat and leaves no trace of its own.
    "finish-requested-bulletins": {
        "task": "supervision.tasks.finish_requested_bulletins_task",
        "schedule": crontab(minute="*/5"),
    },
}
