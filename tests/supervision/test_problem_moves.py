"""The problem ledger (问题台账): every legal and illegal move of supervision/services.py.

A legal move changes the problem, bumps its version and writes exactly one ProblemEvent
in the same transaction; a refused move raises ValidationError and leaves the row, its
timeline and its field history exactly as they were.
"""

import pytest
from django.core.exceptions import ValidationError

from projects import services as project_services
from projects.choices import Role
from supervision import services
from supervision.choices import ProblemEventKind, ProblemStatus
from supervision.models import Person, Problem, ProblemEvent
from tests.fixtures.problems import events, fresh, moved, refused
from tests.fixtures.projects import error_codes
from tests.fixtures.supervision import DAY

pytestmark = pytest.mark.usefixtures("english")

# Raise


def test_raise(make_problem, project, county_staff, raised_on):
    problem = make_problem(description="  环评批复未取得  ")
    problem = fresh(problem)
    assert problem.status == ProblemStatus.RAISED
    assert problem.version == 1
    assert (problem.raised_on, problem.raised_by, problem.project) == (raised_on, county_staff, project)
    assert problem.description == "环评批复未取得"
    assert problem.responsible_unit is None and problem.due_on is None
    (event,) = events(problem)
    assert (event.kind, event.from_status, event.to_status) == (
        ProblemEventKind.RAISED,
        "",
        ProblemStatus.RAISED,
    )
    assert (event.on, event.by, event.note) == (raised_on, county_staff, "环评批复未取得")
    assert problem.history.count() == 1


def test_raise_defaults_to_today(make_problem, today):
    problem = make_problem(raised_on=None)
    assert problem.raised_on == today


def test_raise_in_the_future_is_refused(make_problem, today):
    with pytest.raises(ValidationError) as info:
        make_problem(raised_on=today + DAY)
    assert "raised_on" in info.value.message_dict
    assert not Problem.objects.exists() and not ProblemEvent.objects.exists()


def test_raise_without_description_is_refused(make_problem):
    with pytest.raises(ValidationError) as info:
        make_problem(description="   ")
    assert "description" in info.value.message_dict
    assert not Problem.objects.exists() and not ProblemEvent.objects.exists()


def test_raise_on_a_cancelled_project_is_refused(make_problem, project, county_staff):
    project_services.project_cancel(project=project, reason="企业撤资", by=county_staff)
    project.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        make_problem(project=project)
    assert "cancelled" in error_codes(info.value)
    assert not Problem.objects.exists()


def test_raise_during_a_visit_links_back_to_it(make_problem, project, region, county_staff, today):
    leader = Person.objects.create(name="王强", title="县委书记", region=region)
    visit = services.visit_record(
        on=today - DAY, region=region, leader=leader, by=county_staff, projects=[project]
    )
    problem = make_problem(visit=visit)
    assert list(visit.problems.all()) == [problem]
    assert list(visit.projects.all()) == [project]


def test_raise_with_a_visit_to_another_region_is_refused(make_problem, other_region, county_staff, today):
    leader = Person.objects.create(name="陈刚", title="区长", region=other_region)
    visit = services.visit_record(on=today - DAY, region=other_region, leader=leader, by=county_staff)
    with pytest.raises(ValidationError) as info:
        make_problem(visit=visit)
    assert "visit" in info.value.message_dict
    assert not Problem.objects.exists()


# Assign (交办) and re-assign


def test_assign_from_raised(raised, unit, county_leader, county_staff, raised_on, today):
    problem = moved(
        raised,
        services.problem_assign,
        ProblemEventKind.ASSIGNED,
        ProblemStatus.ASSIGNED,
        unit=unit,
        due_on=today + 10 * DAY,
        by=county_leader,
        assignee=county_staff,
        on=raised_on + DAY,
        note="请十日内办结",
    )
    assert (problem.responsible_unit, problem.assignee, problem.due_on) == (
        unit,
        county_staff,
        today + 10 * DAY,
    )
    event = events(problem)[-1]
    assert (event.on, event.due_on, event.by, event.note) == (
        raised_on + DAY,
        today + 10 * DAY,
        county_leader,
        "请十日内办结",
    )


