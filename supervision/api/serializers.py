"""Serializers of the supervision resources (problems and their moves: problem_serializers.py)
and the fields they share. Writes call supervision/services.py, which
holds every rule; the fields here only read the input and limit related records to the
caller's scope (another region's record reads as non-existent)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects import scope
from projects.models import Project, User
from supervision import services
from supervision.choices import (
    ServiceKind,
    WarningColour,
)
from supervision.milestones import milestone_save
from supervision.models import (
    Milestone,
    Person,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
    Unit,
)
from supervision.warnings import milestone_warning
from zhaoqing_tracker.api.fields import RegionCodeField, ScopedPrimaryKeyField, SlugField

# Dates a plan can be counted back from without leaving the calendar.
PLAN_DATE_RANGE = (datetime.date(2000, 1, 1), datetime.date(2099, 12, 31))


def acting_user(serializer):
    return serializer.context["request"].user


def serving_choices(field, queryset):
    """What a unit, official or user field offers (projects/scope.py): on a problem's move, those
    that serve the problem's project (what the service accepts); elsewhere those of the caller's
    scope, of the regions above it, or city-level (no region)."""
    problem = field.context.get("problem")
    if problem is not None:
        return queryset.filter(scope.serving_q(problem.project.region))
    return scope.pickable(queryset, field.context["request"].user)


class LocalOrCityLevelField(serializers.PrimaryKeyRelatedField):
    """A person or unit by id: one of the caller's region (the regions under it and above it), or
    a city-level one (no region), which every county may call on."""

    def get_queryset(self):
        return serving_choices(self, super().get_queryset())


class UsernameField(SlugField):
    """A user by username; on writes, an active user of the caller's region or a city-level one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        super().__init__(**kwargs)

    def get_queryset(self):
        return serving_choices(self, super().get_queryset())


def project_field(**kwargs):
    return ScopedPrimaryKeyField(
        queryset=Project.objects.all(),
        help_text=_("Id of the project; it must be one you can see."),
        **kwargs,
    )


def region_of_project():
    return RegionCodeField(
        source="project.region", read_only=True, help_text=_("6-digit code of the project's region.")
    )


VERSION_HELP = _("Goes up with every change; send it back as If-Match.")


def version_field(help_text=VERSION_HELP):
    """The record's version: the ETag a client sends back as If-Match, so a stale write is refused."""
    return serializers.IntegerField(read_only=True, help_text=help_text)


def person_field(help_text, **kwargs):
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    return LocalOrCityLevelField(queryset=Person.objects.all(), help_text=help_text, **kwargs)


def unit_field(help_text, **kwargs):
    return LocalOrCityLevelField(queryset=Unit.objects.all(), help_text=help_text, **kwargs)


class SameProjectMixin:
    """A record stays with the project it was created for."""

    def validate_project(self, value):
        if self.instance is not None and value.pk != self.instance.project_id:
            raise serializers.ValidationError(_("The project of an existing record cannot be changed."))
        return value


# Problems


class ServiceTeamSerializer(SameProjectMixin, serializers.ModelSerializer):
    # A second team of the project is refused by the service, under the project's lock (a
    # check here would race a concurrent POST): 409, naming the team to change.
    project = project_field()
    region = region_of_project()
    county_leader = person_field(_("Id of the county leader in charge (a person)."))
    chief_officer = person_field(_("Id of the chief service officer (a person)."))
    specialist = person_field(_("Id of the enterprise service specialist (a person)."))
    unit = unit_field(
        _("Id of the responsible unit (of your region, or city-level)."), required=False, allow_null=True
    )
    plan = serializers.CharField(required=False, allow_blank=True, help_text=_("The service plan."))
    is_complete = serializers.BooleanField(
        read_only=True, help_text=_("All five are there: three people, the unit and the plan.")
    )
    version = version_field()
    updated_at = serializers.DateTimeField(read_only=True, help_text=_("When the team last changed."))

    class Meta:
        model = ServiceTeam
        fields = [
            "id",
            "project",
            "region",
            "county_leader",
            "chief_officer",
            "specialist",
            "unit",
            "plan",
            "is_complete",
            "version",
            "updated_at",
        ]
        extra_kwargs = {"id": {"help_text": _("Id of the team.")}}

    MEMBERS = ("county_leader", "chief_officer", "specialist", "unit", "plan")

    def create(self, validated_data):
        return services.service_team_save(by=acting_user(self), **validated_data)

    def update(self, team, validated_data):
        # Members left out of a PATCH keep their values; the service writes all five.
        members = {name: validated_data.get(name, getattr(team, name)) for name in self.MEMBERS}
        # Without If-Match the version read for this request stands in (as for reports): the
        # service still refuses the write if another one slipped in since.
        version = validated_data.get("version")
        return services.service_team_save(
            project=team.project,
            by=acting_user(self),
            version=team.version if version is None else version,
            **members,
        )


# Supervision visits


