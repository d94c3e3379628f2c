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
from supervision.choices import ExtensionStatus, ProblemEventKind, ProblemStatus
from supervision.models import ExtensionRequest, Person, Problem, ProblemEvent
from tests.conftest import error_codes
from tests.supervision_fixtures import DAY, snapshot

pytest_plugins = ["tests.supervision_fixtures"]

pytestmark = pytest.mark.usefixtures("english")


def fresh(problem: Problem) -> Problem:
    return Problem.objects.get(pk=problem.pk)


def events(problem: Problem) -> list[ProblemEvent]:
    return list(ProblemEvent.objects.filter(problem=problem).order_by("at", "id"))


def refused(problem: Problem, move, *codes: str, **kwargs) -> ValidationError:
    """Run ``move(problem=problem, **kwargs)``; it must be refused and change nothing."""
    before = snapshot(problem)
    with pytest.raises(ValidationError) as info:
        move(problem=problem, **kwargs)
    assert snapshot(problem) == before
    if codes:
        assert set(codes) <= error_codes(info.value), info.value
    return info.value


def moved(problem: Problem, move, kind: ProblemEventKind, to: ProblemStatus, **kwargs) -> Problem:
    """Run a legal move; exactly one new event of ``kind`` is written, the version goes up by one."""
    before = fresh(problem)
    count = ProblemEvent.objects.filter(problem=problem).count()
    result = move(problem=problem, **kwargs)
    after = fresh(problem)
    assert after.status == to
    assert after.version == before.version + 1
    assert (result.status, result.version) == (after.status, after.version)
    new = list(ProblemEvent.objects.filter(problem=problem).order_by("id")[count:])
    assert len(new) == 1
    (event,) = new
    assert (event.kind, event.from_status, event.to_status) == (kind, before.status, to)
    return after


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


@pytest.mark.parametrize("leader", ["county_leader", "city_leader", "city_admin"])
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


def test_verify_by_the_resolver_is_refused(assigned, county_leader, city_leader, raised_on):
    # A leader who resolved a problem himself cannot close it: someone else must check.
    services.problem_resolve(
        problem=assigned, resolution="领导亲自协调解决", by=county_leader, on=raised_on + DAY
    )
    problem = fresh(assigned)
    refused(problem, services.problem_verify, "verifier_is_resolver", by=county_leader)
    # Another leader can.
    services.problem_verify(problem=problem, by=city_leader)
    assert fresh(problem).status == ProblemStatus.VERIFIED


def test_verify_by_a_non_leader_is_refused(resolved, make_user, region):
    staff = make_user(Role.COUNTY_STAFF, region=region)
    refused(resolved, services.problem_verify, "not_leader", by=staff)
    refused(resolved, services.problem_verify, "not_leader", by=make_user(None, region=region))


def test_verify_by_nobody_is_refused(resolved):
    refused(resolved, services.problem_verify, "not_leader", by=None)


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


# Dates of moves: never in the future, never before the problem was raised.


def _move_kwargs(name, ctx):
    return {
        "assign": (
            services.problem_assign,
            "raised",
            {"unit": ctx["unit"], "due_on": ctx["due"], "by": ctx["leader"]},
        ),
        "resolve": (services.problem_resolve, "assigned", {"resolution": "已解决", "by": ctx["staff"]}),
        "verify": (services.problem_verify, "resolved", {"by": ctx["leader"]}),
        "reopen": (services.problem_reopen, "verified", {"reason": "仍未解决", "by": ctx["leader"]}),
    }[name]


@pytest.mark.parametrize("name", ["assign", "resolve", "verify", "reopen"])
@pytest.mark.parametrize(
    ("when", "words"), [("future", "in the future"), ("before_raised", "before the problem was raised")]
)
def test_a_move_dated_in_the_future_or_before_the_raising_is_refused(
    request, name, when, words, unit, county_leader, county_staff, raised_on, today
):
    ctx = {"unit": unit, "due": today + 60 * DAY, "leader": county_leader, "staff": county_staff}
    move, fixture, kwargs = _move_kwargs(name, ctx)
    problem = request.getfixturevalue(fixture)
    on = today + DAY if when == "future" else raised_on - DAY
    error = refused(problem, move, on=on, **kwargs)
    assert words in " ".join(error.message_dict["on"])


