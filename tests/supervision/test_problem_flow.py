"""The problem moves are declared once (supervision/problem_flow.py) and every interface agrees
with that table: for every role and every move, the staff page offers the move iff the API
takes it iff the admin offers it iff the service accepts it iff the table's roles hold the role.

So changing who may take a move (say, who may send a resolution back) is one line of the table;
these tests read the table, and would fail if any interface kept a rule of its own.
"""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from projects.choices import Role
from supervision import services
from supervision.admin.actions import move_url
from supervision.models import Problem
from supervision.problem_flow import MOVES, pending_request
from tests.fixtures.supervision import DAY

ROLES = [Role.COUNTY_STAFF, Role.COUNTY_LEADER, Role.CITY_LEADER, Role.CITY_ADMIN]
COUNTY_ROLES = {Role.COUNTY_STAFF, Role.COUNTY_LEADER}

# DESIGN "Roles", written out: county staff resolve and ask for extensions; a county leader
# assigns (交办), verifies (销号), sends back (退回) and decides extensions; a city leader
# sends back anywhere; a city admin does everything.
DESIGN = {
    Role.COUNTY_STAFF: {"resolve", "extend"},
    Role.COUNTY_LEADER: {"assign", "verify", "reopen", "decide_extension"},
    Role.CITY_LEADER: {"reopen"},
    Role.CITY_ADMIN: set(MOVES),
}
CASES = [pytest.param(role, name, id=f"{role.value}-{name}") for role in ROLES for name in MOVES]
REFUSED = [
    pytest.param(role, name, id=f"{role.value}-{name}")
    for role in ROLES
    for name, move in MOVES.items()
    if role not in move.roles
]


def test_the_table_gives_each_role_the_moves_design_gives_it():
    table = {role: {name for name, move in MOVES.items() if role in move.roles} for role in ROLES}
    assert table == DESIGN


@pytest.fixture
def user_of(make_user, region):
    """A signed-in-able user of ``role`` (county roles in the problem's region), who may open the admin."""

    def make(role):
        user = make_user(role, region=region if role in COUNTY_ROLES else None, username=f"flow-{role.value}")
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        return user

    return make


@pytest.fixture
def problem_ready_for(make_problem, make_user, region, unit, city_admin, today):
    """``problem_ready_for(move)``: a new problem in a state where ``move`` is offered, brought
    there by people other than the user under test (so that "the resolver may not verify"
    never decides a case)."""
    resolver = make_user(Role.COUNTY_STAFF, region=region, username="flow-resolver")

    def make(name):
        problem = make_problem()
        if name == "assign":
            return problem
        services.problem_assign(problem=problem, unit=unit, due_on=today + 10 * DAY, by=city_admin)
        problem = Problem.objects.get(pk=problem.pk)
        if name in {"verify", "reopen"}:
            services.problem_resolve(problem=problem, resolution="已协调解决", by=resolver)
        elif name == "decide_extension":
            services.problem_request_extension(
                problem=problem, due_on=today + 30 * DAY, reason="等待批复", by=resolver
            )
        return Problem.objects.get(pk=problem.pk)

    return make


def service_call(name, problem, user, unit, today):
    """The move's service with the least input it needs."""
    if name == "assign":
        return services.problem_assign(problem=problem, unit=unit, due_on=today + 10 * DAY, by=user)
    if name == "resolve":
        return services.problem_resolve(problem=problem, resolution="已解决", by=user)
    if name == "extend":
        return services.problem_request_extension(
            problem=problem, due_on=problem.due_on + 10 * DAY, reason="等待批复", by=user
        )
    if name == "verify":
        return services.problem_verify(problem=problem, by=user)
    if name == "reopen":
        return services.problem_reopen(problem=problem, reason="仍未解决", by=user)
    return services.problem_decide_extension(request=pending_request(problem), approve=True, by=user)


def api_body(name, problem, unit, today):
    return {
        "assign": {"unit": unit.pk, "due_on": (today + 10 * DAY).isoformat()},
        "resolve": {"resolution": "已解决"},
        "extend": {
            "due_on": (problem.due_on + 10 * DAY).isoformat() if problem.due_on else "",
            "reason": "x",
        },
        "verify": {},
        "reopen": {"reason": "仍未解决"},
        "decide_extension": {"approve": True},
    }[name]


@pytest.mark.parametrize(("role", "name"), CASES)
def test_page_api_admin_and_service_agree_with_the_table(role, name, user_of, problem_ready_for, unit, today):
    move = MOVES[name]
    allowed = role in move.roles  # the table's one line for this move
    user = user_of(role)
    client = Client()
    client.force_login(user)

    # The staff page offers the move (a form posting to the move's URL) iff the table allows it.
    problem = problem_ready_for(name)
    assert problem.status in move.statuses
    page = client.get(reverse("supervision:problem_detail", args=[problem.pk])).content.decode()
    assert (reverse(f"supervision:problem_{name}", args=[problem.pk]) in page) == allowed

    # The admin's problem page offers its button iff the table allows it.
    admin_page = client.get(reverse("admin:supervision_problem_change", args=[problem.pk])).content.decode()
    assert (move_url(move, problem) in admin_page) == allowed

    # The API takes the move (200) iff the table allows it, else 403 and nothing changes.
    api = APIClient()
    api.force_authenticate(user)
    before = Problem.objects.filter(pk=problem.pk).values().get()
    response = api.post(
        f"/api/v1/problems/{problem.pk}/{move.url_path}/", api_body(name, problem, unit, today)
    )
    assert response.status_code == (200 if allowed else 403), response.content
    if not allowed:
        assert Problem.objects.filter(pk=problem.pk).values().get() == before

    # The service accepts the move iff the table allows it; it refuses the role otherwise.
    problem = problem_ready_for(name)
    if allowed:
        service_call(name, problem, user, unit, today)
    else:
        with pytest.raises(ValidationError) as info:
            service_call(name, problem, user, unit, today)
        assert [e.code for e in info.value.error_list] == ["role"]


@pytest.mark.parametrize(("role", "name"), REFUSED)
def test_a_move_the_table_refuses_is_refused_by_every_page(role, name, user_of, problem_ready_for):
    user = user_of(role)
    client = Client()
    client.force_login(user)
    problem = problem_ready_for(name)
    before = Problem.objects.filter(pk=problem.pk).values().get()
    staff_page = client.post(
        reverse(f"supervision:problem_{name}", args=[problem.pk]), {"version": problem.version}
    )
    assert staff_page.status_code == 403
    if name == "decide_extension":
        admin_address = reverse(
            "admin:supervision_extensionrequest_decide", args=[pending_request(problem).pk]
        )
    else:
        admin_address = reverse(f"admin:supervision_problem_{name}", args=[problem.pk])
    assert client.post(admin_address, {"version": problem.version, "_approve": "1"}).status_code == 403
    assert Problem.objects.filter(pk=problem.pk).values().get() == before
