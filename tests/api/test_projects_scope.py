"""/api/v1/projects/: region scope and roles."""

import pytest

from projects.models import Park, Project
from tests.fixtures.api_projects import (
    PROJECTS,
    REGIONS,
    REPORTS,
    TARGETS,
    assert_field_error,
    client_for,
    create_body,
    detail,
    ids,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("fresh_throttles")

# --- scope and roles ----------------------------------------------------------------------


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
    # Projects take no DELETE (they are cancelled): 405 whoever asks (DESIGN "REST API", issue 11).
    assert staff_api.delete(detail(project)).status_code == 405
    assert client_for(city_admin).delete(detail(project)).status_code == 405
    assert Project.objects.filter(pk=project.pk).exists()
