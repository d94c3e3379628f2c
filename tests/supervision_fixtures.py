"""Helpers and fixtures of the supervision tests.

A test module loads the fixtures with ``pytest_plugins = ["tests.supervision_fixtures"]``
and imports the helpers by name. (PYTEST_DONT_REWRITE: there are no asserts here, and the
module is imported before pytest sees it as a plugin.)

Every problem below is raised 30 days before the real today (Asia/Shanghai), so that
moves can be dated between the raising and today without touching the future.
"""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps

from projects.choices import Role
from supervision import services
from supervision.choices import ProblemCategory
from supervision.models import Person, Problem, ProblemEvent, Unit

DAY = datetime.timedelta(days=1)
RAISED_DAYS_AGO = 30

_templates_migration = importlib.import_module("supervision.migrations.0002_default_milestone_templates")


def restore_milestone_templates():
    """The data migration's (idempotent) function: the templates again after a transactional flush."""
    _templates_migration.add_templates(django_apps, None)


def snapshot(problem: Problem) -> dict:
    """Everything a refused move must leave as it was: the row and its timeline."""
    row = Problem.objects.filter(pk=problem.pk).values().get()
    row.pop("updated_at")
    return {
        "row": row,
        "events": list(ProblemEvent.objects.filter(problem=problem).values_list("pk", flat=True)),
        "history": problem.history.count(),
    }


@pytest.fixture
def unit(region) -> Unit:
    return Unit.objects.create(
        name="端州区自然资源局", name_en="Duanzhou Natural Resources Bureau", region=region
    )


@pytest.fixture
def other_unit(region) -> Unit:
    return Unit.objects.create(name="端州区供电局", name_en="Duanzhou Power Supply Bureau", region=region)


@pytest.fixture
def officer(region, county_staff) -> Person:
    return Person.objects.create(name="李明", title="首席服务官", region=region, user=county_staff)


@pytest.fixture
def raised_on(today) -> datetime.date:
    return today - RAISED_DAYS_AGO * DAY


@pytest.fixture
def make_problem(project, county_staff, raised_on):
    """``make_problem(**overrides)``: a problem raised through services.problem_raise."""

    def make(**overrides):
        kwargs = {
            "project": project,
            "category": ProblemCategory.LAND_USE,
            "description": "用地指标未落实，影响供地进度",
            "by": county_staff,
            "raised_on": raised_on,
        }
        kwargs.update(overrides)
        return services.problem_raise(**kwargs)

    return make


@pytest.fixture
def raised(make_problem) -> Problem:
    return make_problem()


@pytest.fixture
def assigned(raised, unit, county_leader, county_staff, raised_on, today) -> Problem:
    return services.problem_assign(
        problem=raised,
        unit=unit,
        due_on=today + 10 * DAY,
        by=county_leader,
        assignee=county_staff,
        on=raised_on,
    )


@pytest.fixture
def resolved(assigned, county_staff, raised_on) -> Problem:
    return services.problem_resolve(
        problem=assigned, resolution="已协调自然资源局调剂用地指标", by=county_staff, on=raised_on + 5 * DAY
    )


@pytest.fixture
def verified(resolved, county_leader, raised_on) -> Problem:
    return services.problem_verify(problem=resolved, by=county_leader, on=raised_on + 6 * DAY)


@pytest.fixture
def leader_with_email(make_user, region):
    def make(username="leader-mail", email="leader@duanzhou.example.cn", *, in_region=None):
        user = make_user(Role.COUNTY_LEADER, region=in_region or region, username=username)
        user.email = email
        user.save()
        return user

    return make
