"""Supervision pages: the problem loop through the forms."""

from projects import services as project_services
from supervision import services
from supervision.choices import ProblemCategory, ProblemEventKind, ProblemStatus
from supervision.models import Problem, ProblemEvent
from tests.fixtures.supervision import DAY, snapshot
from tests.fixtures.supervision_views import url

# --- the problem loop through the forms ----------------------------------------------------


def test_raise_assign_resolve_verify_reopen(
    as_user, county_staff, county_leader, project, unit, visit, today
):
    staff = as_user(county_staff)
    response = staff.post(
        url("problem_raise", project.pk),
        {
            "category": ProblemCategory.LAND_USE,
            "severity": "high",
            "description": "用地指标未落实",
            "visit": visit.pk,
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("problem_detail", problem.pk)
    assert problem.visit == visit

    # The county leader assigns it (交办); county staff resolve it.
    response = as_user(county_leader).post(
        url("problem_assign", problem.pk),
        {
            "version": problem.version,
            "unit": unit.pk,
            "assignee": county_staff.pk,
            "due_on": (today + 10 * DAY).isoformat(),
        },
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ASSIGNED and problem.responsible_unit == unit

    # With htmx the move answers with the problem's panel instead of a redirect.
    staff = as_user(county_staff)
    response = staff.post(
        url("problem_resolve", problem.pk),
        {"version": problem.version, "resolution": "已调剂用地指标"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="problem-panel"' in html and "<html" not in html
    assert "The problem was marked resolved." in html
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED

    leader = as_user(county_leader)
    response = leader.post(url("problem_verify", problem.pk), {"version": problem.version, "note": "核实"})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.VERIFIED and problem.verified_by == county_leader
    page = leader.get(response["Location"])
    assert "The problem was verified and closed." in page.content.decode()

    # The leader sends it back (退回).
    response = leader.post(
        url("problem_reopen", problem.pk), {"version": problem.version, "reason": "仍未到位"}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ASSIGNED
    kinds = list(ProblemEvent.objects.filter(problem=problem).values_list("kind", flat=True))
    assert kinds == [
        ProblemEventKind.RAISED,
        ProblemEventKind.ASSIGNED,
        ProblemEventKind.RESOLVED,
        ProblemEventKind.VERIFIED,
        ProblemEventKind.REOPENED,
    ]


def test_extension_request_and_decision(as_user, county_staff, county_leader, assigned):
    new_due = assigned.due_on + 20 * DAY
    response = as_user(county_staff).post(
        url("problem_extend", assigned.pk),
        {"version": assigned.version, "due_on": new_due.isoformat(), "reason": "等待省厅批复"},
    )
    assert response.status_code == 302
    request = assigned.extension_requests.get()
    leader = as_user(county_leader)
    assert (
        url("problem_decide_extension", assigned.pk)
        in leader.get(url("problem_detail", assigned.pk)).content.decode()
    )
    response = leader.post(
        url("problem_decide_extension", assigned.pk),
        {"version": assigned.version, "request": request.pk, "decision": "approve", "note": "同意"},
    )
    assert response.status_code == 302
    assert "The extension was approved." in leader.get(response["Location"]).content.decode()
    assigned.refresh_from_db()
    assert assigned.due_on == new_due


def test_service_error_is_shown_next_to_its_field(as_user, county_leader, raised, unit, today):
    before = snapshot(raised)
    response = as_user(county_leader).post(
        url("problem_assign", raised.pk),
        {
            "version": raised.version,
            "unit": unit.pk,
            "on": today.isoformat(),
            "due_on": (today - DAY).isoformat(),
        },
    )
    assert response.status_code == 200
    form = next(m["form"] for m in response.context["moves"] if m["name"] == "assign")
    assert form.errors["due_on"] == ["The due date cannot be before the date of assignment."]
    html = response.content.decode()
    assert 'id="id_assign_due_on_error"' in html
    assert 'aria-describedby="id_assign_due_on_error"' in html
    assert snapshot(raised) == before


def test_refused_move_by_htmx_answers_with_the_panel(as_user, county_leader, raised, unit, today):
    response = as_user(county_leader).post(
        url("problem_assign", raised.pk),
        {"version": raised.version, "unit": unit.pk, "due_on": (today - 40 * DAY).isoformat()},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="problem-panel"')
    assert 'id="id_assign_due_on_error"' in html
    assert '<details class="move" open>' in html  # the form sent stays open with its input


def test_a_move_without_the_version_read_is_refused(as_user, county_staff, assigned):
    before = snapshot(assigned)
    client = as_user(county_staff)
    response = client.post(url("problem_resolve", assigned.pk), {"resolution": "已解决"})
    assert response.status_code == 200
    form = next(m["form"] for m in response.context["moves"] if m["name"] == "resolve")
    assert "version" in form.errors
    assert snapshot(assigned) == before
    assert client.get(url("problem_resolve", assigned.pk)).status_code == 405


def test_refusal_without_a_field_is_shown_above_the_form(as_user, county_staff, project):
    project_services.project_cancel(project=project, reason="企业退出", by=county_staff)
    response = as_user(county_staff).post(
        url("problem_raise", project.pk),
        {"category": ProblemCategory.OTHER, "severity": "low", "description": "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Problems cannot be raised on a cancelled project."
    ]
    assert 'role="alert"' in response.content.decode()
    assert not Problem.objects.exists()


def test_stale_move_keeps_the_input_and_changes_nothing(
    as_user, county_staff, county_leader, assigned, other_unit, today
):
    read_version = assigned.version
    # Someone else re-assigns the problem after the page was read.
    services.problem_assign(
        problem=assigned, unit=other_unit, due_on=today + 5 * DAY, by=county_leader, version=read_version
    )
    assigned.refresh_from_db()
    before = snapshot(assigned)
    response = as_user(county_staff).post(
        url("problem_resolve", assigned.pk),
        {"version": read_version, "resolution": "已协调供电局增容"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this record while you were working on it." in html
    assert "已协调供电局增容" in html  # what was typed is still there
    assert f'name="version" value="{assigned.version}"' in html  # now based on the current state
    assert snapshot(assigned) == before
