from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The county race (supervision/ranking/) is a sub-package of this app, not an app of its
        # own: Django's admin and Celery look for admin.py and tasks.py only at an app's top.
        from supervision.ranking import admin, tasks  # noqa: F401
