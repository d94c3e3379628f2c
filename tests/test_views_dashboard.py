"""The leaders' pages: the dashboard at "/", a region's page and the bulletins.

The data are built through the services, in last year (so every date is in the past
whatever day the tests run) and read with ``?date=`` in that year. Pages are read in
English (the language cookie), so the assertions do not depend on the Chinese catalogue.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects import lifecycle
from projects import services as project_services
from projects.choices import RegionKind, Stage
from projects.models import Region
from supervision import services
from supervision.choices import BulletinStatus, ProblemCategory, RequestStatus
from supervision.models import Person, Unit
from supervision.models_ranking import Bulletin, BulletinRequest
from supervision.periods import period_containing
from supervision.ranking import bulletins
from tests.conftest import RANKED_CODES
from tests.worker import broker, closed_port

DAY = datetime.timedelta(days=1)
ROLES = ["county_staff", "county_leader", "city_leader", "city_admin"]


def browser(user=None, language="en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def main(page: str) -> str:
    """The page's own content, without the header's language and sign-out forms."""
    return page.split('<main id="main"')[1].split("</main>")[0]


def region_row(response, code: str) -> str:
    """The ranking table's row of one region."""
    match = re.search(rf'<tr data-region="{code}">(.*?)</tr>', html(response), re.S)
    assert match, f"no row for {code}"
    return match.group(1)


@pytest.fixture
def year(today) -> int:
    return today.year - 1


def day(year: int, month: int, dom: int) -> datetime.date:
    return datetime.date(year, month, dom)


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


def grow(make_project, where, count, year, county_staff, city_admin, today):
    """``count`` projects in ``where``: stages, investment, a stalled one, major ones and problems."""
    for number in range(count):
        project = make_project(
            name=f"项目{where.code}-{number}",
            region=where,
            signed_on=day(year, 1, 5),
            planned_investment=Decimal("1500000000.00") if number % 3 == 0 else Decimal("50000000.00"),
        )
        if number % 2:
            lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=day(year, 2, 1), by=county_staff)
            project_services.investment_report(
                project=project, month=day(year, 3, 1), amount=Decimal("100.00"), by=county_staff
            )
        if number % 4 == 0:
            services.problem_raise(
                project=project,
                category=ProblemCategory.OTHER,
                description="问题",
                by=county_staff,
                raised_on=today - 3 * DAY,
            )
        if number % 5 == 0:
            project_services.project_mark_stalled(project=project, reason="停滞", by=city_admin)


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


# --- bulletins ----------------------------------------------------------------------------------


@pytest.fixture
def published(race, year):
    return bulletins.bulletin_generate(period=period_containing("monthly", day(year, 6, 10)), publish=True)


@pytest.fixture
def draft(race, year):
    return bulletins.bulletin_generate(period=period_containing("monthly", day(year, 7, 10)), publish=False)


def test_bulletin_list_shows_published_to_all_and_drafts_to_the_admin(
    published, draft, county_staff, city_admin
):
    staff = browser(county_staff).get("/bulletins/")
    assert staff.status_code == 200
    assert [b.pk for b in staff.context["page"]["rows"]] == [published.pk]
    assert published.period.label in html(staff) and draft.period.label not in html(staff)
    assert "Generate a bulletin" not in html(staff)
    admin = browser(city_admin).get("/bulletins/")
    assert {b.pk for b in admin.context["page"]["rows"]} == {published.pk, draft.pk}
    assert "Generate a bulletin" in html(admin)
    assert '<option value="" selected>All</option>' in html(admin)
    weekly = browser(city_admin).get("/bulletins/", {"kind": "weekly"})
    assert weekly.context["page"]["rows"] == []
    assert browser(city_admin).get("/bulletins/", {"kind": "daily"}).status_code == 400


def test_bulletin_detail(published, draft, county_leader, monkeypatch):
    from supervision.ranking import exports as bulletin_exports

    client = browser(county_leader)
    monkeypatch.setattr(bulletin_exports, "pdf_available", lambda: False)
    response = client.get(f"/bulletins/{published.pk}/")
    assert response.status_code == 200
    page = html(response)
    assert "Duanzhou District" in page and "55.00" in page
    assert f'href="/api/v1/bulletins/{published.pk}/xlsx/"' in page
    assert f'href="/api/v1/bulletins/{published.pk}/html/"' in page
    assert "/pdf/" not in page
    assert "/publish/" not in page and "/correct/" not in page and 'method="post"' not in main(page)
    monkeypatch.setattr(bulletin_exports, "pdf_available", lambda: True)
    assert f'href="/api/v1/bulletins/{published.pk}/pdf/"' in html(client.get(f"/bulletins/{published.pk}/"))
    assert client.get(f"/bulletins/{draft.pk}/").status_code == 404  # drafts are the admin's


@pytest.mark.parametrize("role", ["county_staff", "county_leader", "city_leader"])
def test_only_the_city_admin_generates_publishes_and_corrects(role, published, draft, year, request):
    client = browser(request.getfixturevalue(role))
    before = list(Bulletin.objects.order_by("pk").values())
    assert (
        client.post("/bulletins/generate/", {"kind": "monthly", "date": f"{year}-03-10"}).status_code == 403
    )
    assert client.post(f"/bulletins/{draft.pk}/publish/").status_code == 403
    assert client.post(f"/bulletins/{published.pk}/correct/", {"reason": "数据有误"}).status_code == 403
    assert list(Bulletin.objects.order_by("pk").values()) == before
    assert not BulletinRequest.objects.filter(period_start=day(year, 3, 1)).exists()