@pytest.mark.parametrize(
    ("name", "when"),
    [
        ("assign", "raised"),
        ("assign", "today"),
        ("resolve", "raised"),
        ("resolve", "today"),
        ("verify", "today"),
        ("reopen", "today"),
    ],
)
def test_a_move_dated_today_or_on_the_raised_date_is_accepted(
    request, name, when, unit, county_leader, county_staff, raised_on, today
):
    ctx = {"unit": unit, "due": today + 60 * DAY, "leader": county_leader, "staff": county_staff}
    move, fixture, kwargs = _move_kwargs(name, ctx)
    problem = request.getfixturevalue(fixture)
    on = today if when == "today" else raised_on
    version = fresh(problem).version
    move(problem=problem, on=on, **kwargs)
    assert fresh(problem).version == version + 1
    assert events(problem)[-1].on == on


def test_a_stale_version_is_refused(assigned, county_staff):
    stale = fresh(assigned).version - 1
    refused(assigned, services.problem_resolve, "stale", resolution="已解决", by=county_staff, version=stale)
    services.problem_resolve(problem=assigned, resolution="已解决", by=county_staff, version=stale + 1)
    assert fresh(assigned).status == ProblemStatus.RESOLVED


# Each move writes its event in the same transaction as the change.


@pytest.mark.parametrize("name", ["assign", "resolve", "verify", "reopen"])
def test_a_move_whose_event_fails_leaves_the_problem_unchanged(
    request, monkeypatch, name, unit, county_leader, county_staff, today
):
    ctx = {"unit": unit, "due": today + 60 * DAY, "leader": county_leader, "staff": county_staff}
    move, fixture, kwargs = _move_kwargs(name, ctx)
    problem = request.getfixturevalue(fixture)
    before = snapshot(problem)

    def broken_event(*args, **kwargs):
        raise RuntimeError("the timeline could not be written")

    monkeypatch.setattr(services, "_event", broken_event)
    with pytest.raises(RuntimeError):
        move(problem=problem, **kwargs)
    assert snapshot(problem) == before


# Reopen keeps the history.


def test_reopen_keeps_the_history(raised, unit, county_leader, city_leader, county_staff, raised_on, today):
    p = raised
    services.problem_assign(
        problem=p, unit=unit, due_on=today, by=county_leader, assignee=county_staff, on=raised_on
    )
    services.problem_resolve(
        problem=p, resolution="第一次：已协调用地指标", by=county_staff, on=raised_on + DAY
    )
    services.problem_verify(problem=p, by=county_leader, on=raised_on + 2 * DAY)
    services.problem_reopen(problem=p, reason="指标被收回", by=city_leader, on=raised_on + 3 * DAY)
    services.problem_resolve(
        problem=p, resolution="第二次：重新办理用地手续", by=county_staff, on=raised_on + 4 * DAY
    )
    services.problem_verify(problem=p, by=county_leader, on=raised_on + 5 * DAY)

    timeline = events(p)
    assert [e.kind for e in timeline] == [
        ProblemEventKind.RAISED,
        ProblemEventKind.ASSIGNED,
        ProblemEventKind.RESOLVED,
        ProblemEventKind.VERIFIED,
        ProblemEventKind.REOPENED,
        ProblemEventKind.RESOLVED,
        ProblemEventKind.VERIFIED,
    ]
    assert [e.to_status for e in timeline] == [
        ProblemStatus.RAISED,
        ProblemStatus.ASSIGNED,
        ProblemStatus.RESOLVED,
        ProblemStatus.VERIFIED,
        ProblemStatus.ASSIGNED,
        ProblemStatus.RESOLVED,
        ProblemStatus.VERIFIED,
    ]
    assert [e.on for e in timeline] == [raised_on + k * DAY for k in [0, 0, 1, 2, 3, 4, 5]]
    # The first resolution is still in the timeline and in the field history.
    assert timeline[2].note == "第一次：已协调用地指标"
    assert timeline[4].note == "指标被收回"
    resolutions = list(p.history.order_by("history_id").values_list("resolution", flat=True))
    assert "第一次：已协调用地指标" in resolutions
    assert resolutions[-1] == "第二次：重新办理用地手续"
    reopened_row = (
        p.history.filter(status=ProblemStatus.ASSIGNED, resolution="").order_by("history_id").last()
    )
    assert reopened_row.history_change_reason == "指标被收回"
    assert reopened_row.history_user == city_leader
    # Seven moves, seven field-history rows, and the version counted each one.
    assert p.history.count() == 7
    final = fresh(p)
    assert final.version == 7
    assert (final.status, final.resolution) == (ProblemStatus.VERIFIED, "第二次：重新办理用地手续")


