"""One FilterSet per listable model of the supervision app, shared by the API and the HTML
lists (house rule 4). A value that cannot be read is a 400 naming the parameter, never a
silently unfiltered list and never a 500. The region and true/false filters are the ones of
projects/filtersets.py, so that every list reads them the same way.
"""

import datetime

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from projects.filtersets import BilingualNameFilter, BooleanFilter, RegionFilter, UpdatedAfterFilter
from projects.models import Project
from supervision.choices import (
    BulletinStatus,
    PeriodKind,
    ProblemCategory,
    ProblemStatus,
    ServiceKind,
    Severity,
    WarningColour,
)
from supervision.models import Bulletin, Milestone, Problem, ServiceLog, ServiceTeam, SupervisionVisit, Unit


def visible_projects(request):
    # Another region's project reads as unknown, exactly as one that does not exist.
    if request is None or not request.user.is_authenticated:
        return Project.objects.none()
    return Project.objects.visible_to(request.user)


def project_filter():
    return django_filters.ModelChoiceFilter(
        queryset=visible_projects,
        label=_("project"),
        help_text=_("Project id."),
        error_messages={"invalid_choice": _("Unknown project.")},
    )


def date_filter(field_name: str, lookup_expr: str, label):
    return django_filters.DateFilter(
        field_name=field_name, lookup_expr=lookup_expr, label=label, help_text=_("YYYY-MM-DD, inclusive.")
    )


def today() -> datetime.date:
    return timezone.localdate()


class SubsetFilter(BooleanFilter):
    """true: the rows that ``subset(queryset)`` picks with a named QuerySet method (so the list
    and the method agree on what "overdue" or "complete" means); false: all the others."""

    def __init__(self, subset, **kwargs):
        self.subset = subset
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        subset = self.subset(qs)
        return subset if value else qs.exclude(pk__in=subset.values("pk"))


class ProblemFilterSet(django_filters.FilterSet):
    region = RegionFilter(prefix="project__region")
    project = project_filter()
    status = django_filters.ChoiceFilter(
        choices=ProblemStatus.choices,
        label=_("status"),
        help_text=_("raised, assigned, resolved or verified."),
    )
    category = django_filters.ChoiceFilter(
        choices=ProblemCategory.choices, label=_("category"), help_text=_("Kind of problem.")
    )
    severity = django_filters.ChoiceFilter(
        choices=Severity.choices, label=_("severity"), help_text=_("low, medium or high.")
    )
    overdue = SubsetFilter(
        lambda problems: problems.overdue(today()),
        label=_("overdue"),
        help_text=_("true: open (raised or assigned) and past the due date; false: all others."),
    )
    raised_after = date_filter("raised_on", "gte", _("raised on or after"))
    raised_before = date_filter("raised_on", "lte", _("raised on or before"))
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = Problem
        fields = []


class ServiceTeamFilterSet(django_filters.FilterSet):
    region = RegionFilter(prefix="project__region")
    project = project_filter()
    complete = SubsetFilter(
        lambda teams: teams.complete(),
        label=_("complete"),
        help_text=_("true: teams with all three people, the unit and the plan; false: the others."),
    )
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = ServiceTeam
        fields = []


class VisitFilterSet(django_filters.FilterSet):
    region = RegionFilter(prefix="region")
    on_after = date_filter("on", "gte", _("on or after"))
    on_before = date_filter("on", "lte", _("on or before"))
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = SupervisionVisit
        fields = []


class ServiceLogFilterSet(django_filters.FilterSet):
    region = RegionFilter(prefix="project__region")
    project = project_filter()
    kind = django_filters.ChoiceFilter(
        choices=ServiceKind.choices, label=_("kind of service"), help_text=_("Kind of service.")
    )
    on_after = date_filter("on", "gte", _("on or after"))
    on_before = date_filter("on", "lte", _("on or before"))
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = ServiceLog
        fields = []


class MilestoneFilterSet(django_filters.FilterSet):
    region = RegionFilter(prefix="project__region")
    project = project_filter()
    warning = django_filters.ChoiceFilter(
        choices=WarningColour.choices,
        method="filter_warning",
        label=_("warning"),
        help_text=_("green, yellow or red (see the milestone's warning field)."),
    )
    overdue = SubsetFilter(
        lambda milestones: milestones.overdue(today()),
        label=_("overdue"),
        help_text=_("true: past the due date and not done; false: all others."),
    )
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = Milestone
        fields = []

    def filter_warning(self, queryset, name, value):
        if value in EMPTY_VALUES:
            return queryset
        if "warning" not in queryset.query.annotations:
            queryset = queryset.with_warning(today())
        return queryset.filter(warning=value)


class BulletinFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=PeriodKind.choices, label=_("kind"), help_text=_("weekly, monthly or quarterly.")
    )
    status = django_filters.ChoiceFilter(
        choices=BulletinStatus.choices, label=_("status"), help_text=_("draft or published.")
    )
    is_current = BooleanFilter(
        label=_("current revision"), help_text=_("true: only the current revision of each period.")
    )
    period_after = date_filter("period_end", "gte", _("period ends on or after"))
    period_before = date_filter("period_start", "lte", _("period starts on or before"))

    class Meta:
        model = Bulletin
        fields = []


class UnitFilterSet(django_filters.FilterSet):
    region = RegionFilter(
        help_text=_("6-digit region code: the units of that region and the regions under it.")
    )
    city_level = BooleanFilter(
        field_name="region",
        lookup_expr="isnull",
        label=_("city-level"),
        help_text=_("true: only the city-level units (no region); false: only the units of a region."),
    )
    name = BilingualNameFilter()

    class Meta:
        model = Unit
        fields = []
