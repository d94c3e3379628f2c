"""supervision/ranking.py against DESIGN "Ranking", on data entered through the services.

Every expected figure is a literal worked out by hand in the comments next to it,
so a change in a definition (a window, a rounding, a tie) shows up as a wrong number.
All dates are in the past (today is after 2026-01-04), so the services accept them.
"""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from projects import services as project_services
from projects.choices import RegionKind, Stage, Status
from projects.models import InvestmentReport, InvestmentRollup, Project, Region
from projects.rollups import rollup_mismatches, rollup_rebuild
from supervision.choices import Indicator, PeriodKind, ProblemCategory, ProblemStatus
from supervision.models import Problem
from supervision.models_ranking import RankingScheme, RankingWeight
from supervision.periods import Period, period_containing
from supervision.ranking.engine import compute_ranking, ranking_as_json
from tests.ranking_fixtures import A, B, C, D, E, rows_by_code

pytest_plugins = ["tests.ranking_fixtures"]

JUNE_2025 = Period(PeriodKind.MONTHLY, D(2025, 6, 1), D(2025, 6, 30))
Q1_2025 = Period(PeriodKind.QUARTERLY, D(2025, 1, 1), D(2025, 3, 31))
Q2_2025 = Period(PeriodKind.QUARTERLY, D(2025, 4, 1), D(2025, 6, 30))


def values(ranking, indicator):
    rows = rows_by_code(ranking)
    return {code: rows[code].indicators[indicator].value for code in rows}


def ranks(ranking, indicator):
    rows = rows_by_code(ranking)
    return {code: rows[code].indicators[indicator].rank for code in rows}


def period_values(ranking, indicator):
    rows = rows_by_code(ranking)
    return {code: rows[code].indicators[indicator].period_value for code in rows}


def dec(text):
    return Decimal(text)


# The fixed data set of four regions, as of 30 June 2025.


@pytest.fixture
def dataset(four_ranked, build, report, problem, target, county_staff):
    a, b, c = four_ranked[A], four_ranked[B], four_ranked[C]

    # Region A (target 7,000,000.00)
    a1 = build(a, D(2024, 11, 15), D(2025, 1, 10), D(2025, 3, 2), D(2025, 6, 30))
    a2 = build(a, D(2025, 1, 1), D(2025, 2, 15), D(2025, 6, 1))
    build(  # a3
        a, D(2024, 12, 31), D(2024, 12, 31), D(2025, 1, 1), D(2025, 3, 31), D(2025, 6, 15), D(2025, 6, 20)
    )
    a4 = build(a, D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1), D(2025, 5, 1))  # cancelled below
    build(a, D(2025, 6, 10))  # a5
    a6 = build(a, D(2025, 7, 1))  # signed after the as-of date
    report(a1, D(2024, 12, 1), "3000000.00")  # last year
    report(a1, D(2025, 1, 1), "2000000.00")
    report(a1, D(2025, 6, 1), "1000000.50")
    report(a2, D(2025, 3, 1), "500000.00")
    report(a6, D(2025, 7, 1), "9999999.00")  # after June
    report(a4, D(2025, 3, 1), "1000000.00")
    problem(a1, D(2025, 1, 5), due_on=D(2025, 2, 1), resolved_on=D(2025, 1, 20))  # pa1
    problem(a2, D(2025, 6, 5), due_on=D(2025, 6, 20))  # pa2: open, overdue at Jun 30
    problem(a1, D(2024, 12, 20), due_on=D(2025, 1, 31))  # pa3: raised last year, overdue
    problem(a2, D(2025, 5, 10), due_on=D(2025, 6, 30), resolved_on=D(2025, 7, 5))  # pa4
    # pa5: resolved and then verified
    problem(a1, D(2025, 3, 1), due_on=D(2025, 3, 10), resolved_on=D(2025, 3, 15), verified_on=D(2025, 3, 16))
    problem(a4, D(2025, 4, 10), due_on=D(2025, 4, 15))  # on the cancelled project
    project_services.project_cancel(project=a4, reason="企业撤资", by=county_staff)
    target(a, 2025, "7000000.00")
    target(a, 2024, "1.00")  # another year's target plays no part

    # Region B (target 10,000,000.00)
    b1 = build(b, D(2025, 2, 10), D(2025, 3, 12), D(2025, 4, 1), D(2025, 5, 20), D(2025, 6, 30))
    b2 = build(b, D(2025, 3, 1), D(2025, 3, 31), D(2025, 3, 31))
    build(b, D(2025, 6, 30))  # b3
    report(b1, D(2025, 2, 1), "4000000.00")
    report(b2, D(2025, 5, 1), "1000000.00")
    problem(b1, D(2025, 2, 15), due_on=D(2025, 3, 1), resolved_on=D(2025, 2, 28))  # pb1
    problem(b2, D(2025, 4, 1))  # pb2: never assigned, so never overdue
    problem(b1, D(2025, 6, 10), due_on=D(2025, 6, 11), resolved_on=D(2025, 6, 12))  # pb3
    target(b, 2025, "10000000.00")

    # Region C: no target, no problems.
    c1 = build(c, D(2025, 1, 15), D(2025, 6, 15), D(2025, 6, 16), D(2025, 6, 17), D(2025, 6, 18))
    report(c1, D(2025, 4, 1), "2000000.00")

    # Region E: nothing at all.
    return four_ranked


