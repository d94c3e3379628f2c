"""Fixtures and helpers of the ranking and bulletin tests.

A test module loads the fixtures with ``pytest_plugins = ["tests.ranking_fixtures"]``
and imports the helpers and constants by name. Everything is entered through the
services, as a bureau would; every date used is in the past, so they accept it.
(PYTEST_DONT_REWRITE: there are no asserts here.)
"""

import datetime
from decimal import Decimal

import pytest

from projects import lifecycle
from projects import services as project_services
from projects.choices import Stage
from projects.models import Region
from supervision import services as problem_services
from supervision.choices import ProblemCategory
from supervision.models import Unit

D = datetime.date

A, B, C, E = "441202", "441203", "441204", "441223"  # 端州, 鼎湖, 高要, 广宁 (E stays empty)
FOUR = (A, B, C, E)

STAGES_AFTER_SIGNING = [
    Stage.LAND_SUPPLIED,
    Stage.STARTED,
    Stage.COMPLETED,
    Stage.IN_PRODUCTION,
    Stage.ABOVE_SCALE,
]


def rows_by_code(ranking):
    return {row.code: row for row in ranking.rows}


@pytest.fixture
def four_ranked(regions):
    """Only A, B, C and E take part, so every rank below is worked out over four rows."""
    Region.objects.exclude(code__in=FOUR).update(is_ranked=False)
    Region.objects.filter(code__in=FOUR).update(is_ranked=True)
    return {code: Region.objects.get(code=code) for code in FOUR}


@pytest.fixture
def city_unit(regions) -> Unit:
    return Unit.objects.create(
        name="肇庆市自然资源局", name_en="Zhaoqing Natural Resources Bureau", region=None
    )


@pytest.fixture
def build(county_staff, enterprise, industry):
    """``build(region, signed_on, land_on, started_on, ...)``: a project advanced through its stages."""

    def make(region, signed_on, *stage_dates, name="年产5万吨新材料项目"):
        project = project_services.project_create(
            by=county_staff,
            name=name,
            enterprise=enterprise,
            region=region,
            industry=industry,
            signed_on=signed_on,
            planned_investment=Decimal("300000000.00"),
        )
        for stage, on in zip(STAGES_AFTER_SIGNING, stage_dates, strict=False):
            project = lifecycle.advance(project=project, stage=stage, on=on, by=county_staff)
        return project

    return make


@pytest.fixture
def report(county_staff):
    def make(project, month, amount):
        return project_services.investment_report(
            project=project, month=month, amount=Decimal(amount), by=county_staff
        )

    return make


@pytest.fixture
def problem(county_staff, city_leader, city_unit):
    """``problem(project, raised_on, due_on=None, resolved_on=None, verified_on=None)``."""

    def make(project, raised_on, *, due_on=None, resolved_on=None, verified_on=None):
        item = problem_services.problem_raise(
            project=project,
            category=ProblemCategory.LAND_USE,
            description="用地指标未落实",
            by=county_staff,
            raised_on=raised_on,
        )
        if due_on is not None:
            item = problem_services.problem_assign(
                problem=item, unit=city_unit, due_on=due_on, by=city_leader, on=raised_on
            )
        if resolved_on is not None:
            item = problem_services.problem_resolve(
                problem=item, resolution="已协调解决", by=county_staff, on=resolved_on
            )
        if verified_on is not None:
            item = problem_services.problem_verify(problem=item, by=city_leader, on=verified_on)
        return item

    return make


@pytest.fixture
def target(city_admin):
    def make(region, year, investment):
        return project_services.target_set(
            region=region,
            year=year,
            investment=Decimal(investment),
            investment_h1=Decimal(investment) / 2,
            by=city_admin,
        )

    return make
