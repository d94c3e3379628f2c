"""/api/v1/industries/, /enterprises/ and /units/: the reference data a project names.

Every signed-in user reads industries and enterprises whole and the units the unit rule gives
them (projects/scope.py); only the city admin writes, with ETag / If-Match; nothing is deleted.
Which role gets which status on every route is the permission matrix's; here, what each answer
holds."""

import pytest

from projects import services
from projects.models import Enterprise, Industry
from supervision.models import Unit
from tests.fixtures.api_projects import CREDIT_CODE, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

INDUSTRIES = "/api/v1/industries/"
ENTERPRISES = "/api/v1/enterprises/"
UNITS = "/api/v1/units/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


# --- industries ---------------------------------------------------------------------------------


def test_every_role_reads_the_divisions_and_the_industries_under_them(national_industries, county_leader):
    client = client_for(county_leader)
    divisions = codes(client.get(INDUSTRIES, {"is_division": "true", "page_size": 100}))
    assert [code for code in divisions if code.startswith("C")] == [f"C{n}" for n in range(13, 44)]
    assert codes(client.get(INDUSTRIES, {"parent": "C38"})) == ["energy-storage", "hydrogen-energy"]
    assert codes(client.get(INDUSTRIES, {"name": "储能"})) == ["energy-storage"]
    assert codes(client.get(INDUSTRIES, {"name": "motor vehicles"})) == ["C36"]

    response = client.get(f"{INDUSTRIES}new-energy-vehicles/")
    assert response.json() == {
        "code": "new-energy-vehicles",
        "name": "新能源汽车及零部件",
        "name_en": "New energy vehicles and parts",
        "parent": "C36",
        "version": 1,
    }
    assert response["ETag"] == '"1"'
    unknown = client.get(INDUSTRIES, {"parent": "C99"})
    assert unknown.status_code == 400 and "parent" in unknown.json()["fields"]


