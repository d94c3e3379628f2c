"""What the leaders' dashboard and a region's page show, read in a fixed number of queries.

The ranking is DESIGN's (supervision.ranking, city-wide, the same for every reader); the
lists a leader acts on are cut to the reader's scope with ``visible_to(user)``. Every read
here is one set-based query whatever the number of regions or projects: a list is cut to a
few rows in the database (one row more than shown tells whether there are more), and the
charts' figures are grouped aggregates.

Money stays Decimal from the database to the page; charts receive it as decimal strings in
万元 (json_script keeps them exact; the chart script makes numbers of them only to draw).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, F, Sum, When, Window
from django.db.models.functions import RowNumber
from django.utils.dates import MONTHS_AP
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import scope
from projects.choices import Stage, Status
from projects.models import AnnualTarget, InvestmentRollup, Project, Region
from projects.templatetags.money import WAN, in_unit
from supervision.choices import BulletinStatus, Indicator, PeriodKind
from supervision.models import Problem, ServiceLog, SupervisionVisit
from supervision.models_ranking import Bulletin
from supervision.periods import Period
from supervision.ranking.display import percent_text, progress_value
from supervision.ranking.engine import Row, compute_ranking
from supervision.ranking.tables import TableRow
from supervision.selectors import projects_without_complete_team

# Rows shown in each list before "show all".
LIST_ROWS = 10
# Weekly bulletins on a region's rank history.
RANK_HISTORY = 26

# DESIGN's buckets of a region's projects: where each one is stuck.
BUCKETS = (
    (Stage.SIGNED, gettext_lazy("Signed, no land yet")),
    (Stage.LAND_SUPPLIED, gettext_lazy("Land supplied, not started")),
    (Stage.STARTED, gettext_lazy("Started, not completed")),
    (Stage.COMPLETED, gettext_lazy("Completed, not in production")),
    (Stage.IN_PRODUCTION, gettext_lazy("In production, not above designated size")),
)


# --- display helpers ----------------------------------------------------------------------------


def wan_string(amount: Decimal | None) -> str | None:
    """Yuan as a 万元 decimal string for a chart, or None."""
    value = in_unit(amount, WAN)
    return None if value is None else str(value)


# --- the ranking's chart (the table itself is supervision.ranking.tables) ----------------------


def investment_chart(rows: list[TableRow]) -> dict:
    """Bar chart: each region's YTD investment next to its target, in 万元."""
    return {
        "regions": [row.name for row in rows],
        "investment": [wan_string(row.investment) for row in rows],
        "target": [wan_string(row.target) for row in rows],
        "labels": {
            "investment": _("Investment year to date (10k yuan)"),
            "target": _("Annual target (10k yuan)"),
        },
    }


# --- city-wide charts -------------------------------------------------------------------------


def stage_funnel() -> list[dict]:
    """How many counted projects of the ranked regions are at each stage now (one grouped query)."""
    counts = dict(
        Project.objects.counted()
        .filter(region__is_ranked=True)
        .values("stage")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("stage", "n")
    )
    return [
        {"stage": stage.value, "label": str(stage.label), "count": counts.get(stage.value, 0)}
        for stage in Stage
    ]


def funnel_chart(funnel: list[dict]) -> dict:
    return {
        "stages": [step["label"] for step in funnel],
        "counts": [step["count"] for step in funnel],
        "label": _("Number of projects"),
    }


@dataclass
class TrendMonth:
    month: int
    this_year: Decimal | None
    last_year: Decimal

    @property
    def label(self) -> str:
        # Django's own month abbreviations: "Jan." in English, "1月" in Chinese.
        return str(MONTHS_AP[self.month])