def test_reassign_from_assigned(assigned, other_unit, county_leader, make_user, region, today):
    someone = make_user(Role.COUNTY_STAFF, region=region)
    problem = moved(
        assigned,
        services.problem_assign,
        ProblemEventKind.ASSIGNED,
        ProblemStatus.ASSIGNED,
        unit=other_unit,
        due_on=today + 20 * DAY,
        by=county_leader,
        assignee=someone,
    )
    assert (problem.responsible_unit, problem.assignee, problem.due_on) == (
        other_unit,
        someone,
        today + 20 * DAY,
    )
    assert events(problem)[-1].on == today  # the default date of a move


def test_assign_with_the_due_date_on_the_raised_date(raised, unit, county_leader, raised_on):
    problem = services.problem_assign(
        problem=raised, unit=unit, due_on=raised_on, by=county_leader, on=raised_on
    )
    assert fresh(problem).due_on == raised_on


def test_assign_with_a_due_date_before_the_raised_date_is_refused(raised, unit, county_leader, raised_on):
    error = refused(
        raised, services.problem_assign, unit=unit, due_on=raised_on - DAY, by=county_leader, on=raised_on
    )
    assert "due_on" in error.message_dict


def test_assign_with_a_due_date_before_the_assignment_is_refused(raised, unit, county_leader, raised_on):
    error = refused(
        raised,
        services.problem_assign,
        unit=unit,
        due_on=raised_on + DAY,
        by=county_leader,
        on=raised_on + 2 * DAY,
    )
    assert "due_on" in error.message_dict


def test_assign_without_a_unit_or_a_due_date_is_refused(raised, unit, county_leader, today):
    assert (
        "unit"
        in refused(raised, services.problem_assign, unit=None, due_on=today, by=county_leader).message_dict
    )
    assert (
        "due_on"
        in refused(raised, services.problem_assign, unit=unit, due_on=None, by=county_leader).message_dict
    )


@pytest.mark.parametrize("fixture", ["resolved", "verified"])
def test_assign_a_closed_problem_is_refused(request, fixture, unit, county_leader, today):
    problem = request.getfixturevalue(fixture)
    refused(problem, services.problem_assign, "status", unit=unit, due_on=today, by=county_leader)


# Resolve (办结)


def test_resolve_before_assign_is_refused(raised, county_staff):
    refused(raised, services.problem_resolve, "status", resolution="已解决", by=county_staff)


def test_resolve_from_assigned(assigned, county_staff, raised_on):
    problem = moved(
        assigned,
        services.problem_resolve,
        ProblemEventKind.RESOLVED,
        ProblemStatus.RESOLVED,
        resolution="  已完成用地报批  ",
        by=county_staff,
        on=raised_on + 3 * DAY,
    )
    assert (problem.resolution, problem.resolved_on, problem.resolved_by) == (
        "已完成用地报批",
        raised_on + 3 * DAY,
        county_staff,
    )
    assert problem.verified_on is None
    event = events(problem)[-1]
    assert (event.note, event.on, event.by) == ("已完成用地报批", raised_on + 3 * DAY, county_staff)


def test_resolve_without_a_resolution_is_refused(assigned, county_staff):
    error = refused(assigned, services.problem_resolve, resolution="  ", by=county_staff)
    assert "resolution" in error.message_dict


@pytest.mark.parametrize("fixture", ["resolved", "verified"])
def test_resolve_twice_is_refused(request, fixture, county_staff):
    problem = request.getfixturevalue(fixture)
    refused(problem, services.problem_resolve, "status", resolution="再次办结", by=county_staff)


# Verify (销号)


# DESIGN "Roles": a county leader verifies (a city leader only sends resolutions back).
@pytest.mark.parametrize("leader", ["county_leader", "city_admin"])
def test_verify_from_resolved_by_a_leader(request, resolved, leader, raised_on):
    by = request.getfixturevalue(leader)
    problem = moved(
        resolved,
        services.problem_verify,
        ProblemEventKind.VERIFIED,
        ProblemStatus.VERIFIED,
        by=by,
        on=raised_on + 7 * DAY,
        note="现场核实",
    )
    assert (problem.verified_on, problem.verified_by) == (raised_on + 7 * DAY, by)
    assert problem.resolution  # kept