def test_the_timeline_is_listed_in_order_of_writing(verified):
    assert list(verified.events.values_list("kind", flat=True)) == [
        ProblemEventKind.RAISED,
        ProblemEventKind.ASSIGNED,
        ProblemEventKind.RESOLVED,
        ProblemEventKind.VERIFIED,
    ]


# Extension requests


def test_extension_request_on_an_assigned_problem(assigned, county_staff, today):
    due = fresh(assigned).due_on
    count = ProblemEvent.objects.filter(problem=assigned).count()
    request = services.problem_request_extension(
        problem=assigned, due_on=due + 15 * DAY, reason="需等待省厅批复", by=county_staff
    )
    request.refresh_from_db()
    assert (request.status, request.due_on, request.requested_by) == (
        ExtensionStatus.PENDING,
        due + 15 * DAY,
        county_staff,
    )
    problem = fresh(assigned)
    assert problem.due_on == due  # not moved until a leader approves
    assert ProblemEvent.objects.filter(problem=assigned).count() == count + 1
    event = events(problem)[-1]
    assert (event.kind, event.due_on, event.note, event.on) == (
        ProblemEventKind.EXTENSION_REQUESTED,
        due + 15 * DAY,
        "需等待省厅批复",
        today,
    )


@pytest.fixture
def extension(assigned, county_staff):
    return services.problem_request_extension(
        problem=assigned, due_on=fresh(assigned).due_on + 15 * DAY, reason="需等待省厅批复", by=county_staff
    )


def _extension_state(request: ExtensionRequest):
    return ExtensionRequest.objects.filter(pk=request.pk).values("status", "decided_by", "decided_at").get()


def test_approve_by_a_leader_moves_the_due_date(assigned, extension, county_leader):
    before = fresh(assigned)
    count = ProblemEvent.objects.filter(problem=assigned).count()
    services.problem_decide_extension(request=extension, approve=True, by=county_leader, note="同意")
    extension.refresh_from_db()
    assert (extension.status, extension.decided_by, extension.decision_note) == (
        ExtensionStatus.APPROVED,
        county_leader,
        "同意",
    )
    assert extension.decided_at is not None
    problem = fresh(assigned)
    assert problem.due_on == extension.due_on
    assert problem.status == ProblemStatus.ASSIGNED
    assert problem.version == before.version + 1
    assert ProblemEvent.objects.filter(problem=assigned).count() == count + 1
    event = events(problem)[-1]
    assert (event.kind, event.due_on, event.by) == (
        ProblemEventKind.EXTENSION_APPROVED,
        extension.due_on,
        county_leader,
    )


def test_reject_leaves_the_due_date(assigned, extension, city_leader):
    before = fresh(assigned)
    count = ProblemEvent.objects.filter(problem=assigned).count()
    services.problem_decide_extension(request=extension, approve=False, by=city_leader, note="理由不充分")
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.REJECTED
    problem = fresh(assigned)
    assert (problem.due_on, problem.version) == (before.due_on, before.version)
    assert ProblemEvent.objects.filter(problem=assigned).count() == count + 1
    assert events(problem)[-1].kind == ProblemEventKind.EXTENSION_REJECTED
    # Decided: a new request may now be made.
    services.problem_request_extension(
        problem=problem, due_on=before.due_on + 5 * DAY, reason="补充理由", by=None
    )


def test_approval_by_a_non_leader_is_refused(assigned, extension, county_staff):
    before = snapshot(assigned)
    state = _extension_state(extension)
    with pytest.raises(ValidationError) as info:
        services.problem_decide_extension(request=extension, approve=True, by=county_staff)
    assert "not_leader" in error_codes(info.value)
    assert snapshot(assigned) == before
    assert (
        _extension_state(extension)
        == state
        == {"status": ExtensionStatus.PENDING, "decided_by": None, "decided_at": None}
    )