def investment_trend(as_of: datetime.date) -> list[TrendMonth]:
    """The city's investment by month, this year (to ``as_of``'s month) and last year: one query."""
    year = as_of.year
    totals = dict(
        InvestmentRollup.objects.filter(
            region__is_ranked=True,
            month__gte=datetime.date(year - 1, 1, 1),
            month__lte=as_of.replace(day=1),
        )
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("month", "total")
    )
    zero = Decimal("0.00")
    months = []
    for month in range(1, 13):
        this_year = datetime.date(year, month, 1)
        months.append(
            TrendMonth(
                month=month,
                this_year=totals.get(this_year, zero) if month <= as_of.month else None,
                last_year=totals.get(datetime.date(year - 1, month, 1), zero),
            )
        )
    return months


def trend_chart(trend: list[TrendMonth], year: int) -> dict:
    return {
        "months": [m.label for m in trend],
        "series": [
            {"name": str(year), "values": [wan_string(m.this_year) for m in trend]},
            {"name": str(year - 1), "values": [wan_string(m.last_year) for m in trend]},
        ],
        "unit": _("10k yuan"),
    }


# --- the lists a leader acts on ---------------------------------------------------------------


@dataclass
class Cut:
    """The first rows of a list and whether there are more."""

    rows: list
    more: bool


def first_rows(queryset, limit: int = LIST_ROWS) -> Cut:
    rows = list(queryset[: limit + 1])
    return Cut(rows[:limit], len(rows) > limit)


def _projects(user):
    return Project.objects.visible_to(user).select_related("region", "enterprise")


def major_projects(user) -> Cut:
    return first_rows(_projects(user).counted().major().order_by("-planned_investment", "id"))


def stalled_projects(user) -> Cut:
    return first_rows(_projects(user).filter(status=Status.STALLED).order_by("-planned_investment", "id"))


def overdue_problems(user, today: datetime.date) -> Cut:
    problems = (
        Problem.objects.visible_to(user)
        .overdue(today)
        .exclude(project__status=Status.CANCELLED)
        .select_related("project__region", "responsible_unit")
        .order_by("due_on", "id")
    )
    cut = first_rows(problems)
    for problem in cut.rows:
        problem.days_overdue = (today - problem.due_on).days
    return cut


def projects_without_team(user, limit: int = LIST_ROWS) -> Cut:
    projects = projects_without_complete_team(_projects(user)).order_by("-planned_investment", "id")
    return first_rows(projects, limit)


# --- a region's page ----------------------------------------------------------------------------


def regions_open_to(user):
    """The regions whose page a user may open: a county user's own subtree, everything for the city."""
    return scope.regions_for(user)


@dataclass
class Bucket:
    stage: Stage
    label: str
    count: int
    projects: list
    more: bool


def _stage_since():
    """The date each project reached its current stage (how long it has been stuck there)."""
    return Case(*[When(stage=stage, then=F(stage.date_field)) for stage in Stage])


def _of_region(model, region: Region, user):
    """The region's records of ``model`` that ``user`` may see: a region's card is open to every
    reader, its records only within the reader's scope (DESIGN "Roles")."""
    return model.objects.visible_to(user).in_region(region)


def region_buckets(region: Region, user) -> list[Bucket]:
    """The region's counted projects by where they stand, longest waiting first: two queries."""
    stages = [stage for stage, _label in BUCKETS]
    projects = _of_region(Project, region, user).counted().filter(stage__in=stages)
    counts = dict(projects.values("stage").annotate(n=Count("id")).order_by().values_list("stage", "n"))
    firsts = (
        projects.select_related("enterprise", "region")
        .annotate(since=_stage_since())
        .annotate(
            position=Window(
                RowNumber(), partition_by=[F("stage")], order_by=[F("since").asc(), F("id").asc()]
            )
        )
        .filter(position__lte=LIST_ROWS)
        .order_by("stage", "position")
    )
    by_stage: dict[str, list] = {stage.value: [] for stage in stages}
    for project in firsts:
        by_stage[project.stage].append(project)
    return [
        Bucket(
            stage=stage,
            label=str(label),
            count=counts.get(stage.value, 0),
            projects=by_stage[stage.value],
            more=counts.get(stage.value, 0) > len(by_stage[stage.value]),
        )
        for stage, label in BUCKETS
    ]


