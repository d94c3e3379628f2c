"""supervision/periods.py: pure date math, tested without a database (pytest-django blocks any query)."""

import datetime

import pytest

from supervision.periods import (
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    Period,
    add_months,
    is_working_day,
    last_complete_period,
    period_containing,
    previous_working_day,
    same_day_last_year,
    subtract_working_days,
    ytd_start,
)

D = datetime.date
DAY = datetime.timedelta(days=1)

# A week of June 2026: Monday 8th .. Sunday 14th.
MON, TUE, WED, THU, FRI, SAT, SUN = (D(2026, 6, d) for d in range(8, 15))


def test_the_fixed_week_is_what_the_names_say():
    assert [d.strftime("%a") for d in (MON, TUE, WED, THU, FRI, SAT, SUN)] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]


@pytest.mark.parametrize(
    ("day", "working"), [(MON, True), (WED, True), (FRI, True), (SAT, False), (SUN, False)]
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [(MON, MON), (TUE, TUE), (FRI, FRI), (SAT, FRI), (SUN, FRI)],
)
def test_previous_working_day(day, expected):
    assert previous_working_day(day) == expected


def test_previous_working_day_across_a_year_boundary():
    # 2022-01-01 and 02 are a Saturday and a Sunday.
    assert previous_working_day(D(2022, 1, 2)) == D(2021, 12, 31)
    assert previous_working_day(D(2022, 1, 1)) == D(2021, 12, 31)


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (WED, 0, WED),
        (SAT, 0, FRI),  # a non-working start moves to the working day before it
        (SUN, 0, FRI),
        (TUE, 1, MON),
        (MON, 1, FRI - 7 * DAY),  # across the weekend
        (SAT, 1, THU),
        (SUN, 1, THU),
        (FRI, 4, MON),
        (FRI, 5, FRI - 7 * DAY),
        (MON, 5, MON - 7 * DAY),
        (WED, 10, WED - 14 * DAY),
        (THU, 6, WED - 7 * DAY),
        (D(2026, 1, 2), 5, D(2025, 12, 26)),  # across a year boundary (2 January 2026 is a Friday)
        (D(2026, 1, 5), 1, D(2026, 1, 2)),
    ],
)
def test_subtract_working_days(day, count, expected):
    assert subtract_working_days(day, count) == expected


def _working_days_between(earlier, later) -> int:
    """Working days in (earlier, later], counted one by one."""
    n, day = 0, earlier
    while day < later:
        day += DAY
        n += is_working_day(day)
    return n


@pytest.mark.parametrize("start", [MON + k * DAY for k in range(7)])
@pytest.mark.parametrize("count", [0, 1, 2, 4, 5, 6, 9, 10, 11, 23, 260])
def test_subtract_working_days_lands_on_a_working_day_exactly_count_working_days_back(start, count):
    result = subtract_working_days(start, count)
    assert is_working_day(result)
    assert result <= start
    assert _working_days_between(result, previous_working_day(start)) == count


