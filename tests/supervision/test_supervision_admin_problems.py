"""The supervision admin: the problem loop, its refusals and extension requests."""

import re

import pytest
from django.contrib import messages

from supervision import services
from supervision.choices import ExtensionStatus, ProblemCategory, ProblemEventKind, ProblemStatus, Severity
from supervision.models import ExtensionRequest, Problem
from tests.fixtures.supervision_admin import DAY, admin_url, login, page_text, staff


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
            "version": problem.version,
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
        {"resolution": "已协调用能指标", "on": "", "version": problem.version},
    )
    assert response.status_code == 302, page_text(response)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED

    # The resolver (county staff) may not verify: the page is refused and the problem stays resolved.
    response = resolver_client.post(
        admin_url(Problem, "verify", problem.pk), {"note": "", "on": "", "version": problem.version}
    )
    assert response.status_code == 403
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED

    # The leader verifies it.
    response = leader_client.post(
        admin_url(Problem, "verify", problem.pk),
        {"note": "现场核实", "on": "", "version": problem.version},
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
def admin_user(city_admin):
    return staff(city_admin)


@pytest.fixture
def resolved_by_admin(every_object, admin_user, today):
    # A city admin may both resolve and verify (problem_flow.py), but not the same problem.
    problem = every_object[Problem]
    return services.problem_resolve(problem=problem, resolution="已解决", by=admin_user)


def test_verify_by_the_resolver_is_refused_with_a_message(resolved_by_admin, admin_user):
    problem = resolved_by_admin
    response = login(admin_user).post(
        admin_url(Problem, "verify", problem.pk), {"note": "", "on": "", "version": problem.version}
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
        {"unit": unit.pk, "due_on": (today + 5 * DAY).isoformat(), "version": problem.version - 1},
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
        admin_url(Problem, "extend", problem.pk),
        {"due_on": new_due.isoformat(), "reason": "等待审批", "version": problem.version},
    )
    assert response.status_code == 302, page_text(response)
    extension = ExtensionRequest.objects.get(status=ExtensionStatus.PENDING)

    # County staff may not decide: the decision page is refused (problem_flow.py).
    response = login(staff_user).post(
        admin_url(ExtensionRequest, "decide", extension.pk), {"_approve": "1", "version": problem.version}
    )
    assert response.status_code == 403
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.PENDING

    response = login(leader).post(
        admin_url(ExtensionRequest, "decide", extension.pk),
        {"note": "同意", "_approve": "1", "version": problem.version},
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


def test_deciding_a_pending_request_from_the_list_does_not_call_it_already_decided(every_object, leader):
    extension = every_object[ExtensionRequest]
    response = login(leader).post(
        admin_url(ExtensionRequest, "changelist"),
        {"action": "approve_extensions", "_selected_action": [extension.pk]},
        follow=True,
    )
    # One message: the count of requests decided; no warning about requests left as they were.
    assert [m.level for m in response.context["messages"]] == [messages.SUCCESS]
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.APPROVED
