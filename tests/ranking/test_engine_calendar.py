"""The ranking engine: rounding, year boundaries, ISO weeks and quarter ends."""

from supervision.choices import Indicator, PeriodKind
from supervision.models_ranking import RankingScheme, RankingWeight
from supervision.periods import Period, period_containing
from supervision.ranking.engine import compute_ranking
from tests.fixtures.ranking import A, B, C, D, E, rows_by_code
from tests.fixtures.ranking_values import JUNE_2025, Q1_2025, Q2_2025, dec, period_values, values

# Rounding: ROUND_HALF_UP, once, on the published value.


def test_rounding_is_half_up(four_ranked, build, report, target, problem):
    a, b = four_ranked[A], four_ranked[B]
    # Days to land 10, 10, 10, 11: 41 / 4 = 10.25 -> 10.3 (half-even would give 10.2).
    for signed, land in [
        (D(2025, 3, 1), D(2025, 3, 11)),
        (D(2025, 3, 2), D(2025, 3, 12)),
        (D(2025, 3, 3), D(2025, 3, 13)),
        (D(2025, 3, 4), D(2025, 3, 15)),
    ]:
        last = build(a, signed, land)
    # 1,234,500.00 / 10,000,000.00 = 0.12345 -> 0.1235 (half-even: 0.1234).
    report(last, D(2025, 5, 1), "1234500.00")
    target(a, 2025, "10000000.00")
    # Resolution rate 1 of 3 = 0.3333.., B's 2 of 3 = 0.6667.
    problem(last, D(2025, 4, 1), due_on=D(2025, 4, 2), resolved_on=D(2025, 4, 2))
    problem(last, D(2025, 4, 1))
    problem(last, D(2025, 4, 1))
    b1 = build(b, D(2025, 3, 1))
    problem(b1, D(2025, 4, 1), due_on=D(2025, 4, 2), resolved_on=D(2025, 4, 2))
    problem(b1, D(2025, 4, 1), due_on=D(2025, 4, 2), resolved_on=D(2025, 4, 3))
    problem(b1, D(2025, 4, 1))
    ranking = compute_ranking(JUNE_2025)
    assert str(values(ranking, Indicator.AVG_DAYS_TO_LAND)[A]) == "10.3"
    assert str(values(ranking, Indicator.INVESTMENT_RATE)[A]) == "0.1235"
    assert str(values(ranking, Indicator.PROBLEM_RESOLUTION_RATE)[A]) == "0.3333"
    assert str(values(ranking, Indicator.PROBLEM_RESOLUTION_RATE)[B]) == "0.6667"
    # Score: A = 40*0.1235/0.1235 + 15*0.3333/0.6667 (7.4988..) = 47.4988.. -> 47.50
    #        B = 15*0.6667/0.6667 = 15.00
    scores = {row.code: row.score for row in ranking.rows}
    assert scores == {A: dec("47.50"), B: dec("15.00"), C: dec("0.00"), E: dec("0.00")}


def test_score_is_rounded_half_up_to_two_places(four_ranked, build):
    scheme = RankingScheme.objects.create(year=2025)
    RankingWeight.objects.create(scheme=scheme, indicator=Indicator.STARTED, weight=dec("0.25"))
    build(four_ranked[A], D(2025, 1, 10), D(2025, 1, 20), D(2025, 2, 1))
    build(four_ranked[A], D(2025, 1, 10), D(2025, 1, 20), D(2025, 2, 1))
    build(four_ranked[B], D(2025, 1, 10), D(2025, 1, 20), D(2025, 2, 1))
    scores = {row.code: row.score for row in compute_ranking(JUNE_2025).rows}
    # B: 0.25 * 1 / 2 = 0.125 -> 0.13 (half-even would give 0.12).
    assert scores == {A: dec("0.25"), B: dec("0.13"), C: dec("0.00"), E: dec("0.00")}


# Year boundaries, ISO weeks and quarter ends.


