"""The county race (赛龙夺锦): DESIGN's ranking, computed in the database.

For a period P ending on D (the as-of date, year Y), every ranked region gets
each indicator of DESIGN "Ranking" over the YTD window Jan 1 of Y .. D, the same
indicator over P itself (its ``period_value``), a rank per indicator, a
composite score and a rank on that score.

Queries: whatever the number of regions and projects, a ranking runs seven:
the ranked regions, their targets for Y, one grouped aggregate over projects
(every stage count and the days to land, YTD and period, in one scan), one over
the investment roll-up, one over problems, and the scheme with its weights.
Each aggregate returns one row per region; what is done in Python afterwards is
per region (a few thousand rows at national scale), never per project.

Scores and ranks are worked out on those per-region rows in Decimal rather than
with SQL window functions: SQLite has no decimal type, so a RANK() over a
computed rate or score would compare binary floats there and could split a tie
that PostgreSQL (and a leader checking by hand) sees as equal.

Rounding rule (ROUND_HALF_UP throughout, applied once to each published value):
- money (``investment``) to 0.01 yuan;
- rates (``investment_rate``, ``problem_resolution_rate``) as fractions to 4
  places (0.1235 is 12.35 %);
- ``avg_days_to_land`` to 0.1 day;
- the composite score is computed from the published (rounded) values exactly
  in Decimal and rounded to 2 places; ranks compare the published values, so
  two regions showing the same figure always share a rank.
An indicator's own rank is standard competition ranking (1, 2, 2, 4), largest
first except for ``avg_days_to_land`` and ``problems_overdue`` (smallest first);
a null value ranks after every value, tied with the other nulls.

Period values: the same definitions with the window Jan 1..D replaced by P.
Investment is reported by month, so a month belongs to the period that contains
its first day (a week without a 1st adds no investment; a quarter adds three
months). ``problems_overdue`` is a count at D, not a flow, so it has no period value.
"""

import datetime
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Func, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from projects.choices import Status
from projects.models import AnnualTarget, InvestmentRollup, Project, Region
from supervision.choices import DEFAULT_WEIGHTS, LOWER_IS_BETTER, Indicator
from supervision.models import Problem
from supervision.models_ranking import RankingScheme, RankingWeight
from supervision.periods import Period, ytd_start

MONEY = Decimal("0.01")
RATE = Decimal("0.0001")
DAYS = Decimal("0.1")
SCORE = Decimal("0.01")

# Stage-count indicators and the project date each one counts.
STAGE_COUNTS = (
    (Indicator.SIGNED, "signed_on"),
    (Indicator.LAND_SUPPLIED, "land_supplied_on"),
    (Indicator.STARTED, "started_on"),
    (Indicator.COMPLETED, "completed_on"),
    (Indicator.IN_PRODUCTION, "in_production_on"),
    (Indicator.ABOVE_SCALE, "above_scale_on"),
)

Value = int | Decimal | None


class DaysBetween(Func):
    """``end - start`` in whole days for two date columns, on PostgreSQL and SQLite."""

    arg_joiner = " - "
    template = "(%(expressions)s)"  # PostgreSQL: date - date is an integer number of days
    output_field = IntegerField()

    def __init__(self, start, end):
        super().__init__(end, start)

    def as_sqlite(self, compiler, connection, **extra_context):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return (
            f"CAST(ROUND(julianday({end_sql}) - julianday({start_sql})) AS INTEGER)",
            (*end_params, *start_params),
        )


@dataclass(frozen=True)
class Scheme:
    year: int
    weights: dict[str, Decimal]
    is_default: bool

    def as_json(self) -> dict:
        return {
            "year": self.year,
            "weights": {name: str(weight) for name, weight in self.weights.items()},
            "is_default": self.is_default,
        }


@dataclass(frozen=True)
class Cell:
    value: Value
    rank: int
    period_value: Value


@dataclass
class Row:
    region_id: int
    code: str
    name: str
    name_en: str
    target: Decimal | None
    values: dict[str, Value] = field(repr=False)
    period_values: dict[str, Value] = field(repr=False)
    investment_last_year: Decimal | None = None
    indicators: dict[str, Cell] = field(default_factory=dict)
    score: Decimal = Decimal("0.00")
    rank: int = 0


@dataclass
class Ranking:
    period: Period
    scheme: Scheme
    rows: list[Row]


def default_scheme(year: int) -> Scheme:
    return Scheme(year, {str(k): Decimal(v).quantize(MONEY) for k, v in DEFAULT_WEIGHTS.items()}, True)


