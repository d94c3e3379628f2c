"""/api/v1/ supervision resources: problems (and their moves), service teams, visits, service
logs and milestones.

Every move goes through supervision/services.py; these tests check what the API adds: the
input it accepts and refuses (400 with field messages, nothing changed), the scope (another
region's record is a 404 and never listed), the roles (403 for leader-only moves), optimistic
concurrency (412 on a stale If-Match, nothing changed), and lists whose query count does not
grow with their length.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from projects.choices import Role
from projects.models import Project
from supervision import services
from supervision.choices import ExtensionStatus, ProblemStatus
from supervision.models import (
    Milestone,
    MilestoneTemplate,
    Person,
    Problem,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
    Unit,
)
from tests.supervision_fixtures import DAY, restore_milestone_templates, snapshot

pytest_plugins = ["tests.supervision_fixtures"]

PROBLEMS = "/api/v1/problems/"
TEAMS = "/api/v1/service-teams/"
VISITS = "/api/v1/visits/"
LOGS = "/api/v1/service-logs/"
MILESTONES = "/api/v1/milestones/"


def iso(day: datetime.date) -> str:
    return day.isoformat()


def problem_url(problem, move: str = "") -> str:
    pk = problem if isinstance(problem, int) else problem.pk
    return f"{PROBLEMS}{pk}/" + (f"{move}/" if move else "")


def if_match(version) -> dict:
    return {"HTTP_IF_MATCH": f'"{version}"'}


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def assert_invalid(response, *fields: str) -> dict:
    """A 400 in the API's error shape, with a message for each of ``fields``."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == 400
    for field in fields:
        assert body["fields"][field], body
    return body


@pytest.fixture
def api():
    """``api(user)``: a client signed in as ``user``, reading messages in English."""

    def client_for(user) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def staff(api, county_staff):
    return api(county_staff)


@pytest.fixture
def leader(api, county_leader):
    return api(county_leader)


@pytest.fixture
def other_project(make_project, other_region, city_admin):
    return make_project(region=other_region, by=city_admin, name="鼎湖区某项目")


@pytest.fixture
def other_problem(other_project, city_admin, raised_on):
    return services.problem_raise(
        project=other_project,
        category="energy_use",
        description="用电负荷不足",
        by=city_admin,
        raised_on=raised_on,
    )


@pytest.fixture
def other_person(other_region):
    return Person.objects.create(name="王强", title="鼎湖区副区长", region=other_region)


@pytest.fixture
def other_unit_of_other_region(other_region):
    return Unit.objects.create(name="鼎湖区供电局", region=other_region)


@pytest.fixture
def city_person(regions):
    return Person.objects.create(name="陈刚", title="市投资促进局副局长", region=None)


@pytest.fixture
def city_unit(regions):
    return Unit.objects.create(name="肇庆市投资促进局", region=None)


# Problems: the closed loop