def test_dec_31_is_not_in_the_ytd_of_jan_1(four_ranked, build, report, problem):
    a = four_ranked[A]
    # 2022-W52 runs Monday 26 Dec 2022 .. Sunday 1 Jan 2023: the as-of date is 1 January.
    week = period_containing(PeriodKind.WEEKLY, D(2023, 1, 1))
    assert (week.start, week.end) == (D(2022, 12, 26), D(2023, 1, 1))
    dec31 = build(a, D(2022, 12, 31))
    jan1 = build(a, D(2023, 1, 1))
    build(a, D(2022, 12, 25))  # the Sunday before the week
    report(dec31, D(2022, 12, 1), "100.00")
    report(jan1, D(2023, 1, 1), "200.00")
    problem(dec31, D(2022, 12, 31), due_on=D(2022, 12, 31))  # open, due before Jan 1
    ranking = compute_ranking(week)
    a_row = rows_by_code(ranking)[A].indicators
    assert a_row[Indicator.SIGNED].value == 1  # Jan 1 only
    assert a_row[Indicator.SIGNED].period_value == 2  # Dec 31 and Jan 1
    assert a_row[Indicator.INVESTMENT].value == dec("200.00")  # January 2023 only
    assert a_row[Indicator.INVESTMENT].period_value == dec("200.00")  # Jan 1 lies in the week; Dec 1 not
    assert a_row[Indicator.PROBLEMS_RAISED].value == 0
    assert a_row[Indicator.PROBLEMS_RAISED].period_value == 1
    assert a_row[Indicator.PROBLEMS_OVERDUE].value == 1  # open at Jan 1, due Dec 31

    # The December 2022 ranking: the whole year, Dec 31 included, Jan 1 2023 not.
    december = compute_ranking(Period(PeriodKind.MONTHLY, D(2022, 12, 1), D(2022, 12, 31)))
    a_row = rows_by_code(december)[A].indicators
    assert a_row[Indicator.SIGNED].value == 2  # Dec 25 and Dec 31
    assert a_row[Indicator.INVESTMENT].value == dec("100.00")
    assert a_row[Indicator.PROBLEMS_OVERDUE].value == 0  # due Dec 31 is not before Dec 31


def test_iso_week_53_of_2020(four_ranked, build, report, problem, target):
    a = four_ranked[A]
    week = period_containing(PeriodKind.WEEKLY, D(2021, 1, 3))
    assert (week.label, week.start, week.end) == ("2020-W53", D(2020, 12, 28), D(2021, 1, 3))
    p1 = build(a, D(2020, 12, 28))
    p2 = build(a, D(2020, 12, 31), D(2021, 1, 1), D(2021, 1, 3))
    p3 = build(a, D(2021, 1, 2))
    build(a, D(2020, 12, 27))  # the Sunday before: in neither window
    report(p1, D(2020, 12, 1), "100.00")  # Dec 1 is not in the week, December 2020 not in 2021
    report(p2, D(2021, 1, 1), "250.00")
    problem(p1, D(2020, 12, 29))
    problem(p3, D(2021, 1, 3), due_on=D(2021, 1, 3), resolved_on=D(2021, 1, 3))
    # The as-of date is in 2021, so 2021's target applies although the week is 2020's.
    target(a, 2020, "1000.00")
    target(a, 2021, "500.00")
    cells = rows_by_code(compute_ranking(week))[A].indicators

    def both(indicator):
        return cells[indicator].value, cells[indicator].period_value

    # YTD is 1..3 January 2021; the period counts cover 28 December .. 3 January.
    assert both(Indicator.SIGNED) == (1, 3)  # p3 / p1, p2, p3
    assert both(Indicator.LAND_SUPPLIED) == (1, 1)  # p2 on Jan 1
    assert both(Indicator.STARTED) == (1, 1)
    assert both(Indicator.AVG_DAYS_TO_LAND) == (dec("1.0"), dec("1.0"))  # Dec 31 -> Jan 1
    assert both(Indicator.INVESTMENT) == (dec("250.00"), dec("250.00"))
    assert both(Indicator.INVESTMENT_RATE) == (dec("0.5000"), dec("0.5000"))  # 250 / 500, not / 1000
    assert both(Indicator.PROBLEMS_RAISED) == (1, 2)
    assert both(Indicator.PROBLEMS_RESOLVED) == (1, 1)
    assert both(Indicator.PROBLEM_RESOLUTION_RATE) == (dec("1.0000"), dec("0.5000"))


