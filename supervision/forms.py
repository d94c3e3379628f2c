"""Forms of the supervision pages. They only read input and offer the records a user may
pick; every rule (status, dates, who may verify) is the service's, whose ValidationError
views put back onto the form (zhaoqing_tracker.forms.add_service_error).

A form's fields are named as its service's keywords, so that a view hands the cleaned data to
the service as it is, as the API's serializers do."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects import scope
from projects.choices import RegionKind
from projects.models import Project, Region, User
from supervision import problem_flow as flow
from supervision import services
from supervision.choices import ProblemCategory, ServiceKind, Severity
from supervision.models import Milestone, Person, SupervisionVisit, Unit
from zhaoqing_tracker.forms import DateInput, PageForm, version_field

# The browser's date picker of every page (zhaoqing_tracker/forms.py); called as date_input().
date_input = DateInput


def textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


def move_date_field():
    return forms.DateField(
        label=_("Date"),
        required=False,
        widget=date_input(),
        help_text=_("When it happened; leave empty for today. Not in the future."),
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


def people_of(project: Project):
    """Officials that serve the project (projects/scope.py): of its region, of one above it, or
    city-level ones."""
    return Person.objects.filter(scope.serving_q(project.region)).select_related("region")


def units_of(project: Project):
    return Unit.objects.filter(scope.serving_q(project.region))


# Problems


class ProblemRaiseForm(PageForm):
    category = forms.ChoiceField(label=_("Category"), choices=ProblemCategory.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    description = forms.CharField(
        label=_("Description"),
        widget=textarea(4),
        help_text=_("What blocks the project, in a few sentences."),
    )
    raised_on = forms.DateField(
        label=_("Raised on"),
        required=False,
        widget=date_input(),
        help_text=_("When it was found; leave empty for today."),
    )
    visit = forms.ModelChoiceField(
        label=_("Supervision visit"),
        required=False,
        queryset=SupervisionVisit.objects.none(),
        help_text=_("The supervision visit where it was found, if any."),
    )

    def __init__(self, *args, project: Project, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Visits of the project's region in the last year: older ones are not where new
        # problems come from, and the list stays short.
        since = timezone.localdate() - datetime.timedelta(days=366)
        self.fields["visit"].queryset = (
            SupervisionVisit.objects.visible_to(user)
            .filter(region=project.region_id, on__gte=since)
            .select_related("region", "leader")
        )


class MoveForm(PageForm):
    """The input of one move (problem_flow.MOVES) of one problem, for the staff pages and the
    admin alike (the admin swaps the widgets: supervision/admin/forms.py ``admin_widgets``).
    ``perform`` hands it to the move's service with the version the form was loaded at, and
    returns what to tell the user; a refusal is the service's ValidationError."""

    move: flow.Move
    version = version_field()

    def __init__(self, *args, problem, **kwargs):
        super().__init__(*args, **kwargs)
        self.problem = problem
        self.initial.setdefault("version", problem.version)

    # The move's service, and the fields of the form it takes besides the version.
    service = None
    service_fields: tuple = ()

    def perform(self, user) -> str:
        self.call_service(self.cleaned_data, user, version=self.cleaned_data["version"])
        return self.move.done

    def call_service(self, data, user, *, version):
        fields = {name: data[name] for name in self.service_fields}
        self.service(problem=self.problem, by=user, version=version, **fields)


class AssignForm(MoveForm):
    move = flow.ASSIGN
    service = staticmethod(services.problem_assign)
    service_fields = ("unit", "assignee", "due_on", "on", "note")
    unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none())
    assignee = UserChoiceField(
        label=_("Assignee"),
        required=False,
        queryset=User.objects.none(),
        help_text=_("The person who handles the problem and receives the overdue reminders."),
    )
    due_on = forms.DateField(label=_("Due on"), widget=date_input())
    on = move_date_field()
    note = forms.CharField(label=_("Instructions"), required=False, widget=textarea())

    def __init__(self, *args, problem, **kwargs):
        super().__init__(*args, problem=problem, **kwargs)
        serving = scope.serving_q(problem.project.region)
        self.fields["unit"].queryset = Unit.objects.filter(serving)
        self.fields["assignee"].queryset = User.objects.filter(serving, is_active=True).order_by("username")
        # Re-assigning starts from the current unit, assignee and due date.
        self.initial.setdefault("unit", problem.responsible_unit_id)
        self.initial.setdefault("assignee", problem.assignee_id)
        self.initial.setdefault("due_on", problem.due_on)


class ResolveForm(MoveForm):
    move = flow.RESOLVE
    service = staticmethod(services.problem_resolve)
    service_fields = ("resolution", "on")
    resolution = forms.CharField(label=_("How it was resolved"), widget=textarea())
    on = move_date_field()


class VerifyForm(MoveForm):
    move = flow.VERIFY
    service = staticmethod(services.problem_verify)
    service_fields = ("note", "on")
    note = forms.CharField(label=_("Note"), required=False, widget=textarea(2))
    on = move_date_field()


class ReopenForm(MoveForm):
    move = flow.REOPEN
    service = staticmethod(services.problem_reopen)
    service_fields = ("reason", "due_on", "on")
    reason = forms.CharField(label=_("Reason"), widget=textarea())
    due_on = forms.DateField(
        label=_("New due date"),
        required=False,
        widget=date_input(),
        help_text=_("Leave empty to keep the current due date."),
    )
    on = move_date_field()


class ExtensionForm(MoveForm):
    move = flow.EXTEND
    service = staticmethod(services.problem_request_extension)
    service_fields = ("due_on", "reason")
    due_on = forms.DateField(label=_("Requested due date"), widget=date_input())
    reason = forms.CharField(label=_("Reason"), widget=textarea())