@pytest.mark.parametrize("fixture", ["raised", "assigned", "verified"])
def test_verify_unless_resolved_is_refused(request, fixture, county_leader):
    problem = request.getfixturevalue(fixture)
    refused(problem, services.problem_verify, "status", by=county_leader)


def test_verify_by_the_resolver_is_refused(assigned, county_leader, city_admin, raised_on):
    # A city admin (who may both resolve and verify) who resolved a problem cannot close it:
    # someone else must check.
    services.problem_resolve(problem=assigned, resolution="亲自协调解决", by=city_admin, on=raised_on + DAY)
    problem = fresh(assigned)
    refused(problem, services.problem_verify, "verifier_is_resolver", by=city_admin)
    # Another leader can.
    services.problem_verify(problem=problem, by=county_leader)
    assert fresh(problem).status == ProblemStatus.VERIFIED


def test_verify_by_a_non_leader_is_refused(resolved, make_user, region):
    staff = make_user(Role.COUNTY_STAFF, region=region)
    refused(resolved, services.problem_verify, "role", by=staff)
    refused(resolved, services.problem_verify, "role", by=make_user(None, region=region))


def test_verify_by_a_city_leader_is_refused(resolved, city_leader):
    refused(resolved, services.problem_verify, "role", by=city_leader)


def test_verify_by_nobody_is_refused(resolved):
    refused(resolved, services.problem_verify, "role", by=None)


def test_verify_dated_before_the_resolution_is_refused(resolved, county_leader, raised_on):
    error = refused(resolved, services.problem_verify, by=county_leader, on=raised_on + 4 * DAY)
    assert "on" in error.message_dict


def test_verify_on_the_day_of_the_resolution(resolved, county_leader, raised_on):
    services.problem_verify(problem=resolved, by=county_leader, on=raised_on + 5 * DAY)
    assert fresh(resolved).verified_on == raised_on + 5 * DAY


# Reopen


@pytest.mark.parametrize("fixture", ["resolved", "verified"])
def test_reopen_back_to_assigned_with_a_reason(request, fixture, county_leader, unit, today):
    problem = request.getfixturevalue(fixture)
    due_before = fresh(problem).due_on
    problem = moved(
        problem,
        services.problem_reopen,
        ProblemEventKind.REOPENED,
        ProblemStatus.ASSIGNED,
        reason="企业反映问题仍未解决",
        by=county_leader,
    )
    assert problem.responsible_unit == unit and problem.due_on == due_before
    assert (problem.resolution, problem.resolved_on, problem.resolved_by) == ("", None, None)
    assert (problem.verified_on, problem.verified_by) == (None, None)
    event = events(problem)[-1]
    assert (event.note, event.due_on, event.on) == ("企业反映问题仍未解决", due_before, today)


def test_reopen_with_a_new_due_date(resolved, county_leader, today):
    problem = services.problem_reopen(
        problem=resolved, reason="需补充材料", by=county_leader, due_on=today + 30 * DAY
    )
    assert fresh(problem).due_on == today + 30 * DAY
    assert events(problem)[-1].due_on == today + 30 * DAY


def test_reopen_with_a_due_date_before_the_reopening_is_refused(resolved, county_leader, today):
    error = refused(
        resolved, services.problem_reopen, reason="需补充材料", by=county_leader, due_on=today - DAY
    )
    assert "due_on" in error.message_dict


@pytest.mark.parametrize("reason", ["", "   ", None])
@pytest.mark.parametrize("fixture", ["resolved", "verified"])
def test_reopen_without_a_reason_is_refused(request, fixture, reason, county_leader):
    problem = request.getfixturevalue(fixture)
    error = refused(problem, services.problem_reopen, reason=reason, by=county_leader)
    assert "reason" in error.message_dict


@pytest.mark.parametrize("fixture", ["raised", "assigned"])
def test_reopen_an_open_problem_is_refused(request, fixture, county_leader):
    problem = request.getfixturevalue(fixture)
    refused(problem, services.problem_reopen, "status", reason="重新交办", by=county_leader)