def test_the_city_admin_adds_and_corrects_an_industry(national_industries, city_admin):
    client = client_for(city_admin)
    response = client.post(
        INDUSTRIES,
        {"code": "photovoltaics", "name": "光伏", "name_en": "Photovoltaics", "parent": "C38"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"1"'
    industry = Industry.objects.get(code="photovoltaics")
    assert (industry.parent.code, industry.history.get().history_user) == ("C38", city_admin)

    url = f"{INDUSTRIES}photovoltaics/"
    changed = client.patch(url, {"name_en": "Photovoltaic equipment"}, format="json", HTTP_IF_MATCH='"1"')
    assert (changed.status_code, changed["ETag"], changed.json()["name_en"]) == (
        200,
        '"2"',
        "Photovoltaic equipment",
    )
    stale = client.patch(url, {"name": "光伏设备"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert Industry.objects.get(code="photovoltaics").name == "光伏"

    renamed_code = client.patch(url, {"code": "solar"}, format="json")
    assert renamed_code.status_code == 400 and "code" in renamed_code.json()["fields"]
    too_deep = client.patch(url, {"parent": "energy-storage"}, format="json")
    assert too_deep.status_code == 400 and "parent" in too_deep.json()["fields"]
    twice = client.post(INDUSTRIES, {"code": "photovoltaics", "name": "光伏二"}, format="json")
    assert twice.status_code == 400 and "code" in twice.json()["fields"]
    assert client.delete(url).status_code == 405
    assert Industry.objects.filter(code="photovoltaics").exists()


def test_county_staff_may_not_write_industries(national_industries, county_staff):
    client = client_for(county_staff)
    assert client.post(INDUSTRIES, {"code": "x-1", "name": "某行业"}, format="json").status_code == 403
    assert client.patch(f"{INDUSTRIES}C36/", {"name_en": "Cars"}, format="json").status_code == 403
    assert Industry.objects.get(code="C36").name_en == "Manufacture of motor vehicles"


# --- enterprises --------------------------------------------------------------------------------


def test_enterprises_are_read_whole_and_found_by_name_or_credit_code(county_staff, foreign):
    """Enterprises belong to no region: a county reads the one of another county's project too."""
    registered = services.enterprise_create(name="肇庆鼎湖储能科技有限公司", credit_code=CREDIT_CODE, by=None)
    client = client_for(county_staff)
    listed = client.get(ENTERPRISES, {"page_size": 500}).json()["results"]
    assert {foreign.enterprise_id, registered.pk} <= {row["id"] for row in listed}

    by_code = client.get(ENTERPRISES, {"credit_code": CREDIT_CODE.lower()}).json()["results"]
    assert [row["id"] for row in by_code] == [registered.pk]
    by_name = client.get(ENTERPRISES, {"name": "鼎湖储能"}).json()["results"]
    assert [row["name"] for row in by_name] == ["肇庆鼎湖储能科技有限公司"]
    assert client.post(ENTERPRISES, {"name": "某公司"}, format="json").status_code == 403


def test_the_city_admin_registers_an_enterprise_with_a_checked_credit_code(city_admin):
    client = client_for(city_admin)
    response = client.post(
        ENTERPRISES, {"name": " 肇庆某新材料有限公司 ", "credit_code": CREDIT_CODE.lower()}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["credit_code"], body["version"]) == ("肇庆某新材料有限公司", CREDIT_CODE, 1)

    wrong_check = CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1")
    refused = client.post(ENTERPRISES, {"name": "乙公司", "credit_code": wrong_check}, format="json")
    assert refused.status_code == 400 and "credit_code" in refused.json()["fields"]
    again = client.post(ENTERPRISES, {"name": "丙公司", "credit_code": CREDIT_CODE}, format="json")
    assert again.status_code == 400
    assert f"(id {body['id']})" in again.json()["fields"]["credit_code"][0]

    url = f"{ENTERPRISES}{body['id']}/"
    changed = client.patch(url, {"name": "肇庆某新材料股份有限公司"}, format="json", HTTP_IF_MATCH='"1"')
    assert (changed.status_code, changed["ETag"]) == (200, '"2"')
    assert client.patch(url, {"name": "旧名"}, format="json", HTTP_IF_MATCH='"1"').status_code == 412
    assert client.delete(url).status_code == 405
    enterprise = Enterprise.objects.get(pk=body["id"])
    assert (enterprise.name, enterprise.version, enterprise.history.count()) == (
        "肇庆某新材料股份有限公司",
        2,
        2,
    )


# --- units --------------------------------------------------------------------------------------


def test_a_county_reads_its_own_units_and_the_city_level_ones(county_staff, region, other_region, regions):
    own = Unit.objects.create(name="端州区自然资源局", region=region)
    city_level = Unit.objects.create(name="肇庆市投资促进局", region=None)
    city = Unit.objects.create(name="肇庆市自然资源局", region=regions["441200"])
    other = Unit.objects.create(name="鼎湖区供电局", region=other_region)
    client = client_for(county_staff)

    listed = {row["id"]: row["region"] for row in client.get(UNITS).json()["results"]}
    assert listed == {own.pk: "441202", city_level.pk: None, city.pk: "441200"}
    assert client.get(f"{UNITS}{other.pk}/").status_code == 404
    only_city_level = client.get(UNITS, {"city_level": "true"}).json()["results"]
    assert [row["id"] for row in only_city_level] == [city_level.pk]
    assert client.patch(f"{UNITS}{own.pk}/", {"name_en": "x"}, format="json").status_code == 403


def test_the_city_admin_adds_and_moves_units(city_admin, region, other_region):
    client = client_for(city_admin)
    response = client.post(UNITS, {"name": "肇庆市工业和信息化局", "region": None}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["region"], response["ETag"]) == (None, '"1"')
    unit = Unit.objects.get(pk=response.json()["id"])
    assert unit.history.get().history_user == city_admin

    url = f"{UNITS}{unit.pk}/"
    moved = client.patch(url, {"region": other_region.code}, format="json", HTTP_IF_MATCH='"1"')
    assert (moved.status_code, moved.json()["region"], moved["ETag"]) == (200, "441203", '"2"')
    assert client.patch(url, {"region": None}, format="json", HTTP_IF_MATCH='"1"').status_code == 412
    twice = client.post(UNITS, {"name": "肇庆市工业和信息化局", "region": other_region.code}, format="json")
    assert twice.status_code == 400
    assert client.delete(url).status_code == 405
    assert Unit.objects.filter(name="肇庆市工业和信息化局").count() == 1