def test_deciding_twice_is_refused(assigned, extension, county_leader, city_leader):
    services.problem_decide_extension(request=extension, approve=False, by=county_leader)
    before = snapshot(assigned)
    with pytest.raises(ValidationError) as info:
        services.problem_decide_extension(request=extension, approve=True, by=city_leader)
    assert "decided" in error_codes(info.value)
    assert snapshot(assigned) == before
    assert ExtensionRequest.objects.get(pk=extension.pk).status == ExtensionStatus.REJECTED


def test_a_second_pending_request_is_refused(assigned, extension, county_staff):
    before = snapshot(assigned)
    with pytest.raises(ValidationError):
        services.problem_request_extension(
            problem=assigned, due_on=extension.due_on + 10 * DAY, reason="再延期", by=county_staff
        )
    assert snapshot(assigned) == before
    assert ExtensionRequest.objects.filter(problem=assigned).count() == 1


@pytest.mark.parametrize("days", [0, -1])
def test_a_request_not_later_than_the_current_due_date_is_refused(assigned, county_staff, days):
    before = snapshot(assigned)
    with pytest.raises(ValidationError) as info:
        services.problem_request_extension(
            problem=assigned, due_on=fresh(assigned).due_on + days * DAY, reason="延期", by=county_staff
        )
    assert "due_on" in info.value.message_dict
    assert snapshot(assigned) == before
    assert not ExtensionRequest.objects.exists()


def test_a_request_without_a_reason_is_refused(assigned, county_staff):
    with pytest.raises(ValidationError) as info:
        services.problem_request_extension(
            problem=assigned, due_on=fresh(assigned).due_on + DAY, reason=" ", by=county_staff
        )
    assert "reason" in info.value.message_dict
    assert not ExtensionRequest.objects.exists()


@pytest.mark.parametrize("fixture", ["raised", "resolved", "verified"])
def test_a_request_unless_assigned_is_refused(request, fixture, county_staff, today):
    problem = request.getfixturevalue(fixture)
    before = snapshot(problem)
    with pytest.raises(ValidationError) as info:
        services.problem_request_extension(
            problem=problem, due_on=today + 90 * DAY, reason="延期", by=county_staff
        )
    assert "status" in error_codes(info.value)
    assert snapshot(problem) == before
    assert not ExtensionRequest.objects.exists()


def test_approving_after_the_problem_was_resolved_is_refused(
    assigned, extension, county_staff, county_leader
):
    services.problem_resolve(problem=assigned, resolution="已解决", by=county_staff)
    before = snapshot(assigned)
    with pytest.raises(ValidationError) as info:
        services.problem_decide_extension(request=extension, approve=True, by=county_leader)
    assert "status" in error_codes(info.value)
    assert snapshot(assigned) == before
    assert ExtensionRequest.objects.get(pk=extension.pk).status == ExtensionStatus.PENDING


# The whole loop as the "done when" tells it.


def test_the_closed_loop_from_raise_to_verify(make_problem, unit, county_staff, county_leader, today):
    problem = make_problem(raised_on=today)
    services.problem_assign(
        problem=problem, unit=unit, due_on=today + 7 * DAY, by=county_leader, assignee=county_staff
    )
    services.problem_resolve(problem=problem, resolution="已办结", by=county_staff)
    services.problem_verify(problem=problem, by=county_leader)
    problem = fresh(problem)
    assert problem.status == ProblemStatus.VERIFIED
    assert (problem.resolved_on, problem.verified_on) == (today, today)
    assert [e.kind for e in events(problem)] == [
        ProblemEventKind.RAISED,
        ProblemEventKind.ASSIGNED,
        ProblemEventKind.RESOLVED,
        ProblemEventKind.VERIFIED,
    ]
    assert not Problem.objects.open().filter(pk=problem.pk).exists()
    assert not Problem.objects.overdue(today + 30 * DAY).filter(pk=problem.pk).exists()