def test_problem_closed_loop_raise_assign_resolve_verify_reopen(
    staff, leader, project, unit, county_staff, raised_on, today
):
    response = staff.post(
        PROBLEMS,
        {
            "project": project.pk,
            "category": "land_use",
            "severity": "high",
            "description": "用地指标未落实",
            "raised_on": iso(raised_on),
        },
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"1"'
    body = response.json()
    pk = body["id"]
    assert body["region"] == "441202"
    assert (body["status"], body["raised_by"], body["severity"], body["overdue"]) == (
        "raised",
        "staff-duanzhou",
        "high",
        False,
    )
    assert [event["kind"] for event in body["events"]] == ["raised"]

    response = leader.post(
        problem_url(pk, "assign"),
        {
            "unit": unit.pk,
            "assignee": county_staff.username,
            "due_on": iso(raised_on + 10 * DAY),
            "on": iso(raised_on),
            "note": "请于十日内落实",
        },
        **if_match(1),
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["status"], body["responsible_unit"], body["assignee"]) == (
        "assigned",
        unit.pk,
        "staff-duanzhou",
    )
    assert body["due_on"] == iso(raised_on + 10 * DAY)
    assert body["overdue"] is True  # due 20 days ago and still open

    response = staff.post(
        problem_url(pk, "resolve"),
        {"resolution": "已调剂用地指标", "on": iso(raised_on + 5 * DAY)},
        **if_match(2),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["resolved_on"], body["resolved_by"], body["overdue"]) == (
        "resolved",
        iso(raised_on + 5 * DAY),
        "staff-duanzhou",
        False,
    )

    response = leader.post(
        problem_url(pk, "verify"), {"on": iso(raised_on + 6 * DAY), "note": "核实"}, **if_match(3)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["verified_by"], response["ETag"]) == ("verified", "leader-duanzhou", '"4"')

    response = leader.post(
        problem_url(pk, "reopen"),
        {"reason": "企业反映仍未到位", "due_on": iso(today + 5 * DAY)},
        **if_match(4),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["due_on"], body["resolved_on"], body["overdue"]) == (
        "assigned",
        iso(today + 5 * DAY),
        None,
        False,
    )

    response = staff.get(problem_url(pk))
    assert response.status_code == 200
    assert response["ETag"] == '"5"'
    events = response.json()["events"]
    assert [event["kind"] for event in events] == ["raised", "assigned", "resolved", "verified", "reopened"]
    assert events[2]["note"] == "已调剂用地指标"  # the earlier resolution stays in the timeline
    assert [event["by"] for event in events] == [
        "staff-duanzhou",
        "leader-duanzhou",
        "staff-duanzhou",
        "leader-duanzhou",
        "leader-duanzhou",
    ]
    assert Problem.objects.get(pk=pk).status == ProblemStatus.ASSIGNED


def test_raise_at_a_visit_defaults_to_today(staff, project, officer, today):
    visit = staff.post(VISITS, {"on": iso(today), "region": "441202", "leader": officer.pk}).json()
    response = staff.post(
        PROBLEMS,
        {"project": project.pk, "category": "approvals", "description": "审批慢", "visit": visit["id"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["visit"], body["raised_on"], body["severity"]) == (visit["id"], iso(today), "medium")


def test_problems_have_no_put_or_patch(staff, raised):
    assert staff.put(problem_url(raised), {"description": "x"}).status_code == 405
    assert staff.patch(problem_url(raised), {"description": "x"}).status_code == 405


def test_anonymous_is_401(raised):
    assert APIClient().get(PROBLEMS).status_code == 401
    assert APIClient().post(problem_url(raised, "assign"), {}).status_code == 401


# Problems: extensions


def test_extension_request_approve_then_reject(staff, leader, assigned, today):
    response = staff.post(
        problem_url(assigned, "extend"),
        {"due_on": iso(today + 20 * DAY), "reason": "等待省厅批复", "on": iso(today - DAY)},
        **if_match(2),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["due_on"] == iso(today + 10 * DAY)  # not before a leader decides
    (pending,) = body["extension_requests"]
    assert (pending["status"], pending["due_on"], pending["requested_by"]) == (
        "pending",
        iso(today + 20 * DAY),
        "staff-duanzhou",
    )

    response = leader.post(
        problem_url(assigned, "extend/decide"), {"request": pending["id"], "approve": True, "note": "同意"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["due_on"] == iso(today + 20 * DAY)
    assert response["ETag"] == f'"{body["version"]}"' == '"3"'
    assert body["extension_requests"][0]["status"] == "approved"
    assert body["extension_requests"][0]["decided_by"] == "leader-duanzhou"
    assert [(e["kind"], e["on"]) for e in body["events"]][-2:] == [
        ("extension_requested", iso(today - DAY)),
        ("extension_approved", iso(today)),
    ]

    staff.post(problem_url(assigned, "extend"), {"due_on": iso(today + 40 * DAY), "reason": "再延期"})
    # Without `request`, the decision is about the problem's pending request.
    response = leader.post(problem_url(assigned, "extend/decide"), {"approve": False, "note": "请按期办结"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["due_on"] == iso(today + 20 * DAY)
    assert [r["status"] for r in body["extension_requests"]] == ["rejected", "approved"]
    assert [e["kind"] for e in body["events"]][-4:] == [
        "extension_requested",
        "extension_approved",
        "extension_requested",
        "extension_rejected",
    ]

    # Nothing left to decide; a decided request cannot be decided again.
    assert_invalid(leader.post(problem_url(assigned, "extend/decide"), {"approve": True}), "request")
    response = leader.post(
        problem_url(assigned, "extend/decide"), {"request": pending["id"], "approve": False}
    )
    assert "already been decided" in assert_invalid(response)["detail"]


def test_extension_refusals(staff, leader, assigned, other_problem, city_admin, today):
    before = snapshot(assigned)
    response = staff.post(problem_url(assigned, "extend"), {"due_on": iso(today), "reason": "x"})
    assert_invalid(response, "due_on")
    assert_invalid(staff.post(problem_url(assigned, "extend"), {"due_on": iso(today + 30 * DAY)}), "reason")
    assert snapshot(assigned) == before

    staff.post(problem_url(assigned, "extend"), {"due_on": iso(today + 30 * DAY), "reason": "等待批复"})
    # Deciding is for leaders: county staff get 403 and the request stays pending.
    assert staff.post(problem_url(assigned, "extend/decide"), {"approve": True}).status_code == 403
    assert assigned.extension_requests.get().status == ExtensionStatus.PENDING

    # A request of another problem is not this problem's.
    services.problem_assign(
        problem=other_problem,
        unit=Unit.objects.create(name="鼎湖区自然资源局", region=other_problem.project.region),
        due_on=today,
        by=city_admin,
    )
    other_request = services.problem_request_extension(
        problem=other_problem, due_on=today + 9 * DAY, reason="x", by=city_admin
    )
    response = leader.post(
        problem_url(assigned, "extend/decide"), {"request": other_request.pk, "approve": True}
    )
    assert "does not exist" in assert_invalid(response, "request")["fields"]["request"][0]
    assert_invalid(leader.post(problem_url(assigned, "extend/decide"), {"approve": "maybe"}), "approve")
    assert assigned.extension_requests.get().status == ExtensionStatus.PENDING


# Problems: roles


def test_verify_by_county_staff_is_403(staff, resolved):
    before = snapshot(resolved)
    response = staff.post(problem_url(resolved, "verify"), {})
    assert response.status_code == 403
    assert response.json()["status"] == 403
    assert snapshot(resolved) == before


def test_verify_by_the_resolver_is_400(leader, assigned):
    response = leader.post(problem_url(assigned, "resolve"), {"resolution": "领导亲自协调解决"})
    assert response.status_code == 200, response.content
    resolved = Problem.objects.get(pk=assigned.pk)
    before = snapshot(resolved)
    response = leader.post(problem_url(assigned, "verify"), {})
    assert "cannot also verify" in assert_invalid(response)["detail"]
    assert snapshot(resolved) == before


def test_a_move_out_of_order_is_400(leader, raised):
    # Resolve before assign: the service refuses and the API says why.
    before = snapshot(raised)
    response = leader.post(problem_url(raised, "resolve"), {"resolution": "x"})
    assert "cannot be resolved" in assert_invalid(response)["detail"]
    assert_invalid(leader.post(problem_url(raised, "verify"), {}))
    assert_invalid(leader.post(problem_url(raised, "reopen"), {"reason": "x"}))
    assert_invalid(leader.post(problem_url(raised, "extend"), {"due_on": "2099-01-01", "reason": "x"}))
    assert snapshot(raised) == before


# Problems: scope


def test_county_staff_cannot_see_or_touch_another_regions_problem(
    staff, leader, api, city_leader, raised, other_problem, other_project, unit, today
):
    for client in (staff, leader):
        assert client.get(problem_url(other_problem)).status_code == 404
        response = client.post(problem_url(other_problem, "assign"), {"unit": unit.pk, "due_on": iso(today)})
        assert response.status_code == 404
        assert response.json()["status"] == 404
        response = client.post(problem_url(other_problem, "extend"), {"due_on": iso(today), "reason": "x"})
        assert response.status_code == 404
        assert ids(client.get(PROBLEMS)) == [raised.pk]
        assert ids(client.get(PROBLEMS, {"region": "441203"})) == []
    assert Problem.objects.get(pk=other_problem.pk).status == ProblemStatus.RAISED

    # Filtering by another region's project reads exactly as filtering by one that does not exist.
    foreign = staff.get(PROBLEMS, {"project": other_project.pk})
    missing = staff.get(PROBLEMS, {"project": 987654})
    assert assert_invalid(foreign, "project") == assert_invalid(missing, "project")

    # A city leader reads every region; the city code includes its counties.
    city = api(city_leader)
    assert sorted(ids(city.get(PROBLEMS, {"region": "441200"}))) == sorted([raised.pk, other_problem.pk])
    assert ids(city.get(PROBLEMS, {"region": "441203"})) == [other_problem.pk]
    assert city.get(problem_url(other_problem)).status_code == 200


def test_other_regions_teams_logs_and_milestones_are_404_and_never_listed(
    staff, other_project, city_admin, today
):
    team = services.service_team_save(project=other_project, by=city_admin, plan="x")
    log = services.service_log_record(
        project=other_project, on=today, kind="other", description="x", by=city_admin
    )
    milestone = services.milestone_save(project=other_project, title="x", due_on=today, by=city_admin)
    for url, record in ((TEAMS, team), (LOGS, log), (MILESTONES, milestone)):
        assert staff.get(url).json()["results"] == []
        assert staff.get(f"{url}{record.pk}/").status_code == 404
    assert staff.patch(f"{TEAMS}{team.pk}/", {"plan": "y"}).status_code == 404
    assert staff.patch(f"{MILESTONES}{milestone.pk}/", {"done_on": iso(today)}).status_code == 404
    assert ServiceTeam.objects.get().plan == "x"
    assert Milestone.objects.get().done_on is None


def test_cannot_raise_on_another_regions_project(staff, other_project):
    count = Problem.objects.count()
    response = staff.post(PROBLEMS, {"project": other_project.pk, "category": "land_use", "description": "x"})
    assert "does not exist" in assert_invalid(response, "project")["fields"]["project"][0]
    assert Problem.objects.count() == count


def test_cannot_assign_another_regions_unit_or_user(
    staff, raised, other_unit_of_other_region, city_unit, make_user, other_region, today
):
    stranger = make_user(Role.COUNTY_STAFF, region=other_region, username="staff-dinghu")
    before = snapshot(raised)
    body = {"unit": other_unit_of_other_region.pk, "due_on": iso(today)}
    assert_invalid(staff.post(problem_url(raised, "assign"), body), "unit")
    body = {"unit": city_unit.pk, "assignee": stranger.username, "due_on": iso(today)}
    assert_invalid(staff.post(problem_url(raised, "assign"), body), "assignee")
    assert snapshot(raised) == before
    # A city-level unit serves every county.
    response = staff.post(problem_url(raised, "assign"), {"unit": city_unit.pk, "due_on": iso(today)})
    assert response.status_code == 200, response.content


# Problems: bad input


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "weather"}, "category"),
        ({"severity": 3}, "severity"),
        ({"raised_on": "2025-02-30"}, "raised_on"),
        ({"raised_on": "yesterday"}, "raised_on"),
        ({"raised_on": "2999-01-01"}, "raised_on"),
        ({"project": "abc"}, "project"),
        ({"project": [1]}, "project"),
        ({"project": 99999999999999999999}, "project"),
        ({"description": ""}, "description"),
        ({"description": "no\x00nul"}, "description"),
        ({"visit": 987654}, "visit"),
    ],
)
def test_raise_bad_input_is_400_and_creates_nothing(staff, project, change, field):
    body = {"project": project.pk, "category": "land_use", "description": "用地", **change}
    assert_invalid(staff.post(PROBLEMS, body), field)
    assert not Problem.objects.exists()


def test_raise_needs_a_json_object(staff):
    assert staff.post(PROBLEMS, "[1, 2]", content_type="application/json").status_code == 400
    assert staff.post(PROBLEMS, "{not json", content_type="application/json").status_code == 400


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"due_on": "before"}, "due_on"),  # replaced below by a date before the raising
        ({"due_on": "2025-13-01"}, "due_on"),
        ({"due_on": None}, "due_on"),
        ({"unit": None}, "unit"),
        ({"unit": "land bureau"}, "unit"),
        ({"assignee": "nobody"}, "assignee"),
        ({"on": "future"}, "on"),  # replaced below by tomorrow
        ({"note": {"a": 1}}, "note"),
    ],
)
def test_assign_bad_input_is_400_and_changes_nothing(leader, raised, unit, raised_on, today, change, field):
    body = {"unit": unit.pk, "due_on": iso(today + 10 * DAY), "on": iso(raised_on), **change}
    if change.get("due_on") == "before":
        body["due_on"] = iso(raised_on - DAY)  # due date before the problem was raised
    if change.get("on") == "future":
        body["on"] = iso(today + DAY)
    before = snapshot(raised)
    assert_invalid(leader.post(problem_url(raised, "assign"), body, **if_match(1)), field)
    assert snapshot(raised) == before


