"""Dates before 2000-01-01 are refused everywhere a date is entered (issue 11, defect 8).

DESIGN: "Dates are calendar dates, none before 2000-01-01". One validator on the model fields
(projects/validators.py) refuses them in the services' full_clean, so the API, the pages and the
admin all answer with the field named and write nothing; 2000-01-01 itself is accepted.
"""

import datetime

import pytest

from projects.choices import Stage
from projects.models import InvestmentReport, Project
from supervision.models import Milestone, Problem, ServiceLog, SupervisionVisit
from tests.fixtures.api_projects import PROJECTS, REPORTS, assert_field_error, client_for, create_body, detail
from tests.fixtures.api_supervision import LOGS, MILESTONES, PROBLEMS, VISITS

pytestmark = pytest.mark.usefixtures("fresh_throttles", "industry")

TOO_EARLY = ["0001-01-01", "1999-12-31"]
FIRST = datetime.date(2000, 1, 1)


@pytest.fixture
def api_staff(county_staff):
    return client_for(county_staff)


@pytest.mark.parametrize("field", ["signed_on", "first_contact_on"])
@pytest.mark.parametrize("day", TOO_EARLY)
def test_project_dates_before_2000_are_refused(api_staff, today, field, day):
    response = api_staff.post(PROJECTS, create_body(today, **{field: day}), format="json")
    assert_field_error(response, field)
    assert not Project.objects.exists()


def test_project_signed_on_the_first_day_of_2000(api_staff, today):
    body = create_body(today, signed_on="2000-01-01", first_contact_on="2000-01-01")
    response = api_staff.post(PROJECTS, body, format="json")
    assert response.status_code == 201, response.content
    assert Project.objects.get().signed_on == FIRST


@pytest.mark.parametrize("day", TOO_EARLY)
def test_advance_before_2000_is_refused(api_staff, make_project, day):
    project = make_project(signed_on=FIRST)
    moves = project.transitions.count()
    response = api_staff.post(
        detail(project, "advance/"), {"stage": "land_supplied", "on": day}, format="json"
    )
    assert_field_error(response, "on")
    project.refresh_from_db()
    assert (project.stage, project.land_supplied_on, project.version) == (Stage.SIGNED, None, 1)
    assert project.transitions.count() == moves


def test_advance_on_the_first_day_of_2000(api_staff, make_project):
    project = make_project(signed_on=FIRST)
    response = api_staff.post(
        detail(project, "advance/"), {"stage": "land_supplied", "on": "2000-01-01"}, format="json"
    )
    assert response.status_code == 200, response.content
    project.refresh_from_db()
    assert project.land_supplied_on == FIRST


@pytest.mark.parametrize("month", ["0001-01", "0001-01-01", "1999-12", "1999-12-31"])
def test_report_months_before_2000_are_refused(api_staff, project, month):
    response = api_staff.post(
        REPORTS, {"project": project.pk, "month": month, "amount": "1.00"}, format="json"
    )
    assert_field_error(response, "month")
    assert not InvestmentReport.objects.exists()


def test_report_of_january_2000(api_staff, make_project):
    project = make_project(signed_on=FIRST)
    response = api_staff.post(
        REPORTS, {"project": project.pk, "month": "2000-01", "amount": "1.00"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert InvestmentReport.objects.get().month == FIRST


@pytest.mark.parametrize("day", TOO_EARLY)
def test_supervision_dates_before_2000_are_refused(api_staff, project, officer, day):
    posts = [
        (
            PROBLEMS,
            {"project": project.pk, "category": "land_use", "description": "用地", "raised_on": day},
            "raised_on",
        ),
        (VISITS, {"on": day, "region": "441202", "leader": officer.pk}, "on"),
        (LOGS, {"project": project.pk, "on": day, "kind": "other", "description": "x"}, "on"),
        (
            MILESTONES,
            {"project": project.pk, "title": "完成供地", "due_on": day, "responsible": officer.pk},
            "due_on",
        ),
    ]
    for url, body, field in posts:
        assert_field_error(api_staff.post(url, body, format="json"), field)
    assert not Problem.objects.exists()
    assert not SupervisionVisit.objects.exists()
    assert not ServiceLog.objects.exists()
    assert not Milestone.objects.exists()
