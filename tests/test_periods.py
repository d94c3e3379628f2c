"""supervision/periods.py: pure date math, tested without a database (pytest-django blocks any query)."""

import datetime

import pytest

from supervision.periods import add_months, is_working_day, previous_working_day, subtract_working_days

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
