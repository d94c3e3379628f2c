"""A region's page: its projects in buckets, target, lists and rank history."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import lifecycle
from projects import services as project_services
from projects.choices import Stage
from supervision import services
from supervision.choices import ProblemCategory
from supervision.models import Person
from supervision.periods import period_containing
from supervision.ranking import bulletins
from tests.fixtures.dashboard import DAY, browser, day, grow, html
from tests.fixtures.regions import RANKED_CODES

# --- a region's page ---------------------------------------------------------------------------


@pytest.fixture
def staged(make_project, region, other_region, county_staff, city_admin, today):
    """One Duanzhou project at each stage from signed to above scale, a cancelled one, and one in Dinghu."""
    start = today - 60 * DAY
    made = {}
    for index, stage in enumerate(Stage):
        project = make_project(name=f"阶段{stage.value}", signed_on=start)
        for step in list(Stage)[1 : index + 1]:
            lifecycle.advance(project=project, stage=step, on=start + step.index * DAY, by=county_staff)
        made[stage] = project
    cancelled = make_project(name="已清退项目", signed_on=start)
    project_services.project_cancel(project=cancelled, reason="企业撤资", by=city_admin)
    make_project(name="鼎湖的项目", region=other_region, signed_on=start)
    return made


def test_region_page_groups_projects_in_buckets(staged, region, county_staff):
    response = browser(county_staff).get(f"/regions/{region.code}/")
    assert response.status_code == 200
    buckets = {bucket.stage: bucket for bucket in response.context["buckets"]}
    assert list(buckets) == [
        Stage.SIGNED,
        Stage.LAND_SUPPLIED,
        Stage.STARTED,
        Stage.COMPLETED,
        Stage.IN_PRODUCTION,
    ]
    for stage, bucket in buckets.items():
        assert bucket.count == 1
        assert [p.name for p in bucket.projects] == [f"阶段{stage.value}"]
    assert response.context["above_scale"] == 1
    page = html(response)
    assert "Signed, no land yet" in page and "In production, not above designated size" in page
    assert "已清退项目" not in page and "鼎湖的项目" not in page
    assert "Duanzhou District" in page


def test_region_page_target_and_lists(staged, region, county_staff, county_leader, city_admin, today):
    project_services.target_set(
        region=region,
        year=today.year,
        investment=Decimal("10000000.00"),
        investment_h1=Decimal("5000000.00"),
        started=8,
        by=city_admin,
    )
    project_services.investment_report(
        project=staged[Stage.STARTED],
        month=today.replace(day=1),
        amount=Decimal("2500000.00"),
        by=county_staff,
    )
    problem = services.problem_raise(
        project=staged[Stage.STARTED],
        category=ProblemCategory.LAND_USE,
        description="供电接入滞后",
        by=county_staff,
        raised_on=today - 2 * DAY,
    )
    leader = Person.objects.create(name="王书记", title="区委书记", region=region)
    services.visit_record(
        on=today - DAY,
        region=region,
        leader=leader,
        projects=[staged[Stage.SIGNED]],
        notes="现场督导",
        by=county_leader,
    )
    services.service_log_record(
        project=staged[Stage.SIGNED],
        on=today - DAY,
        kind="registration",
        description="协助办理营业执照",
        by=county_staff,
    )
    response = browser(county_leader).get(f"/regions/{region.code}/")
    lines = {line.label: line for line in response.context["target_lines"]}
    assert lines["Investment"].done == Decimal("2500000.00") and lines["Investment"].progress == Decimal(
        "25.00"
    )
    assert lines["Projects started"].target == 8
    page = html(response)
    assert re.search(r'<progress max="100" value="25.00"', page)
    assert f"#{problem.pk}" in page and "王书记" in page and "协助办理营业执照" in page
    assert f'href="/problems/?region={region.code}"' in page


def test_region_without_target_says_so(region, city_leader):
    response = browser(city_leader).get(f"/regions/{region.code}/")
    assert response.status_code == 200
    assert "No target has been set" in html(response)


def test_county_users_open_only_their_own_region(
    region, other_region, county_staff, county_leader, city_leader
):
    assert browser(county_staff).get(f"/regions/{other_region.code}/").status_code == 404
    assert browser(county_leader).get(f"/regions/{other_region.code}/").status_code == 404
    assert browser(county_leader).get(f"/regions/{region.code}/").status_code == 200
    assert browser(city_leader).get(f"/regions/{other_region.code}/").status_code == 200
    assert browser(city_leader).get("/regions/999999/").status_code == 404


def test_region_page_rank_history_from_published_weekly_bulletins(race, year, region, city_leader):
    weeks = [period_containing("weekly", day(year, 2, 3)), period_containing("weekly", day(year, 6, 1))]
    for week in weeks:
        bulletins.bulletin_generate(period=week, publish=True)
    bulletins.bulletin_generate(period=period_containing("weekly", day(year, 6, 8)), publish=False)  # a draft
    bulletins.bulletin_generate(period=period_containing("monthly", day(year, 6, 8)), publish=True)  # monthly
    response = browser(city_leader).get(f"/regions/{region.code}/")
    history = response.context["history"]
    assert [point.label for point in history] == [week.label for week in weeks]
    assert [point.rank for point in history] == [2, 1]
    assert response.context["history_chart"]["ranks"] == [2, 1]
    page = html(response)
    assert 'data-source="chart-rank"' in page and 'id="chart-rank"' in page
    assert f"1 of {len(RANKED_CODES)}" in page


def test_region_page_query_count_is_constant(
    make_project, region, county_staff, city_admin, city_leader, year, today
):
    client = browser(city_leader)
    grow(make_project, region, 3, year, county_staff, city_admin, today)
    client.get(f"/regions/{region.code}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/regions/{region.code}/")
    grow(make_project, region, 25, year, county_staff, city_admin, today)
    for week in range(3):
        bulletins.bulletin_generate(period=period_containing("weekly", day(year, 3, 2) + week * 7 * DAY))
    with CaptureQueriesContext(connection) as many:
        client.get(f"/regions/{region.code}/")
    assert len(many.captured_queries) == len(few.captured_queries)
