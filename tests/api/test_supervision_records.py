"""/api/v1/ service teams, visits, service logs and milestones: create, update, filters, refusals."""

import pytest

from supervision import services
from supervision.models import Milestone, MilestoneTemplate, ServiceLog, ServiceTeam, SupervisionVisit
from tests.fixtures.api_supervision import LOGS, MILESTONES, TEAMS, VISITS, assert_invalid, ids, if_match, iso
from tests.fixtures.supervision import DAY, restore_milestone_templates

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

    # One team per project: a second one is a conflict naming the first (as a second report of a month).
    second = staff.post(TEAMS, {"project": project.pk})
    assert second.status_code == 409, second.content
    assert f"(id {team['id']})" in second.json()["fields"]["project"][0]
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