def test_subtract_working_days_is_monotonic_in_count():
    results = [subtract_working_days(SAT, n) for n in range(30)]
    assert results == sorted(results, reverse=True)
    assert len(set(results)) == len(results)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 6, 10), 0, D(2026, 6, 1)),
        (D(2026, 6, 30), 1, D(2026, 7, 1)),
        (D(2026, 11, 23), 1, D(2026, 12, 1)),
        (D(2026, 12, 31), 1, D(2027, 1, 1)),  # forward across a year boundary
        (D(2026, 11, 15), 2, D(2027, 1, 1)),
        (D(2026, 1, 31), -1, D(2025, 12, 1)),  # backward across a year boundary
        (D(2026, 2, 28), -2, D(2025, 12, 1)),
        (D(2026, 11, 23), -2, D(2026, 9, 1)),
        (D(2026, 3, 15), -14, D(2025, 1, 1)),
        (D(2026, 1, 1), -12, D(2025, 1, 1)),
        (D(2026, 1, 1), 24, D(2028, 1, 1)),
        (D(2026, 12, 1), -12, D(2025, 12, 1)),
        (D(2026, 12, 1), -24, D(2024, 12, 1)),
        (D(2026, 12, 1), 13, D(2028, 1, 1)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize("months", range(-30, 31))
def test_add_months_round_trips(months):
    day = D(2026, 6, 17)
    there = add_months(day, months)
    assert there.day == 1
    assert (there.year * 12 + there.month) - (day.year * 12 + day.month) == months
    assert add_months(there, -months) == day.replace(day=1)


# Ranking periods (DESIGN "Periods"): ISO weeks Monday–Sunday, calendar months, calendar quarters.


@pytest.mark.parametrize(
    ("kind", "day", "start", "end", "label"),
    [
        # An ordinary week: Wednesday 10 June 2026 is in 2026-W24, Monday 8th .. Sunday 14th.
        (WEEKLY, D(2026, 6, 10), D(2026, 6, 8), D(2026, 6, 14), "2026-W24"),
        (WEEKLY, MON, MON, SUN, "2026-W24"),
        (WEEKLY, SUN, MON, SUN, "2026-W24"),
        # 2020 has 53 ISO weeks: W53 runs Monday 28 Dec 2020 .. Sunday 3 Jan 2021,
        # so its days in January 2021 still belong to 2020-W53.
        (WEEKLY, D(2020, 12, 28), D(2020, 12, 28), D(2021, 1, 3), "2020-W53"),
        (WEEKLY, D(2020, 12, 31), D(2020, 12, 28), D(2021, 1, 3), "2020-W53"),
        (WEEKLY, D(2021, 1, 1), D(2020, 12, 28), D(2021, 1, 3), "2020-W53"),
        (WEEKLY, D(2021, 1, 3), D(2020, 12, 28), D(2021, 1, 3), "2020-W53"),
        (WEEKLY, D(2021, 1, 4), D(2021, 1, 4), D(2021, 1, 10), "2021-W01"),
        # 2026-W01 starts in December 2025: Monday 29 Dec 2025 .. Sunday 4 Jan 2026.
        (WEEKLY, D(2025, 12, 29), D(2025, 12, 29), D(2026, 1, 4), "2026-W01"),
        (WEEKLY, D(2025, 12, 31), D(2025, 12, 29), D(2026, 1, 4), "2026-W01"),
        (WEEKLY, D(2026, 1, 4), D(2025, 12, 29), D(2026, 1, 4), "2026-W01"),
        (WEEKLY, D(2025, 12, 28), D(2025, 12, 22), D(2025, 12, 28), "2025-W52"),
        # 2026 also has 53 ISO weeks (it starts on a Thursday): W53 = 28 Dec 2026 .. 3 Jan 2027.
        (WEEKLY, D(2027, 1, 3), D(2026, 12, 28), D(2027, 1, 3), "2026-W53"),
        (MONTHLY, D(2026, 2, 14), D(2026, 2, 1), D(2026, 2, 28), "2026-02"),
        (MONTHLY, D(2024, 2, 29), D(2024, 2, 1), D(2024, 2, 29), "2024-02"),  # leap year
        (MONTHLY, D(2025, 12, 31), D(2025, 12, 1), D(2025, 12, 31), "2025-12"),
        (MONTHLY, D(2026, 1, 1), D(2026, 1, 1), D(2026, 1, 31), "2026-01"),
        (QUARTERLY, D(2026, 3, 31), D(2026, 1, 1), D(2026, 3, 31), "2026-Q1"),
        (QUARTERLY, D(2026, 4, 1), D(2026, 4, 1), D(2026, 6, 30), "2026-Q2"),
        (QUARTERLY, D(2026, 9, 30), D(2026, 7, 1), D(2026, 9, 30), "2026-Q3"),
        (QUARTERLY, D(2025, 12, 31), D(2025, 10, 1), D(2025, 12, 31), "2025-Q4"),
        (QUARTERLY, D(2026, 1, 1), D(2026, 1, 1), D(2026, 3, 31), "2026-Q1"),
    ],
)
def test_period_containing(kind, day, start, end, label):
    period = period_containing(kind, day)
    assert period == Period(kind, start, end)
    assert period.label == label
    assert period.as_of == end
    assert period.start <= day <= period.end


@pytest.mark.parametrize(
    ("period", "previous", "following"),
    [
        (
            Period(WEEKLY, D(2021, 1, 4), D(2021, 1, 10)),
            Period(WEEKLY, D(2020, 12, 28), D(2021, 1, 3)),  # back into 2020-W53
            Period(WEEKLY, D(2021, 1, 11), D(2021, 1, 17)),
        ),
        (
            Period(WEEKLY, D(2025, 12, 29), D(2026, 1, 4)),
            Period(WEEKLY, D(2025, 12, 22), D(2025, 12, 28)),
            Period(WEEKLY, D(2026, 1, 5), D(2026, 1, 11)),
        ),
        (
            Period(MONTHLY, D(2026, 1, 1), D(2026, 1, 31)),
            Period(MONTHLY, D(2025, 12, 1), D(2025, 12, 31)),
            Period(MONTHLY, D(2026, 2, 1), D(2026, 2, 28)),
        ),
        (
            Period(MONTHLY, D(2024, 3, 1), D(2024, 3, 31)),
            Period(MONTHLY, D(2024, 2, 1), D(2024, 2, 29)),
            Period(MONTHLY, D(2024, 4, 1), D(2024, 4, 30)),
        ),
        (
            Period(QUARTERLY, D(2026, 1, 1), D(2026, 3, 31)),
            Period(QUARTERLY, D(2025, 10, 1), D(2025, 12, 31)),
            Period(QUARTERLY, D(2026, 4, 1), D(2026, 6, 30)),
        ),
    ],
)
def test_previous_and_next_period(period, previous, following):
    assert period.previous() == previous
    assert period.next() == following
    assert previous.next() == period
    assert following.previous() == period


def test_labels_of_a_run_of_weeks_across_a_53_week_year():
    week = period_containing(WEEKLY, D(2020, 12, 14))
    labels = []
    for _ in range(5):
        labels.append(week.label)
        week = week.next()
    assert labels == ["2020-W51", "2020-W52", "2020-W53", "2021-W01", "2021-W02"]


@pytest.mark.parametrize("kind", [WEEKLY, MONTHLY, QUARTERLY])
def test_consecutive_periods_tile_the_calendar(kind):
    period = period_containing(kind, D(2019, 11, 20))
    while period.end < D(2027, 2, 1):
        following = period.next()
        assert following.start == period.end + DAY
        assert following.end >= following.start
        period = following


def test_unknown_period_kind_is_refused():
    with pytest.raises(ValueError):
        period_containing("daily", D(2026, 6, 10))


@pytest.mark.parametrize(
    ("kind", "today", "expected"),
    [
        # The Monday job publishes the ISO week that ended the day before.
        (WEEKLY, D(2026, 6, 15), Period(WEEKLY, D(2026, 6, 8), D(2026, 6, 14))),
        # Run late (Wednesday), it still publishes that week, not the one in progress.
        (WEEKLY, D(2026, 6, 17), Period(WEEKLY, D(2026, 6, 8), D(2026, 6, 14))),
        # On the Sunday itself the week has not ended yet.
        (WEEKLY, D(2026, 6, 14), Period(WEEKLY, D(2026, 6, 1), D(2026, 6, 7))),
        # The first Monday of 2021 publishes 2020-W53.
        (WEEKLY, D(2021, 1, 4), Period(WEEKLY, D(2020, 12, 28), D(2021, 1, 3))),
        (MONTHLY, D(2026, 7, 1), Period(MONTHLY, D(2026, 6, 1), D(2026, 6, 30))),
        (MONTHLY, D(2026, 7, 3), Period(MONTHLY, D(2026, 6, 1), D(2026, 6, 30))),
        (MONTHLY, D(2026, 1, 1), Period(MONTHLY, D(2025, 12, 1), D(2025, 12, 31))),
        (QUARTERLY, D(2026, 4, 1), Period(QUARTERLY, D(2026, 1, 1), D(2026, 3, 31))),
        (QUARTERLY, D(2026, 5, 20), Period(QUARTERLY, D(2026, 1, 1), D(2026, 3, 31))),
        (QUARTERLY, D(2026, 1, 1), Period(QUARTERLY, D(2025, 10, 1), D(2025, 12, 31))),
    ],
)
def test_last_complete_period(kind, today, expected):
    assert last_complete_period(kind, today) == expected
    assert expected.end < today


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 6, 30), D(2026, 1, 1)),
        (D(2026, 1, 1), D(2026, 1, 1)),
        (D(2025, 12, 31), D(2025, 1, 1)),
        # The YTD of the last day of 2020-W53 is in 2021, not in the week's ISO year.
        (D(2021, 1, 3), D(2021, 1, 1)),
    ],
)
def test_ytd_start(day, expected):
    assert ytd_start(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 6, 30), D(2025, 6, 30)),
        (D(2026, 1, 1), D(2025, 1, 1)),
        (D(2024, 2, 29), D(2023, 2, 28)),  # no 29 February in 2023
        (D(2024, 2, 28), D(2023, 2, 28)),
        (D(2025, 3, 1), D(2024, 3, 1)),
        (D(2025, 2, 28), D(2024, 2, 28)),
    ],
)
def test_same_day_last_year(day, expected):
    assert same_day_last_year(day) == expected
