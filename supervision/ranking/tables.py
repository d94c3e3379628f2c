"""One ranking table: what every view of a ranking renders.

The dashboard, a bulletin's page, its printable page (and so its PDF), its workbook and
the admin's bulletin page all show the same thing: a row per region with its rank, its
score, its change of rank since the previous bulletin of the same kind, and each
indicator's value, own rank and increase within the period. This module builds that one
model, from a live ranking (supervision.ranking.engine) or from a bulletin's frozen
rows, so a figure reads the same on every rendering and the rank change is worked out in
one place (``rank_change``), which the bulletin service also uses when it freezes rows.

Building a table runs no query: a bulletin's table reads only its ``rows``, ``scheme``
and ``previous_id``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.templatetags.money import wan
from supervision.choices import LOWER_IS_BETTER, Indicator, PeriodKind
from supervision.ranking.display import bilingual, percent_text, progress_value
from supervision.ranking.engine import Ranking

MONEY, RATE, DAYS, COUNT = "money", "rate", "days", "count"
UNITS = {
    Indicator.INVESTMENT: MONEY,
    Indicator.INVESTMENT_RATE: RATE,
    Indicator.PROBLEM_RESOLUTION_RATE: RATE,
    Indicator.AVG_DAYS_TO_LAND: DAYS,
}

# The leaders' dashboard: the money, the target and the stages DESIGN's default scheme weights.
DASHBOARD_INDICATORS = (
    Indicator.INVESTMENT,
    Indicator.INVESTMENT_RATE,
    Indicator.STARTED,
    Indicator.COMPLETED,
    Indicator.IN_PRODUCTION,
    Indicator.PROBLEM_RESOLUTION_RATE,
)
# A bulletin's page and its printed A4 page (room for about eight indicators).
PRINTED_INDICATORS = (
    Indicator.INVESTMENT,
    Indicator.INVESTMENT_RATE,
    Indicator.SIGNED,
    Indicator.STARTED,
    Indicator.COMPLETED,
    Indicator.IN_PRODUCTION,
    Indicator.PROBLEM_RESOLUTION_RATE,
    Indicator.PROBLEMS_OVERDUE,
)
# The workbook has room for every indicator.
ALL_INDICATORS = tuple(Indicator.values)

CHANGE_LEGEND = gettext_lazy(
    "Change of rank since the previous bulletin of the same kind: ↑ moved up, ↓ moved down, "
    "= unchanged, “new” not in the previous bulletin, – no previous bulletin."
)


# --- figures and how they read ------------------------------------------------------------------


def as_number(value):
    """A figure as a number: counts stay ints, a decimal string (as stored) becomes a Decimal."""
    if value is None or value == "":
        return None
    if isinstance(value, int | Decimal):
        return value
    return Decimal(str(value))


def figure_text(indicator: str, value) -> str:
    """One indicator's value as every table writes it: 万元, %, days with one decimal, or a count."""
    if value is None:
        return "—"
    unit = UNITS.get(indicator, COUNT)
    if unit == MONEY:
        return wan(value)
    if unit == RATE:
        return percent_text(value)
    if unit == DAYS:
        return number_format(as_number(value), decimal_pos=1)
    return str(value)


def plain(weight) -> str:
    """A weight without trailing zeros: 40, 12.5."""
    return f"{Decimal(str(weight)).normalize():f}"


def scheme_weights(scheme: dict) -> list[tuple[str, str, Decimal]]:
    """(indicator, label, weight) of a scheme as stored (``Scheme.as_json``), in the indicators' order."""
    weights = scheme.get("weights", {})
    return [
        (name, str(Indicator(name).label), Decimal(str(weights[name])))
        for name in Indicator.values
        if name in weights
    ]


def printed_indicators(weighted: list[str]) -> list[str]:
    """The printed indicators, and any other one the scheme weights: every figure behind a score shows."""
    return [*PRINTED_INDICATORS, *(name for name in weighted if name not in PRINTED_INDICATORS)]


def dashboard_indicators(weighted: list[str]) -> list[str]:
    return [*DASHBOARD_INDICATORS, *(name for name in weighted if name not in DASHBOARD_INDICATORS)]


