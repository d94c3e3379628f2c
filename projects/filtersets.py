"""One FilterSet per listable model, shared by the API and the HTML lists (house rule 4).

A value a filter cannot read (a bad date, "abc" for money, an unknown stage or region
code) is a form error, which the API answers with a 400 naming the parameter; never an
unfiltered list and never a 500. Sorting is not here: the API sorts with ``?ordering=``
(zhaoqing_tracker.api.filters.StableOrderingFilter), which cursor pagination needs to see.
"""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.drainage import set_override

from projects.choices import RegionKind, Stage, Status
from projects.industries import division_ids
from projects.models import MONEY, AnnualTarget, Enterprise, Industry, InvestmentReport, Project, Region
from projects.scope import subtree_ids


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is an error rather than "no filter"."""

    TRUE, FALSE = {"true", "1"}, {"false", "0"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(_("Enter true or false."), code="invalid")


class SchemaMixin:
    """The OpenAPI type of a filter whose form field drf-spectacular would misread (a region code
    is not the region's integer key). An override replaces the filter's help_text in the schema,
    so it is given again as the description."""

    schema: dict = {"type": "string"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        description = self.extra.get("help_text") or self.label or ""
        set_override(self, "field", {**self.schema, "description": description})


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class RegionFilter(SchemaMixin, django_filters.ModelChoiceFilter):
    """A region by its 6-digit code, with everything under it (a city includes its counties).

    ``prefix`` is the path from the filtered model to its region (``project__region`` for
    rows that belong to a project)."""

    def __init__(self, *args, prefix: str = "region", **kwargs):
        self.prefix = prefix
        kwargs.setdefault("queryset", Region.objects.all())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("label", _("region"))
        kwargs.setdefault(
            "help_text", _("6-digit region code; the region's subordinate regions are included.")
        )
        kwargs.setdefault("error_messages", {"invalid_choice": _("Unknown region code.")})
        super().__init__(*args, **kwargs)

    schema = {"type": "string", "pattern": "^[0-9]{6}$"}

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        return qs.filter(**{f"{self.prefix}__in": subtree_ids(value)})


class CodeFilter(SchemaMixin, django_filters.ModelChoiceFilter):
    """A related record by its code (``to_field_name``); an unknown code is a 400."""


class IndustryFilter(CodeFilter):
    """An industry by its code, with the strategic industries under it (C36 includes 新能源汽车)."""

    def __init__(self, *args, prefix: str = "industry", **kwargs):
        self.prefix = prefix
        kwargs.setdefault("queryset", Industry.objects.all())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("label", _("industry"))
        kwargs.setdefault(
            "help_text",
            _("Industry code, e.g. C36 or new-energy-vehicles; a division includes the industries under it."),
        )
        kwargs.setdefault("error_messages", {"invalid_choice": _("Unknown industry code.")})
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        return qs.filter(**{f"{self.prefix}__in": division_ids(value)})


class MonthFilter(django_filters.DateFilter):
    """Any day of a month stands for the month: investment months are stored as their first day."""

    def filter(self, qs, value):
        return super().filter(qs, value.replace(day=1) if value else value)


class BilingualNameFilter(django_filters.CharFilter):
    """Part of a record's Chinese or English name, any case (industries, units)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("label", _("name"))
        kwargs.setdefault("help_text", _("Part of the Chinese or English name (any case)."))
        super().__init__(**kwargs)

    def filter(self, qs, value):
        value = (value or "").strip()
        return qs.filter(Q(name__icontains=value) | Q(name_en__icontains=value)) if value else qs


class IntegerFilter(SchemaMixin, django_filters.NumberFilter):
    """A whole number within bounds (an out-of-range id or year is a 400, not a database error)."""

    field_class = forms.IntegerField
    schema = {"type": "integer"}

    def __init__(self, *args, min_value=1, max_value=2**31 - 1, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)

    def get_max_validator(self):
        return None


class MoneyFilter(SchemaMixin, django_filters.NumberFilter):
    """Yuan with at most 2 decimals and the digits the money columns hold."""

    schema = {"type": "string", "format": "decimal", "pattern": r"^-?\d{1,14}(?:\.\d{1,2})?$"}

    def __init__(self, *args, **kwargs):
        super().__init__(
            *args, max_digits=MONEY["max_digits"], decimal_places=MONEY["decimal_places"], **kwargs
        )

    def get_max_validator(self):
        return None


class InstantField(IsoDateTimeField):
    """An ISO 8601 date-time the database can compare: 0001-01-01T00:00 in Asia/Shanghai is
    before year 1 in UTC, which Python cannot represent (an OverflowError, i.e. a 500)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None:
            try:
                # Normalised to UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts.
                value = value.astimezone(datetime.UTC)
            except OverflowError:
                raise ValidationError(
                    _("Enter a date-time between the years 1 and 9999."), code="invalid"
                ) from None
        return value


class UpdatedAfterFilter(django_filters.IsoDateTimeFilter):
    """``updated_after``: records changed strictly after an ISO 8601 instant, for incremental sync."""

    field_class = InstantField

    def __init__(self, **kwargs):
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("lookup_expr", "gt")
        kwargs.setdefault("label", _("updated after"))
        kwargs.setdefault(
            "help_text",
            _(
                "Only records changed strictly after this ISO 8601 instant, e.g. 2025-03-01T08:00:00Z "
                "(write '+' in an offset as %2B)."
            ),
        )
        super().__init__(**kwargs)


class RegionFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=RegionKind.choices, label=_("kind"))
    is_ranked = BooleanFilter(label=_("ranked"), help_text=_("true: only regions that are ranked."))
    parent = django_filters.CharFilter(
        field_name="parent__code", label=_("parent region code"), help_text=_("6-digit code of the parent.")
    )

    class Meta:
        model = Region
        fields = ["kind", "is_ranked", "parent"]


class ProjectFilterSet(django_filters.FilterSet):
    region = RegionFilter()
    stage = django_filters.ChoiceFilter(
        choices=Stage.choices, label=_("stage"), help_text=_("Current stage.")
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("status"), help_text=_("Status."))
    industry = IndustryFilter()
    is_major = BooleanFilter(
        label=_("major project"), help_text=_("true: planned investment of at least 1,000,000,000 yuan.")
    )
    is_manufacturing = BooleanFilter(
        label=_("manufacturing project"), help_text=_("true: manufacturing projects only.")
    )
    signed_after = django_filters.DateFilter(
        field_name="signed_on",
        lookup_expr="gte",
        label=_("signed on or after"),
        help_text=_("YYYY-MM-DD; signing date on or after this day."),
    )
    signed_before = django_filters.DateFilter(
        field_name="signed_on",
        lookup_expr="lte",
        label=_("signed on or before"),
        help_text=_("YYYY-MM-DD; signing date on or before this day."),
    )
    investment_min = MoneyFilter(
        field_name="planned_investment",
        lookup_expr="gte",
        label=_("planned investment at least"),
        help_text=_("Yuan; planned investment of at least this amount."),
    )
    investment_max = MoneyFilter(
        field_name="planned_investment",
        lookup_expr="lte",
        label=_("planned investment at most"),
        help_text=_("Yuan; planned investment of at most this amount."),
    )
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        label=_("search"),
        help_text=_("Part of the project name, the enterprise name or the project code (any case)."),
    )
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = Project
        fields = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(enterprise__name__icontains=value) | Q(code__icontains=value)
        )


def _visible_projects(request):
    # Only the user's projects: another region's project reads as unknown, as its URL would.
    return Project.objects.visible_to(request.user) if request is not None else Project.objects.none()


class InvestmentReportFilterSet(django_filters.FilterSet):
    project = django_filters.ModelChoiceFilter(
        queryset=_visible_projects,
        label=_("project"),
        help_text=_("Project id."),
        error_messages={"invalid_choice": _("Unknown project.")},
    )
    region = RegionFilter(prefix="project__region")
    month_after = MonthFilter(
        field_name="month",
        lookup_expr="gte",
        label=_("month from"),
        help_text=_("YYYY-MM-DD; reports for this month (any day of it) or later."),
    )
    month_before = MonthFilter(
        field_name="month",
        lookup_expr="lte",
        label=_("month to"),
        help_text=_("YYYY-MM-DD; reports for this month (any day of it) or earlier."),
    )
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = InvestmentReport
        fields = []


class AnnualTargetFilterSet(django_filters.FilterSet):
    region = RegionFilter()
    year = IntegerFilter(
        min_value=2000, max_value=2100, label=_("year"), help_text=_("Target year, e.g. 2025.")
    )
    updated_after = UpdatedAfterFilter()

    class Meta:
        model = AnnualTarget
        fields = []


class IndustryFilterSet(django_filters.FilterSet):
    parent = IndustryFilter(
        prefix="parent",
        label=_("division"),
        help_text=_("GB/T 4754 division code, e.g. C38: the strategic industries under it."),
    )
    is_division = BooleanFilter(
        field_name="parent",
        lookup_expr="isnull",
        label=_("division"),
        help_text=_("true: only the GB/T 4754 divisions (C13 … C43); false: only the industries under them."),
    )
    name = BilingualNameFilter()

    class Meta:
        model = Industry
        fields = []


class EnterpriseFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        max_length=200,
        label=_("name"),
        help_text=_("Part of the enterprise's name (any case)."),
    )
    credit_code = django_filters.CharFilter(
        method="filter_credit_code",
        max_length=18,
        label=_("unified social credit code"),
        help_text=_("The 18-character unified social credit code (any case)."),
    )

    class Meta:
        model = Enterprise
        fields = []

    def filter_credit_code(self, queryset, name, value):
        # Stored upper-case (services.enterprise_create), typed either way.
        value = value.strip().upper()
        return queryset.filter(credit_code=value) if value else queryset
