"""The beat scheduler: django-celery-beat's, seeded from the one schedule in celery.py.

django-celery-beat's own DatabaseScheduler writes ``app.conf.beat_schedule`` over
the database rows every time beat starts, which would silently undo a time the
city admin changed in the admin. This one only adds the entries the database
does not have yet, so celery.py gives the defaults and the admin has the last word.
"""

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler


class AdminEditableScheduler(DatabaseScheduler):
    def update_from_dict(self, mapping):
        existing = set(PeriodicTask.objects.filter(name__in=list(mapping)).values_list("name", flat=True))
        super().update_from_dict({name: entry for name, entry in mapping.items() if name not in existing})
