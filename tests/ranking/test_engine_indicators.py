"""supervision/ranking.py against DESIGN "Ranking", on data entered through the services.

Every expected figure is a literal worked out by hand in the comments next to it,
so a change in a definition (a window, a rounding, a tie) shows up as a wrong number.
All dates are in the past (today is after 2026-01-04), so the services accept them.
"""

from projects import services as project_services
from projects.choices import Status
from projects.models import Project, Region
from supervision.choices import Indicator, PeriodKind
from supervision.models_ranking import RankingScheme, RankingWeight
from supervision.periods import Period
from supervision.ranking.engine import compute_ranking
from tests.fixtures.ranking import A, B, C, D, E, rows_by_code
from tests.fixtures.ranking_values import JUNE_2025, dec, period_values, ranks, values

# The fixed data set of four regions, as of 30 June 2025.


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
