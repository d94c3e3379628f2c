"""Supervision pages: project work (service logs, milestones, teams, visits) and lists."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supervision import services
from supervision.choices import ProblemCategory, ServiceKind
from supervision.models import Milestone, Problem, ServiceLog, ServiceTeam, SupervisionVisit
from tests.fixtures.supervision import DAY
from tests.fixtures.supervision_views import url

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


def test_problem_list_queries_do_not_grow_with_rows(
    as_user, county_staff, county_leader, make_problem, unit, today
):
    client = as_user(county_staff)

    def add(n):
        for _ in range(n):
            problem = make_problem()
            services.problem_assign(
                problem=problem, unit=unit, assignee=county_staff, due_on=today, by=county_leader
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
