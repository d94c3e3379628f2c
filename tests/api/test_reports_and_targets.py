"""/api/v1/ investment reports and annual targets: create, update, refusals, filters, roles."""

from decimal import Decimal

import pytest

from projects import services
from projects.models import AnnualTarget, InvestmentReport
from tests.fixtures.api_projects import REPORTS, TARGETS, assert_field_error, client_for, ids, months_ago

pytestmark = pytest.mark.usefixtures("fresh_throttles")

# --- investment reports -------------------------------------------------------------------


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
    # A conflict with a stored record, not bad input: 409, naming the report to correct instead.
    assert response.status_code == 409, response.content
    body = response.json()
    assert (body["status"], body["code"]) == (409, "conflict")
    assert str(existing.pk) in body["fields"]["month"][0]
    existing.refresh_from_db()
    assert (existing.amount, existing.version, existing.history.count()) == (Decimal("1.00"), 1, 1)
    assert InvestmentReport.objects.count() == 1


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


def test_report_correction_without_if_match_is_the_named_report(staff_api, project, today):
    report = services.investment_report(
        project=project, month=months_ago(today, 2), amount=Decimal("10"), by=None
    )
    response = staff_api.patch(f"{REPORTS}{report.pk}/", {"amount": "11"})
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    assert (report.amount, report.version) == (Decimal("11.00"), 2)


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
    # A second target of the region and year is a conflict naming the first (as a second report).
    second = api.post(TARGETS, target_body(), format="json")
    assert second.status_code == 409, second.content
    assert f"(id {existing.pk})" in second.json()["fields"]["year"][0]
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
