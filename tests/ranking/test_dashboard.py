"""The leaders' pages: the dashboard at "/" (a region's page: test_dashboard_region.py; the
bulletins: test_dashboard_bulletins.py).

The data are built through the services, in last year (so every date is in the past
whatever day the tests run) and read with ``?date=`` in that year. Pages are read in
English (the language cookie), so the assertions do not depend on the Chinese catalogue.
"""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects import services as project_services
from projects.choices import RegionKind
from projects.models import Region
from supervision import services
from supervision.choices import ProblemCategory
from supervision.models import Person, Unit
from supervision.periods import period_containing
from supervision.ranking import bulletins
from tests.fixtures.dashboard import DAY, ROLES, browser, day, grow, html, main, region_row
from tests.fixtures.regions import RANKED_CODES

# --- the dashboard -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_ranking(role, race, year, request):
    user = request.getfixturevalue(role)
    response = browser(user).get("/", {"kind": "monthly", "date": f"{year}-06-10"})
    assert response.status_code == 200
    for code in RANKED_CODES:
        region_row(response, code)  # every ranked region has its row
    rows = {row.code: row for row in response.context["rows"]}
    assert len(rows) == len(RANKED_CODES)
    assert (rows["441202"].rank, rows["441202"].score) == (1, Decimal("55.00"))
    assert (rows["441203"].rank, rows["441203"].score) == (2, Decimal("7.50"))
    assert {rows[code].rank for code in RANKED_CODES if code not in {"441202", "441203"}} == {3}
    duanzhou = region_row(response, "441202")
    assert "55.00" in duanzhou and "25.00%" in duanzhou  # score; investment against target
    assert "200.00" in duanzhou  # 2,000,000 yuan in 万元
    assert 'href="/regions/441202/"' in duanzhou and "Duanzhou District" in duanzhou
    assert re.search(r'<progress max="100" value="25.00"', duanzhou)
    assert "No target" in region_row(response, "441203")
    # No edit controls on the dashboard, for anyone.
    assert 'method="post"' not in main(html(response))


def test_change_of_rank_since_the_last_published_bulletin(race, year, city_leader):
    february = period_containing("monthly", day(year, 2, 10))
    bulletins.bulletin_generate(period=february, publish=True)
    # A draft after it does not count: only published bulletins are compared with.
    bulletins.bulletin_generate(period=period_containing("monthly", day(year, 4, 10)), publish=False)
    response = browser(city_leader).get("/", {"kind": "monthly", "date": f"{year}-06-10"})
    rows = {row.code: row for row in response.context["rows"]}
    assert response.context["previous"].period_start == february.start
    assert (rows["441202"].previous_rank, rows["441202"].change) == (2, 1)
    assert (rows["441203"].previous_rank, rows["441203"].change) == (1, -1)
    assert rows["441204"].change == -1
    duanzhou, dinghu = region_row(response, "441202"), region_row(response, "441203")
    assert "↑1" in duanzhou and "up 1" in duanzhou  # an arrow and words, not colour alone
    assert "↓1" in dinghu and "down 1" in dinghu
    # A weekly ranking has no published weekly bulletin to compare with.
    weekly = browser(city_leader).get("/", {"kind": "weekly", "date": f"{year}-06-10"})
    assert all(row.change is None for row in weekly.context["rows"])
    assert "no earlier bulletin" in region_row(weekly, "441202")


def test_kind_and_date_choose_the_period(race, year, county_leader, today):
    client = browser(county_leader)
    default = client.get("/")
    assert default.context["period"] == period_containing("weekly", today)
    quarter = client.get("/", {"kind": "quarterly", "date": f"{year}-05-02"})
    assert quarter.context["period"].label == f"{year}-Q2"
    assert f"{year}-Q2" in html(quarter)
    assert 'value="quarterly" selected' in html(quarter)
    early = client.get("/", {"kind": "monthly", "date": f"{year}-02-10"})
    rows = {row.code: row for row in early.context["rows"]}
    assert rows["441203"].rank == 1 and rows["441202"].rank == 2


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "weekly", "date": "2026-02-30"},
        {"date": "yesterday"},
        {"date": "1999-12-31"},
        {"kind": "daily"},
    ],
)
def test_bad_values_show_an_error_and_the_default_ranking(params, county_staff, today):
    response = browser(county_staff).get("/", params)
    assert response.status_code == 200
    assert 'role="alert"' in html(response)
    assert "could not be read" in html(response)
    assert response.context["form"].errors
    assert response.context["period"] == period_containing("weekly", today)