def test_move_bad_input(staff, leader, assigned):
    before = snapshot(assigned)
    assert_invalid(staff.post(problem_url(assigned, "resolve"), {"resolution": "  "}), "resolution")
    assert_invalid(staff.post(problem_url(assigned, "resolve"), {"resolution": "x", "on": 5}), "on")
    assert_invalid(leader.post(problem_url(assigned, "reopen"), {"reason": "x"}))  # not resolved
    assert snapshot(assigned) == before


# Problems: concurrency


def test_stale_if_match_is_412_and_changes_nothing(staff, assigned):
    before = snapshot(assigned)
    response = staff.post(problem_url(assigned, "resolve"), {"resolution": "已解决"}, **if_match(1))
    assert response.status_code == 412
    assert response.json()["status"] == 412
    response = staff.post(
        problem_url(assigned, "resolve"), {"resolution": "已解决"}, HTTP_IF_MATCH="yesterday"
    )
    assert response.status_code == 412
    response = staff.post(
        problem_url(assigned, "extend"), {"due_on": "2099-01-01", "reason": "x"}, **if_match(1)
    )
    assert response.status_code == 412
    assert snapshot(assigned) == before
    assert not assigned.extension_requests.exists()
    # The current version goes through.
    assert (
        staff.post(problem_url(assigned, "resolve"), {"resolution": "已解决"}, **if_match(2)).status_code
        == 200
    )