def test_iso_week_1_of_2026_starts_in_2025(four_ranked, build, report, target):
    a = four_ranked[A]
    week = period_containing(PeriodKind.WEEKLY, D(2026, 1, 1))
    assert (week.label, week.start, week.end) == ("2026-W01", D(2025, 12, 29), D(2026, 1, 4))
    dec29 = build(a, D(2025, 12, 29))
    jan1 = build(a, D(2026, 1, 1))
    build(a, D(2026, 1, 5))  # next week, after the as-of date
    report(dec29, D(2025, 12, 1), "700.00")
    report(jan1, D(2026, 1, 1), "300.00")
    target(a, 2025, "1000.00")
    target(a, 2026, "600.00")
    ranking = compute_ranking(week)
    assert ranking.scheme.year == 2026
    cells = rows_by_code(ranking)[A].indicators
    assert (cells[Indicator.SIGNED].value, cells[Indicator.SIGNED].period_value) == (1, 2)
    assert cells[Indicator.INVESTMENT].value == dec("300.00")
    assert cells[Indicator.INVESTMENT].period_value == dec("300.00")
    assert cells[Indicator.INVESTMENT_RATE].value == dec("0.5000")  # 300 / 600


def test_quarter_ends(dataset):
    q1 = rows_by_code(compute_ranking(Q1_2025))
    q2 = rows_by_code(compute_ranking(Q2_2025))
    # b2 started on Mar 31 (Q1), b1 on Apr 1 (Q2).
    assert q1[B].indicators[Indicator.STARTED].value == 1
    assert q1[B].indicators[Indicator.STARTED].period_value == 1
    assert q2[B].indicators[Indicator.STARTED].value == 2
    assert q2[B].indicators[Indicator.STARTED].period_value == 1
    # a3 completed on Mar 31 (Q1), a1 on Jun 30 (Q2).
    assert q1[A].indicators[Indicator.COMPLETED].value == 1
    assert q2[A].indicators[Indicator.COMPLETED].period_value == 1
    # A's investment: Q1 = Jan 2,000,000.00 + Mar 500,000.00; Q2 = Jun 1,000,000.50.
    assert q1[A].indicators[Indicator.INVESTMENT].value == dec("2500000.00")
    assert q1[A].indicators[Indicator.INVESTMENT].period_value == dec("2500000.00")
    assert q2[A].indicators[Indicator.INVESTMENT].period_value == dec("1000000.50")
    # B: Q1 = Feb 4,000,000.00; Q2 = May 1,000,000.00. C: Q2 = Apr 2,000,000.00.
    assert q1[B].indicators[Indicator.INVESTMENT].period_value == dec("4000000.00")
    assert q2[B].indicators[Indicator.INVESTMENT].period_value == dec("1000000.00")
    assert q2[C].indicators[Indicator.INVESTMENT].period_value == dec("2000000.00")
    # Open at Mar 31 and due before it: pa3 (Jan 31) only; pa1 and pa5 were resolved in time.
    assert q1[A].indicators[Indicator.PROBLEMS_OVERDUE].value == 1
    # Raised in Q1: pa1 (Jan 5), pa5 (Mar 1), both resolved by Mar 31.
    assert q1[A].indicators[Indicator.PROBLEM_RESOLUTION_RATE].value == dec("1.0000")
    # Raised in Q2: pa2 (Jun 5), pa4 (May 10): neither resolved by Jun 30.
    assert q2[A].indicators[Indicator.PROBLEM_RESOLUTION_RATE].period_value == dec("0.0000")


def test_weekly_investment_is_the_month_whose_first_day_is_in_the_week(dataset):
    # 2025-W22 = Mon May 26 .. Sun Jun 1: it holds June 1, so June's reports are its increment,
    # and the YTD as of Jun 1 runs through June.
    w22 = rows_by_code(compute_ranking(period_containing(PeriodKind.WEEKLY, D(2025, 6, 1))))
    assert w22[A].indicators[Indicator.INVESTMENT].period_value == dec("1000000.50")
    assert w22[A].indicators[Indicator.INVESTMENT].value == dec("3500000.50")
    assert w22[A].indicators[Indicator.STARTED].period_value == 1  # a2 on Jun 1
    # 2025-W24 = Jun 9 .. 15 holds no 1st: no investment increment anywhere.
    w24 = compute_ranking(period_containing(PeriodKind.WEEKLY, D(2025, 6, 12)))
    assert set(period_values(w24, Indicator.INVESTMENT).values()) == {dec("0.00")}
    assert values(w24, Indicator.INVESTMENT)[A] == dec("3500000.50")
