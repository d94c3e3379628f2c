"""Pure date math: working days for reverse scheduling. No database, no time zone guesses.

Working days are Monday to Friday. China's statutory holidays and their make-up
working Saturdays are announced year by year and are not modelled here; a
milestone that lands on one is moved by hand.
"""

import datetime
from dataclasses import dataclass

ONE_DAY = datetime.timedelta(days=1)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5


def previous_working_day(day: datetime.date) -> datetime.date:
    """``day`` itself when it is a working day, otherwise the last working day before it."""
    while not is_working_day(day):
        day -= ONE_DAY
    return day


def subtract_working_days(day: datetime.date, count: int) -> datetime.date:
    """The working day ``count`` working days before ``day`` (which is first moved to a working day)."""
    day = previous_working_day(day)
    for _ in range(count):
        day = previous_working_day(day - ONE_DAY)
    return day


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after (or before, if negative) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


# Ranking periods (DESIGN "Periods"): weekly = ISO week Monday–Sunday, monthly =
# calendar month, quarterly = calendar quarter. A ranking "for a period" is the
# ranking as of the period's last day. Kinds are the plain strings of
# supervision.choices.PeriodKind (a str enum), so this module stays free of Django.

WEEKLY, MONTHLY, QUARTERLY = "weekly", "monthly", "quarterly"
KINDS = (WEEKLY, MONTHLY, QUARTERLY)


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        """2024-W24, 2024-06 or 2024-Q2: the ISO week's year may differ from the calendar year."""
        if self.kind == WEEKLY:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == MONTHLY:
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def as_of(self) -> datetime.date:
        return self.end

    def previous(self) -> "Period":
        return period_containing(self.kind, self.start - ONE_DAY)

    def next(self) -> "Period":
        return period_containing(self.kind, self.end + ONE_DAY)


def period_containing(kind: str, day: datetime.date) -> Period:
    if kind == WEEKLY:
        start = day - datetime.timedelta(days=day.weekday())
        return Period(kind, start, start + datetime.timedelta(days=6))
    if kind == MONTHLY:
        start = day.replace(day=1)
        return Period(kind, start, add_months(start, 1) - ONE_DAY)
    if kind == QUARTERLY:
        start = datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, start, add_months(start, 3) - ONE_DAY)
    raise ValueError(f"unknown period kind {kind!r}")


def last_complete_period(kind: str, today: datetime.date) -> Period:
    """The latest period that ended before ``today``: what a bulletin job publishes.

    On Monday 08:00 that is the previous ISO week; on the 1st, the previous month
    or quarter; and a job run late (a worker down over the weekend) still picks
    the period that has ended, never the one in progress.
    """
    return period_containing(kind, today).previous()


def ytd_start(day: datetime.date) -> datetime.date:
    """First day of the year-to-date window that ends on ``day`` (DESIGN: Jan 1 of D's year)."""
    return datetime.date(day.year, 1, 1)


def same_day_last_year(day: datetime.date) -> datetime.date:
    # 29 February has no twin; the last day of February a year earlier stands in.
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


# The days a ranking may be asked about, from the web or the API: far enough from the
# calendar's ends that "the same window a year earlier" always exists.
RANKING_DATES = (datetime.date(2000, 1, 1), datetime.date(2100, 12, 31))


def rankable(day: datetime.date) -> bool:
    return RANKING_DATES[0] <= day <= RANKING_DATES[1]
