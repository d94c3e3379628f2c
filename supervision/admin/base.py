"""What the supervision admin pages share: region-scoped choices, read-only pages, rows scoped
through their project."""


from projects import scope
from projects.admin.base import ScopedAdmin
from projects.models import Project, User
from supervision.admin.forms import (
    people_for,
    projects_for,
    units_for,
    users_for,
    visits_for,
)
from supervision.models import (
    Person,
    SupervisionVisit,
    Unit,
)

# Re-exported: the supervision admin modules import it from here.
from zhaoqing_tracker.admin import ReadOnlyMixin as ReadOnlyMixin

# The submit row of a page whose record only services change.
NO_SAVE_BUTTONS = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}


class ChoicesMixin:
    """Foreign-key choices of supervision models limited to the user's scope (projects' BaseAdmin
    already limits regions, projects and parks)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related, user = db_field.remote_field.model, request.user
        if related is Unit:
            kwargs.setdefault("queryset", units_for(user))
        elif related is Person:
            kwargs.setdefault("queryset", people_for(user))
        elif related is SupervisionVisit:
            kwargs.setdefault("queryset", visits_for(user))
        elif related is User:
            kwargs.setdefault("queryset", users_for(user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.remote_field.model is Project:
            kwargs.setdefault("queryset", projects_for(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SupervisionAdmin(ChoicesMixin, ScopedAdmin):
    """Rows scoped by ``visible_to(user)`` (project or region children)."""


class ScopedByPathAdmin(SupervisionAdmin):
    """For rows without ``visible_to``: scoped through the region at ``region_path``."""

    region_path = ""

    def get_queryset(self, request):
        queryset = super(ScopedAdmin, self).get_queryset(request)
        return scope.scope_filter(queryset, request.user, self.region_path)


