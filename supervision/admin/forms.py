"""Forms of the supervision admin: model forms saved by services, and the pages of the problem moves.

The forms only collect input. Whether a move is allowed (status, dates, who may verify)
is decided by supervision/services.py; its ValidationError comes back onto the form.
"""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects import scope
from projects.models import Project, User
from supervision.models import Milestone, Person, Problem, ServiceLog, ServiceTeam, SupervisionVisit, Unit
from zhaoqing_tracker.admin import ServiceForm
from zhaoqing_tracker.forms import add_service_error as shared_add_service_error

TEXTAREA = forms.Textarea(attrs={"rows": 3, "cols": 60})


# Choices a user may pick (projects/scope.py): rows of their scope; units, officials and users
# of their scope, of the regions above theirs, or city-level (no region), which serve every county.


def projects_for(user):
    return Project.objects.visible_to(user)


def units_for(user):
    return scope.pickable(Unit.objects.all(), user)


def people_for(user):
    return scope.pickable(Person.objects.all(), user)


def users_for(user):
    return scope.pickable(User.objects.filter(is_active=True).order_by("username"), user)


def visits_for(user):
    return SupervisionVisit.objects.visible_to(user).select_related("region", "leader")


def add_service_error(form, error: ValidationError, model=Problem) -> None:
    """The shared zhaoqing_tracker.forms.add_service_error, naming Problem's fields by default;
    kept for supervision/admin/actions.py until it calls the shared one."""
    shared_add_service_error(form, error, model=model)


# Model forms, saved by the admin through a service (zhaoqing_tracker.admin.ServiceSaveMixin).


class ProblemRaiseForm(ServiceForm):
    class Meta:
        model = Problem
        fields = ["project", "category", "severity", "description", "raised_on", "visit"]
        widgets = {"description": TEXTAREA}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "raised_on" in self.fields:
            self.fields["raised_on"].initial = timezone.localdate
            self.fields["raised_on"].help_text = _("The date the problem was found; not in the future.")


class MilestoneAdminForm(ServiceForm):
    class Meta:
        model = Milestone
        fields = ["project", "title", "responsible", "due_on", "done_on", "order"]


class ServiceTeamAdminForm(ServiceForm):
    class Meta:
        model = ServiceTeam
        fields = ["project", "county_leader", "chief_officer", "specialist", "unit", "plan"]


class ServiceLogAdminForm(ServiceForm):
    class Meta:
        model = ServiceLog
        fields = ["project", "on", "kind", "description", "person", "hours"]
        widgets = {"description": TEXTAREA}


class VisitAdminForm(ServiceForm):
    class Meta:
        model = SupervisionVisit
        fields = ["on", "region", "leader", "projects", "notes"]


class UnitAdminForm(ServiceForm):
    class Meta:
        model = Unit
        fields = ["name", "name_en", "region"]


class PersonAdminForm(ServiceForm):
    class Meta:
        model = Person
        fields = ["name", "title", "phone", "region", "unit", "user"]


# The pages of the problem moves use the staff pages' move forms (supervision/forms.py
# MOVE_FORMS), dressed in the admin's widgets.


def admin_widgets(form):
    """``form`` with the admin's date picker and text areas in place of the staff pages' widgets,
    so that the admin shows the same fields, labels, help and checks in its own look."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.HiddenInput):
            continue
        if isinstance(field, forms.DateField):
            field.widget = AdminDateWidget()
        elif isinstance(field.widget, forms.Textarea):
            field.widget = forms.Textarea(attrs={"rows": 3, "cols": 60})
    return form


class GeneratePlanForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())
    target_production_on = forms.DateField(label=_("Target production date"), widget=AdminDateWidget)
    responsible = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("Optional; set on every generated milestone."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects_for(user)
        self.fields["responsible"].queryset = people_for(user)