# Every indicator, YTD (1 Jan .. 30 Jun 2025), for each region.

EXPECTED_YTD = {
    # A: a2 (Jan 1), a5 (Jun 10). Not a1 / a3 (signed 2024), a4 (cancelled), a6 (Jul 1).
    # B: b1, b2, b3 (Jun 30). C: c1.
    Indicator.SIGNED: {A: 2, B: 3, C: 1, E: 0},
    # A: a1 (signed last year, land Jan 10), a2 (Feb 15); a3's land was Dec 31 2024; a4 cancelled.
    Indicator.LAND_SUPPLIED: {A: 2, B: 2, C: 1, E: 0},
    # A: a1 (Mar 2), a2 (Jun 1), a3 (Jan 1). B: b1 (Apr 1), b2 (Mar 31). C: c1.
    Indicator.STARTED: {A: 3, B: 2, C: 1, E: 0},
    # A: a1 (Jun 30, the as-of date itself), a3 (Mar 31). B: b1. C: c1.
    Indicator.COMPLETED: {A: 2, B: 1, C: 1, E: 0},
    Indicator.IN_PRODUCTION: {A: 1, B: 1, C: 1, E: 0},  # a3, b1 (Jun 30), c1
    Indicator.ABOVE_SCALE: {A: 1, B: 0, C: 0, E: 0},  # a3
    # A: 2,000,000.00 (Jan) + 1,000,000.50 (Jun) + 500,000.00 (Mar); not Dec 2024, Jul, nor a4.
    # B: 4,000,000.00 + 1,000,000.00. C: 2,000,000.00.
    Indicator.INVESTMENT: {A: dec("3500000.50"), B: dec("5000000.00"), C: dec("2000000.00"), E: dec("0.00")},
    # A: 3,500,000.50 / 7,000,000 = 0.50000007 -> 0.5000; B: 5,000,000 / 10,000,000; C, E: no target.
    Indicator.INVESTMENT_RATE: {A: dec("0.5000"), B: dec("0.5000"), C: None, E: None},
    # A: a1 2024-11-15 -> 2025-01-10 = 15 + 31 + 10 = 56 days; a2 Jan 1 -> Feb 15 = 45; (56 + 45) / 2.
    # B: Feb 10 -> Mar 12 = 30, Mar 1 -> Mar 31 = 30. C: Jan 15 -> Jun 15 = 16+28+31+30+31+15 = 151.
    Indicator.AVG_DAYS_TO_LAND: {A: dec("50.5"), B: dec("30.0"), C: dec("151.0"), E: None},
    # A: pa1 (Jan 5), pa2 (Jun 5), pa4 (May 10), pa5 (Mar 1); pa3 was raised in 2024; a4's is cancelled.
    Indicator.PROBLEMS_RAISED: {A: 4, B: 3, C: 0, E: 0},
    # A: pa1, pa5 (verified); pa4 was resolved on Jul 5, after the as-of date. B: pb1, pb3.
    Indicator.PROBLEMS_RESOLVED: {A: 2, B: 2, C: 0, E: 0},
    # A: 2/4. B: 2/3 = 0.66666.. -> 0.6667. C, E: none raised.
    Indicator.PROBLEM_RESOLUTION_RATE: {A: dec("0.5000"), B: dec("0.6667"), C: None, E: None},
    # A: pa2 (due Jun 20, open), pa3 (due Jan 31, open); pa4 is due on Jun 30, not before it.
    Indicator.PROBLEMS_OVERDUE: {A: 2, B: 0, C: 0, E: 0},
}