class DecideExtensionForm(MoveForm):
    move = flow.DECIDE_EXTENSION
    APPROVE, REJECT = "approve", "reject"

    request = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    # Given by the button pressed (approve or reject), so it is not rendered as a field.
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(label=_("Decision note"), required=False, widget=textarea(2))

    def __init__(self, *args, problem, **kwargs):
        super().__init__(*args, problem=problem, **kwargs)
        self.fields["request"].queryset = problem.extension_requests.all()
        pending = flow.pending_request(problem)
        if pending is not None:
            self.initial.setdefault("request", pending.pk)

    def perform(self, user) -> str:
        approve = self.cleaned_data["decision"] == self.APPROVE
        self.call_service(self.cleaned_data, user, version=self.cleaned_data["version"])
        return _("The extension was approved.") if approve else _("The extension was rejected.")

    def call_service(self, data, user, *, version):
        services.problem_decide_extension(
            request=data["request"],
            approve=data["decision"] == self.APPROVE,
            note=data["note"],
            by=user,
            version=version,
        )


# The form of each move of problem_flow.MOVES.
MOVE_FORMS = {
    form.move.name: form
    for form in (AssignForm, ResolveForm, ExtensionForm, VerifyForm, ReopenForm, DecideExtensionForm)
}


# Work on a project


class ServiceLogForm(PageForm):
    on = forms.DateField(label=_("Date"), widget=date_input(), initial=timezone.localdate)
    kind = forms.ChoiceField(label=_("Kind of service"), choices=ServiceKind.choices)
    description = forms.CharField(label=_("What was done"), widget=textarea(4))
    person = forms.ModelChoiceField(label=_("Done by"), required=False, queryset=Person.objects.none())
    hours = forms.DecimalField(label=_("Time spent (hours)"), required=False, initial=0)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people_of(project)

    def clean_hours(self):
        return self.cleaned_data["hours"] or 0  # left empty: no time recorded


class MilestoneForm(PageForm):
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(), required=False, widget=forms.HiddenInput
    )
    version = version_field(required=False)  # required when changing a milestone, see clean()
    title = forms.CharField(label=_("Work item"), max_length=200)
    responsible = forms.ModelChoiceField(
        label=_("Responsible person"), required=False, queryset=Person.objects.none()
    )
    due_on = forms.DateField(label=_("Due on"), widget=date_input())
    done_on = forms.DateField(
        label=_("Done on"), required=False, widget=date_input(), help_text=_("Leave empty while not done.")
    )
    order = forms.IntegerField(
        label=_("Order"),
        required=False,
        min_value=0,
        initial=0,
        help_text=_("Sorts items due on the same day."),
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = project.milestones.all()
        self.fields["responsible"].queryset = people_of(project)

    def clean_order(self):
        return self.cleaned_data["order"] or 0  # left empty: first among its day's items

    def clean(self):
        data = super().clean()
        if data.get("milestone") is not None and data.get("version") is None:
            self.add_error("version", forms.Field.default_error_messages["required"])
        return data


class PlanGenerateForm(PageForm):
    target_production_on = forms.DateField(
        label=_("Target production date"),
        widget=date_input(),
        help_text=_("The items are counted back from this date in working days."),
    )
    responsible = forms.ModelChoiceField(
        label=_("Responsible person"),
        required=False,
        queryset=Person.objects.none(),
        help_text=_("Optional; set on every generated item."),
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = people_of(project)


class ServiceTeamForm(PageForm):
    version = version_field()
    county_leader = forms.ModelChoiceField(
        label=_("County leader in charge"), required=False, queryset=Person.objects.none()
    )
    chief_officer = forms.ModelChoiceField(
        label=_("Chief service officer"), required=False, queryset=Person.objects.none()
    )
    specialist = forms.ModelChoiceField(
        label=_("Enterprise service specialist"), required=False, queryset=Person.objects.none()
    )
    unit = forms.ModelChoiceField(label=_("Responsible unit"), required=False, queryset=Unit.objects.none())
    plan = forms.CharField(label=_("Service plan"), required=False, widget=textarea(4))

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("county_leader", "chief_officer", "specialist"):
            self.fields[name].queryset = people_of(project)
        self.fields["unit"].queryset = units_of(project)


# Supervision visits

COUNTY_LEVEL_KINDS = [
    RegionKind.DISTRICT,
    RegionKind.COUNTY,
    RegionKind.COUNTY_CITY,
    RegionKind.FUNCTIONAL_ZONE,
]


def visit_regions_for(user):
    return scope.regions_for(user).filter(kind__in=COUNTY_LEVEL_KINDS).order_by("code")


class VisitForm(PageForm):
    on = forms.DateField(label=_("Date"), widget=date_input(), initial=timezone.localdate)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(), to_field_name="code")
    leader = forms.ModelChoiceField(label=_("Leading official"), queryset=Person.objects.none())
    projects = forms.ModelMultipleChoiceField(
        label=_("Projects visited"),
        required=False,
        queryset=Project.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=textarea(4))

    def __init__(self, *args, user, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = visit_regions_for(user)
        # The officials the user may pick (projects/scope.py), as the admin's people_for; read
        # from scope here so that the staff forms do not import the admin's.
        self.fields["leader"].queryset = scope.pickable(Person.objects.all(), user)
        # Only the chosen region's projects are offered: a visit is to one region, and a
        # city-wide list would run to thousands of boxes.
        if region is not None:
            self.fields["projects"].queryset = (
                Project.objects.visible_to(user).counted().filter(region=region).order_by("code")
            )