def test_charts_get_their_data_and_the_tables_repeat_it(race, year, city_leader):
    response = browser(city_leader).get("/", {"kind": "monthly", "date": f"{year}-06-10"})
    page = html(response)
    for source in ("chart-investment", "chart-stages", "chart-trend"):
        assert f'id="{source}"' in page and f'data-source="{source}"' in page
    assert "/static/js/charts.js" in page and "echarts.min.js" in page
    charts = response.context["charts"]
    assert charts["investment"]["investment"][0] == "200.00"  # Duanzhou, first in rank, 万元 as a string
    assert charts["investment"]["target"][0] == "800.00"
    funnel = {step["stage"]: step["count"] for step in response.context["funnel"]}
    assert funnel == {
        "signed": 0,
        "land_supplied": 0,
        "started": 3,
        "completed": 0,
        "in_production": 0,
        "above_scale": 0,
    }
    trend = response.context["trend"]
    assert trend[2].this_year == Decimal("2000000.00") and trend[2].last_year == Decimal("0")
    assert trend[6].this_year is None  # July is after the as-of month
    assert charts["trend"]["series"][0]["values"][2] == "200.00"


@pytest.fixture
def attention(make_project, region, other_region, county_staff, city_admin, county_leader, today):
    """In each of Duanzhou and Dinghu: a major project, a stalled one, an overdue problem; one
    Duanzhou project gets a complete service team."""
    made = {}
    for where, tag in ((region, "dz"), (other_region, "dh")):
        made[f"major-{tag}"] = make_project(
            name=f"重大项目{tag}", region=where, planned_investment=Decimal("1500000000.00")
        )
        stalled = make_project(name=f"停滞项目{tag}", region=where)
        project_services.project_mark_stalled(project=stalled, reason="长期未开工", by=city_admin)
        made[f"stalled-{tag}"] = stalled
        problem = services.problem_raise(
            project=made[f"major-{tag}"],
            category=ProblemCategory.LAND_USE,
            description=f"用地指标未落实{tag}",
            by=county_staff,
            raised_on=today - 30 * DAY,
        )
        unit = Unit.objects.create(name=f"自然资源局{tag}", region=where)
        made[f"problem-{tag}"] = services.problem_assign(
            problem=problem, unit=unit, due_on=today - 10 * DAY, on=today - 30 * DAY, by=city_admin
        )
    people = [Person.objects.create(name=name, region=region) for name in ("甲", "乙", "丙")]
    services.service_team_save(
        project=made["major-dz"],
        county_leader=people[0],
        chief_officer=people[1],
        specialist=people[2],
        unit=Unit.objects.get(name="自然资源局dz"),
        plan="每周走访",
        by=city_admin,
    )
    return made


def test_lists_hold_what_needs_attention_in_the_users_scope(attention, county_leader, city_leader):
    county = browser(county_leader).get("/")
    city = browser(city_leader).get("/")
    assert [p.name for p in county.context["major"].rows] == ["重大项目dz"]
    assert {p.name for p in city.context["major"].rows} == {"重大项目dz", "重大项目dh"}
    assert [p.name for p in county.context["stalled"].rows] == ["停滞项目dz"]
    assert {p.name for p in city.context["stalled"].rows} == {"停滞项目dz", "停滞项目dh"}
    assert [p.pk for p in county.context["overdue"].rows] == [attention["problem-dz"].pk]
    assert {p.pk for p in city.context["overdue"].rows} == {
        attention["problem-dz"].pk,
        attention["problem-dh"].pk,
    }
    # The stalled project is not active, so it is not in the team list; the major one has its team.
    assert [p.name for p in county.context["no_team"].rows] == []
    assert [p.name for p in city.context["no_team"].rows] == ["重大项目dh"]
    page = html(county)
    assert "重大项目dz" in page and "重大项目dh" not in page
    assert "Days overdue: 10" in page
    for link in (
        "/projects/?is_major=true",
        "/projects/?status=stalled",
        "/problems/?overdue=true",
        "/dashboard/without-team/",
    ):
        assert f'href="{link}"' in page


def test_lists_are_cut_and_link_to_the_full_list(make_project, county_leader):
    for number in range(12):
        make_project(name=f"无团队项目{number:02d}", planned_investment=Decimal(10_000_000 + number))
    response = browser(county_leader).get("/")
    cut = response.context["no_team"]
    assert len(cut.rows) == 10 and cut.more
    full = browser(county_leader).get("/dashboard/without-team/")
    assert full.status_code == 200
    assert html(full).count("无团队项目") == 12


def dashboard_queries(client, year) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", {"kind": "monthly", "date": f"{year}-06-10"})
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_query_count_does_not_grow_with_projects_or_regions(
    make_project, region, other_region, regions, county_staff, city_leader, city_admin, year, today
):
    client = browser(city_leader)
    grow(make_project, region, 3, year, county_staff, city_admin, today)
    client.get("/")  # warm the per-process caches (content types, permissions)
    few = dashboard_queries(client, year)
    grow(make_project, other_region, 27, year, county_staff, city_admin, today)
    bulletins.bulletin_generate(period=period_containing("monthly", day(year, 4, 1)), publish=True)
    assert dashboard_queries(client, year) == few
    city = regions["441200"]
    for number in range(5):
        extra = Region.objects.create(
            code=f"4412{60 + number}",
            name=f"测试区{number}",
            kind=RegionKind.DISTRICT,
            parent=city,
            is_ranked=True,
        )
        grow(make_project, extra, 2, year, county_staff, city_admin, today)
    assert dashboard_queries(client, year) == few
    assert len(client.get("/").context["rows"]) == len(RANKED_CODES) + 5
