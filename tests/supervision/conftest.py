"""Fixtures of the supervision tests that more than one module of tests/supervision/ uses
(the admin's and the web pages' signed-in users and records, the constraint tests' context).

They are not in tests/fixtures/ because their names mean something else elsewhere.
"""

import pytest
from django.conf import settings

from projects.choices import Role
from projects.models import User
from supervision import services
from supervision.choices import ProblemCategory, ReminderKind, ServiceKind
from supervision.milestones import milestone_save
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
from tests.fixtures.supervision import DAY
from tests.fixtures.supervision_admin import staff
from tests.fixtures.supervision_constraints import Ctx

# The supervision admin (test_supervision_admin_*.py)


@pytest.fixture
def superuser(db, regions):
    return User.objects.create_superuser(username="root", password="x-Pass-1234")


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
    milestone = milestone_save(
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


# The constraints (test_supervision_constraints*.py)


@pytest.fixture
def ctx(project, region, county_staff, unit, make_problem, county_leader, raised_on, today) -> Ctx:
    def assign(problem):
        return services.problem_assign(
            problem=problem, unit=unit, due_on=today, by=county_leader, on=raised_on
        )

    raised = make_problem()
    assigned = assign(make_problem())
    resolved = services.problem_resolve(
        problem=assign(make_problem()), resolution="已解决", by=county_staff, on=raised_on + 2 * DAY
    )
    verified = services.problem_verify(
        problem=services.problem_resolve(
            problem=assign(make_problem()), resolution="已解决", by=county_staff, on=raised_on + 2 * DAY
        ),
        by=county_leader,
        on=raised_on + 3 * DAY,
    )
    fresh = {p.pk: Problem.objects.get(pk=p.pk) for p in (raised, assigned, resolved, verified)}
    return Ctx(
        project=project,
        region=region,
        user=county_staff,
        unit=unit,
        raised=fresh[raised.pk],
        assigned=fresh[assigned.pk],
        resolved=fresh[resolved.pk],
        verified=fresh[verified.pk],
    )


# The supervision pages (test_supervision_views_*.py)


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