# Problems: filters


def test_problem_filters(staff, make_problem, unit, county_leader, raised_on, today, make_project):
    second = make_project(name="另一个项目")
    land = make_problem()
    energy = make_problem(
        project=second, category="energy_use", severity="high", raised_on=raised_on + 3 * DAY
    )
    late = services.problem_assign(
        problem=make_problem(), unit=unit, due_on=raised_on, on=raised_on, by=county_leader
    )
    on_time = services.problem_assign(problem=make_problem(), unit=unit, due_on=today, by=county_leader)

    def listed(**params):
        response = staff.get(PROBLEMS, params)
        assert response.status_code == 200, response.content
        return sorted(ids(response))

    assert listed(project=second.pk) == [energy.pk]
    assert listed(category="energy_use") == [energy.pk]
    assert listed(severity="high") == [energy.pk]
    assert listed(status="assigned") == sorted([late.pk, on_time.pk])
    assert listed(overdue="true") == [late.pk]
    assert listed(overdue="false") == sorted([land.pk, energy.pk, on_time.pk])
    assert listed(raised_after=iso(raised_on + DAY)) == [energy.pk]
    assert listed(raised_before=iso(raised_on)) == sorted([land.pk, late.pk, on_time.pk])
    assert listed(region="441202", category="land_use") == sorted([land.pk, late.pk, on_time.pk])
    cutoff = Problem.objects.get(pk=on_time.pk).updated_at
    assert listed(updated_after=cutoff.isoformat()) == []
    assert listed(updated_after=(cutoff - datetime.timedelta(microseconds=1)).isoformat()) == [on_time.pk]
    assert listed(ordering="-id") == sorted([land.pk, energy.pk, late.pk, on_time.pk])
    response = staff.get(PROBLEMS, {"ordering": "-id"})
    assert ids(response) == sorted(ids(response), reverse=True)
    assert [
        row["overdue"]
        for row in staff.get(PROBLEMS, {"status": "assigned", "ordering": "id"}).json()["results"]
    ] == [
        True,
        False,
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"colour": "red"},
        {"status": "bogus"},
        {"category": "weather"},
        {"overdue": "banana"},
        {"raised_after": "2025-13-01"},
        {"raised_before": "last week"},
        {"updated_after": "yesterday"},
        {"updated_after": "0001-01-01T00:00:00"},
        {"updated_after": "9999-12-31T23:59:59-12:00"},
        {"region": "999999"},
        {"region": "abc"},
        {"project": "abc"},
        {"project": "1.5"},
    ],
)
def test_problem_filters_refuse_bad_values(staff, raised, params):
    assert_invalid(staff.get(PROBLEMS, params), *params)


