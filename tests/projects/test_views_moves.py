"""Project pages: stage moves and monthly investment."""

from decimal import Decimal

import pytest

from projects import lifecycle, services
from projects.choices import Stage, Status
from projects.models import InvestmentReport
from tests.fixtures.projects_views import DAY, field_error, input_value, text

pytestmark = pytest.mark.django_db

# --- stage moves --------------------------------------------------------------------------------


def test_advancing_twice_on_the_same_day(staff_client, project, today):
    url = f"/projects/{project.pk}/advance/"
    first = staff_client.post(url, {"stage": "land_supplied", "on": today.isoformat(), "version": 1})
    assert first.status_code == 302
    page = text(staff_client.get(url))
    assert "Construction started" in page
    second = staff_client.post(
        url, {"stage": input_value(staff_client.get(url), "stage"), "on": today.isoformat(), "version": 2}
    )
    assert second.status_code == 302
    project.refresh_from_db()
    assert project.stage == Stage.STARTED
    assert project.land_supplied_on == project.started_on == today
    assert project.transitions.count() == 3


def test_the_advance_date_defaults_to_today_and_errors_sit_on_it(staff_client, project, today):
    url = f"/projects/{project.pk}/advance/"
    assert input_value(staff_client.get(url), "on") == today.isoformat()
    early = project.signed_on - DAY
    response = staff_client.post(url, {"stage": "land_supplied", "on": early.isoformat(), "version": 1})
    assert response.status_code == 200
    assert "cannot be before" in field_error(response, "on")
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED


def test_a_stale_advance_shows_the_project_as_it_is_now(staff_client, project, county_staff, today):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff)
    response = staff_client.post(
        f"/projects/{project.pk}/advance/", {"stage": "land_supplied", "on": today.isoformat(), "version": 1}
    )
    assert response.status_code == 200
    assert "Someone else changed this record while you were working on it." in text(response)
    assert input_value(response, "stage") == "started"
    assert input_value(response, "version") == "2"
    project.refresh_from_db()
    assert project.stage == Stage.LAND_SUPPLIED


def test_reverting_needs_a_reason(staff_client, project, county_staff, today):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff)
    url = f"/projects/{project.pk}/revert/"
    response = staff_client.post(url, {"reason": "  ", "version": 2})
    assert response.status_code == 200
    assert "Give a reason for going back a stage." in field_error(response, "reason")
    project.refresh_from_db()
    assert project.stage == Stage.LAND_SUPPLIED
    assert staff_client.post(url, {"reason": "供地手续未完成", "version": 2}).status_code == 302
    project.refresh_from_db()
    assert (project.stage, project.land_supplied_on) == (Stage.SIGNED, None)
    last = project.transitions.last()
    assert last.is_revert and last.note == "供地手续未完成"


def test_a_cancelled_project_cannot_advance(staff_client, project, county_staff, today):
    assert (
        staff_client.post(f"/projects/{project.pk}/cancel/", {"reason": "企业撤资", "version": 1}).status_code
        == 302
    )
    project.refresh_from_db()
    assert project.status == Status.CANCELLED
    response = staff_client.post(
        f"/projects/{project.pk}/advance/", {"stage": "land_supplied", "on": today.isoformat(), "version": 2}
    )
    assert response.status_code == 200
    assert "A cancelled project cannot advance." in text(response)
    response = staff_client.post(f"/projects/{project.pk}/reactivate/", {"reason": "恢复建设", "version": 2})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.ACTIVE


# --- monthly investment -------------------------------------------------------------------------


def test_an_investment_report_keeps_the_decimal_exactly(staff_client, project, today):
    month = today.strftime("%Y-%m")
    response = staff_client.post(
        f"/projects/{project.pk}/investment/", {"month": month, "amount": "1234.567891", "note": "设备款"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/projects/{project.pk}/#investment")
    report = InvestmentReport.objects.get(project=project)
    assert report.amount == Decimal("12345678.91")
    assert report.month == today.replace(day=1)
    assert "1,234.57" in text(staff_client.get(response["Location"]))


def test_the_investment_form_uses_a_month_picker_and_refuses_the_future(staff_client, project, today):
    url = f"/projects/{project.pk}/investment/"
    page = text(staff_client.get(url))
    assert 'type="month"' in page
    future = (today.replace(day=28) + 5 * DAY).strftime("%Y-%m")
    response = staff_client.post(url, {"month": future, "amount": "1.00"})
    assert "future month" in field_error(response, "month")
    assert not InvestmentReport.objects.exists()


def test_reporting_a_month_that_already_has_a_figure_asks_first(staff_client, project, city_admin, today):
    services.investment_report(project=project, month=today, amount=Decimal("100.00"), by=city_admin)
    url = f"/projects/{project.pk}/investment/"
    response = staff_client.post(url, {"month": today.strftime("%Y-%m"), "amount": "0.02", "version": ""})
    assert response.status_code == 200
    assert "Someone else changed this record while you were working on it." in text(response)
    assert "Stored figure for " + today.strftime("%Y-%m") in text(response)
    assert input_value(response, "amount") == "0.02"
    assert InvestmentReport.objects.get().amount == Decimal("100.00")
    again = {
        "month": today.strftime("%Y-%m"),
        "amount": "0.02",
        "version": input_value(response, "version"),
    }
    assert staff_client.post(url, again).status_code == 302
    assert InvestmentReport.objects.get().amount == Decimal("200.00")


def test_the_correct_link_loads_the_stored_figure(staff_client, project, county_staff, today):
    services.investment_report(project=project, month=today, amount=Decimal("300.50"), by=county_staff)
    response = staff_client.get(f"/projects/{project.pk}/investment/", {"month": today.strftime("%Y-%m")})
    assert input_value(response, "amount") == "0.03005"  # 万元, exactly the stored 300.50 元
    assert input_value(response, "version") == "1"
