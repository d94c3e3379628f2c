"""The leaders' pages: the ranking dashboard at "/" and a region's page.

Every signed-in role reads the ranking (DESIGN "Roles"); it is city-wide and the same for
everyone. The lists under it, and everything on a region's page, go through
``visible_to(user)``: a county user sees their own region's projects and problems, and
opening another region's page is a 404, as its API records would be.

The number of queries of both pages does not depend on the number of regions or projects
(supervision/dashboard.py reads everything set-based); tests pin it.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from projects.choices import Stage
from projects.models import Project
from supervision.choices import Indicator, PeriodKind
from supervision.periods import MONTHLY, WEEKLY, period_containing, rankable
from supervision.ranking import dashboard as d
from supervision.ranking.bulletins import previous_bulletin
from supervision.ranking.display import bilingual, percent_text
from supervision.ranking.engine import compute_ranking
from supervision.ranking.tables import table_from_ranking
from supervision.selectors import projects_without_complete_team
from zhaoqing_tracker.forms import DateInput
from zhaoqing_tracker.web import login_required, page_of


def check_date_range(value: datetime.date) -> datetime.date:
    if value is not None and not rankable(value):
        raise ValidationError(_("Give a date between 2000 and 2100."), code="out_of_range")
    return value


class PeriodForm(forms.Form):
    """Which ranking to show: the kind of period and any day in it (both optional)."""

    kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, required=False)
    date = forms.DateField(
        label=_("Any day of the period"), required=False, widget=DateInput, input_formats=["%Y-%m-%d"]
    )

    def clean_date(self):
        return check_date_range(self.cleaned_data.get("date"))


def chosen_period(request, today: datetime.date):
    """The period the GET parameters ask for; a value that cannot be read falls back to the default."""
    asked = "kind" in request.GET or "date" in request.GET
    form = PeriodForm(request.GET if asked else None, initial={"kind": WEEKLY, "date": today})
    kind, day = WEEKLY, today
    if form.is_bound:
        form.is_valid()  # fills cleaned_data with the fields that are valid
        kind = form.cleaned_data.get("kind") or WEEKLY
        day = form.cleaned_data.get("date") or today
    return form, period_containing(kind, day)


@require_safe
@login_required
def dashboard(request):
    today = timezone.localdate()
    form, period = chosen_period(request, today)
    ranking = compute_ranking(period)
    previous = previous_bulletin(period.kind, period.start)
    table = table_from_ranking(ranking, previous)
    rows = table.rows
    funnel = d.stage_funnel()
    trend = d.investment_trend(period.end)
    user = request.user
    context = {
        "form": form,
        "period": period,
        "kind_label": PeriodKind(period.kind).label,
        "today": today,
        "table": table,
        "rows": rows,
        "previous": previous,
        "funnel": funnel,
        "trend": trend,
        "trend_year": period.end.year,
        "charts": {
            "investment": d.investment_chart(rows),
            "funnel": d.funnel_chart(funnel),
            "trend": d.trend_chart(trend, period.end.year),
        },
        "major": d.major_projects(user),
        "stalled": d.stalled_projects(user),
        "overdue": d.overdue_problems(user, today),
        "no_team": d.projects_without_team(user),
        "list_rows": d.LIST_ROWS,
    }
    return render(request, "supervision/dashboard.html", context)


@require_safe
@login_required
def projects_without_team(request):
    """Every project in the user's scope whose five-one team is missing or incomplete, paged
    (the project list has no filter for it)."""
    projects = projects_without_complete_team(
        Project.objects.visible_to(request.user).select_related("region", "enterprise")
    ).order_by("-planned_investment", "id")
    return render(request, "supervision/dashboard_no_team.html", {"page": page_of(request, projects)})


@require_safe
@login_required
def region_detail(request, code):
    region = get_object_or_404(d.regions_open_to(request.user).select_related("parent"), code=code)
    today = timezone.localdate()
    user = request.user
    # Year-to-date figures as of the end of this month: a month never spans two years, as a week can.
    period = period_containing(MONTHLY, today)
    row, ranked_count, target, target_lines = d.region_progress(region, period)
    history = d.rank_history(region)
    buckets = d.region_buckets(region, user)
    context = {
        "region": region,
        "region_name": bilingual(region.name, region.name_en),
        "today": today,
        "period": period,
        "row": row,
        "ranked_count": ranked_count,
        "resolution_rate": percent_text(row.indicators[Indicator.PROBLEM_RESOLUTION_RATE].value),
        "target": target,
        "target_lines": target_lines,
        "buckets": buckets,
        "above_scale": d.above_scale_count(region, user),
        "above_scale_stage": Stage.ABOVE_SCALE,
        "problems": d.region_problems(region, user),
        "visits": d.region_visits(region, user),
        "logs": d.region_service_logs(region, user),
        "history": history,
        "history_chart": d.rank_chart(history),
        "history_limit": d.RANK_HISTORY,
    }
    return render(request, "supervision/region.html", context)
