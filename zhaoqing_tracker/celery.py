"""The Celery app and the one beat schedule.

Every periodic job of the product is listed in ``app.conf.beat_schedule`` below,
each with a comment saying in plain words when it runs and why.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhaoqing_tracker.settings")

app = Celery("zhaoqing_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {}
