"""Forms of the staff workspace (browser UI). They only read and check the shape of the input:
every write goes through a service in services.py or lifecycle.py, and a service's refusal comes
back onto the form with zhaoqing_tracker.forms.add_service_error."""

import datetime

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects import scope
from projects.choices import RegionKind
from projects.models import Enterprise, Industry, Park, Project, Region
from projects.services import PROJECT_EDITABLE_FIELDS
from zhaoqing_tracker.forms import MoneyField, MonthField, PageForm, date_field, replace_data, version_field


class ServiceForm(PageForm):
    """A form whose cleaned data a service function writes.

    ``field_map`` renames a service's field names to this form's (the enterprise's ``name`` is
    the form's ``new_enterprise_name``); a message for a field the form does not show goes to
    the top of the form with the project field's name in front, so it still makes sense there.
    """

    field_map: dict[str, str] = {}
    service_model = Project

    def after_stale(self) -> None:
        """After a stale refusal, on the form rebuilt around the record as it is now: what else
        the form shows should follow that record (the version already does)."""


class ProjectForm(ServiceForm):
    """Create (``project=None``) or edit a project's descriptive fields.

    The enterprise is picked from the list or typed as a new name, which then becomes a new
    enterprise (services.enterprise_create) in the same transaction as the project.
    """

    field_map = {"credit_code": "new_enterprise_credit_code"}

    code = forms.CharField(
        label=_("project code"),
        max_length=32,
        required=False,
        help_text=_("Left empty, it is assigned as REGION-YEAR-NUMBER."),
    )
    name = forms.CharField(label=_("project name"), max_length=200)
    enterprise = forms.ModelChoiceField(
        label=_("enterprise"),
        queryset=Enterprise.objects.none(),
        required=False,
        empty_label=_("— a new enterprise (type its name below) —"),
    )
    new_enterprise_name = forms.CharField(
        label=_("new enterprise name"),
        max_length=200,
        required=False,
        help_text=_("Only if the enterprise is not in the list above."),
    )
    new_enterprise_credit_code = forms.CharField(
        label=_("unified social credit code"),
        max_length=18,
        required=False,
        help_text=_("18 characters; may stay empty until the company is registered."),
    )
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.none())
    park = forms.ModelChoiceField(label=_("industrial park"), queryset=Park.objects.none(), required=False)
    industry = forms.ModelChoiceField(label=_("industry"), queryset=Industry.objects.all())
    is_manufacturing = forms.BooleanField(label=_("manufacturing project"), required=False, initial=True)
    planned_investment = MoneyField(
        label=_("planned investment (10k yuan)"),
        help_text=_("In 万元, e.g. 30000 for 3 亿元; “3亿” and “300,000,000元” are understood too."),
    )
    signed_on = date_field(_("signed on"))
    first_contact_on = date_field(_("first contact on"), required=False)
    version = version_field(required=False)

    def __init__(self, *args, user, project: Project | None = None, **kwargs):
        self.user, self.project = user, project
        if project is not None:
            kwargs.setdefault("initial", project_initial(project))
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = scoped_regions(user)
        self.fields["park"].queryset = Park.objects.visible_to(user).select_related("region")
        self.fields["park"].label_from_instance = lambda park: f"{park.region} · {park}"
        self.fields["enterprise"].queryset = scoped_enterprises(user, project)
        if project is None:
            if user.region_id is not None:
                self.fields["region"].initial = user.region_id
            self.fields["signed_on"].initial = timezone.localdate()
            self.fields["signed_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        else:
            # Fixed once the project exists (the API refuses to change them too).
            del self.fields["code"]
            del self.fields["signed_on"]
        self.fields["name"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        cleaned = super().clean()
        enterprise, new_name = cleaned.get("enterprise"), (cleaned.get("new_enterprise_name") or "").strip()
        if enterprise is None and not new_name:
            self.add_error("enterprise", _("Pick an enterprise, or type the name of a new one."))
        elif enterprise is not None and new_name:
            self.add_error(
                "new_enterprise_name",
                _("Either pick an enterprise from the list or type a new name, not both."),
            )
        cleaned["new_enterprise_name"] = new_name
        return cleaned

    def project_values(self, enterprise: Enterprise) -> dict:
        values = {
            field: self.cleaned_data[field] for field in PROJECT_EDITABLE_FIELDS if field != "enterprise"
        }
        values["enterprise"] = enterprise
        return values

    def changed_values(self, enterprise: Enterprise) -> dict:
        """Only what differs from the stored project: an unchanged form writes nothing."""
        return {
            field: value
            for field, value in self.project_values(enterprise).items()
            if getattr(self.project, field) != value
        }


def project_initial(project: Project) -> dict:
    initial = {field: getattr(project, field) for field in PROJECT_EDITABLE_FIELDS}
    initial["version"] = project.version
    return initial


def scoped_enterprises(user, project: Project | None = None):
    """Enterprises a user may pick: for county users those of their region's projects and those
    with no project yet, so that one county's list does not show another county's investors."""
    enterprises = Enterprise.objects.order_by("name")
    if scope.is_unrestricted(user):
        return enterprises
    mine = Q(pk__in=Project.objects.visible_to(user).values("enterprise_id"))
    mine |= ~Exists(Project.objects.filter(enterprise=OuterRef("pk")))
    if project is not None:
        mine |= Q(pk=project.enterprise_id)
    return enterprises.filter(mine)


def scoped_regions(user):
    """Regions a user may file a project under: their own region's subtree, or all for city users."""
    return scope.regions_for(user).select_related("parent")


class AdvanceForm(ServiceForm):
    stage = forms.CharField(widget=forms.HiddenInput)
    on = date_field(_("date reached"))
    note = forms.CharField(
        label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = version_field(required=False)

    def __init__(self, *args, project: Project, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)
        nxt = project.stage_enum.next
        self.fields["stage"].initial = nxt.value if nxt else ""
        self.fields["version"].initial = project.version
        self.fields["on"].initial = timezone.localdate()
        self.fields["on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["on"].widget.attrs["min"] = project.stage_date(project.stage_enum).isoformat()

    def after_stale(self):
        # The stage asked for follows the project as it is now, like the version.
        nxt = self.project.stage_enum.next
        replace_data(self, stage=nxt.value if nxt else "")


class ReasonForm(ServiceForm):
    """Revert, cancel and reactivate: a reason, and the version the page was read at.

    The reason is not required here so that the service's own message ("Give a reason for …")
    is the one the user sees; the browser still asks for it first (``required`` attribute).
    """

    reason = forms.CharField(
        label=_("reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )
    version = version_field(required=False)

    def __init__(self, *args, project: Project, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = project.version


class InvestmentForm(ServiceForm):
    month = MonthField(label=_("month"))
    amount = MoneyField(
        label=_("amount (10k yuan)"),
        help_text=_("Actual investment in the month, in 万元, e.g. 1250.5 for 12,505,000 元."),
    )
    note = forms.CharField(label=_("note"), required=False, max_length=500)
    # Blank means "I know of no report for this month" (see views/edits.py investment_report).
    version = version_field(required=False)

    def __init__(self, *args, project: Project, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)
        self.fields["month"].widget.attrs["max"] = timezone.localdate().strftime("%Y-%m")


# --- the month-end report (views/monthly.py) --------------------------------------------------

MONTH_MODE, YTD_MODE = "month", "ytd"


def last_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


class MonthEndChoiceForm(PageForm):
    """Which month-end report to show: the month (default: last month), the region (a county;
    a county user's own by default, a city user picks one) and whether figures are typed as the
    month's own or as the year-to-date total. Read from the query string, always bound, so that
    the defaults are the form's own answer."""

    month = MonthField(label=_("month"), required=False)
    region = forms.ModelChoiceField(
        label=_("region"), queryset=Region.objects.none(), required=False, empty_label=_("— pick a region —")
    )
    mode = forms.ChoiceField(
        choices=[(MONTH_MODE, MONTH_MODE), (YTD_MODE, YTD_MODE)], required=False, widget=forms.HiddenInput
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.user = user
        # Counties, districts and zones: a report for a whole city would be a list of a thousand.
        regions = (
            scoped_regions(user).exclude(kind__in=[RegionKind.PROVINCE, RegionKind.CITY]).order_by("code")
        )
        self.fields["region"].queryset = regions
        self.fields["month"].widget.attrs["max"] = f"{timezone.localdate():%Y-%m}"

    def clean_month(self):
        month = self.cleaned_data.get("month") or last_month(timezone.localdate())
        if month > timezone.localdate():
            raise forms.ValidationError(_("Investment cannot be reported for a future month."), code="future")
        if month.year < 2000:
            raise forms.ValidationError(_("Months before 2000 are not kept."), code="before_2000")
        return month

    def clean_region(self):
        region = self.cleaned_data.get("region")
        if region is None and self.user.region_id is not None:
            region = self.fields["region"].queryset.filter(pk=self.user.region_id).first()
        return region

    def clean_mode(self):
        return self.cleaned_data.get("mode") or MONTH_MODE

    def clean(self):
        cleaned = super().clean()
        # The inputs show what is in force, defaults included.
        month, region = cleaned.get("month"), cleaned.get("region")
        replace_data(self, month=f"{month:%Y-%m}" if month else None, region=region.pk if region else None)
        return cleaned


class MonthFigureForm(PageForm):
    """One project's row of the month-end grid (prefix ``p<project id>``): the figure, in 万元,
    and the version of the month's report the row showed (0: none). The figure is the month's or
    the year-to-date total, as the page's mode says. The hidden initial value is what the row
    showed, so a row is written only when the user changed it."""

    amount = MoneyField(required=False, show_hidden_initial=True)
    version = version_field(required=False)