def test_open_and_overdue(make_problem, assigned, unit, county_leader, raised_on, today):
    late = make_problem()
    services.problem_assign(problem=late, unit=unit, due_on=today - DAY, by=county_leader, on=raised_on)
    due_today = make_problem()
    services.problem_assign(problem=due_today, unit=unit, due_on=today, by=county_leader, on=raised_on)
    never_assigned = make_problem()
    assert set(Problem.objects.open()) == {assigned, late, due_today, never_assigned}
    assert list(Problem.objects.overdue(today)) == [late]
    assert set(Problem.objects.overdue(today + DAY)) == {late, due_today}


def _break_the_timeline(monkeypatch):
    def broken_event(*args, **kwargs):
        raise RuntimeError("the timeline could not be written")

    monkeypatch.setattr(services, "_event", broken_event)


def test_a_raise_whose_event_fails_writes_nothing(make_problem, monkeypatch):
    _break_the_timeline(monkeypatch)
    with pytest.raises(RuntimeError):
        make_problem()
    assert not Problem.objects.exists() and not Problem.history.exists()


def test_an_extension_whose_event_fails_writes_nothing(assigned, county_staff, county_leader, monkeypatch):
    due = fresh(assigned).due_on
    before = snapshot(assigned)
    with monkeypatch.context() as patch:
        _break_the_timeline(patch)
        with pytest.raises(RuntimeError):
            services.problem_request_extension(
                problem=assigned, due_on=due + 9 * DAY, reason="延期", by=county_staff
            )
    assert snapshot(assigned) == before
    assert not ExtensionRequest.objects.exists()

    request = services.problem_request_extension(
        problem=assigned, due_on=due + 5 * DAY, reason="延期", by=county_staff
    )
    before, state = snapshot(assigned), _extension_state(request)
    _break_the_timeline(monkeypatch)
    with pytest.raises(RuntimeError):
        services.problem_decide_extension(request=request, approve=True, by=county_leader)
    assert snapshot(assigned) == before
    assert _extension_state(request) == state


# Dates follow the timeline; leaders act only within their region


def test_a_move_cannot_be_dated_before_the_last_timeline_entry(resolved, county_leader, raised_on):
    # Resolved on raised_on + 5: a verification dated the day before would rewrite history.
    refused(resolved, services.problem_verify, "before_last_event", by=county_leader, on=raised_on + 4 * DAY)


def test_a_resolution_cannot_predate_its_assignment(
    make_problem, unit, county_leader, county_staff, raised_on, today
):
    problem = services.problem_assign(
        problem=make_problem(), unit=unit, due_on=today, by=county_leader, on=raised_on + 3 * DAY
    )
    refused(
        problem,
        services.problem_resolve,
        "before_last_event",
        resolution="done",
        by=county_staff,
        on=raised_on + 2 * DAY,
    )


def test_a_county_leader_of_another_region_cannot_verify(resolved, make_user, other_region):
    outsider = make_user(Role.COUNTY_LEADER, region=other_region, username="leader-elsewhere")
    error = refused(resolved, services.problem_verify, "not_leader", by=outsider)
    assert "region" in " ".join(error.messages)


def test_a_city_leader_may_verify_any_region(resolved, make_user):
    city = make_user(Role.CITY_LEADER, username="city-leader-2")
    assert moved(
        resolved, services.problem_verify, ProblemEventKind.VERIFIED, ProblemStatus.VERIFIED, by=city
    )


def test_a_problem_is_not_assigned_to_another_regions_unit_or_person(
    raised, county_leader, other_region, make_user, today
):
    from supervision.models import Unit

    elsewhere = Unit.objects.create(name="鼎湖区自然资源局", region=other_region)
    refused(raised, services.problem_assign, "other_region", unit=elsewhere, due_on=today, by=county_leader)
    stranger = make_user(Role.COUNTY_STAFF, region=other_region, username="staff-elsewhere")
    city_unit = Unit.objects.create(name="市自然资源局", region=None)
    refused(
        raised,
        services.problem_assign,
        "other_region",
        unit=city_unit,
        assignee=stranger,
        due_on=today,
        by=county_leader,
    )
    assert moved(
        raised,
        services.problem_assign,
        ProblemEventKind.ASSIGNED,
        ProblemStatus.ASSIGNED,
        unit=city_unit,
        due_on=today,
        by=county_leader,
    )