# --- the change of rank ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RankChange:
    """Where a region stood in the previous bulletin of the same kind, and how far it moved."""

    previous_rank: int | None
    places: int | None  # previous rank minus rank: +2 is up two places (5th to 3rd)
    direction: str  # up, down, same, new (not in the previous bulletin), none (no previous bulletin)

    @property
    def symbol(self) -> str:
        """An arrow and a number, so the change reads without colour and in black and white."""
        if self.direction == "up":
            return f"↑{self.places}"
        if self.direction == "down":
            return f"↓{-self.places}"
        if self.direction == "same":
            return "="
        if self.direction == "new":
            return _("new")
        return "–"

    @property
    def words(self) -> str:
        """The change in words, for screen readers."""
        if self.direction == "up":
            return _("up %(places)s") % {"places": self.places}
        if self.direction == "down":
            return _("down %(places)s") % {"places": -self.places}
        if self.direction == "same":
            return _("unchanged")
        if self.direction == "new":
            return _("not in the previous bulletin")
        return _("no earlier bulletin")


def rank_change(rank: int, previous_rank: int | None, *, compared: bool) -> RankChange:
    """The change of rank since the previous bulletin of the same kind: the one definition.

    ``compared`` says whether there is a previous bulletin at all; without one every region
    is "none", with one a region missing from it (newly ranked) is "new".
    """
    if previous_rank is None:
        return RankChange(None, None, "new" if compared else "none")
    places = previous_rank - rank
    direction = "up" if places > 0 else "down" if places < 0 else "same"
    return RankChange(previous_rank, places, direction)


def previous_ranks(previous) -> dict[str, int]:
    """Each region's rank in the previous bulletin (a Bulletin or None), by region code."""
    return {row["region"]: row["rank"] for row in previous.rows} if previous is not None else {}


# --- the model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    indicator: str
    weight: Decimal | None  # None: the scheme does not weight it

    @property
    def label(self) -> str:
        return str(Indicator(self.indicator).label)

    @property
    def unit(self) -> str:
        return UNITS.get(self.indicator, COUNT)

    @property
    def weighted(self) -> bool:
        return self.weight is not None

    @property
    def lower_is_better(self) -> bool:
        return self.indicator in LOWER_IS_BETTER

    @property
    def heading(self) -> str:
        """The label as a table heading: money is shown in 万元, and the heading says so."""
        if self.unit == MONEY:
            return _("%(indicator)s (10k yuan)") % {"indicator": self.label}
        return self.label


@dataclass(frozen=True)
class Figure:
    """One indicator of one region: year to date, its own rank, and the period's own increase."""

    indicator: str
    value: int | Decimal | None
    rank: int | None
    period_value: int | Decimal | None

    @property
    def text(self) -> str:
        return figure_text(self.indicator, self.value)

    @property
    def period_text(self) -> str:
        return figure_text(self.indicator, self.period_value)


@dataclass
class TableRow:
    code: str
    name_zh: str
    name_en: str
    rank: int
    score: Decimal
    target: Decimal | None
    movement: RankChange
    figures: dict[str, Figure]
    cells: list[Figure] = field(default_factory=list)  # the table's columns, in order
    investment_last_year: Decimal | None = None
    investment_yoy: Decimal | None = None

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    @property
    def previous_rank(self) -> int | None:
        return self.movement.previous_rank

    @property
    def change(self) -> int | None:
        return self.movement.places

    @property
    def ind(self) -> dict[str, Figure]:
        """The figures by indicator, for templates: ``row.ind.started.rank``."""
        return self.figures

    @property
    def score_text(self) -> str:
        return number_format(self.score, decimal_pos=2)

    @property
    def investment(self):
        return self.figures[Indicator.INVESTMENT].value

    @property
    def progress(self) -> Decimal | None:
        """Investment against the target, 0–100, for a progress bar."""
        return progress_value(self.investment, self.target)

    @property
    def progress_text(self) -> str:
        return self.figures[Indicator.INVESTMENT_RATE].text

    @property
    def last_year_text(self) -> str:
        return figure_text(Indicator.INVESTMENT, self.investment_last_year)

    @property
    def yoy_text(self) -> str:
        return percent_text(self.investment_yoy)


