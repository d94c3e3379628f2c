"""Staff workspace, read side: the project list, its .xlsx export and the project page.

Scope and permissions follow the API exactly (zhaoqing_tracker/api): every read goes through
``Project.objects.visible_to(user)``, so a project outside the user's region is a 404, and the
edit controls follow the role groups' model permissions (projects/roles.py). The forms that
write are in edits.py.
"""

from decimal import Decimal

from django import forms
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from projects.choices import Stage, Status
from projects.filtersets import ProjectFilterSet
from projects.forms import scoped_regions
from projects.history_display import project_history
from projects.imports.services import may_import_any
from projects.models import Project
from projects.templatetags.money import WAN, in_unit
from projects.xlsx import xlsx_response
from zhaoqing_tracker.forms import DateInput, MoneyField
from zhaoqing_tracker.web import is_partial, login_required, page_of

PAGE_SIZE = 50
# ?sort= values: the only orderings offered, each ending in the id so that a page boundary
# among equal values neither repeats nor skips a project.
SORTS = {
    "-signed_on": (_("Newest signing first"), ("-signed_on", "-id")),
    "signed_on": (_("Oldest signing first"), ("signed_on", "id")),
    "-planned_investment": (_("Largest investment first"), ("-planned_investment", "-id")),
    "planned_investment": (_("Smallest investment first"), ("planned_investment", "id")),
    "code": (_("Project code"), ("code", "id")),
    "name": (_("Project name"), ("name", "id")),
    "-updated_at": (_("Recently changed first"), ("-updated_at", "-id")),
}
DEFAULT_SORT = "-signed_on"
# The filters shown at once, and those behind "More filters".
MAIN_FILTERS = ("search", "region", "stage", "status", "industry", "is_major")
MORE_FILTERS = ("is_manufacturing", "signed_after", "signed_before", "investment_min", "investment_max")
CHART_MONTHS = 24
HISTORY_ROWS = 30
SERVICE_LOG_ROWS = 20


def workspace_permissions(user) -> dict:
    """What the pages offer a user. The same model permissions as the API's RolePermissions, so
    a control is shown exactly when the API (and the POST behind the control) would accept it;
    the region scope is already applied by ``visible_to``."""
    return {
        "can_create": user.has_perm("projects.add_project"),
        "can_import": may_import_any(user),
        "can_edit": user.has_perm("projects.change_project"),
        "can_report": user.has_perms(["projects.add_investmentreport", "projects.change_investmentreport"]),
        "can_raise_problem": user.has_perm("supervision.add_problem"),
        "can_log_service": user.has_perm("supervision.add_servicelog"),
        "can_plan_milestones": user.has_perm("supervision.add_milestone"),
        "can_edit_team": user.has_perm("supervision.change_serviceteam"),
    }


def visible_project(request, pk, *related) -> Project:
    """The project if the user's scope holds it, else 404 (its existence is not revealed)."""
    queryset = Project.objects.visible_to(request.user).select_related(*related)
    return get_object_or_404(queryset, pk=pk)


# --- list and export ----------------------------------------------------------------------


def filtered_projects(request):
    """The shared FilterSet (house rule 4) over the user's projects, and the chosen sort.

    An invalid filter (a bad date, an unknown code) gives no rows and its message on the form,
    never the unfiltered list.
    """
    queryset = Project.objects.visible_to(request.user).select_related("enterprise", "region", "industry")
    filterset = ProjectFilterSet(request.GET or None, queryset=queryset, request=request)
    _shape_filter_form(filterset.form, request.user)
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort not in SORTS:
        sort = DEFAULT_SORT
    if filterset.is_bound and not filterset.is_valid():
        return filterset, queryset.none(), sort
    return filterset, filterset.qs.order_by(*SORTS[sort][1]), sort