class VisitSerializer(serializers.ModelSerializer):
    on = serializers.DateField(help_text=_("Date of the visit; not in the future."))
    region = RegionCodeField(help_text=_("6-digit code of the region visited (your own, for county users)."))
    leader = LocalOrCityLevelField(
        queryset=Person.objects.all(), help_text=_("Id of the leading official (a person).")
    )
    projects = ScopedPrimaryKeyField(
        queryset=Project.objects.all(),
        many=True,
        required=False,
        help_text=_("Ids of the projects visited; all in the visit's region."),
    )
    notes = serializers.CharField(required=False, allow_blank=True, help_text=_("Notes of the visit."))
    created_by = UsernameField(read_only=True, allow_null=True, help_text=_("Username of who recorded it."))
    created_at = serializers.DateTimeField(read_only=True, help_text=_("When the visit was recorded."))
    updated_at = serializers.DateTimeField(read_only=True, help_text=_("When the record last changed."))

    class Meta:
        model = SupervisionVisit
        fields = [
            "id",
            "on",
            "region",
            "leader",
            "projects",
            "notes",
            "created_by",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"id": {"help_text": _("Id of the visit; give it as `visit` when raising a problem.")}}

    def create(self, validated_data):
        return services.visit_record(by=acting_user(self), **validated_data)


# Service logs


class ServiceLogSerializer(serializers.ModelSerializer):
    project = project_field()
    region = region_of_project()
    on = serializers.DateField(help_text=_("Date the matter was handled; not in the future."))
    kind = serializers.ChoiceField(choices=ServiceKind.choices, help_text=_("Kind of service."))
    description = serializers.CharField(help_text=_("What was done."))
    person = person_field(_("Id of the person who did it, if known."))
    hours = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=0,
        max_value=240,
        required=False,
        help_text=_('Time spent in hours (0–240, one decimal), as a string like "2.5".'),
    )
    recorded_by = UsernameField(read_only=True, allow_null=True, help_text=_("Username of who recorded it."))
    created_at = serializers.DateTimeField(read_only=True, help_text=_("When the log was recorded."))
    updated_at = serializers.DateTimeField(read_only=True, help_text=_("When the record last changed."))

    class Meta:
        model = ServiceLog
        fields = [
            "id",
            "project",
            "region",
            "on",
            "kind",
            "description",
            "person",
            "hours",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"id": {"help_text": _("Id of the log entry.")}}

    def create(self, validated_data):
        return services.service_log_record(by=acting_user(self), **validated_data)


# Milestones


class MilestoneSerializer(SameProjectMixin, serializers.ModelSerializer):
    project = project_field()
    region = region_of_project()
    title = serializers.CharField(max_length=200, help_text=_("What has to be done."))
    responsible = person_field(_("Id of the responsible person, if any."))
    due_on = serializers.DateField(help_text=_("Date it is due."))
    done_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Date it was done; null while open. Not in the future.")
    )
    order = serializers.IntegerField(
        min_value=0,
        max_value=32767,
        required=False,
        help_text=_("Position among milestones due the same day."),
    )
    warning = serializers.SerializerMethodField(
        help_text=_(
            "green: done on time, or due in more than 7 days; yellow: due within 7 days, or done late; "
            "red: past due and not done."
        )
    )
    version = version_field()
    updated_at = serializers.DateTimeField(read_only=True, help_text=_("When the milestone last changed."))

    class Meta:
        model = Milestone
        fields = [
            "id",
            "project",
            "region",
            "title",
            "responsible",
            "due_on",
            "done_on",
            "order",
            "warning",
            "version",
            "updated_at",
        ]
        extra_kwargs = {"id": {"help_text": _("Id of the milestone.")}}

    FIELDS = ("title", "responsible", "due_on", "done_on", "order")

    @extend_schema_field(serializers.ChoiceField(choices=WarningColour.choices))
    def get_warning(self, milestone) -> str:
        # Lists read the database annotation; a record just written is coloured by the same rules in Python.
        annotated = getattr(milestone, "warning", None)
        if annotated:
            return annotated
        return milestone_warning(
            due_on=milestone.due_on, done_on=milestone.done_on, today=timezone.localdate()
        )

    def create(self, validated_data):
        return milestone_save(by=acting_user(self), **validated_data)

    def update(self, milestone, validated_data):
        # Fields left out keep their values; send done_on: null to reopen a milestone.
        fields = {name: validated_data.get(name, getattr(milestone, name)) for name in self.FIELDS}
        # The instance was read with its colour annotated; the write may change the colour, and the
        # service refreshes the instance's fields, not the annotation: get_warning recomputes it.
        milestone.warning = None
        return milestone_save(
            milestone=milestone,
            project=milestone.project,
            by=acting_user(self),
            version=validated_data.get("version"),
            **fields,
        )


class MilestonePlanSerializer(serializers.Serializer):
    project = project_field()
    target_production_on = serializers.DateField(
        help_text=_("Target date of production; the plan is counted back from it in working days.")
    )
    responsible = person_field(_("Id of the person responsible for every generated milestone; optional."))

    def validate_target_production_on(self, value):
        low, high = PLAN_DATE_RANGE
        if not low <= value <= high:
            raise serializers.ValidationError(
                _("Give a date between %(low)s and %(high)s.") % {"low": low, "high": high}
            )
        return value
