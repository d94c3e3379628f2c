"""/api/v1/ problems and their moves (service teams, visits, service logs and milestones:
test_supervision_records.py; list query counts: test_supervision_lists.py).

Every move goes through supervision/services.py; these tests check what the API adds: the
input it accepts and refuses (400 with field messages, nothing changed), the scope (another
region's record is a 404 and never listed), the roles (403 for leader-only moves), optimistic
concurrency (412 on a stale If-Match, nothing changed), and lists whose query count does not
grow with their length.
"""

import datetime

import pytest
from rest_framework.test import APIClient

from projects.choices import Role
from supervision import services
from supervision.choices import ExtensionStatus, ProblemStatus
from supervision.milestones import milestone_save
from supervision.models import Milestone, Problem, ServiceTeam, Unit
from tests.fixtures.api_supervision import (
    LOGS,
    MILESTONES,
    PROBLEMS,
    TEAMS,
    VISITS,
    assert_invalid,
    ids,
    if_match,
    iso,
    problem_url,
)
from tests.fixtures.supervision import DAY, snapshot

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


def test_verify_by_the_resolver_is_400(api, city_admin, assigned):
    # A city admin may resolve and verify (supervision/problem_flow.py), but not the same problem.
    admin = api(city_admin)
    response = admin.post(problem_url(assigned, "resolve"), {"resolution": "亲自协调解决"})
    assert response.status_code == 200, response.content
    resolved = Problem.objects.get(pk=assigned.pk)
    before = snapshot(resolved)
    response = admin.post(problem_url(assigned, "verify"), {})
    assert "cannot also verify" in assert_invalid(response)["detail"]
    assert snapshot(resolved) == before


def test_a_move_out_of_order_is_400(api, city_admin, raised):
    # Resolve before assign: the service refuses and the API says why. (A city admin may
    # take every move, so only the order can refuse them.)
    admin = api(city_admin)
    before = snapshot(raised)
    response = admin.post(problem_url(raised, "resolve"), {"resolution": "x"})
    assert "cannot be resolved" in assert_invalid(response)["detail"]
    assert_invalid(admin.post(problem_url(raised, "verify"), {}))
    assert_invalid(admin.post(problem_url(raised, "reopen"), {"reason": "x"}))
    assert_invalid(admin.post(problem_url(raised, "extend"), {"due_on": "2099-01-01", "reason": "x"}))
    assert snapshot(raised) == before


# Problems: scope


def test_county_staff_cannot_see_or_touch_another_regions_problem(
    staff, leader, api, city_leader, raised, other_problem, other_project, unit, today
):
    # Each tries a move its role may take (problem_flow.py), so that only the region refuses it.
    for client, move, body in (
        (staff, "extend", {"due_on": iso(today), "reason": "x"}),
        (staff, "resolve", {"resolution": "x"}),
        (leader, "assign", {"unit": unit.pk, "due_on": iso(today)}),
        (leader, "reopen", {"reason": "x"}),
    ):
        assert client.get(problem_url(other_problem)).status_code == 404
        response = client.post(problem_url(other_problem, move), body)
        assert response.status_code == 404
        assert response.json()["status"] == 404
    for client in (staff, leader):
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
    milestone = milestone_save(project=other_project, title="x", due_on=today, by=city_admin)
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
    leader, raised, other_unit_of_other_region, city_unit, make_user, other_region, today
):
    # The county leader assigns (交办).
    stranger = make_user(Role.COUNTY_STAFF, region=other_region, username="staff-dinghu")
    before = snapshot(raised)
    body = {"unit": other_unit_of_other_region.pk, "due_on": iso(today)}
    assert_invalid(leader.post(problem_url(raised, "assign"), body), "unit")
    body = {"unit": city_unit.pk, "assignee": stranger.username, "due_on": iso(today)}
    assert_invalid(leader.post(problem_url(raised, "assign"), body), "assignee")
    assert snapshot(raised) == before
    # A city-level unit serves every county.
    response = leader.post(problem_url(raised, "assign"), {"unit": city_unit.pk, "due_on": iso(today)})
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
