"""Problem moves and their timeline: dates, events written with the change, reopening, the whole
loop, leaders' regions."""

import pytest

from projects.choices import Role
from supervision import services
from supervision.choices import ProblemEventKind, ProblemStatus
from supervision.models import ExtensionRequest, Problem
from tests.fixtures.problems import _extension_state, events, fresh, moved, refused
from tests.fixtures.supervision import DAY, snapshot

pytestmark = pytest.mark.usefixtures("english")

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
    error = refused(resolved, services.problem_verify, "outside_scope", by=outsider)
    assert "region" in " ".join(error.messages)


def test_a_city_leader_may_send_a_resolution_back_in_any_region(resolved, make_user):
    # DESIGN "Roles": a city leader sends resolutions back anywhere (it no longer verifies).
    city = make_user(Role.CITY_LEADER, username="city-leader-2")
    assert moved(
        resolved,
        services.problem_reopen,
        ProblemEventKind.REOPENED,
        ProblemStatus.ASSIGNED,
        by=city,
        reason="企业反映问题仍未解决",
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
