"""Fixtures of the ranking tests that more than one module of tests/ranking/ uses:
the engine's fixed data set and the dashboard's race.
"""

from decimal import Decimal

import pytest

from projects import lifecycle
from projects import services as project_services
from projects.choices import Stage
from tests.fixtures.dashboard import day
from tests.fixtures.ranking import A, B, C, D

# The ranking engine (test_engine_*.py)


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


# The dashboard (test_dashboard*.py)


@pytest.fixture
def year(today) -> int:
    return today.year - 1


@pytest.fixture
def race(year, make_project, region, other_region, county_staff, city_admin):
    """Dinghu starts a project in January; Duanzhou starts two in March, reports 2,000,000 yuan
    of investment in March and has a target of 8,000,000. As of June, Duanzhou scores
    40 × 0.25/0.25 + 15 × 2/2 = 55 (1st) and Dinghu 15 × 1/2 = 7.5 (2nd); everyone else 0 (3rd).
    In February Dinghu led with 15 and everyone else shared 2nd place."""
    dinghu = make_project(name="鼎湖项目", region=other_region, signed_on=day(year, 1, 5))
    lifecycle.advance(project=dinghu, stage=Stage.LAND_SUPPLIED, on=day(year, 1, 10), by=county_staff)
    lifecycle.advance(project=dinghu, stage=Stage.STARTED, on=day(year, 1, 20), by=county_staff)
    duanzhou = []
    for name in ("甲", "乙"):
        project = make_project(name=f"端州项目{name}", signed_on=day(year, 1, 5))
        lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=day(year, 2, 1), by=county_staff)
        lifecycle.advance(project=project, stage=Stage.STARTED, on=day(year, 3, 10), by=county_staff)
        project_services.investment_report(
            project=project, month=day(year, 3, 1), amount=Decimal("1000000.00"), by=county_staff
        )
        duanzhou.append(project)
    project_services.target_set(
        region=region,
        year=year,
        investment=Decimal("8000000.00"),
        investment_h1=Decimal("4000000.00"),
        started=4,
        by=city_admin,
    )
    return {"dinghu": dinghu, "duanzhou": duanzhou}