def _shape_filter_form(form, user):
    """Browser widgets for the shared FilterSet's fields (the API reads the same fields as text)."""
    form.fields["region"].queryset = scoped_regions(user)
    form.label_suffix = ""
    for field in form.fields.values():
        field.label = capfirst(field.label)
    for name in ("region", "industry", "stage", "status"):
        form.fields[name].empty_label = _("All")
    # django-filter's choice iterator still points at the class's field; new choices rebind it.
    form.fields["stage"].choices = Stage.choices
    form.fields["status"].choices = Status.choices
    # The API's help texts explain query parameters; on the page the labels say enough.
    for field in form.fields.values():
        field.help_text = ""
    yes_no = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]
    for name in ("is_major", "is_manufacturing"):
        form.fields[name].widget = forms.Select(choices=yes_no)
    for name in ("signed_after", "signed_before"):
        form.fields[name].widget = DateInput()
    # People type 万元 on the page (the API's filter, the same FilterSet, keeps yuan).
    labels = {
        "investment_min": _("planned investment at least (10k yuan)"),
        "investment_max": _("planned investment at most (10k yuan)"),
    }
    for name, label in labels.items():
        form.fields[name] = MoneyField(label=capfirst(label), required=False, min_value=None)
    form.fields["search"].widget = forms.TextInput(attrs={"type": "search"})
    # Incremental sync is for the API; the page still honours it in a pasted URL.
    form.fields["updated_after"].widget = forms.HiddenInput()


@require_safe
@login_required
@vary_on_headers("HX-Request")
def project_list(request):
    filterset, projects, sort = filtered_projects(request)
    # No COUNT(*): on a long list it costs more than the page itself.
    page = page_of(request, projects, PAGE_SIZE)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _ordering) in SORTS.items()],
        "main_filters": [filterset.form[name] for name in MAIN_FILTERS],
        "more_filters": [filterset.form[name] for name in MORE_FILTERS],
        "more_open": any(request.GET.get(name) for name in MORE_FILTERS),
        **workspace_permissions(request.user),
    }
    # htmx swaps only the results when a filter changes; a history restore needs the whole page.
    template = "projects/_list_results.html" if is_partial(request) else "projects/project_list.html"
    return render(request, template, context)


@require_safe
@login_required
def project_export(request):
    _filterset, projects, _sort = filtered_projects(request)
    return xlsx_response(projects)


# --- the project page ---------------------------------------------------------------------


@require_safe
@login_required
def project_detail(request, pk):
    # The page shows the project's supervision too (its five-one team, problems, service logs and
    # milestones), read through the reverse relations the supervision app declares.
    team = [f"service_team__{role}" for role in ("county_leader", "chief_officer", "specialist", "unit")]
    project = visible_project(request, pk, "enterprise", "region", "park", "industry", *team)
    today = timezone.localdate()
    reports = list(project.investment_reports.select_related("reported_by").order_by("month"))
    milestones = list(project.milestones.with_warning(today).select_related("responsible"))
    context = {
        "project": project,
        "stages": _stage_rows(project),
        "next_stage": project.stage_enum.next,
        "previous_stage": project.stage_enum.previous,
        "is_cancelled": project.status == Status.CANCELLED,
        "transitions": project.transitions.select_related("by").order_by("at", "id"),
        "status_changes": project.status_changes.select_related("by").order_by("at", "id"),
        "milestones": milestones,
        "reports": reports[::-1],
        "investment_total": sum((r.amount for r in reports), Decimal("0")),
        "chart": _investment_chart(reports[-CHART_MONTHS:]),
        "problems": project.problems.select_related("responsible_unit").order_by("-raised_on", "-id"),
        "team": getattr(project, "service_team", None),
        "service_logs": project.service_logs.select_related("person")[:SERVICE_LOG_ROWS],
        "history": project_history(project, limit=HISTORY_ROWS),
        **workspace_permissions(request.user),
    }
    return render(request, "projects/project_detail.html", context)


def _stage_rows(project):
    """Each stage with its date and whether it is done, the current one, or still to come."""
    current = project.stage_enum.index
    return [
        {
            "stage": stage,
            "date": project.stage_date(stage),
            "state": "done" if stage.index < current else "current" if stage.index == current else "todo",
        }
        for stage in Stage
    ]


def _investment_chart(reports):
    """What the bar chart draws, in 万元 as decimal strings (json_script keeps them exact; the
    chart script turns them into numbers only for drawing)."""
    return {
        "months": [f"{report.month:%Y-%m}" for report in reports],
        "amounts": [str(in_unit(report.amount, WAN)) for report in reports],
        "label": str(_("Amount (10k yuan)")),
    }
