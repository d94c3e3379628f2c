"""The ranking engine: the JSON a bulletin and the API publish, and a constant number of queries."""

import json
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.choices import RegionKind, Stage
from projects.models import InvestmentReport, Project, Region
from projects.rollups import rollup_rebuild
from supervision.choices import Indicator, ProblemCategory, ProblemStatus
from supervision.models import Problem
from supervision.models_ranking import RankingScheme, RankingWeight
from supervision.ranking.engine import compute_ranking, ranking_as_json
from tests.fixtures.ranking import A, B, C, D, E, rows_by_code
from tests.fixtures.ranking_values import JUNE_2025, dec, values

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