EXPECTED_RANKS = {
    Indicator.SIGNED: {A: 2, B: 1, C: 3, E: 4},
    Indicator.LAND_SUPPLIED: {A: 1, B: 1, C: 3, E: 4},
    Indicator.STARTED: {A: 1, B: 2, C: 3, E: 4},
    Indicator.COMPLETED: {A: 1, B: 2, C: 2, E: 4},  # standard competition ranking
    Indicator.IN_PRODUCTION: {A: 1, B: 1, C: 1, E: 4},
    Indicator.ABOVE_SCALE: {A: 1, B: 2, C: 2, E: 2},
    Indicator.INVESTMENT: {A: 2, B: 1, C: 3, E: 4},
    Indicator.INVESTMENT_RATE: {A: 1, B: 1, C: 3, E: 3},  # no target: null, after every value
    Indicator.AVG_DAYS_TO_LAND: {A: 2, B: 1, C: 3, E: 4},  # fewest days first, null last
    Indicator.PROBLEMS_RAISED: {A: 1, B: 2, C: 3, E: 3},
    Indicator.PROBLEMS_RESOLVED: {A: 1, B: 1, C: 3, E: 3},
    Indicator.PROBLEM_RESOLUTION_RATE: {A: 2, B: 1, C: 3, E: 3},
    Indicator.PROBLEMS_OVERDUE: {A: 4, B: 1, C: 1, E: 1},  # fewest first
}

# The same over June 2025 alone.
EXPECTED_JUNE = {
    Indicator.SIGNED: {A: 1, B: 1, C: 0, E: 0},  # a5 (Jun 10), b3 (Jun 30)
    Indicator.LAND_SUPPLIED: {A: 0, B: 0, C: 1, E: 0},  # c1 (Jun 15)
    Indicator.STARTED: {A: 1, B: 0, C: 1, E: 0},  # a2 (Jun 1), c1
    Indicator.COMPLETED: {A: 1, B: 0, C: 1, E: 0},  # a1 (Jun 30), c1
    Indicator.IN_PRODUCTION: {A: 1, B: 1, C: 1, E: 0},  # a3, b1, c1
    Indicator.ABOVE_SCALE: {A: 1, B: 0, C: 0, E: 0},  # a3 (Jun 20)
    # The month of June: A's 1,000,000.50; nobody else reported for June.
    Indicator.INVESTMENT: {A: dec("1000000.50"), B: dec("0.00"), C: dec("0.00"), E: dec("0.00")},
    # A: 1,000,000.50 / 7,000,000 = 0.142857.. -> 0.1429; B: 0 / 10,000,000.
    Indicator.INVESTMENT_RATE: {A: dec("0.1429"), B: dec("0.0000"), C: None, E: None},
    Indicator.AVG_DAYS_TO_LAND: {A: None, B: None, C: dec("151.0"), E: None},
    Indicator.PROBLEMS_RAISED: {A: 1, B: 1, C: 0, E: 0},  # pa2, pb3
    Indicator.PROBLEMS_RESOLVED: {A: 0, B: 1, C: 0, E: 0},
    Indicator.PROBLEM_RESOLUTION_RATE: {A: dec("0.0000"), B: dec("1.0000"), C: None, E: None},
    # A count at the as-of date, not a flow: no period value.
    Indicator.PROBLEMS_OVERDUE: {A: None, B: None, C: None, E: None},
}