def test_page_size_and_cursor(staff, make_problem):
    made = [make_problem().pk for _ in range(3)]
    first = staff.get(PROBLEMS, {"page_size": 2}).json()
    assert [row["id"] for row in first["results"]] == made[:2]
    assert first["previous"] is None
    second = staff.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == made[2:]
    assert second["next"] is None


# Service teams


def test_service_team_create_update_and_filters(
    staff, api, county_leader, project, officer, city_person, city_unit, unit, make_project
):
    response = staff.post(
        TEAMS,
        {
            "project": project.pk,
            "county_leader": city_person.pk,
            "chief_officer": officer.pk,
            "specialist": officer.pk,
            "unit": city_unit.pk,
        },
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"1"'
    team = response.json()
    assert (team["region"], team["is_complete"], team["plan"]) == ("441202", False, "")

    # One team per project.
    assert_invalid(staff.post(TEAMS, {"project": project.pk}), "project")
    assert ServiceTeam.objects.count() == 1

    url = f"{TEAMS}{team['id']}/"
    response = staff.put(
        url,
        {
            "project": project.pk,
            "county_leader": city_person.pk,
            "chief_officer": officer.pk,
            "specialist": officer.pk,
            "unit": unit.pk,
            "plan": "每月走访",
        },
        **if_match(1),
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["unit"], body["plan"], body["is_complete"], body["version"]) == (
        unit.pk,
        "每月走访",
        True,
        2,
    )

    # A PATCH changes what it names; the others stay.
    response = staff.patch(url, {"specialist": None}, **if_match(2))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["specialist"], body["chief_officer"], body["plan"], body["is_complete"]) == (
        None,
        officer.pk,
        "每月走访",
        False,
    )

    bare = make_project(name="没有完整专班的项目")
    services.service_team_save(project=bare, by=None)
    assert ids(staff.get(TEAMS, {"complete": "false"})) == sorted([team["id"], bare.service_team.pk])
    staff.patch(url, {"specialist": officer.pk})
    assert ids(staff.get(TEAMS, {"complete": "true"})) == [team["id"]]
    assert ids(staff.get(TEAMS, {"project": bare.pk})) == [bare.service_team.pk]
    assert ids(staff.get(TEAMS, {"region": "441203"})) == []

    # Leaders read teams but do not write them.
    assert api(county_leader).get(url).status_code == 200
    assert api(county_leader).patch(url, {"plan": "x"}).status_code == 403


