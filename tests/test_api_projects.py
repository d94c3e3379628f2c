"""/api/v1/ projects, investment reports, targets and regions: every endpoint and action,
the 400s a client can provoke, scoping, roles, ETags, query counts and cursor pages."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from projects import lifecycle, services
from projects.choices import Stage
from projects.models import (
    AnnualTarget,
    Enterprise,
    Industry,
    InvestmentReport,
    Park,
    Project,
    StageTransition,
)

DAY = datetime.timedelta(days=1)
PROJECTS = "/api/v1/projects/"
REPORTS = "/api/v1/investment-reports/"
TARGETS = "/api/v1/targets/"
REGIONS = "/api/v1/regions/"
CREDIT_CODE = "91441200MA4UJ8XW24"  # valid check character


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()  # throttle counters live in the cache; each test starts with a full budget
    yield
    cache.clear()


def client_for(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def staff_api(county_staff):
    return client_for(county_staff)


def detail(project_or_id, suffix="") -> str:
    pk = getattr(project_or_id, "pk", project_or_id)
    return f"{PROJECTS}{pk}/{suffix}"


def snapshot(project) -> dict:
    row = Project.objects.filter(pk=project.pk).values().get()
    return {"row": row, "transitions": project.transitions.count(), "history": project.history.count()}


def create_body(today, **overrides):
    body = {
        "name": "年产5万吨铝型材项目",
        "enterprise": {"name": "肇庆某铝业有限公司", "credit_code": CREDIT_CODE},
        "region": "441202",
        "industry": "new-materials",
        "planned_investment": "250000000.50",
        "signed_on": (today - 10 * DAY).isoformat(),
    }
    body.update(overrides)
    return body


def assert_field_error(response, *fields):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == 400
    for field in fields:
        assert field in body.get("fields", {}), body
        assert all(isinstance(message, str) for message in body["fields"][field]), body


# --- projects: happy paths ----------------------------------------------------------------


def test_list_projects(staff_api, project):
    response = staff_api.get(PROJECTS)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    (row,) = body["results"]
    assert row["id"] == project.pk
    assert row["region"] == "441202"
    assert row["industry"] == "new-materials"
    assert row["enterprise"] == {
        "id": project.enterprise_id,
        "name": "肇庆某新材料有限公司",
        "credit_code": "",
    }
    assert row["planned_investment"] == "300000000.00"
    assert row["stage"] == Stage.SIGNED
    assert row["version"] == 1
    assert row["land_supplied_on"] is None


def test_retrieve_project_with_etag(staff_api, project):
    response = staff_api.get(detail(project))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["code"] == project.code


def test_create_project_registering_its_enterprise(staff_api, county_staff, today, industry):
    response = staff_api.post(PROJECTS, create_body(today), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["ETag"] == '"1"'
    project = Project.objects.get(pk=body["id"])
    assert project.code == f"441202-{project.signed_on.year}-0001"
    assert (project.stage, project.planned_investment) == (Stage.SIGNED, Decimal("250000000.50"))
    assert project.enterprise.credit_code == CREDIT_CODE
    assert body["enterprise"] == {
        "id": project.enterprise_id,
        "name": "肇庆某铝业有限公司",
        "credit_code": CREDIT_CODE,
    }
    assert project.transitions.get().to_stage == Stage.SIGNED
    assert project.history.get().history_user == county_staff


def test_create_project_of_an_existing_enterprise(staff_api, enterprise, industry, today, regions):
    park = Park.objects.create(name="端州工业园", region=regions["441202"])
    body = create_body(
        today, enterprise={"id": enterprise.pk}, park=park.pk, code="DZ-001", is_manufacturing=False
    )
    response = staff_api.post(PROJECTS, body, format="json")
    assert response.status_code == 201, response.content
    project = Project.objects.get(code="DZ-001")
    assert (project.enterprise, project.park, project.is_manufacturing) == (enterprise, park, False)
    assert Enterprise.objects.count() == 1


def test_enterprise_reference_rules(staff_api, enterprise, today):
    count = Enterprise.objects.count()
    neither = staff_api.post(PROJECTS, create_body(today, enterprise={}), format="json")
    assert_field_error(neither, "enterprise.name")
    missing = staff_api.post(PROJECTS, {k: v for k, v in create_body(today).items() if k != "enterprise"})
    assert_field_error(missing, "enterprise")
    renamed = staff_api.post(
        PROJECTS, create_body(today, enterprise={"id": enterprise.pk, "name": "改名"}), format="json"
    )
    assert_field_error(renamed, "enterprise.name")
    unknown = staff_api.post(PROJECTS, create_body(today, enterprise={"id": 999999}), format="json")
    assert_field_error(unknown, "enterprise.id")
    bad_code = staff_api.post(
        PROJECTS,
        create_body(today, enterprise={"name": "某公司", "credit_code": "91441200MA4UJ8XW2A"}),
        format="json",
    )
    assert_field_error(bad_code, "enterprise.credit_code")
    assert Enterprise.objects.count() == count
    assert not Project.objects.exists()


def test_create_with_a_known_credit_code_names_the_enterprise(staff_api, today):
    existing = services.enterprise_create(name="已登记企业", credit_code=CREDIT_CODE, by=None)
    response = staff_api.post(PROJECTS, create_body(today), format="json")
    assert_field_error(response, "enterprise.credit_code")
    assert str(existing.pk) in response.json()["fields"]["enterprise.credit_code"][0]


def test_put_replaces_descriptive_fields(staff_api, project):
    read = staff_api.get(detail(project))
    body = read.json()
    body.update(name="新名称", planned_investment="1500000000.00", is_manufacturing=False)
    response = staff_api.put(detail(project), body, format="json", HTTP_IF_MATCH=read["ETag"])
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    project.refresh_from_db()
    assert (project.name, project.planned_investment, project.is_major, project.version) == (
        "新名称",
        Decimal("1500000000.00"),
        True,
        2,
    )
    assert response.json()["is_major"] is True
    assert Enterprise.objects.count() == 1  # the enterprise read back is kept, not duplicated


def test_put_of_what_was_read_changes_nothing(staff_api, project):
    read = staff_api.get(detail(project))
    response = staff_api.put(detail(project), read.json(), format="json", HTTP_IF_MATCH=read["ETag"])
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert project.history.count() == 1


def test_patch_with_matching_if_match(staff_api, project):
    response = staff_api.patch(detail(project), {"name": "改名"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    assert response.json()["version"] == 2
    project.refresh_from_db()
    assert project.name == "改名"


def test_patch_can_register_a_new_enterprise(staff_api, project):
    response = staff_api.patch(detail(project), {"enterprise": {"name": "新企业"}}, format="json")
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.enterprise.name == "新企业"


@pytest.mark.parametrize("method", ["put", "patch"])
def test_stale_if_match_is_412_and_changes_nothing(staff_api, project, method):
    body = staff_api.get(detail(project)).json()
    services.project_update(project=project, by=None, name="别人改过")  # version 2 now
    before = snapshot(project)
    body.update(name="我的修改")
    response = getattr(staff_api, method)(detail(project), body, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert response.json()["code"] == "stale"
    assert snapshot(project) == before


def test_malformed_if_match_is_412(staff_api, project):
    response = staff_api.patch(detail(project), {"name": "x"}, format="json", HTTP_IF_MATCH="version-1")
    assert response.status_code == 412


def test_code_and_signing_date_cannot_change(staff_api, project):
    response = staff_api.patch(detail(project), {"code": "OTHER-1", "signed_on": "2020-01-01"}, format="json")
    assert_field_error(response, "code", "signed_on")
    project.refresh_from_db()
    assert project.version == 1


def test_advance(staff_api, project, today, county_staff):
    response = staff_api.post(
        detail(project, "advance/"),
        {"stage": "land_supplied", "on": today.isoformat(), "note": "土地挂牌成交"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["stage"], body["land_supplied_on"], body["version"]) == (
        "land_supplied",
        today.isoformat(),
        2,
    )
    transition = project.transitions.order_by("-id").first()
    assert (transition.to_stage, transition.note, transition.by) == (
        Stage.LAND_SUPPLIED,
        "土地挂牌成交",
        county_staff,
    )


def test_advance_without_if_match(staff_api, project, today):
    response = staff_api.post(
        detail(project, "advance/"), {"stage": "land_supplied", "on": today.isoformat()}
    )
    assert response.status_code == 200
    assert response.json()["stage"] == "land_supplied"


def test_advance_with_stale_if_match_is_412(staff_api, project, today):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today)
    before = snapshot(project)
    response = staff_api.post(
        detail(project, "advance/"), {"stage": "started", "on": today.isoformat()}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stage": "started", "on": "today"}, "on"),
        ({"stage": "completed"}, "on"),
        ({"stage": "flying", "on": "2024-01-01"}, "stage"),
        ({"on": "2024-01-01"}, "stage"),
        ({"stage": "land_supplied", "on": "2024-02-30"}, "on"),
        ({"stage": "land_supplied", "on": "2024-13-01"}, "on"),
        ({"stage": "land_supplied", "on": 20240101}, "on"),
        ({"stage": "land_supplied", "on": "2024-01-01", "note": "x" * 2001}, "note"),
    ],
)
def test_advance_refuses_bad_input(staff_api, project, body, field):
    before = snapshot(project)
    response = staff_api.post(detail(project, "advance/"), body, format="json")
    assert_field_error(response, field)
    assert snapshot(project) == before


def test_advance_refuses_stage_jumps_and_bad_dates(staff_api, project, today):
    jump = staff_api.post(detail(project, "advance/"), {"stage": "started", "on": today.isoformat()})
    assert_field_error(jump, "stage")
    assert "can only advance" in jump.json()["fields"]["stage"][0]
    future = staff_api.post(
        detail(project, "advance/"), {"stage": "land_supplied", "on": (today + DAY).isoformat()}
    )
    assert_field_error(future, "on")
    before_signing = (project.signed_on - DAY).isoformat()
    early = staff_api.post(detail(project, "advance/"), {"stage": "land_supplied", "on": before_signing})
    assert_field_error(early, "on")
    project.refresh_from_db()
    assert (project.stage, project.version) == (Stage.SIGNED, 1)


def test_revert(staff_api, project, today):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today)
    response = staff_api.post(detail(project, "revert/"), {"reason": "误录"}, HTTP_IF_MATCH='"2"')
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"3"'
    body = response.json()
    assert (body["stage"], body["land_supplied_on"]) == ("signed", None)
    assert project.transitions.order_by("-id").first().note == "误录"


def test_revert_refusals(staff_api, project, today):
    assert_field_error(staff_api.post(detail(project, "revert/"), {"reason": "无"}), "stage")  # first stage
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today)
    assert_field_error(staff_api.post(detail(project, "revert/"), {}), "reason")
    assert_field_error(staff_api.post(detail(project, "revert/"), {"reason": ""}), "reason")
    assert staff_api.post(detail(project, "revert/"), {"reason": "x"}, HTTP_IF_MATCH='"1"').status_code == 412
    project.refresh_from_db()
    assert project.stage == Stage.LAND_SUPPLIED


def test_history(city_leader, project, today, county_staff, regions):
    services.project_update(
        project=project, by=county_staff, region=regions["441204"], planned_investment=Decimal("1000000000")
    )
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, note="供地", by=county_staff)
    services.project_update(project=project, by=None, region=regions["441202"])
    response = client_for(city_leader).get(detail(project, "history/"))
    assert response.status_code == 200
    entries = response.json()["results"]
    assert [e["type"] for e in entries] == ["changed", "changed", "changed", "created"]
    assert [e["version"] for e in entries] == [4, 3, 2, 1]
    newest, advanced, edited, created = entries
    assert newest["changes"] == [{"field": "region", "old": "441204", "new": "441202"}]
    assert newest["by"] is None
    assert (advanced["by"], advanced["reason"]) == ("staff-duanzhou", "供地")
    assert {"field": "stage", "old": "signed", "new": "land_supplied"} in advanced["changes"]
    assert {"field": "land_supplied_on", "old": None, "new": today.isoformat()} in advanced["changes"]
    assert {c["field"]: (c["old"], c["new"]) for c in edited["changes"]} == {
        "is_major": (False, True),
        "planned_investment": ("300000000.00", "1000000000.00"),
        "region": ("441202", "441204"),
    }
    assert (created["changes"], created["reason"]) == ([], "created")


def test_history_pages_compare_across_the_page_boundary(staff_api, project):
    for n in range(4):
        services.project_update(project=project, by=None, name=f"名称{n}")
    first = staff_api.get(detail(project, "history/"), {"page_size": 2}).json()
    assert [e["version"] for e in first["results"]] == [5, 4]
    assert client_for().get(first["next"]).status_code == 401
    page2 = staff_api.get(first["next"]).json()
    assert [e["version"] for e in page2["results"]] == [3, 2]
    assert page2["results"][-1]["changes"] == [
        {"field": "name", "old": "年产10万吨新材料项目", "new": "名称0"}
    ]


def test_history_query_count_does_not_grow_with_the_page(staff_api, project):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert staff_api.get(detail(project, "history/")).status_code == 200
        return len(ctx)

    few = count()
    for n in range(20):
        services.project_update(project=project, by=None, name=f"名称{n}")
    assert count() == few


# --- projects: bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"planned_investment": "-1.00"}, "planned_investment"),
        ({"planned_investment": "abc"}, "planned_investment"),
        ({"planned_investment": "1.234"}, "planned_investment"),
        ({"planned_investment": "1e30"}, "planned_investment"),
        ({"planned_investment": "NaN"}, "planned_investment"),
        ({"planned_investment": [1]}, "planned_investment"),
        ({"region": "999999"}, "region"),
        ({"region": "44120"}, "region"),
        ({"region": None}, "region"),
        ({"signed_on": "2024-02-30"}, "signed_on"),
        ({"signed_on": "30/01/2024"}, "signed_on"),
        ({"signed_on": "2024-1-5x"}, "signed_on"),
        ({"signed_on": "9999-12-31"}, "signed_on"),  # in the future
        ({"first_contact_on": "2999-01-01"}, "first_contact_on"),  # after signing
        ({"name": "名" * 201}, "name"),
        ({"name": ""}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": {"a": 1}}, "name"),
        ({"code": "C" * 33}, "code"),
        ({"is_manufacturing": "maybe"}, "is_manufacturing"),
        ({"industry": "no-such-industry"}, "industry"),
        ({"park": 999999}, "park"),
        ({"park": "x"}, "park"),
        ({"enterprise": "肇庆某铝业有限公司"}, "enterprise"),
        ({"enterprise": {"name": "名" * 201}}, "enterprise.name"),
        ({"enterprise": {"id": "abc"}}, "enterprise.id"),
        ({"enterprise": {"id": 99999999999999999999}}, "enterprise.id"),
    ],
)
def test_create_refuses_bad_input(staff_api, today, industry, overrides, field):
    response = staff_api.post(PROJECTS, create_body(today, **overrides), format="json")
    assert_field_error(response, field)
    assert not Project.objects.exists()
    assert not Enterprise.objects.exists()


def test_create_refuses_a_duplicate_code(staff_api, project, today):
    response = staff_api.post(PROJECTS, create_body(today, code=project.code), format="json")
    assert_field_error(response, "code")
    assert Project.objects.count() == 1
    assert not Enterprise.objects.filter(credit_code=CREDIT_CODE).exists()  # rolled back with it


def test_a_body_that_is_not_json_is_400(staff_api):
    response = staff_api.post(PROJECTS, "{not json", content_type="application/json")
    assert response.status_code == 400
    response = staff_api.post(PROJECTS, [1, 2], format="json")
    assert response.status_code == 400


def test_unknown_ids_in_the_url_are_404(staff_api):
    for url in [detail(999999), detail(99999999999999999999), detail(999999, "history/")]:
        assert staff_api.get(url).status_code == 404
    assert staff_api.get(f"{PROJECTS}abc/").status_code == 404


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


def ids(response) -> set:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


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


# --- scope and roles ----------------------------------------------------------------------


@pytest.fixture
def foreign(make_project, other_region):
    return make_project(region=other_region, name="鼎湖项目")


def test_county_staff_never_sees_another_region(staff_api, project, foreign, today):
    assert ids(staff_api.get(PROJECTS)) == {project.pk}
    assert ids(staff_api.get(PROJECTS, {"region": "441203"})) == set()
    assert ids(staff_api.get(PROJECTS, {"search": "鼎湖"})) == set()
    before = snapshot(foreign)
    for url in [detail(foreign), detail(foreign, "history/")]:
        assert staff_api.get(url).status_code == 404
    assert staff_api.patch(detail(foreign), {"name": "x"}).status_code == 404
    assert staff_api.put(detail(foreign), {"name": "x"}).status_code == 404
    body = {"stage": "land_supplied", "on": today.isoformat()}
    assert staff_api.post(detail(foreign, "advance/"), body).status_code == 404
    assert staff_api.post(detail(foreign, "revert/"), {"reason": "x"}).status_code == 404
    assert snapshot(foreign) == before


def test_county_staff_cannot_create_or_move_into_another_region(staff_api, project, today, industry):
    response = staff_api.post(PROJECTS, create_body(today, region="441203"), format="json")
    assert_field_error(response, "region")
    assert "own region" in response.json()["fields"]["region"][0]
    assert staff_api.patch(detail(project), {"region": "441203"}).status_code == 400
    project.refresh_from_db()
    assert project.region.code == "441202"
    assert Project.objects.count() == 1


def test_another_regions_park_reads_as_unknown(staff_api, project, other_region):
    park = Park.objects.create(name="鼎湖园区", region=other_region)
    response = staff_api.patch(detail(project), {"park": park.pk})
    assert_field_error(response, "park")
    assert "does not exist" in response.json()["fields"]["park"][0]


@pytest.mark.parametrize("leader", ["county_leader", "city_leader"])
def test_leaders_read_but_may_not_write(request, leader, project, today):
    api = client_for(request.getfixturevalue(leader))
    assert ids(api.get(PROJECTS)) == {project.pk}
    assert api.get(detail(project, "history/")).status_code == 200
    before = snapshot(project)
    assert api.post(PROJECTS, create_body(today), format="json").status_code == 403
    assert api.put(detail(project), {"name": "x"}).status_code == 403
    assert api.patch(detail(project), {"name": "x"}).status_code == 403
    assert (
        api.post(detail(project, "advance/"), {"stage": "land_supplied", "on": today.isoformat()}).status_code
        == 403
    )
    assert api.post(detail(project, "revert/"), {"reason": "x"}).status_code == 403
    assert snapshot(project) == before


def test_city_admin_writes_anywhere(city_admin, foreign, today):
    api = client_for(city_admin)
    assert api.patch(detail(foreign), {"name": "市级修改"}).status_code == 200
    assert (
        api.post(detail(foreign, "advance/"), {"stage": "land_supplied", "on": today.isoformat()}).status_code
        == 200
    )
    assert api.post(PROJECTS, create_body(today, region="441203"), format="json").status_code == 201


def test_a_user_without_a_role_reads_but_may_not_write(make_user, region, project, today):
    api = client_for(make_user(None, region=region))
    assert ids(api.get(PROJECTS)) == {project.pk}
    assert api.post(PROJECTS, create_body(today), format="json").status_code == 403


def test_no_credentials_is_401(project):
    api = client_for()
    for url in [PROJECTS, detail(project), detail(project, "history/"), REPORTS, TARGETS, REGIONS]:
        response = api.get(url)
        assert response.status_code == 401, url
        assert response.json()["status"] == 401
    assert api.post(PROJECTS, {}).status_code == 401
    assert api.post(detail(project, "advance/"), {}).status_code == 401


def test_delete_is_not_offered(staff_api, project, city_admin):
    assert staff_api.delete(detail(project)).status_code == 403  # no role may delete projects
    assert client_for(city_admin).delete(detail(project)).status_code == 403
    assert Project.objects.filter(pk=project.pk).exists()


# --- investment reports -------------------------------------------------------------------


def months_ago(today, n) -> datetime.date:
    month = today.replace(day=1)
    for _ in range(n):
        month = (month - DAY).replace(day=1)
    return month


@pytest.mark.parametrize("month_format", ["%Y-%m", "%Y-%m-17", "%Y-%m-01"])
def test_report_create_with_any_day_or_only_the_month(staff_api, project, today, month_format):
    month = months_ago(today, 1)
    body = {
        "project": project.pk,
        "month": month.replace(day=17).strftime(month_format),
        "amount": "1234567.80",
    }
    response = staff_api.post(REPORTS, body, format="json")
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"1"'
    data = response.json()
    assert (data["month"], data["amount"], data["note"], data["version"]) == (
        month.isoformat(),
        "1234567.80",
        "",
        1,
    )
    report = InvestmentReport.objects.get()
    assert (report.month, report.amount) == (month, Decimal("1234567.80"))


def test_report_create_refuses_an_existing_month(staff_api, project, today):
    month = months_ago(today, 1)
    existing = services.investment_report(project=project, month=month, amount=Decimal("1"), by=None)
    response = staff_api.post(REPORTS, {"project": project.pk, "month": month.isoformat(), "amount": "2"})
    assert_field_error(response, "month")
    assert str(existing.pk) in response.json()["fields"]["month"][0]
    existing.refresh_from_db()
    assert (existing.amount, existing.version) == (Decimal("1.00"), 1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "-0.01"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": None}, "amount"),
        ({"month": "2024-02-30"}, "month"),
        ({"month": "2024-13"}, "month"),
        ({"month": "0000-00"}, "month"),
        ({"month": "March"}, "month"),
        ({"month": 202401}, "month"),
        ({"month": "2999-01"}, "month"),  # a future month
        ({"project": 999999}, "project"),
        ({"project": "abc"}, "project"),
        ({"note": "n" * 501}, "note"),
    ],
)
def test_report_create_refuses_bad_input(staff_api, project, today, overrides, field):
    body = {"project": project.pk, "month": months_ago(today, 1).isoformat(), "amount": "100.00", **overrides}
    assert_field_error(staff_api.post(REPORTS, body, format="json"), field)
    assert not InvestmentReport.objects.exists()


def test_report_of_another_regions_project_is_unknown(staff_api, foreign, today):
    body = {"project": foreign.pk, "month": months_ago(today, 1).isoformat(), "amount": "1.00"}
    response = staff_api.post(REPORTS, body)
    assert_field_error(response, "project")
    assert "does not exist" in response.json()["fields"]["project"][0]
    report = services.investment_report(
        project=foreign, month=months_ago(today, 1), amount=Decimal("5"), by=None
    )
    assert staff_api.get(f"{REPORTS}{report.pk}/").status_code == 404
    assert staff_api.patch(f"{REPORTS}{report.pk}/", {"amount": "6"}).status_code == 404
    assert ids(staff_api.get(REPORTS)) == set()
    assert_field_error(staff_api.get(REPORTS, {"project": foreign.pk}), "project")


def test_report_update(staff_api, project, today, county_staff):
    report = services.investment_report(
        project=project, month=months_ago(today, 2), amount=Decimal("10"), by=None
    )
    url = f"{REPORTS}{report.pk}/"
    read = staff_api.get(url)
    assert read["ETag"] == '"1"'
    body = {**read.json(), "amount": "20.50", "note": "更正"}
    response = staff_api.put(url, body, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    patched = staff_api.patch(url, {"note": "再次更正"}, HTTP_IF_MATCH='"2"')
    assert patched.status_code == 200
    assert patched.json()["amount"] == "20.50"
    report.refresh_from_db()
    assert (report.amount, report.note, report.version, report.reported_by) == (
        Decimal("20.50"),
        "再次更正",
        3,
        county_staff,
    )


def test_report_update_stale_and_identity(staff_api, project, today):
    report = services.investment_report(
        project=project, month=months_ago(today, 2), amount=Decimal("10"), by=None
    )
    url = f"{REPORTS}{report.pk}/"
    assert staff_api.patch(url, {"amount": "11"}, HTTP_IF_MATCH='"7"').status_code == 412
    assert_field_error(staff_api.patch(url, {"month": months_ago(today, 3).isoformat()}), "month")
    assert_field_error(staff_api.patch(url, {"amount": "-5"}), "amount")
    report.refresh_from_db()
    assert (report.amount, report.version) == (Decimal("10.00"), 1)


def test_report_filters(city_leader, make_project, regions, today):
    here = make_project()
    there = make_project(region=regions["441204"])
    reports = {
        (p.pk, n): services.investment_report(
            project=p, month=months_ago(today, n), amount=Decimal(n), by=None
        )
        for p in (here, there)
        for n in (1, 2, 3)
    }
    api = client_for(city_leader)
    assert len(ids(api.get(REPORTS))) == 6
    assert ids(api.get(REPORTS, {"project": here.pk})) == {reports[here.pk, n].pk for n in (1, 2, 3)}
    assert ids(api.get(REPORTS, {"region": "441204"})) == {reports[there.pk, n].pk for n in (1, 2, 3)}
    mid = months_ago(today, 2).replace(day=20).isoformat()  # any day stands for its month
    assert ids(api.get(REPORTS, {"month_after": mid, "month_before": mid})) == {
        reports[here.pk, 2].pk,
        reports[there.pk, 2].pk,
    }
    for params, field in [
        ({"month_after": "2024-02-30"}, "month_after"),
        ({"project": "abc"}, "project"),
        ({"project": "99999999999999999999"}, "project"),
        ({"region": "12"}, "region"),
        ({"updated_after": "soon"}, "updated_after"),
        ({"amount": "1"}, "amount"),
        ({"ordering": "amount"}, "ordering"),
    ]:
        assert_field_error(api.get(REPORTS, params), field)


@pytest.mark.parametrize("leader", ["county_leader", "city_leader"])
def test_leaders_may_not_write_reports(request, leader, project, today):
    api = client_for(request.getfixturevalue(leader))
    body = {"project": project.pk, "month": months_ago(today, 1).isoformat(), "amount": "1.00"}
    assert api.post(REPORTS, body).status_code == 403
    assert not InvestmentReport.objects.exists()


# --- annual targets -----------------------------------------------------------------------


def target_body(**overrides):
    body = {
        "region": "441202",
        "year": 2025,
        "investment": "12000000000.00",
        "investment_h1": "5000000000.00",
        "signed": 40,
        "started": 30,
        "completed": 20,
        "in_production": 15,
    }
    body.update(overrides)
    return body


def test_city_admin_sets_and_changes_targets(city_admin):
    api = client_for(city_admin)
    response = api.post(TARGETS, target_body(), format="json")
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"1"'
    target = AnnualTarget.objects.get()
    assert (target.region.code, target.year, target.investment, target.started) == (
        "441202",
        2025,
        Decimal("12000000000.00"),
        30,
    )
    url = f"{TARGETS}{target.pk}/"
    read = api.get(url)
    assert read["ETag"] == '"1"'
    assert read.json()["investment_h1"] == "5000000000.00"
    put = api.put(url, {**read.json(), "investment": "13000000000.00"}, format="json", HTTP_IF_MATCH='"1"')
    assert put.status_code == 200, put.content
    assert put["ETag"] == '"2"'
    patch = api.patch(url, {"signed": 45}, HTTP_IF_MATCH='"2"')
    assert patch.status_code == 200
    target.refresh_from_db()
    assert (target.investment, target.signed, target.started, target.version) == (
        Decimal("13000000000.00"),
        45,
        30,
        3,
    )
    assert api.patch(url, {"signed": 1}, HTTP_IF_MATCH='"2"').status_code == 412
    target.refresh_from_db()
    assert (target.signed, target.version) == (45, 3)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"investment": "-1"}, "investment"),
        ({"investment_h1": "20000000000.00"}, "investment_h1"),  # more than the year
        ({"year": 1999}, "year"),
        ({"year": "next"}, "year"),
        ({"region": "000000"}, "region"),
        ({"signed": -1}, "signed"),
        ({"started": 1.5}, "started"),
        ({"completed": 2**40}, "completed"),
    ],
)
def test_targets_refuse_bad_input(city_admin, overrides, field):
    assert_field_error(client_for(city_admin).post(TARGETS, target_body(**overrides), format="json"), field)
    assert not AnnualTarget.objects.exists()


def test_target_region_and_year_identify_it(city_admin, regions):
    api = client_for(city_admin)
    existing = services.target_set(
        region=regions["441202"], year=2025, investment=Decimal(10), investment_h1=Decimal(5), by=None
    )
    assert_field_error(api.post(TARGETS, target_body(), format="json"), "year")
    assert_field_error(api.patch(f"{TARGETS}{existing.pk}/", {"year": 2026}), "year")
    assert_field_error(api.patch(f"{TARGETS}{existing.pk}/", {"investment_h1": "11"}), "investment_h1")


@pytest.mark.parametrize("role", ["county_staff", "county_leader", "city_leader"])
def test_only_the_city_admin_writes_targets(request, role, regions):
    target = services.target_set(
        region=regions["441202"], year=2025, investment=Decimal(10), investment_h1=Decimal(5), by=None
    )
    api = client_for(request.getfixturevalue(role))
    assert api.get(f"{TARGETS}{target.pk}/").status_code == 200
    assert api.post(TARGETS, target_body(year=2026), format="json").status_code == 403
    assert api.patch(f"{TARGETS}{target.pk}/", {"signed": 9}).status_code == 403
    target.refresh_from_db()
    assert target.version == 1
    assert AnnualTarget.objects.count() == 1


def test_target_filters_and_scope(county_staff, city_leader, regions):
    made = {
        (code, year): services.target_set(
            region=regions[code], year=year, investment=Decimal(10), investment_h1=Decimal(5), by=None
        )
        for code in ("441202", "441203")
        for year in (2024, 2025)
    }
    api = client_for(city_leader)
    assert len(ids(api.get(TARGETS))) == 4
    assert ids(api.get(TARGETS, {"region": "441203", "year": 2025})) == {made["441203", 2025].pk}
    assert ids(api.get(TARGETS, {"year": 2024})) == {made["441202", 2024].pk, made["441203", 2024].pk}
    assert_field_error(api.get(TARGETS, {"year": "soon"}), "year")
    assert_field_error(api.get(TARGETS, {"year": "99999999999999999999"}), "year")
    assert_field_error(api.get(TARGETS, {"region": "441299"}), "region")
    staff = client_for(county_staff)
    assert ids(staff.get(TARGETS)) == {made["441202", 2024].pk, made["441202", 2025].pk}
    assert staff.get(f"{TARGETS}{made['441203', 2025].pk}/").status_code == 404


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
    project = make_project()
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