def _table(ranking, read):
    return {str(indicator): read(ranking, indicator) for indicator in Indicator}


def test_every_indicator_ytd_value(dataset):
    assert _table(compute_ranking(JUNE_2025), values) == {str(k): v for k, v in EXPECTED_YTD.items()}


def test_every_indicator_rank(dataset):
    assert _table(compute_ranking(JUNE_2025), ranks) == {str(k): v for k, v in EXPECTED_RANKS.items()}


def test_every_indicator_period_value(dataset):
    assert _table(compute_ranking(JUNE_2025), period_values) == {str(k): v for k, v in EXPECTED_JUNE.items()}


def test_published_decimals_carry_their_places(dataset):
    rows = rows_by_code(compute_ranking(JUNE_2025))
    a = rows[A].indicators
    assert str(a[Indicator.INVESTMENT].value) == "3500000.50"
    assert str(a[Indicator.INVESTMENT_RATE].value) == "0.5000"
    assert str(a[Indicator.AVG_DAYS_TO_LAND].value) == "50.5"
    assert str(rows[B].indicators[Indicator.AVG_DAYS_TO_LAND].value) == "30.0"
    assert str(rows[E].indicators[Indicator.INVESTMENT].value) == "0.00"


def test_composite_score_with_default_weights(dataset):
    ranking = compute_ranking(JUNE_2025)
    # Maxima: investment_rate 0.5000, started 3, completed 2, in_production 1, resolution 0.6667.
    # A: 40*0.5/0.5 + 15*3/3 + 15*2/2 + 15*1/1 + 15*0.5/0.6667 (= 11.2494..) = 96.2494.. -> 96.25
    # B: 40 + 15*2/3 (10) + 15*1/2 (7.5) + 15 + 15 = 87.50
    # C: 0 (no target) + 5 + 7.5 + 15 + 0 (nothing raised) = 27.50
    # E: 0.00
    assert [(row.code, row.score, row.rank) for row in ranking.rows] == [
        (A, dec("96.25"), 1),
        (B, dec("87.50"), 2),
        (C, dec("27.50"), 3),
        (E, dec("0.00"), 4),
    ]
    assert ranking.scheme.is_default
    assert ranking.scheme.year == 2025
    assert ranking.period == JUNE_2025


def test_cancelled_project_counts_again_when_reactivated(dataset, county_staff):
    a4 = Project.objects.get(region__code=A, signed_on=D(2025, 2, 1))
    assert a4.status == Status.CANCELLED
    project_services.project_reactivate(project=a4, reason="企业恢复投资", by=county_staff)
    rows = rows_by_code(compute_ranking(JUNE_2025))
    a = rows[A].indicators
    assert a[Indicator.SIGNED].value == 3  # + a4 (Feb 1)
    assert a[Indicator.LAND_SUPPLIED].value == 3  # + a4 (Mar 1)
    assert a[Indicator.STARTED].value == 4
    assert a[Indicator.COMPLETED].value == 3
    assert a[Indicator.INVESTMENT].value == dec("4500000.50")  # + 1,000,000.00 in March
    # (56 + 45 + 28) / 3 = 43.0
    assert a[Indicator.AVG_DAYS_TO_LAND].value == dec("43.0")
    assert a[Indicator.PROBLEMS_RAISED].value == 5
    assert a[Indicator.PROBLEMS_OVERDUE].value == 3  # + a4's problem, due Apr 15


def test_stalled_projects_still_count(four_ranked, build, report):
    p = build(four_ranked[A], D(2025, 1, 10), D(2025, 2, 10), D(2025, 3, 10))
    report(p, D(2025, 3, 1), "800.00")
    project_services.project_mark_stalled(project=p, reason="连续3个月无投资")
    cells = rows_by_code(compute_ranking(JUNE_2025))[A].indicators
    assert cells[Indicator.STARTED].value == 1
    assert cells[Indicator.AVG_DAYS_TO_LAND].value == dec("31.0")  # Jan 10 -> Feb 10
    assert cells[Indicator.INVESTMENT].value == dec("800.00")