def scheme_for(year: int) -> Scheme:
    """The city admin's scheme for ``year``, or DESIGN's default when there is none."""
    scheme = RankingScheme.objects.filter(year=year).first()
    if scheme is None:
        return default_scheme(year)
    weights = RankingWeight.objects.filter(scheme=scheme, weight__gt=0).values_list("indicator", "weight")
    ordered = {name: weight for name, weight in sorted(weights, key=lambda w: Indicator.values.index(w[0]))}
    return Scheme(year, ordered, False)


def _window(field: str, start: datetime.date, end: datetime.date) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lte": end})


def _ratio(numerator, denominator, places: Decimal) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(places, rounding=ROUND_HALF_UP)


def _project_counts(regions: QuerySet, ytd: tuple, period: tuple, as_of: datetime.date) -> dict[int, dict]:
    aggregates = {}
    for indicator, date_field in STAGE_COUNTS:
        aggregates[f"ytd_{indicator}"] = Count("id", filter=_window(date_field, *ytd))
        aggregates[f"period_{indicator}"] = Count("id", filter=_window(date_field, *period))
    days = DaysBetween("signed_on", "land_supplied_on")
    aggregates["ytd_land_days"] = Sum(days, filter=_window("land_supplied_on", *ytd))
    aggregates["period_land_days"] = Sum(days, filter=_window("land_supplied_on", *period))
    # A project's latest stage date is the date of its current stage (the constraints
    # keep the dates filled in order), and every date it counts with is at most that;
    # so a project whose latest date is before both windows counts nowhere. At national
    # scale this leaves about a quarter of the projects to aggregate.
    latest = Coalesce(*(date_field for _indicator, date_field in reversed(STAGE_COUNTS)))
    rows = (
        Project.objects.exclude(status=Status.CANCELLED)
        .alias(latest=latest)
        # Every stage date is on or after signing, so nothing signed after D can count.
        .filter(region__in=regions, signed_on__lte=as_of, latest__gte=min(ytd[0], period[0]))
        .values("region_id")
        .annotate(**aggregates)
        .order_by()
    )
    return {row.pop("region_id"): row for row in rows}


def _investment(regions: QuerySet, ytd: tuple, period: tuple, with_last_year: bool) -> dict[int, dict]:
    as_of = ytd[1]
    month_of_as_of = as_of.replace(day=1)
    aggregates = {
        "ytd": Sum("amount", filter=_window("month", ytd[0], month_of_as_of)),
        "period": Sum("amount", filter=_window("month", *period)),
    }
    earliest = min(ytd[0], period[0])
    if with_last_year:
        last_year = (ytd[0].replace(year=ytd[0].year - 1), month_of_as_of.replace(year=as_of.year - 1))
        aggregates["last_year"] = Sum("amount", filter=_window("month", *last_year))
        earliest = min(earliest, last_year[0])
    rows = (
        InvestmentRollup.objects.filter(region__in=regions, month__gte=earliest, month__lte=month_of_as_of)
        .values("region_id")
        .annotate(**aggregates)
        .order_by()
    )
    return {row.pop("region_id"): row for row in rows}


def _problems(regions: QuerySet, ytd: tuple, period: tuple, as_of: datetime.date) -> dict[int, dict]:
    resolved_by = Q(resolved_on__isnull=False, resolved_on__lte=as_of)
    rows = (
        Problem.objects.exclude(project__status=Status.CANCELLED)
        .filter(project__region__in=regions, raised_on__lte=as_of)
        .values("project__region_id")
        .annotate(
            ytd_raised=Count("id", filter=_window("raised_on", *ytd)),
            ytd_resolved=Count("id", filter=_window("raised_on", *ytd) & resolved_by),
            period_raised=Count("id", filter=_window("raised_on", *period)),
            period_resolved=Count("id", filter=_window("raised_on", *period) & resolved_by),
            # Open at D: not resolved by D (still open, or resolved only after D).
            overdue=Count("id", filter=Q(due_on__lt=as_of) & ~resolved_by),
        )
        .order_by()
    )
    return {row.pop("project__region_id"): row for row in rows}


def _values(
    prefix: str, counts: dict, money: dict, problems: dict, target: Decimal | None
) -> dict[str, Value]:
    values: dict[str, Value] = {
        str(indicator): counts.get(f"{prefix}_{indicator}", 0) for indicator, _field in STAGE_COUNTS
    }
    investment = Decimal(money.get(prefix) or 0).quantize(MONEY, rounding=ROUND_HALF_UP)
    values[Indicator.INVESTMENT] = investment
    values[Indicator.INVESTMENT_RATE] = _ratio(investment, target, RATE)
    values[Indicator.AVG_DAYS_TO_LAND] = _ratio(
        counts.get(f"{prefix}_land_days"), counts.get(f"{prefix}_{Indicator.LAND_SUPPLIED}"), DAYS
    )
    raised = problems.get(f"{prefix}_raised", 0)
    resolved = problems.get(f"{prefix}_resolved", 0)
    values[Indicator.PROBLEMS_RAISED] = raised
    values[Indicator.PROBLEMS_RESOLVED] = resolved
    values[Indicator.PROBLEM_RESOLUTION_RATE] = _ratio(resolved, raised, RATE)
    values[Indicator.PROBLEMS_OVERDUE] = problems.get("overdue", 0) if prefix == "ytd" else None
    return {str(name): value for name, value in values.items()}


