"""The supervision admin: every page renders, the problem loop runs through the admin's own
pages, refusals are shown, county users stay in their region, lists cost a constant number
of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.choices import Role
from projects.models import User
from supervision import services
from supervision.choices import (
    ExtensionStatus,
    ProblemCategory,
    ProblemEventKind,
    ProblemStatus,
    ReminderKind,
    ServiceKind,
    Severity,
)
from supervision.models import (
    ExtensionRequest,
    Milestone,
    MilestoneTemplate,
    Person,
    Problem,
    ProblemEvent,
    Reminder,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
    Unit,
)

DAY = datetime.timedelta(days=1)


def admin_url(model, view, *args):
    return reverse(f"admin:supervision_{model._meta.model_name}_{view}", args=args)


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def page_text(response) -> str:
    return response.content.decode()


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def superuser(db, regions):
    return User.objects.create_superuser(username="root", password="x-Pass-1234")


@pytest.fixture
def unit(region):
    return Unit.objects.create(
        name="端州区自然资源局", name_en="Duanzhou Natural Resources Bureau", region=region
    )


@pytest.fixture
def staff_user(county_staff):
    return staff(county_staff)


@pytest.fixture
def leader(county_leader):
    return staff(county_leader)


@pytest.fixture
def resolver(make_user, region, unit):
    """A member of the responsible unit's staff, who handles and resolves the problem."""
    user = staff(make_user(Role.COUNTY_STAFF, region=region, username="unit-staff"))
    Person.objects.create(name="李工", title="科长", region=region, unit=unit, user=user)
    return user


@pytest.fixture
def person(region, unit):
    return Person.objects.create(name="张三", title="副区长", region=region, unit=unit)


@pytest.fixture
def every_object(project, county_staff, county_leader, unit, person, today):
    """One row of every supervision model."""
    visit = services.visit_record(
        on=today - 5 * DAY, region=project.region, leader=person, projects=[project], by=county_staff
    )
    problem = services.problem_raise(
        project=project,
        category=ProblemCategory.LAND_USE,
        description="用地指标未落实",
        raised_on=today - 5 * DAY,
        visit=visit,
        by=county_staff,
    )
    problem = services.problem_assign(
        problem=problem, unit=unit, due_on=today + 10 * DAY, by=county_leader, on=today - 4 * DAY
    )
    extension = services.problem_request_extension(
        problem=problem, due_on=today + 30 * DAY, reason="需要省厅审批", by=county_staff
    )
    team = services.service_team_save(
        project=project,
        county_leader=person,
        chief_officer=person,
        specialist=person,
        unit=unit,
        plan="每周走访一次",
        by=county_staff,
    )
    log = services.service_log_record(
        project=project,
        on=today - DAY,
        kind=ServiceKind.LAND_AUCTION,
        description="协助办理土地挂牌",
        hours=2,
        by=county_staff,
    )
    milestone = services.milestone_save(
        project=project, title="完成环评", due_on=today + 20 * DAY, responsible=person, by=county_staff
    )
    template = MilestoneTemplate.objects.first() or MilestoneTemplate.objects.create(
        stage="started", name="开工", name_en="Start construction", working_days_before=120
    )
    reminder = Reminder.objects.create(
        kind=ReminderKind.PROBLEM, object_id=problem.pk, recipient=county_leader, sent_on=today
    )
    return {
        Unit: unit,
        Person: person,
        SupervisionVisit: visit,
        Problem: problem,
        ProblemEvent: problem.events.first(),
        ExtensionRequest: extension,
        ServiceTeam: team,
        ServiceLog: log,
        Milestone: milestone,
        MilestoneTemplate: template,
        Reminder: reminder,
    }


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
    for move in ("assign", "resolve", "extend"):
        assert admin_url(Problem, move, problem.pk) in text
    for move in ("verify", "reopen"):
        assert admin_url(Problem, move, problem.pk) not in text
    assert admin_url(ExtensionRequest, "decide", every_object[ExtensionRequest].pk) in text
    assert 'name="_save"' not in text  # a problem changes only through its moves


def timeline_kinds(response) -> list[str]:
    """The event column of the timeline inline, in order."""
    return re.findall(r'<td class="field-kind">\s*<p>([^<]*)</p>', page_text(response))