def test_service_team_refusals(staff, project, other_project, other_person, officer, make_project):
    assert_invalid(staff.post(TEAMS, {"project": other_project.pk}), "project")
    assert_invalid(
        staff.post(TEAMS, {"project": project.pk, "county_leader": other_person.pk}), "county_leader"
    )
    assert_invalid(staff.post(TEAMS, {"project": project.pk, "plan": ["a"]}), "plan")
    assert not ServiceTeam.objects.exists()

    team = staff.post(TEAMS, {"project": project.pk, "chief_officer": officer.pk}).json()
    url = f"{TEAMS}{team['id']}/"
    before = ServiceTeam.objects.values().get()
    assert staff.patch(url, {"plan": "新计划"}, **if_match(7)).status_code == 412
    assert_invalid(staff.patch(url, {"project": make_project(name="别的项目").pk}), "project")
    assert_invalid(staff.patch(url, {"chief_officer": other_person.pk}), "chief_officer")
    assert ServiceTeam.objects.values().get() == before


# Supervision visits


def test_visits_create_list_filter(
    staff, api, city_leader, project, officer, other_project, city_admin, today
):
    response = staff.post(
        VISITS,
        {
            "on": iso(today - 3 * DAY),
            "region": "441202",
            "leader": officer.pk,
            "projects": [project.pk],
            "notes": "督导",
        },
    )
    assert response.status_code == 201, response.content
    visit = response.json()
    assert (visit["region"], visit["projects"], visit["created_by"]) == (
        "441202",
        [project.pk],
        "staff-duanzhou",
    )
    assert "ETag" not in response

    other = services.visit_record(
        on=today, region=other_project.region, leader=officer, by=city_admin, projects=[other_project]
    )
    assert ids(staff.get(VISITS)) == [visit["id"]]
    assert staff.get(f"{VISITS}{other.pk}/").status_code == 404
    assert staff.get(f"{VISITS}{visit['id']}/").json()["notes"] == "督导"

    city = api(city_leader)
    assert sorted(ids(city.get(VISITS))) == sorted([visit["id"], other.pk])
    assert ids(city.get(VISITS, {"region": "441203"})) == [other.pk]
    assert ids(city.get(VISITS, {"on_after": iso(today - DAY)})) == [other.pk]
    assert ids(city.get(VISITS, {"on_before": iso(today - DAY)})) == [visit["id"]]
    assert_invalid(city.get(VISITS, {"on_after": "31/12/2024x"}), "on_after")
    assert_invalid(city.get(VISITS, {"project": project.pk}), "project")  # not a visit filter


def test_visit_refusals(staff, project, officer, other_project, other_person, today):
    good = {"on": iso(today), "region": "441202", "leader": officer.pk}
    assert (
        "own region"
        in assert_invalid(staff.post(VISITS, {**good, "region": "441203"}), "region")["fields"]["region"][0]
    )
    assert_invalid(staff.post(VISITS, {**good, "region": "000000"}), "region")
    assert_invalid(staff.post(VISITS, {**good, "projects": [other_project.pk]}), "projects")
    assert_invalid(staff.post(VISITS, {**good, "projects": project.pk}), "projects")
    assert_invalid(staff.post(VISITS, {**good, "leader": other_person.pk}), "leader")
    assert_invalid(staff.post(VISITS, {**good, "on": iso(today + DAY)}), "on")
    assert_invalid(staff.post(VISITS, {**good, "on": None}), "on")
    assert not SupervisionVisit.objects.exists()


# Service logs


