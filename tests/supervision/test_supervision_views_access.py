"""The supervision pages: who may open and post what, and the language switch."""

import pytest

from projects.choices import Role
from supervision import services
from supervision.choices import ServiceKind
from supervision.models import Milestone, ServiceLog, ServiceTeam
from tests.fixtures.supervision import DAY, snapshot
from tests.fixtures.supervision_views import LOGIN, page_urls, url

# --- who may open what ---------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, project, raised):
    for name, address in page_urls(project, raised).items():
        response = client.get(address)
        assert response.status_code == 302, name
        assert response["Location"].startswith(LOGIN), name
    # An htmx move after the session ended sends the whole page to sign in.
    response = client.post(url("problem_resolve", raised.pk), {"version": 1}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(LOGIN)


# Leaders read and take their problem moves; service logs are bureau staff's work (projects/roles.py).
EXPECTED_GET = {
    Role.COUNTY_STAFF: {},
    Role.COUNTY_LEADER: {"service_log_create": 403},
    Role.CITY_LEADER: {"service_log_create": 403},
    Role.CITY_ADMIN: {},
}


@pytest.mark.parametrize("role", list(EXPECTED_GET))
def test_pages_by_role(role, as_user, county_staff, county_leader, city_leader, city_admin, project, raised):
    user = {
        Role.COUNTY_STAFF: county_staff,
        Role.COUNTY_LEADER: county_leader,
        Role.CITY_LEADER: city_leader,
        Role.CITY_ADMIN: city_admin,
    }[role]
    client = as_user(user)
    for name, address in page_urls(project, raised).items():
        expected = EXPECTED_GET[role].get(name, 200)
        assert client.get(address).status_code == expected, name


def test_another_regions_records_are_not_found(as_user, county_staff, other_project, other_problem):
    client = as_user(county_staff)
    for name, address in page_urls(other_project, other_problem).items():
        if name in {"problem_list", "visit_list", "visit_record"}:
            continue
        assert client.get(address).status_code == 404, name
    before = snapshot(other_problem)
    # A move county staff may take (resolve), so that only the region can refuse it.
    response = client.post(url("problem_resolve", other_problem.pk), {"version": 1})
    assert response.status_code == 404
    assert snapshot(other_problem) == before
    listed = client.get(url("problem_list"))
    assert other_problem not in listed.context["page"]["rows"]


def test_city_leader_reads_every_region(as_user, city_leader, other_project, other_problem):
    client = as_user(city_leader)
    assert client.get(url("problem_detail", other_problem.pk)).status_code == 200
    assert other_problem in client.get(url("problem_list")).context["page"]["rows"]


def test_leaders_may_not_post_staff_work(as_user, county_leader, project, officer, today):
    client = as_user(county_leader)
    posts = {
        url("service_log_create", project.pk): {
            "on": today.isoformat(),
            "kind": ServiceKind.FILING,
            "description": "协助备案",
        },
        url("milestone_save", project.pk): {"title": "完成环评", "due_on": (today + 30 * DAY).isoformat()},
        url("milestone_plan_generate", project.pk): {"target_production_on": (today + 400 * DAY).isoformat()},
        url("service_team_edit", project.pk): {"version": 0, "plan": "每月走访"},
    }
    for address, data in posts.items():
        assert client.post(address, data).status_code == 403, address
    assert not ServiceLog.objects.exists()
    assert not Milestone.objects.exists()
    assert not ServiceTeam.objects.exists()


def test_staff_may_not_verify_or_decide(as_user, county_staff, resolved):
    client = as_user(county_staff)
    before = snapshot(resolved)
    response = client.post(url("problem_verify", resolved.pk), {"version": resolved.version})
    assert response.status_code == 403
    response = client.post(url("problem_decide_extension", resolved.pk), {"decision": "approve"})
    assert response.status_code == 403
    assert snapshot(resolved) == before


def test_moves_offered_follow_role_and_status(as_user, county_staff, county_leader, resolved):
    verify, resolve = url("problem_verify", resolved.pk), url("problem_resolve", resolved.pk)
    staff_page = as_user(county_staff).get(url("problem_detail", resolved.pk)).content.decode()
    assert verify not in staff_page  # not a leader
    # DESIGN "Roles": leaders send a resolution back, county staff do not.
    assert url("problem_reopen", resolved.pk) not in staff_page
    leader_page = as_user(county_leader).get(url("problem_detail", resolved.pk)).content.decode()
    assert verify in leader_page
    assert url("problem_reopen", resolved.pk) in leader_page
    assert resolve not in leader_page  # not a leader's move, and not for a resolved problem


def test_leader_sees_no_edit_controls_on_project_pages(as_user, county_leader, county_staff, project, unit):
    services.service_team_save(project=project, unit=unit, plan="每月走访一次", by=county_staff)
    client = as_user(county_leader)
    team_page = client.get(url("service_team_edit", project.pk))
    assert team_page.context["form"] is None
    assert "每月走访一次" in team_page.content.decode() and '<form method="post" class="form"' not in (
        team_page.content.decode()
    )
    plan_page = client.get(url("milestone_plan", project.pk))
    assert plan_page.context["form"] is None and plan_page.context["generate_form"] is None


# --- language ------------------------------------------------------------------------------


def test_language_switch_to_english(client, county_staff):
    client.force_login(county_staff)
    chinese = client.get(url("problem_list"))
    assert '<html lang="zh-Hans"' in chinese.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": url("problem_list")})
    assert response.status_code == 302
    english = client.get(response["Location"]).content.decode()
    assert '<html lang="en"' in english
    assert "Clear filters" in english and "No problems match these filters." in english