def test_a_region_with_no_data_and_no_target_is_still_ranked(dataset):
    row = rows_by_code(compute_ranking(JUNE_2025))[E]
    assert row.target is None
    assert row.score == dec("0.00")
    assert row.rank == 4
    assert {name: cell.value for name, cell in row.indicators.items()} == {
        "signed": 0,
        "land_supplied": 0,
        "started": 0,
        "completed": 0,
        "in_production": 0,
        "above_scale": 0,
        "investment": dec("0.00"),
        "investment_rate": None,
        "avg_days_to_land": None,
        "problems_raised": 0,
        "problems_resolved": 0,
        "problem_resolution_rate": None,
        "problems_overdue": 0,
    }


def test_every_ranked_region_appears_with_zeros_when_nothing_is_entered(regions):
    ranking = compute_ranking(JUNE_2025)
    ranked_codes = sorted(Region.objects.ranked().values_list("code", flat=True))
    assert len(ranked_codes) == 11
    assert [row.code for row in ranking.rows] == ranked_codes  # all tied, so by code
    for row in ranking.rows:
        assert row.rank == 1
        assert row.score == dec("0.00")
        assert row.indicators[Indicator.STARTED].value == 0
        assert row.indicators[Indicator.STARTED].rank == 1
        assert row.indicators[Indicator.INVESTMENT].value == dec("0.00")
        assert row.indicators[Indicator.INVESTMENT_RATE].value is None
        assert row.indicators[Indicator.INVESTMENT_RATE].rank == 1  # nulls tie with each other
    assert "441200" not in ranked_codes  # the city itself is not ranked


def test_a_region_that_stops_being_ranked_leaves_the_ranking(dataset):
    Region.objects.filter(code=B).update(is_ranked=False)
    ranking = compute_ranking(JUNE_2025)
    assert [row.code for row in ranking.rows] == [A, C, E]
    # Without B the resolution-rate maximum is A's 0.5000: A = 40 + 15 + 15 + 15 + 15 = 100.00
    assert rows_by_code(ranking)[A].score == dec("100.00")


def test_ties_on_the_composite_score(four_ranked, build):
    a, b, c = four_ranked[A], four_ranked[B], four_ranked[C]
    # A: two projects started and completed in 2025.
    build(a, D(2025, 1, 10), D(2025, 1, 20), D(2025, 2, 1), D(2025, 5, 1))
    build(a, D(2025, 1, 10), D(2025, 1, 20), D(2025, 2, 1), D(2025, 5, 1))
    # B: one started in 2025, not completed.
    build(b, D(2025, 1, 10), D(2025, 1, 20), D(2025, 3, 1))
    # C: one completed in 2025, but it started in 2024.
    build(c, D(2024, 9, 1), D(2024, 10, 1), D(2024, 12, 1), D(2025, 4, 1))
    ranking = compute_ranking(JUNE_2025)
    assert ranks(ranking, Indicator.STARTED) == {A: 1, B: 2, C: 3, E: 3}
    assert ranks(ranking, Indicator.COMPLETED) == {A: 1, C: 2, B: 3, E: 3}
    # A: 15*2/2 + 15*2/2 = 30. B: 15*1/2 = 7.5 (started). C: 15*1/2 = 7.5 (completed). E: 0.
    assert [(row.code, row.score, row.rank) for row in ranking.rows] == [
        (A, dec("30.00"), 1),
        (B, dec("7.50"), 2),
        (C, dec("7.50"), 2),
        (E, dec("0.00"), 4),
    ]


