"""Extension requests of a problem's due date: asked, approved, rejected, refused."""

import pytest
from django.core.exceptions import ValidationError

from supervision import services
from supervision.choices import ExtensionStatus, ProblemEventKind, ProblemStatus
from supervision.models import ExtensionRequest, ProblemEvent
from tests.fixtures.problems import _extension_state, events, fresh
from tests.fixtures.projects import error_codes
from tests.fixtures.supervision import DAY, snapshot

pytestmark = pytest.mark.usefixtures("english")

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


def test_reject_leaves_the_due_date(assigned, extension, county_leader, county_staff):
    before = fresh(assigned)
    count = ProblemEvent.objects.filter(problem=assigned).count()
    services.problem_decide_extension(request=extension, approve=False, by=county_leader, note="理由不充分")
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.REJECTED
    problem = fresh(assigned)
    assert (problem.due_on, problem.version) == (before.due_on, before.version)
    assert ProblemEvent.objects.filter(problem=assigned).count() == count + 1
    assert events(problem)[-1].kind == ProblemEventKind.EXTENSION_REJECTED
    # Decided: a new request may now be made.
    services.problem_request_extension(
        problem=problem, due_on=before.due_on + 5 * DAY, reason="补充理由", by=county_staff
    )


def test_approval_by_a_non_leader_is_refused(assigned, extension, county_staff):
    before = snapshot(assigned)
    state = _extension_state(extension)
    with pytest.raises(ValidationError) as info:
        services.problem_decide_extension(request=extension, approve=True, by=county_staff)
    assert "role" in error_codes(info.value)
    assert snapshot(assigned) == before
    assert (
        _extension_state(extension)
        == state
        == {"status": ExtensionStatus.PENDING, "decided_by": None, "decided_at": None}
    )


def test_deciding_twice_is_refused(assigned, extension, county_leader, city_admin):
    services.problem_decide_extension(request=extension, approve=False, by=county_leader)
    before = snapshot(assigned)
    with pytest.raises(ValidationError) as info:
        services.problem_decide_extension(request=extension, approve=True, by=city_admin)
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