def test_service_logs_create_list_filter(staff, api, county_leader, project, officer, today, make_project):
    response = staff.post(
        LOGS,
        {
            "project": project.pk,
            "on": iso(today - DAY),
            "kind": "construction_permit",
            "description": "协助办理施工许可证",
            "person": officer.pk,
            "hours": "2.5",
        },
    )
    assert response.status_code == 201, response.content
    log = response.json()
    assert (log["region"], log["hours"], log["recorded_by"], log["kind"]) == (
        "441202",
        "2.5",
        "staff-duanzhou",
        "construction_permit",
    )
    second = make_project(name="第二个项目")
    other = services.service_log_record(
        project=second, on=today, kind="financing", description="融资对接", by=None
    )

    assert sorted(ids(staff.get(LOGS))) == sorted([log["id"], other.pk])
    assert ids(staff.get(LOGS, {"kind": "financing"})) == [other.pk]
    assert ids(staff.get(LOGS, {"project": project.pk})) == [log["id"]]
    assert ids(staff.get(LOGS, {"on_before": iso(today - DAY)})) == [log["id"]]
    assert ids(staff.get(LOGS, {"on_after": iso(today)})) == [other.pk]
    assert ids(staff.get(LOGS, {"region": "441203"})) == []
    assert staff.get(f"{LOGS}{log['id']}/").json()["description"] == "协助办理施工许可证"
    assert_invalid(staff.get(LOGS, {"kind": "lunch"}), "kind")

    # Leaders read logs but do not write them.
    leader = api(county_leader)
    assert leader.get(f"{LOGS}{log['id']}/").status_code == 200
    assert leader.post(LOGS, {"project": project.pk, "on": iso(today), "kind": "other"}).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": "-1"}, "hours"),
        ({"hours": "241"}, "hours"),
        ({"hours": "lots"}, "hours"),
        ({"hours": "1.25"}, "hours"),
        ({"hours": "NaN"}, "hours"),
        ({"kind": "lunch"}, "kind"),
        ({"on": "2025-02-29"}, "on"),
        ({"on": "future"}, "on"),
        ({"description": ""}, "description"),
    ],
)
def test_service_log_bad_input(staff, project, other_project, today, change, field):
    body = {"project": project.pk, "on": iso(today), "kind": "other", "description": "x", **change}
    if change.get("on") == "future":
        body["on"] = iso(today + DAY)
    assert_invalid(staff.post(LOGS, body), field)
    assert_invalid(staff.post(LOGS, {**body, "project": other_project.pk}), "project")
    assert not ServiceLog.objects.exists()


# Milestones


def test_milestones_create_update_warning(staff, project, officer, today):
    def create(title, due_on, done_on=None):
        body = {"project": project.pk, "title": title, "due_on": iso(due_on), "responsible": officer.pk}
        if done_on:
            body["done_on"] = iso(done_on)
        response = staff.post(MILESTONES, body)
        assert response.status_code == 201, response.content
        assert response["ETag"] == '"1"'
        return response.json()

    late = create("完成供地", today - DAY)
    soon = create("取得施工许可", today + 7 * DAY)
    later = create("主体封顶", today + 8 * DAY)
    done_late = create("完成环评", today - 5 * DAY, done_on=today - 2 * DAY)
    assert [m["warning"] for m in (late, soon, later, done_late)] == ["red", "yellow", "green", "yellow"]

    listed = {m["id"]: m["warning"] for m in staff.get(MILESTONES).json()["results"]}
    assert listed == {
        late["id"]: "red",
        soon["id"]: "yellow",
        later["id"]: "green",
        done_late["id"]: "yellow",
    }
    assert ids(staff.get(MILESTONES, {"warning": "red"})) == [late["id"]]
    assert sorted(ids(staff.get(MILESTONES, {"warning": "yellow"}))) == sorted([soon["id"], done_late["id"]])
    assert ids(staff.get(MILESTONES, {"overdue": "true"})) == [late["id"]]
    assert ids(staff.get(MILESTONES, {"overdue": "1", "region": "441202", "project": project.pk})) == [
        late["id"]
    ]
    assert ids(staff.get(MILESTONES, {"region": "441203"})) == []
    assert staff.get(f"{MILESTONES}{soon['id']}/").json()["warning"] == "yellow"

    # Done on time: green; the version goes up.
    response = staff.patch(f"{MILESTONES}{soon['id']}/", {"done_on": iso(today)}, **if_match(1))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["warning"], body["version"], body["title"], body["responsible"]) == (
        "green",
        2,
        "取得施工许可",
        officer.pk,
    )
    assert response["ETag"] == '"2"'
    # Reopen it with a new title by PUT.
    response = staff.put(
        f"{MILESTONES}{soon['id']}/",
        {"project": project.pk, "title": "取得施工许可证", "due_on": iso(today + 30 * DAY), "done_on": None},
        **if_match(2),
    )
    assert response.status_code == 200, response.content
    assert (response.json()["warning"], response.json()["done_on"]) == ("green", None)


def test_milestone_refusals(staff, project, other_project, make_project, today):
    good = {"project": project.pk, "title": "完成供地", "due_on": iso(today)}
    assert_invalid(staff.post(MILESTONES, {**good, "title": "长" * 201}), "title")
    assert_invalid(staff.post(MILESTONES, {**good, "due_on": "2025-04-31"}), "due_on")
    assert_invalid(staff.post(MILESTONES, {**good, "done_on": iso(today + DAY)}), "done_on")
    assert_invalid(staff.post(MILESTONES, {**good, "order": -1}), "order")
    assert_invalid(staff.post(MILESTONES, {**good, "project": other_project.pk}), "project")
    assert not Milestone.objects.exists()

    milestone = staff.post(MILESTONES, good).json()
    url = f"{MILESTONES}{milestone['id']}/"
    before = Milestone.objects.values().get()
    assert staff.patch(url, {"title": "改名"}, **if_match(3)).status_code == 412
    assert_invalid(staff.patch(url, {"project": make_project(name="别的项目").pk}), "project")
    assert_invalid(staff.patch(url, {"title": "长" * 201}), "title")
    assert Milestone.objects.values().get() == before