def test_a_custom_scheme_for_the_year_changes_the_score(dataset):
    scheme = RankingScheme.objects.create(year=2025, note="重签约、重问题办结")
    RankingWeight.objects.create(scheme=scheme, indicator=Indicator.SIGNED, weight=dec("50"))
    RankingWeight.objects.create(scheme=scheme, indicator=Indicator.PROBLEM_RESOLUTION_RATE, weight=dec("50"))
    RankingWeight.objects.create(scheme=scheme, indicator=Indicator.INVESTMENT_RATE, weight=dec("0"))
    ranking = compute_ranking(JUNE_2025)
    # Maxima: signed 3, resolution 0.6667.
    # A: 50*2/3 (33.333..) + 50*0.5/0.6667 (37.4981..) = 70.8314.. -> 70.83
    # B: 50*3/3 + 50*0.6667/0.6667 = 100.00. C: 50*1/3 = 16.666.. -> 16.67. E: 0.
    assert [(row.code, row.score, row.rank) for row in ranking.rows] == [
        (B, dec("100.00"), 1),
        (A, dec("70.83"), 2),
        (C, dec("16.67"), 3),
        (E, dec("0.00"), 4),
    ]
    assert ranking.scheme.as_json() == {
        "year": 2025,
        "weights": {"signed": "50.00", "problem_resolution_rate": "50.00"},
        "is_default": False,
    }
    # Another year keeps DESIGN's default.
    assert compute_ranking(Period(PeriodKind.MONTHLY, D(2024, 12, 1), D(2024, 12, 31))).scheme.is_default


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


# The JSON a bulletin and the API publish.


def test_ranking_as_json_shape(dataset):
    data = ranking_as_json(compute_ranking(JUNE_2025))
    assert json.loads(json.dumps(data)) == data  # plain JSON, no Decimal or date objects
    assert {k: data[k] for k in ("kind", "period", "period_start", "period_end")} == {
        "kind": "monthly",
        "period": "2025-06",
        "period_start": "2025-06-01",
        "period_end": "2025-06-30",
    }
    assert data["scheme"] == {
        "year": 2025,
        "weights": {
            "investment_rate": "40.00",
            "started": "15.00",
            "completed": "15.00",
            "in_production": "15.00",
            "problem_resolution_rate": "15.00",
        },
        "is_default": True,
    }
    assert [row["region"] for row in data["rows"]] == [A, B, C, E]
    first = data["rows"][0]
    assert {k: first[k] for k in ("region", "region_name", "rank", "score", "investment_target")} == {
        "region": A,
        "region_name": "端州区",
        "rank": 1,
        "score": "96.25",
        "investment_target": "7000000.00",
    }
    assert first["region_name_en"] == "Duanzhou District"
    assert list(first["indicators"]) == list(Indicator.values)
    assert first["indicators"]["signed"] == {"value": 2, "rank": 2, "period_value": 1}
    assert first["indicators"]["investment"] == {
        "value": "3500000.50",
        "rank": 2,
        "period_value": "1000000.50",
    }
    assert first["indicators"]["investment_rate"] == {"value": "0.5000", "rank": 1, "period_value": "0.1429"}
    assert first["indicators"]["avg_days_to_land"] == {"value": "50.5", "rank": 2, "period_value": None}
    assert first["indicators"]["problems_overdue"] == {"value": 2, "rank": 4, "period_value": None}
    counts = [first["indicators"][name]["value"] for name in ("signed", "started", "problems_raised")]
    assert all(type(v) is int for v in counts)
    last = data["rows"][-1]
    assert last["investment_target"] is None
    assert last["score"] == "0.00"
    assert last["indicators"]["investment_rate"] == {"value": None, "rank": 3, "period_value": None}
    assert last["indicators"]["investment"] == {"value": "0.00", "rank": 4, "period_value": "0.00"}


# Constant number of queries (DESIGN "Scale").


