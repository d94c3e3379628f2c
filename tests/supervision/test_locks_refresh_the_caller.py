"""A supervision service that locks a row leaves the caller's own object as the row now is."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from supervision import services
from supervision.choices import ProblemCategory, ProblemStatus
from supervision.milestones import milestone_save
from supervision.models import Milestone, Problem, Unit

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def problem(project, county_staff, today) -> Problem:
    return services.problem_raise(
        project=project,
        category=ProblemCategory.LAND_USE,
        description="用地指标未落实",
        raised_on=today - 10 * DAY,
        by=county_staff,
    )


@pytest.fixture
def bureau(region) -> Unit:
    return Unit.objects.create(name="端州区自然资源局", region=region)


def test_assigning_leaves_the_callers_problem_assigned_with_the_new_version(
    problem, bureau, county_leader, county_staff, today
):
    returned = services.problem_assign(
        problem=problem, unit=bureau, due_on=today + 5 * DAY, by=county_leader, version=1
    )
    assert returned is problem
    assert (problem.status, problem.responsible_unit, problem.due_on, problem.version) == (
        ProblemStatus.ASSIGNED,
        bureau,
        today + 5 * DAY,
        2,
    )
    # The page that passed it can go on with the next move without reading it again.
    services.problem_resolve(
        problem=problem, resolution="已协调落实", by=county_staff, version=problem.version
    )
    assert (problem.status, problem.version) == (ProblemStatus.RESOLVED, 3)


def test_a_stale_copy_is_refused_and_then_shows_the_row_as_it_is(problem, bureau, county_leader, today):
    other_copy = Problem.objects.get(pk=problem.pk)
    services.problem_assign(problem=other_copy, unit=bureau, due_on=today + 5 * DAY, by=county_leader)
    with pytest.raises(ValidationError) as refused:
        services.problem_assign(
            problem=problem, unit=bureau, due_on=today + 9 * DAY, by=county_leader, version=1
        )
    assert refused.value.code == "stale"
    assert (problem.status, problem.due_on, problem.version) == (ProblemStatus.ASSIGNED, today + 5 * DAY, 2)


def test_marking_a_milestone_done_leaves_the_callers_milestone_done(project, county_staff, today):
    milestone = milestone_save(project=project, title="完成环评", due_on=today, by=county_staff)
    milestone_save(
        project=project,
        milestone=milestone,
        title=milestone.title,
        due_on=milestone.due_on,
        done_on=today,
        version=milestone.version,
        by=county_staff,
    )
    assert (milestone.done_on, milestone.version) == (today, 2)
    assert Milestone.objects.get(pk=milestone.pk).done_on == today