def test_milestone_plan(staff, api, county_leader, project, officer, other_project, today):
    restore_milestone_templates()
    target = today + 365 * DAY
    response = staff.post(
        f"{MILESTONES}plan/",
        {"project": project.pk, "target_production_on": iso(target), "responsible": officer.pk},
    )
    assert response.status_code == 201, response.content
    plan = response.json()
    templates = MilestoneTemplate.objects.exclude(stage="signed")
    assert [m["title"] for m in plan] == list(templates.values_list("name", flat=True))
    due = [m["due_on"] for m in plan]
    assert due == sorted(due) and due[-1] <= iso(target)
    assert {(m["project"], m["responsible"], m["version"], m["region"]) for m in plan} == {
        (project.pk, officer.pk, 1, "441202")
    }
    assert all(m["warning"] in {"green", "yellow", "red"} for m in plan)
    assert sorted(ids(staff.get(MILESTONES))) == sorted(m["id"] for m in plan)

    # Again: nothing twice.
    response = staff.post(f"{MILESTONES}plan/", {"project": project.pk, "target_production_on": iso(target)})
    assert (response.status_code, response.json()) == (201, [])

    count = Milestone.objects.count()
    assert_invalid(
        staff.post(f"{MILESTONES}plan/", {"project": other_project.pk, "target_production_on": iso(target)}),
        "project",
    )
    assert_invalid(
        staff.post(f"{MILESTONES}plan/", {"project": project.pk, "target_production_on": "0001-01-01"}),
        "target_production_on",
    )
    assert_invalid(staff.post(f"{MILESTONES}plan/", {"project": project.pk}), "target_production_on")
    assert (
        api(county_leader)
        .post(f"{MILESTONES}plan/", {"project": project.pk, "target_production_on": iso(target)})
        .status_code
        == 403
    )
    assert Milestone.objects.count() == count


# Lists: constant queries, no COUNT


def clone(instance, n: int, vary=None) -> list:
    """``n`` copies of ``instance`` written in one statement; ``vary(i)`` gives per-copy changes."""
    model = type(instance)
    values = {
        f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields if not f.primary_key
    }
    return model.objects.bulk_create([model(**{**values, **(vary(i) if vary else {})}) for i in range(n)])


@pytest.fixture
def list_rows(verified, project, officer, unit, city_admin, today):
    """resource → (url, add(n)): ``add`` makes ``n`` more rows of the resource, all in 441202,
    each with its related records filled in."""

    def problems(n):
        clone(verified, n)

    def teams(n):
        if not ServiceTeam.objects.exists():
            services.service_team_save(
                project=project,
                by=city_admin,
                county_leader=officer,
                chief_officer=officer,
                specialist=officer,
                unit=unit,
            )
            n -= 1
        start = Project.objects.count()
        projects = clone(project, n, vary=lambda i: {"code": f"T-{start + i}"})
        clone(ServiceTeam.objects.first(), n, vary=lambda i: {"project_id": projects[i].pk})

    def visits(n):
        visit = services.visit_record(
            on=today, region=project.region, leader=officer, by=city_admin, projects=[project]
        )
        copies = clone(visit, n - 1)
        through = SupervisionVisit.projects.through
        through.objects.bulk_create(
            [through(supervisionvisit_id=v.pk, project_id=project.pk) for v in copies]
        )

    def logs(n):
        log = services.service_log_record(
            project=project, on=today, kind="other", description="x", person=officer, by=city_admin
        )
        clone(log, n - 1)

    def milestones(n):
        milestone = services.milestone_save(
            project=project, title="完成供地", due_on=today, responsible=officer, by=city_admin
        )
        clone(milestone, n - 1)

    return {
        "problems": (PROBLEMS, problems),
        "service-teams": (TEAMS, teams),
        "visits": (VISITS, visits),
        "service-logs": (LOGS, logs),
        "milestones": (MILESTONES, milestones),
    }


def list_queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(response.json()["results"]), [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("resource", ["problems", "service-teams", "visits", "service-logs", "milestones"])
@pytest.mark.parametrize("params", ["", "?region=441200"])
def test_list_query_count_does_not_grow_and_never_counts(staff, list_rows, resource, params):
    url, add = list_rows[resource]
    if resource != "problems":
        add(1)
    rows, one = list_queries(staff, url + params)
    assert rows == 1
    add(99)
    rows, hundred = list_queries(staff, url + params)
    assert rows == 100
    assert len(one) == len(hundred), "\n".join(hundred)
    assert not any("COUNT(" in sql.upper() for sql in hundred)
