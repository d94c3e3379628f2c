"""The supervision pages: who may open and post what, the problem loop through the forms,
errors on the right field, stale forms, constant query counts and the language switch."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import services as project_services
from projects.choices import Role
from supervision import services
from supervision.choices import ProblemCategory, ProblemEventKind, ProblemStatus, ServiceKind
from supervision.models import Milestone, Problem, ProblemEvent, ServiceLog, ServiceTeam, SupervisionVisit
from tests.supervision_fixtures import DAY, snapshot

pytest_plugins = ["tests.supervision_fixtures"]

LOGIN = "/accounts/login/"


def url(name, *args):
    return reverse(f"supervision:{name}", args=args)


@pytest.fixture
def as_user(client):
    """``as_user(user)``: the test client signed in as ``user``, reading English."""

    def sign_in(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return sign_in


@pytest.fixture
def other_project(make_project, other_region, make_user):
    staff = make_user(Role.COUNTY_STAFF, region=other_region, username="staff-dinghu")
    return make_project(region=other_region, by=staff, name="鼎湖区项目")


@pytest.fixture
def other_problem(other_project, raised_on):
    return services.problem_raise(
        project=other_project,
        category=ProblemCategory.ENERGY_USE,
        description="用电容量不足",
        by=None,
        raised_on=raised_on,
    )


@pytest.fixture
def visit(region, officer, project, county_staff, today):
    return services.visit_record(
        on=today, region=region, leader=officer, by=county_staff, projects=[project], notes="现场督导"
    )


def page_urls(project, problem):
    return {
        "problem_list": url("problem_list"),
        "problem_detail": url("problem_detail", problem.pk),
        "problem_raise": url("problem_raise", project.pk),
        "service_log_create": url("service_log_create", project.pk),
        "milestone_plan": url("milestone_plan", project.pk),
        "service_team_edit": url("service_team_edit", project.pk),
        "visit_list": url("visit_list"),
        "visit_record": url("visit_record"),
    }


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
    response = client.post(url("problem_assign", other_problem.pk), {"version": 1})
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
    assert url("problem_reopen", resolved.pk) in staff_page
    leader_page = as_user(county_leader).get(url("problem_detail", resolved.pk)).content.decode()
    assert verify in leader_page
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


# --- the problem loop through the forms ----------------------------------------------------


def test_raise_assign_resolve_verify_reopen(
    as_user, county_staff, county_leader, project, unit, visit, today
):
    staff = as_user(county_staff)
    response = staff.post(
        url("problem_raise", project.pk),
        {
            "category": ProblemCategory.LAND_USE,
            "severity": "high",
            "description": "用地指标未落实",
            "visit": visit.pk,
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("problem_detail", problem.pk)
    assert problem.visit == visit

    response = staff.post(
        url("problem_assign", problem.pk),
        {
            "version": problem.version,
            "unit": unit.pk,
            "assignee": county_staff.pk,
            "due_on": (today + 10 * DAY).isoformat(),
        },
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ASSIGNED and problem.responsible_unit == unit

    # With htmx the move answers with the problem's panel instead of a redirect.
    response = staff.post(
        url("problem_resolve", problem.pk),
        {"version": problem.version, "resolution": "已调剂用地指标"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="problem-panel"' in html and "<html" not in html
    assert "The problem was marked resolved." in html
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED

    leader = as_user(county_leader)
    response = leader.post(url("problem_verify", problem.pk), {"version": problem.version, "note": "核实"})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.VERIFIED and problem.verified_by == county_leader
    page = leader.get(response["Location"])
    assert "The problem was verified and closed." in page.content.decode()

    staff = as_user(county_staff)
    response = staff.post(
        url("problem_reopen", problem.pk), {"version": problem.version, "reason": "仍未到位"}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ASSIGNED
    kinds = list(ProblemEvent.objects.filter(problem=problem).values_list("kind", flat=True))
    assert kinds == [
        ProblemEventKind.RAISED,
        ProblemEventKind.ASSIGNED,
        ProblemEventKind.RESOLVED,
        ProblemEventKind.VERIFIED,
        ProblemEventKind.REOPENED,
    ]


def test_extension_request_and_decision(as_user, county_staff, county_leader, assigned):
    new_due = assigned.due_on + 20 * DAY
    response = as_user(county_staff).post(
        url("problem_extend", assigned.pk),
        {"version": assigned.version, "due_on": new_due.isoformat(), "reason": "等待省厅批复"},
    )
    assert response.status_code == 302
    request = assigned.extension_requests.get()
    leader = as_user(county_leader)
    assert (
        url("problem_decide_extension", assigned.pk)
        in leader.get(url("problem_detail", assigned.pk)).content.decode()
    )
    response = leader.post(
        url("problem_decide_extension", assigned.pk),
        {"version": assigned.version, "request": request.pk, "decision": "approve", "note": "同意"},
    )
    assert response.status_code == 302
    assert "The extension was approved." in leader.get(response["Location"]).content.decode()
    assigned.refresh_from_db()
    assert assigned.due_on == new_due


def test_service_error_is_shown_next_to_its_field(as_user, county_staff, raised, unit, today):
    before = snapshot(raised)
    response = as_user(county_staff).post(
        url("problem_assign", raised.pk),
        {
            "version": raised.version,
            "unit": unit.pk,
            "on": today.isoformat(),
            "due_on": (today - DAY).isoformat(),
        },
    )
    assert response.status_code == 200
    form = next(m["form"] for m in response.context["moves"] if m["name"] == "assign")
    assert form.errors["due_on"] == ["The due date cannot be before the date of assignment."]
    html = response.content.decode()
    assert 'id="id_assign_due_on_error"' in html
    assert 'aria-describedby="id_assign_due_on_error"' in html
    assert snapshot(raised) == before


def test_refused_move_by_htmx_answers_with_the_panel(as_user, county_staff, raised, unit, today):
    response = as_user(county_staff).post(
        url("problem_assign", raised.pk),
        {"version": raised.version, "unit": unit.pk, "due_on": (today - 40 * DAY).isoformat()},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="problem-panel"')
    assert 'id="id_assign_due_on_error"' in html
    assert '<details class="move" open>' in html  # the form sent stays open with its input


def test_a_move_without_the_version_read_is_refused(as_user, county_staff, assigned):
    before = snapshot(assigned)
    client = as_user(county_staff)
    response = client.post(url("problem_resolve", assigned.pk), {"resolution": "已解决"})
    assert response.status_code == 200
    form = next(m["form"] for m in response.context["moves"] if m["name"] == "resolve")
    assert "version" in form.errors
    assert snapshot(assigned) == before
    assert client.get(url("problem_resolve", assigned.pk)).status_code == 405


def test_refusal_without_a_field_is_shown_above_the_form(as_user, county_staff, project):
    project_services.project_cancel(project=project, reason="企业退出", by=county_staff)
    response = as_user(county_staff).post(
        url("problem_raise", project.pk),
        {"category": ProblemCategory.OTHER, "severity": "low", "description": "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Problems cannot be raised on a cancelled project."
    ]
    assert 'role="alert"' in response.content.decode()
    assert not Problem.objects.exists()


def test_stale_move_keeps_the_input_and_changes_nothing(
    as_user, county_staff, county_leader, assigned, other_unit, today
):
    read_version = assigned.version
    # Someone else re-assigns the problem after the page was read.
    services.problem_assign(
        problem=assigned, unit=other_unit, due_on=today + 5 * DAY, by=county_leader, version=read_version
    )
    assigned.refresh_from_db()
    before = snapshot(assigned)
    response = as_user(county_staff).post(
        url("problem_resolve", assigned.pk),
        {"version": read_version, "resolution": "已协调供电局增容"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this record while you were working on it." in html
    assert "已协调供电局增容" in html  # what was typed is still there
    assert f'name="version" value="{assigned.version}"' in html  # now based on the current state
    assert snapshot(assigned) == before


# --- project work --------------------------------------------------------------------------


def test_service_log_is_recorded(as_user, county_staff, project, officer, today):
    response = as_user(county_staff).post(
        url("service_log_create", project.pk),
        {
            "on": today.isoformat(),
            "kind": ServiceKind.CONSTRUCTION_PERMIT,
            "description": "协助办理施工许可证",
            "person": officer.pk,
            "hours": "2.5",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:detail", args=[project.pk])
    log = ServiceLog.objects.get()
    assert log.person == officer and log.recorded_by == county_staff


def test_service_log_in_the_future_is_refused_on_its_field(as_user, county_staff, project, today):
    response = as_user(county_staff).post(
        url("service_log_create", project.pk),
        {"on": (today + DAY).isoformat(), "kind": ServiceKind.OTHER, "description": "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["on"] == ["The date cannot be in the future."]
    assert not ServiceLog.objects.exists()


def test_milestone_plan(as_user, county_staff, project, officer, today):
    client = as_user(county_staff)
    response = client.post(
        url("milestone_plan_generate", project.pk),
        {"target_production_on": (today + 400 * DAY).isoformat(), "responsible": officer.pk},
    )
    assert response.status_code == 302
    generated = Milestone.objects.filter(project=project).count()
    assert generated > 0
    response = client.post(
        url("milestone_save", project.pk),
        {"title": "完成环评批复", "due_on": (today - 3 * DAY).isoformat(), "order": 0},
    )
    assert response.status_code == 302
    late = Milestone.objects.get(title="完成环评批复")
    page = client.get(url("milestone_plan", project.pk))
    html = page.content.decode()
    assert "warning--red" in html and "Overdue" in html  # the colour is also said in words

    # Mark it done through the edit form, then try again with the version read before.
    edit = client.get(url("milestone_plan", project.pk), {"edit": late.pk})
    assert edit.context["form"].initial["milestone"] == late.pk
    data = {
        "milestone": late.pk,
        "version": late.version,
        "title": late.title,
        "due_on": late.due_on.isoformat(),
        "done_on": today.isoformat(),
        "order": 0,
    }
    assert client.post(url("milestone_save", project.pk), data).status_code == 302
    late.refresh_from_db()
    assert late.done_on == today
    stale = client.post(url("milestone_save", project.pk), {**data, "title": "改名"})
    assert "Someone else changed this record" in stale.content.decode()
    late.refresh_from_db()
    assert late.title == "完成环评批复"


def test_service_team_is_saved_and_refuses_a_stale_form(as_user, county_staff, project, officer, unit):
    client = as_user(county_staff)
    data = {"version": 0, "county_leader": officer.pk, "unit": unit.pk, "plan": "每月走访一次"}
    response = client.post(url("service_team_edit", project.pk), data)
    assert response.status_code == 302
    team = ServiceTeam.objects.get(project=project)
    assert team.unit == unit and not team.is_complete
    # A second "new team" form sent after the first was saved does not overwrite it.
    response = client.post(url("service_team_edit", project.pk), {**data, "plan": "另一个方案"})
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    team.refresh_from_db()
    assert team.plan == "每月走访一次"


def test_visit_is_recorded(as_user, county_staff, region, project, officer, today):
    client = as_user(county_staff)
    form_page = client.get(url("visit_record"))
    # A county user's own region is chosen, so its projects are offered at once.
    assert project in form_page.context["form"].fields["projects"].queryset
    response = client.post(
        url("visit_record"),
        {
            "on": today.isoformat(),
            "region": region.code,
            "leader": officer.pk,
            "projects": [project.pk],
            "notes": "督导开工准备",
        },
    )
    assert response.status_code == 302
    visit = SupervisionVisit.objects.get()
    assert list(visit.projects.all()) == [project]
    listed = client.get(url("visit_list"))
    assert visit in listed.context["page"]["rows"]


def test_choosing_a_region_only_reloads_the_visit_form(as_user, city_admin, region, project, officer):
    client = as_user(city_admin)
    response = client.post(url("visit_record"), {"_refresh": "1", "region": region.code, "notes": "草稿"})
    assert response.status_code == 200
    assert not response.context["form"].is_bound
    assert project in response.context["form"].fields["projects"].queryset
    assert "草稿" in response.content.decode()
    assert not SupervisionVisit.objects.exists()


# --- lists ---------------------------------------------------------------------------------


def test_problem_list_filters_and_marks_overdue(as_user, county_staff, assigned, make_problem, today):
    Problem.objects.filter(pk=assigned.pk).update(due_on=today - DAY)
    make_problem(category=ProblemCategory.FINANCING)
    client = as_user(county_staff)
    response = client.get(url("problem_list"), {"overdue": "true"})
    assert [p.pk for p in response.context["page"]["rows"]] == [assigned.pk]
    assert 'class="badge badge--overdue">Overdue<' in response.content.decode()
    bad = client.get(url("problem_list"), {"raised_after": "not-a-date"})
    assert bad.status_code == 400
    assert bad.context["page"]["rows"] == []


def count_queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_problem_list_queries_do_not_grow_with_rows(as_user, county_staff, make_problem, unit, today):
    client = as_user(county_staff)

    def add(n):
        for _ in range(n):
            problem = make_problem()
            services.problem_assign(
                problem=problem, unit=unit, assignee=county_staff, due_on=today, by=county_staff
            )

    add(3)
    few = count_queries(client, url("problem_list"))
    add(27)
    many = count_queries(client, url("problem_list"))
    assert few == many


def test_visit_list_queries_do_not_grow_with_rows(
    as_user, county_staff, region, officer, project, make_problem, today
):
    client = as_user(county_staff)

    def add(n):
        for _ in range(n):
            visit = services.visit_record(
                on=today, region=region, leader=officer, by=county_staff, projects=[project]
            )
            make_problem(visit=visit)

    add(3)
    few = count_queries(client, url("visit_list"))
    add(27)
    many = count_queries(client, url("visit_list"))
    assert few == many


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
