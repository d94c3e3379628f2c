"""The Celery app and the one beat schedule.

Every periodic job of the product is listed in ``app.conf.beat_schedule`` below,
each with a comment saying in plain words when it runs and why.
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
}