def above_scale_count(region: Region, user) -> int:
    return _of_region(Project, region, user).counted().filter(stage=Stage.ABOVE_SCALE).count()


@dataclass
class TargetLine:
    label: str
    done: object
    target: object
    is_money: bool = False

    @property
    def progress(self) -> Decimal | None:
        return progress_value(self.done, self.target)

    @property
    def percent(self) -> str:
        if self.target is None or not self.target or self.done is None:
            return "—"
        return percent_text(Decimal(self.done) / Decimal(self.target))


def region_progress(region: Region, period: Period) -> tuple[Row, int, AnnualTarget | None, list[TargetLine]]:
    """The region's year-to-date figures (the ranking's, as of ``period``'s end) against its target.

    A ranked region is ranked among all of them, so its row carries its live rank; any other
    region is computed alone (its figures are the same, its rank means nothing). Returns the
    row, the number of regions ranked with it, the target and the lines of target against done.
    """
    regions = Region.objects.ranked() if region.is_ranked else Region.objects.filter(pk=region.pk)
    ranking = compute_ranking(period, regions=regions)
    row = next(row for row in ranking.rows if row.code == region.code)
    target = AnnualTarget.objects.filter(region=region, year=period.end.year).first()
    values = {name: cell.value for name, cell in row.indicators.items()}
    lines = [
        TargetLine(
            _("Investment"),
            values[Indicator.INVESTMENT],
            target.investment if target else None,
            is_money=True,
        )
    ]
    for indicator, target_field, label in (
        (Indicator.SIGNED, "signed", _("Projects signed")),
        (Indicator.STARTED, "started", _("Projects started")),
        (Indicator.COMPLETED, "completed", _("Projects completed")),
        (Indicator.IN_PRODUCTION, "in_production", _("Projects in production")),
    ):
        lines.append(TargetLine(label, values[indicator], getattr(target, target_field) if target else None))
    return row, len(ranking.rows), target, lines


def region_problems(region: Region, user) -> Cut:
    problems = (
        _of_region(Problem, region, user)
        .open()
        .exclude(project__status=Status.CANCELLED)
        .select_related("project", "responsible_unit")
        .order_by(F("due_on").asc(nulls_last=True), "raised_on", "id")
    )
    return first_rows(problems)


def region_visits(region: Region, user) -> Cut:
    visits = (
        _of_region(SupervisionVisit, region, user)
        .select_related("leader", "region")
        .annotate(project_count=Count("projects", distinct=True))
        .order_by("-on", "-id")
    )
    return first_rows(visits)


def region_service_logs(region: Region, user) -> Cut:
    logs = (
        _of_region(ServiceLog, region, user)
        .select_related("project", "person")
        .order_by("-on", "-id")
    )
    return first_rows(logs)


@dataclass
class RankPoint:
    bulletin_id: int
    label: str
    period_end: datetime.date
    rank: int | None
    of: int


def rank_history(region: Region, limit: int = RANK_HISTORY) -> list[RankPoint]:
    """The region's rank in the last ``limit`` published weekly bulletins (current revisions),
    oldest first."""
    bulletins = (
        Bulletin.objects.filter(kind=PeriodKind.WEEKLY, status=BulletinStatus.PUBLISHED, is_current=True)
        .only("id", "kind", "period_start", "period_end", "rows")
        .order_by("-period_start")[:limit]
    )
    points = []
    for bulletin in reversed(list(bulletins)):
        rank = next((row["rank"] for row in bulletin.rows if row["region"] == region.code), None)
        points.append(
            RankPoint(bulletin.pk, bulletin.period.label, bulletin.period_end, rank, len(bulletin.rows))
        )
    return points


def rank_chart(points: list[RankPoint]) -> dict:
    return {
        "labels": [point.label for point in points],
        "ranks": [point.rank for point in points],
        "max": max((point.of for point in points), default=1),
        "label": _("Rank"),
    }
