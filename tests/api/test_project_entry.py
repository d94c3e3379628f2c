"""/api/v1/projects/: a project entered with its history in one call (each stage an audited
advance, all or nothing), the cancel and reactivate actions, and investment refused for a month
before the signing."""

import datetime

import pytest

from projects.choices import Stage, Status
from projects.models import Enterprise, Project, StatusChange
from tests.fixtures.api_projects import (
    DAY,
    PROJECTS,
    REPORTS,
    assert_field_error,
    client_for,
    create_body,
    detail,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "fresh_throttles", "industry")]

SIGNED = datetime.date(2024, 3, 18)


def history_body(**dates):
    return create_body(SIGNED + 10 * DAY, **{key: value.isoformat() for key, value in dates.items()})


def test_a_project_is_entered_at_its_stage_with_each_stage_audited(staff_api, county_staff):
    body = history_body(land_supplied_on=datetime.date(2024, 5, 6), started_on=datetime.date(2024, 7, 1))
    response = staff_api.post(PROJECTS, body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["stage"], data["land_supplied_on"], data["started_on"]) == (
        "started",
        "2024-05-06",
        "2024-07-01",
    )
    assert data["completed_on"] is None
    assert response["ETag"] == f'"{data["version"]}"' == '"3"'
    project = Project.objects.get(pk=data["id"])
    steps = list(project.transitions.order_by("id").values_list("from_stage", "to_stage", "on", "by"))
    assert steps == [
        ("", Stage.SIGNED, SIGNED, county_staff.pk),
        (Stage.SIGNED, Stage.LAND_SUPPLIED, datetime.date(2024, 5, 6), county_staff.pk),
        (Stage.LAND_SUPPLIED, Stage.STARTED, datetime.date(2024, 7, 1), county_staff.pk),
    ]
    assert project.history.count() == 3  # created, then one change per advance


@pytest.mark.parametrize(
    "dates, field",
    [
        # 开工 without 供地: the gap is named on the date that is missing.
        ({"started_on": datetime.date(2024, 7, 1)}, "land_supplied_on"),
        # Before the signing.
        ({"land_supplied_on": datetime.date(2024, 3, 1)}, "land_supplied_on"),
        # Before the stage before.
        (
            {"land_supplied_on": datetime.date(2024, 5, 6), "started_on": datetime.date(2024, 5, 1)},
            "started_on",
        ),
        # In the future.
        ({"land_supplied_on": datetime.date(2099, 1, 4)}, "land_supplied_on"),
    ],
    ids=["gap", "before-signing", "backwards", "future"],
)
def test_a_refused_stage_date_is_a_400_on_its_field_and_nothing_is_written(staff_api, dates, field):
    before = (Project.objects.count(), Enterprise.objects.count())
    response = staff_api.post(PROJECTS, history_body(**dates), format="json")
    assert_field_error(response, field)
    # The enterprise registered with the project went back with it.
    assert (Project.objects.count(), Enterprise.objects.count()) == before


def test_stage_dates_are_read_only_after_the_create(staff_api, project, today):
    url = detail(project)
    read = staff_api.get(url).json()
    changed = staff_api.patch(url, {"land_supplied_on": today.isoformat()}, format="json")
    assert_field_error(changed, "land_supplied_on")
    # What was read may be sent back (a PUT of the whole record): nothing changes.
    put = {key: read[key] for key in ("name", "enterprise", "region", "industry", "planned_investment")}
    put.update({key: read[key] for key in ("signed_on", "land_supplied_on", "started_on")})
    assert staff_api.put(url, put, format="json").status_code == 200
    project.refresh_from_db()
    assert (project.stage, project.land_supplied_on, project.version) == (Stage.SIGNED, None, 1)


# --- cancel and reactivate ----------------------------------------------------------------------


def test_staff_cancel_and_reactivate_a_project_with_a_reason(staff_api, project, county_staff):
    cancelled = staff_api.post(
        detail(project, "cancel/"), {"reason": "企业撤资"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert cancelled.status_code == 200, cancelled.content
    assert (cancelled.json()["status"], cancelled["ETag"]) == ("cancelled", '"2"')
    again = staff_api.post(detail(project, "cancel/"), {"reason": "再次清退"}, format="json")
    assert again.status_code == 400

    stale = staff_api.post(
        detail(project, "reactivate/"), {"reason": "重新洽谈"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    no_reason = staff_api.post(detail(project, "reactivate/"), {"reason": " "}, format="json")
    assert_field_error(no_reason, "reason")
    back = staff_api.post(
        detail(project, "reactivate/"), {"reason": "重新洽谈"}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert (back.status_code, back.json()["status"], back["ETag"]) == (200, "active", '"3"')

    changes = list(StatusChange.objects.filter(project=project).values_list("to_status", "reason", "by"))
    assert changes == [
        (Status.CANCELLED, "企业撤资", county_staff.pk),
        (Status.ACTIVE, "重新洽谈", county_staff.pk),
    ]


def test_leaders_may_not_cancel_a_project(api, county_leader, city_leader, project):
    for leader in (county_leader, city_leader):
        response = api(leader).post(detail(project, "cancel/"), {"reason": "清退"}, format="json")
        assert response.status_code == 403
    project.refresh_from_db()
    assert project.status == Status.ACTIVE


# --- investment before the signing --------------------------------------------------------------


def test_investment_for_a_month_before_the_signing_is_refused(staff_api, make_project, county_staff):
    project = make_project(signed_on=SIGNED)
    refused = staff_api.post(
        REPORTS, {"project": project.pk, "month": "2024-02", "amount": "100.00"}, format="json"
    )
    assert_field_error(refused, "month")
    assert "signed in 2024-03" in refused.json()["fields"]["month"][0]
    assert not project.investment_reports.exists()

    chinese = client_for(county_staff)
    chinese.credentials(HTTP_ACCEPT_LANGUAGE="zh-hans")
    message = chinese.post(
        REPORTS, {"project": project.pk, "month": "2024-01", "amount": "1.00"}, format="json"
    )
    assert (
        "2024-03" in message.json()["fields"]["month"][0] and "签约" in message.json()["fields"]["month"][0]
    )

    # The month of the signing itself takes a report.
    accepted = staff_api.post(
        REPORTS, {"project": project.pk, "month": "2024-03", "amount": "100.00"}, format="json"
    )
    assert accepted.status_code == 201, accepted.content
