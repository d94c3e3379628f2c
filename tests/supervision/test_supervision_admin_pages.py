"""The supervision admin: every page renders, county users stay in their region, milestones,
teams, logs and visits save through their services, lists cost a constant number of queries.
The problem loop through the admin's own pages: test_supervision_admin_problems.py."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supervision import services
from supervision.choices import ProblemCategory, ProblemEventKind, ServiceKind, Severity
from supervision.milestones import milestone_save
from supervision.models import (
    ExtensionRequest,
    Milestone,
    MilestoneTemplate,
    Problem,
    ProblemEvent,
    Reminder,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
)
from tests.fixtures.supervision_admin import DAY, admin_url, login, page_text


def test_every_page_renders_for_a_superuser(superuser, every_object):
    client = login(superuser)
    for model, obj in every_object.items():
        name = model.__name__
        assert client.get(admin_url(model, "changelist")).status_code == 200, name
        assert client.get(admin_url(model, "change", obj.pk)).status_code == 200, name
        if model not in (ProblemEvent, ExtensionRequest, Reminder):
            assert client.get(admin_url(model, "add")).status_code == 200, name
        if model is not Reminder:
            assert client.get(admin_url(model, "history", obj.pk)).status_code == 200, name
    problem = every_object[Problem]
    for move in ("assign", "resolve", "extend", "verify", "reopen"):
        assert client.get(admin_url(Problem, move, problem.pk)).status_code == 200, move
    assert (
        client.get(admin_url(ExtensionRequest, "decide", every_object[ExtensionRequest].pk)).status_code
        == 200
    )
    assert client.get(admin_url(Milestone, "generate")).status_code == 200


def test_problem_page_offers_the_moves_of_its_status(superuser, every_object):
    problem = every_object[Problem]  # assigned, with a pending extension request
    text = page_text(login(superuser).get(admin_url(Problem, "change", problem.pk)))
    for move in ("assign", "resolve"):
        assert admin_url(Problem, move, problem.pk) in text
    # No second extension while one is pending (the service would refuse it; problem_flow.py).
    for move in ("verify", "reopen", "extend"):
        assert admin_url(Problem, move, problem.pk) not in text
    assert admin_url(ExtensionRequest, "decide", every_object[ExtensionRequest].pk) in text
    assert 'name="_save"' not in text  # a problem changes only through its moves


def test_a_county_user_sees_only_their_region(
    every_object, make_project, other_region, staff_user, superuser
):
    theirs = every_object[Problem]
    elsewhere = make_project(region=other_region, name="鼎湖项目")
    other = services.problem_raise(
        project=elsewhere, category=ProblemCategory.FINANCING, description="融资困难", by=superuser
    )
    client = login(staff_user)

    response = client.get(admin_url(Problem, "changelist"))
    shown = {p.pk for p in response.context["cl"].result_list}
    assert shown == {theirs.pk}

    response = client.get(admin_url(Problem, "change", other.pk))
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response.url == reverse("admin:index")
    for view in ("history", "assign"):
        assert client.get(admin_url(Problem, view, other.pk)).status_code == 404, view
    # Nor can a project of another region be found or chosen when raising a problem.
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "supervision", "model_name": "problem", "field_name": "project", "term": ""},
    )
    assert [row["id"] for row in response.json()["results"]] == [str(theirs.project_id)]
    response = client.post(
        admin_url(Problem, "add"),
        {
            "project": elsewhere.pk,
            "category": ProblemCategory.OTHER,
            "severity": Severity.LOW,
            "description": "越界",
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    assert Problem.objects.filter(project=elsewhere).count() == 1


def test_overdue_filter(every_object, superuser, project, county_leader, unit, today):
    late = services.problem_raise(
        project=project,
        category=ProblemCategory.OTHER,
        description="逾期",
        raised_on=today - 20 * DAY,
        by=superuser,
    )
    services.problem_assign(
        problem=late, unit=unit, due_on=today - 2 * DAY, on=today - 19 * DAY, by=county_leader
    )
    client = login(superuser)
    response = client.get(admin_url(Problem, "changelist"), {"overdue": "yes"})
    assert [p.pk for p in response.context["cl"].result_list] == [late.pk]
    assert 'data-colour="red"' in page_text(response)
    response = client.get(admin_url(Problem, "changelist"), {"overdue": "no"})
    assert [p.pk for p in response.context["cl"].result_list] == [every_object[Problem].pk]


def test_milestone_list_shows_the_three_colours(superuser, project, today):
    for title, due_on in (("red", today - DAY), ("yellow", today + 3 * DAY), ("green", today + 30 * DAY)):
        milestone_save(project=project, title=title, due_on=due_on, by=superuser)
    client = login(superuser)
    text = page_text(client.get(admin_url(Milestone, "changelist")))
    for colour, label in (("green", "On track"), ("yellow", "Due soon or done late"), ("red", "Overdue")):
        assert f'data-colour="{colour}"' in text
        assert label in text
    response = client.get(admin_url(Milestone, "changelist"), {"warning": "red"})
    assert [m.title for m in response.context["cl"].result_list] == ["red"]


def test_milestone_saved_through_the_form_and_plan_generated(superuser, project, today):
    client = login(superuser)
    response = client.post(
        admin_url(Milestone, "add"),
        {"project": project.pk, "title": "取得施工许可", "due_on": (today + 9 * DAY).isoformat(), "order": 0},
    )
    assert response.status_code == 302, page_text(response)
    milestone = Milestone.objects.get()
    response = client.post(
        admin_url(Milestone, "change", milestone.pk),
        {
            "title": "取得施工许可",
            "due_on": (today + 9 * DAY).isoformat(),
            "done_on": (today + DAY).isoformat(),  # in the future: refused by milestone_save
            "order": 0,
            "loaded_version": milestone.version,
        },
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in page_text(response)

    MilestoneTemplate.objects.create(stage="started", name="开工", working_days_before=60)
    response = client.post(
        admin_url(Milestone, "generate"),
        {"project": project.pk, "target_production_on": (today + 400 * DAY).isoformat()},
    )
    assert response.status_code == 302, page_text(response)
    assert Milestone.objects.filter(project=project, title="开工").exists()


def test_problem_list_costs_the_same_queries_for_3_and_30(superuser, project, unit, county_leader, today):
    def add(n):
        for i in range(n):
            problem = services.problem_raise(
                project=project,
                category=ProblemCategory.values[i % len(ProblemCategory.values)],
                description=f"问题 {i}",
                raised_on=today - (i % 40) * DAY,
                by=superuser,
            )
            if i % 2:  # half of them assigned, some of those overdue
                on = problem.raised_on
                services.problem_assign(
                    problem=problem, unit=unit, due_on=on + 5 * DAY, on=on, by=county_leader
                )

    client = login(superuser)
    url = admin_url(Problem, "changelist")
    add(3)
    client.get(url)  # warm caches (content types, sessions)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    add(27)
    assert count() == few


def test_team_log_and_visit_are_saved_through_their_services(superuser, project, person, unit, today):
    client = login(superuser)
    response = client.post(
        admin_url(ServiceTeam, "add"),
        {"project": project.pk, "county_leader": person.pk, "unit": unit.pk, "plan": ""},
    )
    assert response.status_code == 302, page_text(response)
    team = ServiceTeam.objects.get()
    assert not team.is_complete
    response = client.get(admin_url(ServiceTeam, "changelist"), {"complete": "no"})
    assert [t.pk for t in response.context["cl"].result_list] == [team.pk]

    response = client.post(
        admin_url(ServiceLog, "add"),
        {
            "project": project.pk,
            "on": (today + DAY).isoformat(),
            "kind": ServiceKind.FILING,
            "description": "备案",
            "hours": "1.5",
        },
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in page_text(response)

    response = client.post(
        admin_url(SupervisionVisit, "add"),
        {"on": today.isoformat(), "region": project.region_id, "leader": person.pk, "projects": [project.pk]},
    )
    assert response.status_code == 302, page_text(response)
    visit = SupervisionVisit.objects.get()
    assert (list(visit.projects.all()), visit.created_by) == ([project], superuser)


def test_project_page_inlines_show_the_timeline(superuser, every_object, monkeypatch):
    """PROJECT_INLINES, as projects/admin.py is meant to add them to the project's page."""
    from django.contrib import admin

    from projects.models import Project
    from supervision.admin.inlines import PROJECT_INLINES

    project_admin = admin.site._registry[Project]
    own = project_admin.get_inlines
    monkeypatch.setattr(
        project_admin, "get_inlines", lambda request, obj: [*own(request, obj), *PROJECT_INLINES]
    )
    problem = every_object[Problem]
    response = login(superuser).get(reverse("admin:projects_project_change", args=[problem.project_id]))
    assert response.status_code == 200
    text = page_text(response)
    for kind in (ProblemEventKind.RAISED, ProblemEventKind.ASSIGNED, ProblemEventKind.EXTENSION_REQUESTED):
        assert str(kind.label) in text
    assert "完成环评" in text and "每周走访一次" in text
