"""/api/v1/projects/: every endpoint and action, ETags and history, and the 400s a client can provoke."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import lifecycle, services
from projects.choices import Stage
from projects.models import Enterprise, Park, Project
from tests.fixtures.api_projects import (
    CREDIT_CODE,
    DAY,
    PROJECTS,
    assert_field_error,
    client_for,
    create_body,
    detail,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("fresh_throttles")

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