def competition_ranks(values: list[Value], *, smallest_first: bool = False) -> list[int]:
    """Standard competition ranks (1, 2, 2, 4) for ``values`` in their order; None ranks last."""
    present = sorted(v for v in values if v is not None)
    ranks = []
    for value in values:
        if value is None:
            ranks.append(len(present) + 1)
        elif smallest_first:
            ranks.append(bisect_left(present, value) + 1)
        else:
            ranks.append(len(present) - bisect_right(present, value) + 1)
    return ranks


def _score(rows: list[Row], scheme: Scheme) -> None:
    for row in rows:
        row.score = Decimal(0)
    for indicator, weight in scheme.weights.items():
        present = [row.values[indicator] for row in rows if row.values[indicator] is not None]
        top = max(present, default=None)
        if not top or top <= 0:
            continue  # DESIGN: the term is 0 where the max is 0
        for row in rows:
            value = row.values[indicator]
            if value is not None:
                row.score += weight * Decimal(value) / Decimal(top)
    for row in rows:
        row.score = row.score.quantize(SCORE, rounding=ROUND_HALF_UP)


def compute_ranking(
    period: Period,
    *,
    regions: QuerySet | None = None,
    scheme: Scheme | None = None,
    with_last_year: bool = False,
) -> Ranking:
    """The ranking as of ``period.end``; ``with_last_year`` adds last year's YTD investment (quarterly)."""
    as_of = period.end
    ytd = (ytd_start(as_of), as_of)
    window = (period.start, period.end)
    if regions is None:
        regions = Region.objects.ranked()
    ranked = regions.values_list("pk", flat=True)
    scheme = scheme or scheme_for(as_of.year)

    region_rows = list(regions.order_by("code").values("id", "code", "name", "name_en"))
    targets = dict(
        AnnualTarget.objects.filter(region__in=ranked, year=as_of.year).values_list("region_id", "investment")
    )
    counts = _project_counts(ranked, ytd, window, as_of)
    money = _investment(ranked, ytd, window, with_last_year)
    problems = _problems(ranked, ytd, window, as_of)

    rows = []
    for region in region_rows:
        region_id = region["id"]
        target = targets.get(region_id)
        region_counts, region_money = counts.get(region_id, {}), money.get(region_id, {})
        region_problems = problems.get(region_id, {})
        rows.append(
            Row(
                region_id=region_id,
                code=region["code"],
                name=region["name"],
                name_en=region["name_en"],
                target=target,
                values=_values("ytd", region_counts, region_money, region_problems, target),
                period_values=_values("period", region_counts, region_money, region_problems, target),
                investment_last_year=(
                    Decimal(region_money.get("last_year") or 0).quantize(MONEY) if with_last_year else None
                ),
            )
        )

    for indicator in Indicator.values:
        ranks = competition_ranks(
            [row.values[indicator] for row in rows], smallest_first=indicator in LOWER_IS_BETTER
        )
        for row, rank in zip(rows, ranks, strict=True):
            row.indicators[indicator] = Cell(row.values[indicator], rank, row.period_values[indicator])
    _score(rows, scheme)
    for row, rank in zip(rows, competition_ranks([row.score for row in rows]), strict=True):
        row.rank = rank
    rows.sort(key=lambda row: (row.rank, row.code))
    return Ranking(period=period, scheme=scheme, rows=rows)


def _json_value(value: Value):
    # Counts are JSON numbers; Decimals (money, rates, days, scores) are strings,
    # as DESIGN promises for money, so no figure passes through a binary float.
    return str(value) if isinstance(value, Decimal) else value


def ranking_as_json(ranking: Ranking) -> dict:
    return {
        "kind": ranking.period.kind,
        "period": ranking.period.label,
        "period_start": ranking.period.start.isoformat(),
        "period_end": ranking.period.end.isoformat(),
        "scheme": ranking.scheme.as_json(),
        "rows": [
            {
                "region": row.code,
                "region_name": row.name,
                "region_name_en": row.name_en,
                "rank": row.rank,
                "score": str(row.score),
                "investment_target": _json_value(row.target),
                "indicators": {
                    name: {
                        "value": _json_value(cell.value),
                        "rank": cell.rank,
                        "period_value": _json_value(cell.period_value),
                    }
                    for name, cell in row.indicators.items()
                },
            }
            for row in ranking.rows
        ],
    }