def test_the_whole_loop_through_the_admin(staff_user, leader, resolver, project, unit, today):
    # County staff raise the problem on the add form.
    raise_response = login(staff_user).post(
        admin_url(Problem, "add"),
        {
            "project": project.pk,
            "category": ProblemCategory.ENERGY_USE,
            "severity": Severity.HIGH,
            "description": "用能指标不足，影响投产",
            "raised_on": (today - 3 * DAY).isoformat(),
            "visit": "",
            "_save": "Save",
        },
    )
    assert raise_response.status_code == 302, page_text(raise_response)
    problem = Problem.objects.get()
    assert (problem.status, problem.raised_by, problem.project) == (ProblemStatus.RAISED, staff_user, project)

    # The leader assigns it to the unit, through the assign page.
    leader_client = login(leader)
    assign_url = admin_url(Problem, "assign", problem.pk)
    assert leader_client.get(assign_url).status_code == 200
    response = leader_client.post(
        assign_url,
        {
            "unit": unit.pk,
            "assignee": resolver.pk,
            "due_on": (today + 14 * DAY).isoformat(),
            "on": "",
            "note": "请两周内办结",
            "loaded_version": problem.version,
        },
    )
    assert response.status_code == 302, page_text(response)
    problem.refresh_from_db()
    assert (problem.status, problem.responsible_unit, problem.assignee) == (
        ProblemStatus.ASSIGNED,
        unit,
        resolver,
    )

    # The unit's staff resolve it.
    resolver_client = login(resolver)
    response = resolver_client.post(
        admin_url(Problem, "resolve", problem.pk),
        {"resolution": "已协调用能指标", "on": "", "loaded_version": problem.version},
    )
    assert response.status_code == 302, page_text(response)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED

    # The resolver may not verify: the page says why and the problem stays resolved.
    response = resolver_client.post(
        admin_url(Problem, "verify", problem.pk), {"note": "", "on": "", "loaded_version": problem.version}
    )
    assert response.status_code == 200
    assert "Only a leader can verify a problem." in page_text(response)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED

    # The leader verifies it.
    response = leader_client.post(
        admin_url(Problem, "verify", problem.pk),
        {"note": "现场核实", "on": "", "loaded_version": problem.version},
    )
    assert response.status_code == 302, page_text(response)
    problem.refresh_from_db()
    assert (problem.status, problem.verified_by) == (ProblemStatus.VERIFIED, leader)

    # The problem's page shows the whole timeline, and now offers only "reopen".
    response = leader_client.get(admin_url(Problem, "change", problem.pk))
    assert response.status_code == 200
    assert timeline_kinds(response) == [
        str(ProblemEventKind(k).label)
        for k in (ProblemEventKind.RAISED, ProblemEventKind.ASSIGNED, ProblemEventKind.RESOLVED, "verified")
    ]
    text = page_text(response)
    assert admin_url(Problem, "reopen", problem.pk) in text
    assert admin_url(Problem, "verify", problem.pk) not in text
    assert list(problem.events.values_list("by", flat=True)) == [
        staff_user.pk,
        leader.pk,
        resolver.pk,
        leader.pk,
    ]


@pytest.fixture
def resolved_by_leader(every_object, leader, county_leader, today):
    problem = every_object[Problem]
    return services.problem_resolve(problem=problem, resolution="已解决", by=county_leader)


def test_verify_by_the_resolver_is_refused_with_a_message(resolved_by_leader, leader):
    problem = resolved_by_leader
    response = login(leader).post(
        admin_url(Problem, "verify", problem.pk), {"note": "", "on": "", "loaded_version": problem.version}
    )
    assert response.status_code == 200
    assert "The person who resolved a problem cannot also verify it." in page_text(response)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED
    assert not problem.events.filter(kind=ProblemEventKind.VERIFIED).exists()


def test_a_stale_move_is_refused(every_object, leader, unit, today):
    problem = every_object[Problem]
    response = login(leader).post(
        admin_url(Problem, "assign", problem.pk),
        {"unit": unit.pk, "due_on": (today + 5 * DAY).isoformat(), "loaded_version": problem.version - 1},
    )
    assert response.status_code == 200
    assert "Someone else changed this record while you were working on it." in page_text(response)


def test_a_refused_raise_is_shown_on_the_add_form(staff_user, project, today):
    response = login(staff_user).post(
        admin_url(Problem, "add"),
        {
            "project": project.pk,
            "category": ProblemCategory.OTHER,
            "severity": Severity.LOW,
            "description": "未来的问题",
            "raised_on": (today + 2 * DAY).isoformat(),
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in page_text(response)
    assert not Problem.objects.exists()


def test_extension_requested_and_approved_through_the_admin(every_object, leader, staff_user, today):
    problem = every_object[Problem]
    every_object[ExtensionRequest].delete()
    new_due = today + 40 * DAY
    response = login(staff_user).post(
        admin_url(Problem, "extend", problem.pk), {"due_on": new_due.isoformat(), "reason": "等待审批"}
    )
    assert response.status_code == 302, page_text(response)
    extension = ExtensionRequest.objects.get(status=ExtensionStatus.PENDING)

    # County staff may not decide; the service's refusal is shown on the decision page.
    response = login(staff_user).post(admin_url(ExtensionRequest, "decide", extension.pk), {"_approve": "1"})
    assert response.status_code == 200
    assert "Only a leader can decide on an extension." in page_text(response)
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.PENDING

    response = login(leader).post(
        admin_url(ExtensionRequest, "decide", extension.pk), {"note": "同意", "_approve": "1"}
    )
    assert response.status_code == 302, page_text(response)
    extension.refresh_from_db()
    problem.refresh_from_db()
    assert (extension.status, problem.due_on) == (ExtensionStatus.APPROVED, new_due)


def test_reject_action_on_the_extension_list(every_object, leader):
    extension = every_object[ExtensionRequest]
    response = login(leader).post(
        admin_url(ExtensionRequest, "changelist"),
        {"action": "reject_extensions", "_selected_action": [extension.pk]},
        follow=True,
    )
    assert response.status_code == 200
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.REJECTED


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
        services.milestone_save(project=project, title=title, due_on=due_on, by=superuser)
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