def _bulk_projects(regions_, per_region, enterprise, industry, prefix):
    """Projects, reports and problems written in bulk (as a loader would), then the rollup rebuilt."""
    projects = [
        Project(
            code=f"{prefix}-{region.code}-{n:04d}",
            name="批量项目",
            enterprise=enterprise,
            region=region,
            industry=industry,
            planned_investment=Decimal("1000000.00"),
            is_major=False,
            stage=Stage.STARTED,
            signed_on=D(2025, 1, 5),
            land_supplied_on=D(2025, 2, 5),
            started_on=D(2025, 6, 5),
        )
        for region in regions_
        for n in range(per_region)
    ]
    Project.objects.bulk_create(projects)
    projects = list(Project.objects.filter(code__startswith=f"{prefix}-"))
    InvestmentReport.objects.bulk_create(
        InvestmentReport(project=p, month=D(2025, 3, 1), amount=Decimal("100.00")) for p in projects
    )
    Problem.objects.bulk_create(
        Problem(
            project=p,
            category=ProblemCategory.OTHER,
            description="批量问题",
            raised_on=D(2025, 4, 1),
            status=ProblemStatus.RAISED,
        )
        for p in projects
    )
    rollup_rebuild()


def _ranking_queries(period):
    compute_ranking(period)  # warm any per-process caches
    with CaptureQueriesContext(connection) as queries:
        ranking = compute_ranking(period)
    return len(queries), ranking


def test_query_count_does_not_grow_with_the_number_of_regions(regions, enterprise, industry):
    city = regions["441200"]
    Region.objects.exclude(code__in=(A, B, C)).update(is_ranked=False)
    _bulk_projects(Region.objects.ranked(), 2, enterprise, industry, "small")
    small, ranking = _ranking_queries(JUNE_2025)
    assert len(ranking.rows) == 3
    assert small <= 7  # regions, targets, projects, investment, problems, scheme (+ weights)

    extra = Region.objects.bulk_create(
        Region(code=f"{450000 + n:06d}", name=f"测试县{n}", name_en="", kind=RegionKind.COUNTY, parent=city)
        for n in range(297)
    )
    Region.objects.filter(code__startswith="45").update(is_ranked=True)
    _bulk_projects(Region.objects.filter(code__startswith="45"), 3, enterprise, industry, "big")
    big, ranking = _ranking_queries(JUNE_2025)
    assert len(extra) == 297
    assert len(ranking.rows) == 300
    assert big == small
    # Every bulk region: 3 started in June, 300.00 invested in March, 3 raised, none resolved.
    some = rows_by_code(ranking)["450123"].indicators
    assert some[Indicator.STARTED].value == 3
    assert some[Indicator.STARTED].period_value == 3
    assert some[Indicator.INVESTMENT].value == dec("300.00")
    assert some[Indicator.PROBLEMS_RAISED].value == 3
    assert some[Indicator.PROBLEM_RESOLUTION_RATE].value == dec("0.0000")
    assert some[Indicator.AVG_DAYS_TO_LAND].value == dec("31.0")  # Jan 5 -> Feb 5


def test_query_count_does_not_grow_with_the_number_of_projects(four_ranked, enterprise, industry):
    RankingWeight.objects.create(
        scheme=RankingScheme.objects.create(year=2025), indicator=Indicator.STARTED, weight=dec("100")
    )
    _bulk_projects([four_ranked[A], four_ranked[B]], 5, enterprise, industry, "ten")
    ten, ranking = _ranking_queries(JUNE_2025)
    assert values(ranking, Indicator.STARTED) == {A: 5, B: 5, C: 0, E: 0}
    _bulk_projects([four_ranked[A], four_ranked[B]], 95, enterprise, industry, "more")
    two_hundred, ranking = _ranking_queries(JUNE_2025)
    assert values(ranking, Indicator.STARTED) == {A: 100, B: 100, C: 0, E: 0}
    assert Project.objects.count() == 200
    assert two_hundred == ten


# The investment roll-up equals the raw reports.


def _rollup_table():
    return sorted(InvestmentRollup.objects.exclude(amount=0).values_list("region__code", "month", "amount"))