def test_generate_with_eager_celery_makes_a_draft(race, year, city_admin, eager_celery):
    client = browser(city_admin)
    response = client.post("/bulletins/generate/", {"kind": "monthly", "date": f"{year}-03-10"})
    bulletin = Bulletin.objects.get(kind="monthly", period_start=day(year, 3, 1))
    assert bulletin.status == BulletinStatus.DRAFT
    assert response.status_code == 302 and response["Location"] == f"/bulletins/{bulletin.pk}/"
    page = html(client.get(response["Location"]))
    assert "is ready" in page and f'<a href="/bulletins/{bulletin.pk}/">Open the bulletin</a>' in page
    assert f'action="/bulletins/{bulletin.pk}/publish/"' in page
    assert BulletinRequest.objects.get(period_start=day(year, 3, 1)).status == RequestStatus.DONE


def test_generate_a_published_period_leaves_it_as_it_is(published, year, city_admin, eager_celery):
    client = browser(city_admin)
    response = client.post("/bulletins/generate/", {"kind": "monthly", "date": f"{year}-06-20"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/bulletins/{published.pk}/"
    assert "already published" in html(response)
    assert Bulletin.objects.filter(kind="monthly", period_start=published.period_start).count() == 1


def test_generate_when_the_queue_is_down(race, year, city_admin):
    client = browser(city_admin)
    # A real send to a Redis URL where nothing listens, not a stand-in for the broker.
    with broker(f"redis://127.0.0.1:{closed_port()}/0"):
        response = client.post(
            "/bulletins/generate/", {"kind": "weekly", "date": f"{year}-03-10"}, follow=True
        )
    assert response.status_code == 200
    assert "The task queue is unavailable" in html(response) and "finished automatically" in html(response)
    request = BulletinRequest.objects.get(kind="weekly")
    assert request.status == RequestStatus.PENDING and request.error
    assert not Bulletin.objects.filter(kind="weekly").exists()


def test_generate_with_a_bad_form_shows_the_errors(city_admin, today):
    future = today + 40 * DAY
    response = browser(city_admin).post(
        "/bulletins/generate/", {"kind": "monthly", "date": future.isoformat()}
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in html(response)
    response = browser(city_admin).post("/bulletins/generate/", {"kind": "daily", "date": ""})
    assert "This field is required." in html(response) and "Select a valid choice" in html(response)
    assert not BulletinRequest.objects.exists()


def test_publish_a_draft(draft, city_admin, county_leader):
    client = browser(city_admin)
    response = client.post(f"/bulletins/{draft.pk}/publish/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == BulletinStatus.PUBLISHED and draft.published_at is not None
    # Publishing again is refused by the service and shown on the page, not a 500.
    again = client.post(f"/bulletins/{draft.pk}/publish/")
    assert again.status_code == 200 and "already published" in html(again)
    assert browser(county_leader).get(f"/bulletins/{draft.pk}/").status_code == 200


def test_correct_needs_a_reason_and_keeps_the_earlier_revision(published, city_admin):
    client = browser(city_admin)
    response = client.post(f"/bulletins/{published.pk}/correct/", {"reason": "  "})
    assert response.status_code == 200
    assert "This field is required." in html(response)
    assert Bulletin.objects.filter(kind=published.kind, period_start=published.period_start).count() == 1
    response = client.post(f"/bulletins/{published.pk}/correct/", {"reason": "端州区投资数据更正"})
    revision = Bulletin.objects.get(kind=published.kind, period_start=published.period_start, is_current=True)
    assert revision.revision == 2 and response["Location"] == f"/bulletins/{revision.pk}/"
    page = html(client.get(f"/bulletins/{revision.pk}/"))
    assert "端州区投资数据更正" in page and "This is a corrected bulletin." in page
    assert f'href="/bulletins/{published.pk}/"' in page  # the earlier revision, still readable
    old = html(client.get(f"/bulletins/{published.pk}/"))
    assert "Superseded" in old and "Correct this bulletin" not in old


def test_pages_in_english_and_chinese(race, year, region, county_leader):
    english = browser(county_leader, "en").get("/", {"date": f"{year}-06-10"})
    assert '<html lang="en">' in html(english)
    assert "Duanzhou District" in html(english) and "County race ranking" in html(english)
    chinese = browser(county_leader, "zh-hans").get("/", {"date": f"{year}-06-10"})
    assert '<html lang="zh-Hans">' in html(chinese)
    assert "端州区" in html(chinese)
    region_page = browser(county_leader, "en").get(f"/regions/{region.code}/")
    assert "Duanzhou District" in html(region_page)


def test_superusers_count_as_city_admins(draft, make_user):
    from projects.models import User

    root = User.objects.create_superuser("root", password="x-Pass-1234")
    response = browser(root).post(f"/bulletins/{draft.pk}/publish/")
    assert response.status_code == 302


def test_bulletin_list_query_count_does_not_grow_with_bulletins(race, year, city_leader):
    client = browser(city_leader)

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/bulletins/").status_code == 200
        return len(queries.captured_queries)

    bulletins.bulletin_generate(period=period_containing("weekly", day(year, 3, 4)), publish=True)
    few = list_queries()
    for week in range(2, 10):
        bulletins.bulletin_generate(
            period=period_containing("weekly", day(year, 3, 4) + week * 7 * DAY), publish=True
        )
    assert list_queries() == few
