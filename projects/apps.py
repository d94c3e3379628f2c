from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from projects.roles import ensure_role_groups

        # Permissions exist only after migrate has run, so the role groups are
        # (re)built then; it is idempotent and keeps groups in step with the code.
        post_migrate.connect(ensure_role_groups, dispatch_uid="projects.ensure_role_groups")