def test_rollup_stays_equal_to_the_raw_reports_through_service_writes(
    four_ranked, build, report, county_staff
):
    a, b, c = four_ranked[A], four_ranked[B], four_ranked[C]
    p1 = build(a, D(2025, 1, 5))
    p2 = build(a, D(2025, 1, 6))
    p3 = build(b, D(2025, 1, 7))
    report(p1, D(2025, 1, 1), "1000.00")
    report(p1, D(2025, 2, 1), "2000.00")
    report(p2, D(2025, 2, 1), "300.00")
    report(p3, D(2025, 3, 1), "50.00")
    report(p1, D(2025, 2, 17), "2500.00")  # a correction of February (any day of the month)
    report(p2, D(2025, 2, 1), "0.00")  # corrected down to nothing
    project_services.project_cancel(project=p2, reason="撤资", by=county_staff)
    report(p3, D(2025, 3, 1), "75.00")
    project_services.project_update(project=p1, by=county_staff, region=c)  # moved A -> C
    project_services.project_reactivate(project=p2, reason="恢复", by=county_staff)
    report(p2, D(2025, 4, 1), "40.00")
    project_services.project_cancel(project=p3, reason="撤资", by=county_staff)
    project_services.project_update(project=p3, by=county_staff, region=a)  # a cancelled move
    project_services.project_reactivate(project=p3, reason="恢复", by=county_staff)  # now counts in A

    assert rollup_mismatches() == []
    # C: p1's 1,000.00 (Jan) + 2,500.00 (Feb). A: p2's 0.00 (Feb) + 40.00 (Apr) + p3's 75.00 (Mar).
    ranking = compute_ranking(JUNE_2025)
    assert values(ranking, Indicator.INVESTMENT) == {
        A: dec("115.00"),
        B: dec("0.00"),
        C: dec("3500.00"),
        E: dec("0.00"),
    }
    for code, investment in values(ranking, Indicator.INVESTMENT).items():
        raw = (
            InvestmentReport.objects.filter(
                project__region__code=code, month__year=2025, month__lte=D(2025, 6, 1)
            )
            .exclude(project__status=Status.CANCELLED)
            .aggregate(total=Sum("amount"))["total"]
        )
        assert investment == (raw or dec("0.00"))

    before = _rollup_table()
    assert before == [
        (A, D(2025, 3, 1), dec("75.00")),
        (A, D(2025, 4, 1), dec("40.00")),
        (C, D(2025, 1, 1), dec("1000.00")),
        (C, D(2025, 2, 1), dec("2500.00")),
    ]
    rollup_rebuild()
    assert _rollup_table() == before
    assert rollup_mismatches() == []


def test_rollup_mismatches_reports_a_drifted_cell(four_ranked, build, report):
    p1 = build(four_ranked[A], D(2025, 1, 5))
    report(p1, D(2025, 1, 1), "1000.00")
    InvestmentRollup.objects.filter(region=four_ranked[A]).update(amount=dec("999.00"))
    assert rollup_mismatches() == [(four_ranked[A].pk, D(2025, 1, 1), dec("999.00"), dec("1000.00"))]
    rollup_rebuild()
    assert rollup_mismatches() == []
    assert values(compute_ranking(JUNE_2025), Indicator.INVESTMENT)[A] == dec("1000.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_keep_the_rollup_exact(four_ranked, build, county_staff):
    from tests.test_concurrency import race

    # Eight projects of one region report the same month at once: the first of them
    # creates the rollup row, the others add to it; none may be lost.
    projects = [build(four_ranked[A], D(2025, 1, 5)) for _ in range(8)]
    results, errors = race(
        8,
        lambda i: project_services.investment_report(
            project=projects[i], month=D(2025, 5, 1), amount=Decimal(f"{i + 1}00.00"), by=county_staff
        ),
    )
    assert errors == [None] * 8
    assert rollup_mismatches() == []
    # 100 + 200 + ... + 800 = 3,600.00
    assert InvestmentRollup.objects.get(region=four_ranked[A], month=D(2025, 5, 1)).amount == dec("3600.00")
    assert values(compute_ranking(JUNE_2025), Indicator.INVESTMENT)[A] == dec("3600.00")
