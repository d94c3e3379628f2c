"""/api/v1/ project lists: filters and ordering, regions, query counts, cursor pages and the sync recipe."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects import lifecycle, services
from projects.choices import Stage
from projects.models import Industry, Park, Project, StageTransition
from tests.fixtures.api_projects import (
    DAY,
    PROJECTS,
    REGIONS,
    REPORTS,
    TARGETS,
    assert_field_error,
    client_for,
    detail,
    ids,
    months_ago,
)

pytestmark = pytest.mark.usefixtures("fresh_throttles")

# --- projects: filters --------------------------------------------------------------------


@pytest.fixture
def assorted(make_project, regions, today, enterprise):
    """Four projects differing in every filtered field."""
    other_industry = Industry.objects.create(code="equipment", name="装备制造")
    big_enterprise = services.enterprise_create(name="大湾区电子集团", by=None)
    small = make_project(name="小五金厂", signed_on=today - 100 * DAY, planned_investment=Decimal("5000000"))
    major = make_project(
        name="电子信息产业园",
        enterprise=big_enterprise,
        region=regions["441203"],
        industry=other_industry,
        signed_on=today - 50 * DAY,
        planned_investment=Decimal("2000000000"),
    )
    lifecycle.advance(project=major, stage=Stage.LAND_SUPPLIED, on=today - 40 * DAY)
    services_project = make_project(
        name="物流中心",
        is_manufacturing=False,
        signed_on=today - 20 * DAY,
        planned_investment=Decimal("80000000"),
    )
    cancelled = make_project(name="撤资项目", signed_on=today - 10 * DAY)
    services.project_cancel(project=cancelled, reason="企业撤资", by=None)
    return {"small": small, "major": major, "services": services_project, "cancelled": cancelled}


def test_project_filters(assorted, city_leader, today):
    api = client_for(city_leader)
    p = {name: project.pk for name, project in assorted.items()}
    assert ids(api.get(PROJECTS)) == set(p.values())
    assert ids(api.get(PROJECTS, {"region": "441203"})) == {p["major"]}
    assert ids(api.get(PROJECTS, {"region": "441200"})) == set(p.values())  # the city includes its counties
    assert ids(api.get(PROJECTS, {"stage": "land_supplied"})) == {p["major"]}
    assert ids(api.get(PROJECTS, {"status": "cancelled"})) == {p["cancelled"]}
    assert ids(api.get(PROJECTS, {"industry": "equipment"})) == {p["major"]}
    assert ids(api.get(PROJECTS, {"is_major": "true"})) == {p["major"]}
    assert ids(api.get(PROJECTS, {"is_major": "false"})) == set(p.values()) - {p["major"]}
    assert ids(api.get(PROJECTS, {"is_manufacturing": "false"})) == {p["services"]}
    signed = {"signed_after": (today - 50 * DAY).isoformat(), "signed_before": (today - 20 * DAY).isoformat()}
    assert ids(api.get(PROJECTS, signed)) == {p["major"], p["services"]}
    assert ids(api.get(PROJECTS, {"investment_min": "80000000", "investment_max": "300000000.00"})) == {
        p["services"],
        p["cancelled"],
    }
    assert ids(api.get(PROJECTS, {"search": "电子"})) == {p["major"]}  # project name
    assert ids(api.get(PROJECTS, {"search": "大湾区"})) == {p["major"]}  # enterprise name
    assert ids(api.get(PROJECTS, {"search": assorted["small"].code})) == {p["small"]}  # code
    assert ids(api.get(PROJECTS, {"search": "新材料有限"})) == set(p.values()) - {p["major"]}


def test_project_ordering(assorted, city_leader):
    api = client_for(city_leader)

    def order(ordering):
        response = api.get(PROJECTS, {"ordering": ordering})
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    by_investment = sorted(assorted.values(), key=lambda p: (p.planned_investment, p.pk))
    assert order("planned_investment") == [p.pk for p in by_investment]
    assert order("-signed_on") == [
        p.pk for p in sorted(assorted.values(), key=lambda p: p.signed_on, reverse=True)
    ]
    assert order("-id") == sorted((p.pk for p in assorted.values()), reverse=True)
    assert order("code") == [p.pk for p in sorted(assorted.values(), key=lambda p: p.code)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"regoin": "441202"}, "regoin"),
        ({"region": "999999"}, "region"),
        ({"region": "abc"}, "region"),
        ({"stage": "flying"}, "stage"),
        ({"status": "sleeping"}, "status"),
        ({"industry": "nope"}, "industry"),
        ({"is_major": "maybe"}, "is_major"),
        ({"is_manufacturing": "2"}, "is_manufacturing"),
        ({"signed_after": "2024-02-30"}, "signed_after"),
        ({"signed_before": "yesterday"}, "signed_before"),
        ({"investment_min": "abc"}, "investment_min"),
        ({"investment_max": "1e400"}, "investment_max"),
        ({"investment_max": "NaN"}, "investment_max"),
        ({"investment_min": "12345678901234567890"}, "investment_min"),
        ({"updated_after": "yesterday"}, "updated_after"),
        ({"updated_after": "2024-02-30T00:00:00Z"}, "updated_after"),
        ({"ordering": "name"}, "ordering"),
        ({"ordering": "enterprise__name"}, "ordering"),
        ({"ordering": ","}, "ordering"),
    ],
)
def test_bad_project_filters_are_400(staff_api, project, params, field):
    response = staff_api.get(PROJECTS, params)
    assert_field_error(response, field)


def test_page_size_and_cursor_junk_are_not_500(staff_api, project):
    assert staff_api.get(PROJECTS, {"page_size": "abc"}).status_code == 200
    assert staff_api.get(PROJECTS, {"page_size": "-3"}).status_code == 200
    assert staff_api.get(PROJECTS, {"cursor": "garbage"}).status_code == 404  # DRF: "Invalid cursor"


# --- regions ------------------------------------------------------------------------------


def test_regions_by_code(staff_api, regions):
    response = staff_api.get(REGIONS, {"parent": "441200", "page_size": 500})
    codes = [row["code"] for row in response.json()["results"]]
    assert codes == sorted(codes) and "441202" in codes and "441200" not in codes
    assert staff_api.get(f"{REGIONS}441203/").json()["parent"] == "441200"
    assert_field_error(staff_api.get(REGIONS, {"is_ranked": "perhaps"}), "is_ranked")


# --- query counts, cursor pages, sync -----------------------------------------------------


def list_queries(api, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url, {"page_size": 500, **params})
    assert response.status_code == 200, response.content
    return len(ctx), len(response.json()["results"]), [q["sql"] for q in ctx.captured_queries]


def grow_projects(make_project, regions, today, n):
    """``n`` projects over several regions, parks, industries and enterprises."""
    industries = [
        Industry.objects.get_or_create(code=f"ind-{i}", defaults={"name": f"行业{i}"})[0] for i in range(3)
    ]
    parks = [Park.objects.get_or_create(name=f"园区{i}", region=regions["441202"])[0] for i in range(2)]
    made = []
    for i in range(n):
        region = regions["441202"] if i % 2 else regions["441204"]
        made.append(
            make_project(
                name=f"项目{i}",
                region=region,
                industry=industries[i % 3],
                enterprise=services.enterprise_create(name=f"企业{i}", by=None),
                park=parks[i % 2] if region.code == "441202" else None,
                signed_on=today - (300 - i) * DAY,
            )
        )
    return made


@pytest.mark.parametrize("user", ["county_staff", "city_admin"])
def test_project_list_queries_do_not_grow(request, user, make_project, regions, today):
    api = client_for(request.getfixturevalue(user))
    filters = {"region": "441200", "search": "项目", "ordering": "-updated_at", "is_major": "false"}
    grow_projects(make_project, regions, today, 2)
    one, one_filtered = list_queries(api, PROJECTS), list_queries(api, PROJECTS, **filters)
    grow_projects(make_project, regions, today, 200)
    many, many_filtered = list_queries(api, PROJECTS), list_queries(api, PROJECTS, **filters)
    assert one[1] <= 2 and many[1] >= 100 and many_filtered[1] >= 100
    assert one[0] == many[0]
    assert one_filtered[0] == many_filtered[0]
    assert not any("COUNT(" in sql.upper() for sql in many[2] + many_filtered[2])


def test_report_and_target_list_queries_do_not_grow(city_admin, make_project, regions, today):
    api = client_for(city_admin)
    project = make_project(signed_on=months_ago(today, 100))
    services.investment_report(project=project, month=months_ago(today, 1), amount=Decimal(1), by=None)
    services.target_set(
        region=regions["441202"], year=2001, investment=Decimal(1), investment_h1=Decimal(1), by=None
    )
    one_report, one_target = list_queries(api, REPORTS), list_queries(api, TARGETS)
    for n in range(2, 101):
        services.investment_report(project=project, month=months_ago(today, n), amount=Decimal(n), by=None)
    for year in range(2002, 2101):
        services.target_set(
            region=regions["441202"], year=year, investment=Decimal(year), investment_h1=Decimal(0), by=None
        )
    many_reports, many_targets = list_queries(api, REPORTS), list_queries(api, TARGETS)
    assert (one_report[1], many_reports[1]) == (1, 100)
    assert (one_target[1], many_targets[1]) == (1, 100)
    assert one_report[0] == many_reports[0]
    assert one_target[0] == many_targets[0]
    for sql in many_reports[2] + many_targets[2]:
        assert "COUNT(" not in sql.upper()


def bulk_projects(n, region, industry, enterprise, today):
    Project.objects.bulk_create(
        Project(
            code=f"BULK-{i:05d}",
            name=f"批量{i}",
            enterprise=enterprise,
            region=region,
            industry=industry,
            planned_investment=Decimal(i),
            signed_on=today - DAY,
        )
        for i in range(n)
    )


def test_cursor_pages(staff_api, region, industry, enterprise, today):
    bulk_projects(5, region, industry, enterprise, today)
    first = staff_api.get(PROJECTS, {"page_size": 2}).json()
    assert first["previous"] is None and first["next"]
    assert "cursor=" in first["next"] and "page_size=2" in first["next"]
    second = staff_api.get(first["next"]).json()
    third = staff_api.get(second["next"]).json()
    assert third["next"] is None
    seen = [row["id"] for page in (first, second, third) for row in page["results"]]
    assert seen == sorted(Project.objects.values_list("id", flat=True))
    back = staff_api.get(third["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in second["results"]]


def test_page_size_is_at_most_500(staff_api, region, industry, enterprise, today):
    bulk_projects(501, region, industry, enterprise, today)
    with CaptureQueriesContext(connection) as ctx:
        response = staff_api.get(PROJECTS, {"page_size": 1000})
    body = response.json()
    assert len(body["results"]) == 500
    assert body["next"]
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    assert len(staff_api.get(PROJECTS).json()["results"]) == 100  # the default


def walk(api, url, params):
    rows, pages = [], 0
    response = api.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        pages += 1
        if not body["next"]:
            return rows, pages
        response = api.get(body["next"])


def test_sync_recipe_misses_and_repeats_nothing(staff_api, make_project, region, industry, enterprise, today):
    bulk_projects(12, region, industry, enterprise, today)
    projects = list(Project.objects.order_by("id"))
    base = timezone.now() - datetime.timedelta(hours=1)
    # Everything "old", then a later batch sharing one instant (ties across page boundaries).
    Project.objects.update(updated_at=base)
    instant = base + datetime.timedelta(minutes=1)
    tied = [p.pk for p in projects[:7]]
    Project.objects.filter(pk__in=tied).update(updated_at=instant + datetime.timedelta(seconds=1))
    later = projects[9]
    Project.objects.filter(pk=later.pk).update(updated_at=instant + datetime.timedelta(seconds=5))
    params = {"updated_after": instant.isoformat(), "ordering": "updated_at", "page_size": 3}
    rows, pages = walk(staff_api, PROJECTS, params)
    assert [row["id"] for row in rows] == [*sorted(tied), later.pk]
    assert pages == 3
    # The next sync starts from the last updated_at seen and gets only what changed after it.
    services.project_update(project=projects[11], by=None, name="同步后修改")
    rows, _pages = walk(staff_api, PROJECTS, {**params, "updated_after": rows[-1]["updated_at"]})
    assert [row["id"] for row in rows] == [projects[11].pk]


def test_sync_recipe_accepts_an_offset_instant(staff_api, project):
    instant = timezone.localtime(project.updated_at - datetime.timedelta(seconds=1))
    assert "+08:00" in instant.isoformat()
    response = staff_api.get(PROJECTS, {"updated_after": instant.isoformat(), "ordering": "updated_at"})
    assert ids(response) == {project.pk}
    later = timezone.localtime(project.updated_at)
    assert ids(staff_api.get(PROJECTS, {"updated_after": later.isoformat()})) == set()


def test_reports_and_targets_sync_too(city_admin, project, regions, today):
    api = client_for(city_admin)
    report = services.investment_report(
        project=project, month=months_ago(today, 1), amount=Decimal(1), by=None
    )
    target = services.target_set(
        region=regions["441202"], year=2025, investment=Decimal(1), investment_h1=Decimal(1), by=None
    )
    before = (timezone.now() - datetime.timedelta(seconds=5)).isoformat()
    params = {"updated_after": before, "ordering": "updated_at"}
    assert ids(api.get(REPORTS, params)) == {report.pk}
    assert ids(api.get(TARGETS, params)) == {target.pk}
    after = (timezone.now() + datetime.timedelta(seconds=5)).isoformat()
    assert ids(api.get(REPORTS, {"updated_after": after})) == set()


def test_transitions_stay_consistent_after_api_moves(staff_api, project, today):
    staff_api.post(detail(project, "advance/"), {"stage": "land_supplied", "on": today.isoformat()})
    staff_api.post(detail(project, "advance/"), {"stage": "started", "on": today.isoformat()})
    staff_api.post(detail(project, "revert/"), {"reason": "开工日期有误"})
    moves = list(StageTransition.objects.filter(project=project).values_list("from_stage", "to_stage"))
    assert moves == [
        ("", "signed"),
        ("signed", "land_supplied"),
        ("land_supplied", "started"),
        ("started", "land_supplied"),
    ]
    project.refresh_from_db()
    assert (project.stage, project.version) == (Stage.LAND_SUPPLIED, 4)