@dataclass
class RankingTable:
    kind: str
    period_label: str
    columns: list[Column]
    rows: list[TableRow]
    scheme_year: int
    scheme_is_default: bool
    weights: list[Column]  # the weighted indicators, in the indicators' order
    compared: bool  # there is a previous bulletin to count rank changes from
    quarterly: bool = False  # rows carry last year's investment and the growth

    change_legend = CHANGE_LEGEND

    @property
    def weight_texts(self) -> list[tuple[str, str]]:
        """(label, weight) for a legend: "Started 15"."""
        return [(column.label, plain(column.weight)) for column in self.weights]


def _columns(indicators, weights: dict[str, Decimal]) -> list[Column]:
    return [Column(str(name), weights.get(str(name))) for name in indicators]


def table_from_ranking(ranking: Ranking, previous, indicators=None) -> RankingTable:
    """The live ranking as a table, its rank changes counted from ``previous`` (a Bulletin or None).

    ``indicators`` are the columns shown (the dashboard's by default); every row carries all of them.
    """
    weights = dict(sorted(ranking.scheme.weights.items(), key=lambda item: Indicator.values.index(item[0])))
    if indicators is None:
        indicators = dashboard_indicators(list(weights))
    columns = _columns(indicators, weights)
    before = previous_ranks(previous)
    rows = []
    for row in ranking.rows:
        figures = {
            name: Figure(name, cell.value, cell.rank, cell.period_value)
            for name, cell in row.indicators.items()
        }
        rows.append(
            TableRow(
                code=row.code,
                name_zh=row.name,
                name_en=row.name_en,
                rank=row.rank,
                score=row.score,
                target=row.target,
                movement=rank_change(row.rank, before.get(row.code), compared=previous is not None),
                figures=figures,
                cells=[figures[column.indicator] for column in columns],
                investment_last_year=row.investment_last_year,
            )
        )
    return RankingTable(
        kind=ranking.period.kind,
        period_label=ranking.period.label,
        columns=columns,
        rows=rows,
        scheme_year=ranking.scheme.year,
        scheme_is_default=ranking.scheme.is_default,
        weights=_columns(weights, weights),
        compared=previous is not None,
    )


def table_from_bulletin(bulletin, indicators=None) -> RankingTable:
    """A bulletin's frozen rows as a table (the printed indicators by default)."""
    weights = {name: weight for name, _label, weight in scheme_weights(bulletin.scheme)}
    if indicators is None:
        indicators = printed_indicators(list(weights))
    columns = _columns(indicators, weights)
    compared = bulletin.previous_id is not None
    quarterly = bulletin.kind == PeriodKind.QUARTERLY
    rows = []
    for row in bulletin.rows:
        figures = {
            name: Figure(
                name, as_number(cell.get("value")), cell.get("rank"), as_number(cell.get("period_value"))
            )
            for name, cell in row["indicators"].items()
        }
        for name in indicators:  # a figure missing from an old bulletin shows as "—"
            figures.setdefault(name, Figure(name, None, None, None))
        rows.append(
            TableRow(
                code=row["region"],
                name_zh=row["region_name"],
                name_en=row.get("region_name_en", ""),
                rank=row["rank"],
                score=as_number(row["score"]),
                target=as_number(row.get("investment_target")),
                movement=rank_change(row["rank"], row.get("previous_rank"), compared=compared),
                figures=figures,
                cells=[figures[column.indicator] for column in columns],
                investment_last_year=as_number(row.get("investment_last_year")) if quarterly else None,
                investment_yoy=as_number(row.get("investment_yoy")) if quarterly else None,
            )
        )
    return RankingTable(
        kind=bulletin.kind,
        period_label=bulletin.period.label,
        columns=columns,
        rows=rows,
        scheme_year=bulletin.scheme.get("year"),
        scheme_is_default=bool(bulletin.scheme.get("is_default")),
        weights=_columns(weights, weights),
        compared=compared,
        quarterly=quarterly,
    )
