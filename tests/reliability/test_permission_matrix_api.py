"""The permission matrix of /api/v1/: role × own/other region × endpoint × method.

DESIGN "Roles": county staff read and write their own region only; leaders read within their
scope (a county leader their region, a city leader everything) and take only their own
moves; the city admin does everything. A record outside one's region is a 404 (its
existence is not revealed), a move one's role may not take is a 403, a write naming another
region's record is a 400, and a list shows no row of another region. Unauthenticated
requests get 401.

The routes come from the routers, so an endpoint added without a row in MATRIX fails
``test_every_endpoint_has_permission_expectations``. The records of both regions are built once
for the module (tests/fixtures/matrix.py); each test's own writes are rolled back after it.
The last test reports the figure: probes made, rows of another region leaked by any list or
detail, writes wrongly allowed (a refused write answered with success, or one that changed
something although refused).
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from projects.choices import Role
from projects.imports.models import LedgerImport
from projects.models import AnnualTarget, Enterprise, Industry, InvestmentReport, Project, Region
from supervision.models import Milestone, Problem, ServiceLog, ServiceTeam, SupervisionVisit, Unit
from supervision.ranking.exports import pdf_available
from tests.fixtures.api_matrix import (
    DAY,
    World,
    iso,
    milestone_body,
    project_body,
    report_body,
    target_body,
    team_body,
)
from tests.fixtures.matrix import OTHER, OWN, Tally, built_once, cast
from tests.fixtures.projects import new_materials
from tests.fixtures.regions import city_regions
from tests.fixtures.routes import API, Route, api_routes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


STAFF, COUNTY_LEADER, CITY_LEADER, CITY_ADMIN = (
    Role.COUNTY_STAFF,
    Role.COUNTY_LEADER,
    Role.CITY_LEADER,
    Role.CITY_ADMIN,
)
ROLES = [STAFF, COUNTY_LEADER, CITY_LEADER, CITY_ADMIN]
CITY_ROLES = {CITY_LEADER, CITY_ADMIN}
EVERYONE = frozenset(ROLES)
# projects/roles.py: staff write their region's work, resolve problems and ask for extensions;
# leaders raise problems, send resolutions back and record supervision visits
# (supervision/problem_flow.py gives each problem move its roles).
STAFF_WORK = frozenset({STAFF, CITY_ADMIN})
LEADERS = frozenset({COUNTY_LEADER, CITY_LEADER, CITY_ADMIN})
# DESIGN "Roles" for the problem moves: a county leader assigns, verifies and decides extensions.
COUNTY_LEADERS = frozenset({COUNTY_LEADER, CITY_ADMIN})
ADMIN_ONLY = frozenset({CITY_ADMIN})


# --- the records each region holds (World: tests/fixtures/api_matrix.py) ----------------------


# The record of each list, which a region must hold for its list to show anything.
LISTED = {
    "regions": None,
    "industries": None,
    "enterprises": None,
    "units": "unit",
    "projects": "project",
    "investment-reports": "report",
    "targets": "target",
    "problems": "problem",
    "service-teams": "team",
    "visits": "visit",
    "service-logs": "log",
    "milestones": "milestone",
    # City-wide: every signed-in user reads the whole ranking and every published bulletin.
    "rankings": None,
    "bulletins": "bulletin",
    "imports": "ledger_import",
}
UNREGIONED = {"rankings", "bulletins", "industries", "enterprises"}


@pytest.fixture(scope="module")
def matrix_data(django_db_setup, django_db_blocker):
    """({"own": the county users' region, "other": another region}, the users by role), with
    every kind of record in both regions."""
    with built_once(django_db_blocker):
        regions, today = city_regions(), timezone.localdate()
        people = cast(regions)
        enterprise, industry = Enterprise.objects.create(name="肇庆某新材料有限公司"), new_materials()
        worlds = {
            scope: World(
                regions[code], people[staff], people["city_admin"], enterprise, industry, today
            ).build(*World.RECORDS, *filter(None, LISTED.values()))
            for scope, code, staff in (("own", OWN, "county_staff"), ("other", OTHER, "other_staff"))
        }
        yield worlds, {role: people[role.value] for role in ROLES}


@pytest.fixture
def worlds(matrix_data):
    return matrix_data[0]


@pytest.fixture
def users(matrix_data):
    return matrix_data[1]


TALLY = Tally()


# --- the matrix ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """What one endpoint + action expects.

    ``writers``: the roles that may take it (None: a read, open to every role).
    ``target(world)``: the record a detail route works on (fresh when the action changes it).
    ``payload(world, record)``: a valid request body for a record of that world.
    ``scoped``: False for data every signed-in user reads whole (regions).
    """

    success: int = 200
    writers: frozenset | None = None
    target: Any = None
    payload: Any = None
    model: Any = None
    scoped: bool = True


NUMBERS = iter(range(1, 1_000_000))


def industry_body(w, industry=None):
    if industry is not None:
        return {"code": industry.code, "name": industry.name, "name_en": "New materials", "parent": None}
    number = next(NUMBERS)
    return {"code": f"matrix-{number}", "name": f"矩阵行业{number}", "parent": None}


def enterprise_body(w, enterprise=None):
    if enterprise is not None:
        return {"name": enterprise.name, "credit_code": ""}
    return {"name": f"矩阵企业{next(NUMBERS)}有限公司", "credit_code": ""}


def unit_body(w, unit=None):
    if unit is not None:
        return {"name": unit.name, "name_en": "Natural Resources Bureau", "region": w.region.code}
    return {"name": f"矩阵单位{next(NUMBERS)}", "region": w.region.code}


MATRIX: dict[tuple[str, str], Row] = {
    ("regions", "list"): Row(scoped=False),
    ("regions", "retrieve"): Row(target=lambda w: w.region, scoped=False),
    ("projects", "list"): Row(),
    ("projects", "retrieve"): Row(target=lambda w: w.project),
    ("projects", "create"): Row(201, STAFF_WORK, payload=lambda w, _: project_body(w), model=Project),
    ("projects", "update"): Row(200, STAFF_WORK, lambda w: w.project, project_body, Project),
    ("projects", "partial_update"): Row(
        200, STAFF_WORK, lambda w: w.project, lambda w, _: {"name": "新名"}, Project
    ),
    ("projects", "advance"): Row(
        200,
        STAFF_WORK,
        lambda w: w.new_project(),
        lambda w, _: {"stage": "land_supplied", "on": iso(w.today)},
        Project,
    ),
    ("projects", "revert"): Row(
        200, STAFF_WORK, lambda w: w.land_supplied(), lambda w, _: {"reason": "误录"}, Project
    ),
    ("projects", "cancel"): Row(
        200, STAFF_WORK, lambda w: w.new_project(), lambda w, _: {"reason": "企业撤资"}, Project
    ),
    ("projects", "reactivate"): Row(
        200, STAFF_WORK, lambda w: w.cancelled(), lambda w, _: {"reason": "重新洽谈"}, Project
    ),
    ("projects", "history"): Row(target=lambda w: w.project),
    # Reference data: everyone reads it whole, the city admin alone writes it.
    ("industries", "list"): Row(scoped=False),
    ("industries", "retrieve"): Row(target=lambda w: w.industry, scoped=False),
    ("industries", "create"): Row(201, ADMIN_ONLY, payload=industry_body, model=Industry, scoped=False),
    ("industries", "update"): Row(
        200, ADMIN_ONLY, lambda w: w.industry, industry_body, Industry, scoped=False
    ),
    ("industries", "partial_update"): Row(
        200, ADMIN_ONLY, lambda w: w.industry, lambda w, _: {"name_en": "New materials"}, Industry, False
    ),
    ("enterprises", "list"): Row(scoped=False),
    ("enterprises", "retrieve"): Row(target=lambda w: w.enterprise, scoped=False),
    ("enterprises", "create"): Row(201, ADMIN_ONLY, payload=enterprise_body, model=Enterprise, scoped=False),
    ("enterprises", "update"): Row(
        200, ADMIN_ONLY, lambda w: w.enterprise, enterprise_body, Enterprise, scoped=False
    ),
    ("enterprises", "partial_update"): Row(
        200, ADMIN_ONLY, lambda w: w.enterprise, lambda w, e: {"name": e.name}, Enterprise, False
    ),
    # Units: a county reads its own (and the city-level ones), the city admin alone writes.
    ("units", "list"): Row(),
    ("units", "retrieve"): Row(target=lambda w: w.unit),
    ("units", "create"): Row(201, ADMIN_ONLY, payload=unit_body, model=Unit),
    ("units", "update"): Row(200, ADMIN_ONLY, lambda w: w.unit, unit_body, Unit),
    ("units", "partial_update"): Row(
        200, ADMIN_ONLY, lambda w: w.unit, lambda w, _: {"name_en": "Natural Resources Bureau"}, Unit
    ),
    ("investment-reports", "list"): Row(),
    ("investment-reports", "retrieve"): Row(target=lambda w: w.report),
    ("investment-reports", "create"): Row(
        201, STAFF_WORK, payload=lambda w, _: report_body(w), model=InvestmentReport
    ),
    ("investment-reports", "update"): Row(200, STAFF_WORK, lambda w: w.report, report_body, InvestmentReport),
    ("investment-reports", "partial_update"): Row(
        200, STAFF_WORK, lambda w: w.report, lambda w, _: {"amount": "300.00"}, InvestmentReport
    ),
    ("targets", "list"): Row(),
    ("targets", "retrieve"): Row(target=lambda w: w.target),
    ("targets", "create"): Row(201, ADMIN_ONLY, payload=lambda w, _: target_body(w), model=AnnualTarget),
    ("targets", "update"): Row(200, ADMIN_ONLY, lambda w: w.target, target_body, AnnualTarget),
    ("targets", "partial_update"): Row(
        200, ADMIN_ONLY, lambda w: w.target, lambda w, _: {"investment": "3000.00"}, AnnualTarget
    ),
    ("problems", "list"): Row(),
    ("problems", "retrieve"): Row(target=lambda w: w.problem),
    ("problems", "create"): Row(
        201,
        EVERYONE,
        payload=lambda w, _: {"project": w.project.pk, "category": "land_use", "description": "供电容量不足"},
        model=Problem,
    ),
    ("problems", "assign"): Row(
        200,
        COUNTY_LEADERS,
        lambda w: w.raised(),
        lambda w, _: {"unit": w.unit.pk, "due_on": iso(w.today + 9 * DAY)},
        Problem,
    ),
    ("problems", "resolve"): Row(
        200, STAFF_WORK, lambda w: w.assigned(), lambda w, _: {"resolution": "已协调"}, Problem
    ),
    ("problems", "verify"): Row(
        200, COUNTY_LEADERS, lambda w: w.resolved(), lambda w, _: {"note": "核实"}, Problem
    ),
    ("problems", "reopen"): Row(
        200, LEADERS, lambda w: w.resolved(), lambda w, _: {"reason": "仍未到位"}, Problem
    ),
    ("problems", "extend"): Row(
        200,
        STAFF_WORK,
        lambda w: w.assigned(),
        lambda w, p: {"due_on": iso(p.due_on + 15 * DAY), "reason": "等待批复"},
        Problem,
    ),
    ("problems", "decide_extension"): Row(
        200, COUNTY_LEADERS, lambda w: w.extension_pending(), lambda w, _: {"approve": True}, Problem
    ),
    ("service-teams", "list"): Row(),
    ("service-teams", "retrieve"): Row(target=lambda w: w.team),
    ("service-teams", "create"): Row(201, STAFF_WORK, payload=lambda w, _: team_body(w), model=ServiceTeam),
    ("service-teams", "update"): Row(200, STAFF_WORK, lambda w: w.team, team_body, ServiceTeam),
    ("service-teams", "partial_update"): Row(
        200, STAFF_WORK, lambda w: w.team, lambda w, _: {"plan": "每两周走访"}, ServiceTeam
    ),
    ("visits", "list"): Row(),
    ("visits", "retrieve"): Row(target=lambda w: w.visit),
    ("visits", "create"): Row(
        201,
        EVERYONE,
        payload=lambda w, _: {
            "on": iso(w.today),
            "region": w.region.code,
            "leader": w.person.pk,
            "projects": [w.project.pk],
        },
        model=SupervisionVisit,
    ),
    ("service-logs", "list"): Row(),
    ("service-logs", "retrieve"): Row(target=lambda w: w.log),
    ("service-logs", "create"): Row(
        201,
        STAFF_WORK,
        payload=lambda w, _: {
            "project": w.project.pk,
            "on": iso(w.today),
            "kind": "utilities",
            "description": "接电",
        },
        model=ServiceLog,
    ),
    ("milestones", "list"): Row(),
    ("milestones", "retrieve"): Row(target=lambda w: w.milestone),
    ("milestones", "create"): Row(201, STAFF_WORK, payload=lambda w, _: milestone_body(w), model=Milestone),
    ("milestones", "update"): Row(200, STAFF_WORK, lambda w: w.milestone, milestone_body, Milestone),
    ("milestones", "partial_update"): Row(
        200, STAFF_WORK, lambda w: w.milestone, lambda w, _: {"done_on": iso(w.today)}, Milestone
    ),
    ("milestones", "plan"): Row(
        201,
        STAFF_WORK,
        payload=lambda w, _: {
            "project": w.new_project().pk,
            "target_production_on": iso(w.today + 400 * DAY),
        },
        model=Milestone,
    ),
    ("rankings", "list"): Row(scoped=False),
    ("bulletins", "list"): Row(scoped=False),
    ("bulletins", "retrieve"): Row(target=lambda w: w.bulletin, scoped=False),
    ("bulletins", "xlsx"): Row(target=lambda w: w.bulletin, scoped=False),
    ("bulletins", "html"): Row(target=lambda w: w.bulletin, scoped=False),
    # Without the PDF library and CJK fonts (the docker image has them) the PDF is a 404.
    ("bulletins", "pdf"): Row(200 if pdf_available() else 404, target=lambda w: w.bulletin, scoped=False),
    ("imports", "list"): Row(),
    ("imports", "retrieve"): Row(target=lambda w: w.ledger_import),
    ("imports", "rows"): Row(target=lambda w: w.ledger_import),
    # An upload names no record: its rows' regions are checked row by row (an error on the row).
    ("imports", "create"): Row(
        201,
        STAFF_WORK,
        payload=lambda w, _: {"file": w.ledger(), "kind": "projects"},
        model=LedgerImport,
        scoped=False,
    ),
    ("imports", "confirm"): Row(200, STAFF_WORK, lambda w: w.new_import(), model=LedgerImport),
    ("imports", "remap"): Row(
        200,
        STAFF_WORK,
        lambda w: w.new_import(),
        lambda w, record: {"mapping": record.mapping},
        LedgerImport,
    ),
}


ROUTES = api_routes()
CASES = [
    pytest.param(key, scope, id=f"{key[0]}-{key[1]}-{scope}")
    for key in MATRIX
    if key in ROUTES
    for scope in ("own", "other")
]


def test_every_endpoint_has_permission_expectations():
    missing = sorted(set(ROUTES) - set(MATRIX))
    assert not missing, "\n".join(
        f"endpoint {ROUTES[key].method.upper()} {ROUTES[key].url_path or '(collection)'} of {key[0]} "
        f"(action {key[1]}) has no permission expectations in MATRIX"
        for key in missing
    )
    unlisted = sorted({prefix for prefix, action in ROUTES if action == "list"} - set(LISTED))
    assert not unlisted, f"lists without a record to show in LISTED: {unlisted}"
    stale = sorted(set(MATRIX) - set(ROUTES))
    assert not stale, f"MATRIX rows for endpoints that do not exist: {stale}"


# --- the checks ------------------------------------------------------------------------------


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def visible_codes(user) -> set[str] | None:
    """Region codes a user may see; None for everything."""
    if user.region_id is None:
        return None
    return set(Region.objects.subtree(user.region).values_list("code", flat=True))


def row_region(prefix: str, row: dict) -> str:
    if prefix == "regions":
        return row["code"]
    if "region" in row:
        return row["region"]
    return Project.objects.get(pk=row["project"]).region.code


def snapshot(model, record=None):
    if record is None:
        return model.objects.count()
    return model.objects.filter(pk=record.pk).values().get()


def expected_status(row: Row, route: Route, role: Role, scope: str) -> int:
    if row.writers is not None and role not in row.writers:
        return 403  # the role may not take this move, wherever the record is
    in_scope = scope == "own" or role in CITY_ROLES or not row.scoped
    if in_scope:
        return row.success
    return 404 if route.detail else 400


def check_list(route: Route, row: Row, user, world: World, scope: str) -> list[str]:
    TALLY["probes"] += 1
    if route.prefix in UNREGIONED:
        response = client_for(user).get(route.url())
        return [] if response.status_code == 200 else [f"expected 200, got {response.status_code}"]
    response = client_for(user).get(route.url(), {"page_size": 500})
    if response.status_code != 200:
        return [f"expected 200, got {response.status_code}: {response.content[:300]!r}"]
    codes = [row_region(route.prefix, item) for item in response.json()["results"]]
    allowed = visible_codes(user) if row.scoped else None
    problems = []
    outside = [code for code in codes if allowed is not None and code not in allowed]
    if outside:
        TALLY["rows_leaked"] += len(outside)
        problems.append(f"lists {len(outside)} rows of regions {sorted(set(outside))} outside its own")
    # The rows of the region named by the scope are listed exactly when they are in scope.
    in_scope = scope == "own" or allowed is None
    if (world.region.code in codes) != in_scope:
        problems.append(f"rows of {world.region.code} {'missing' if in_scope else 'listed'}: {sorted(codes)}")
    return problems


def check_call(route: Route, row: Row, user, world: World, record, expected: int) -> list[str]:
    body = row.payload(world, record) if row.payload else None
    before = snapshot(row.model, record) if row.model else None
    client = client_for(user)
    TALLY["probes"] += 1
    if route.method == "get":
        response = client.get(route.url(record))
    else:
        # An upload is multipart, as a client sends a file; every other body is JSON.
        upload = body is not None and any(hasattr(value, "read") for value in body.values())
        response = getattr(client, route.method)(
            route.url(record), body, format="multipart" if upload else "json"
        )
    problems = []
    refused_but_answered = expected >= 400 and response.status_code < 400
    changed = row.model is not None and expected >= 400 and snapshot(row.model, record) != before
    if route.method != "get" and (refused_but_answered or changed):
        TALLY["writes_wrongly_allowed"] += 1
    elif refused_but_answered and expected == 404:
        TALLY["rows_leaked"] += 1  # another region's record read
    if response.status_code != expected:
        return [
            f"{route.method.upper()} {route.url(record)}: expected {expected}, "
            f"got {response.status_code}: {response.content[:400].decode(errors='replace')}"
        ]
    if expected == 400:
        # The field naming the other region's record (or region) is the one refused.
        fields = response.json().get("fields", {})
        if not set(fields) & {"project", "region", "leader", "projects"}:
            problems.append(f"400 for another reason than the other region: {fields}")
    if changed:
        problems.append(f"the refused {route.method.upper()} changed something")
    return problems


@pytest.mark.parametrize("key, scope", CASES)
def test_permission_matrix(key, scope, worlds, users):
    """Every role against the records of one region (own: the county users' region)."""
    row, route = MATRIX[key], ROUTES[key]
    world = worlds[scope]
    refused_record = None  # a refusal changes nothing, so refusals may share one record
    problems = []
    for role in ROLES:
        user = users[role]
        if route.action == "list":
            found = check_list(route, row, user, world, scope)
        else:
            expected = expected_status(row, route, role, scope)
            record = None
            if route.detail and expected < 300:
                record = row.target(world)  # a success changes the record: a fresh one each time
            elif route.detail:
                refused_record = refused_record or row.target(world)
                record = refused_record
            found = check_call(route, row, user, world, record, expected)
        problems += [f"{role.value} ({scope} region): {problem}" for problem in found]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("key", sorted(ROUTES), ids=lambda key: f"{key[0]}-{key[1]}")
def test_unauthenticated_requests_get_401(key, worlds):
    route = ROUTES[key]
    row = MATRIX.get(key)
    world = worlds["own"]
    record = (row.target(world) if row else world.project) if route.detail else None
    TALLY["probes"] += 1
    response = getattr(APIClient(), route.method)(route.url(record), {}, format="json")
    if response.status_code < 400:
        TALLY["writes_wrongly_allowed" if route.method != "get" else "rows_leaked"] += 1
    assert response.status_code == 401, response.content[:300]
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"] == "Token"


# --- writes that would move a record out of one's region --------------------------------------


def test_county_staff_cannot_move_a_project_into_another_region(worlds, users):
    project = worlds["own"].project
    response = client_for(users[STAFF]).patch(
        f"{API}/projects/{project.pk}/", {"region": worlds["other"].region.code}, format="json"
    )
    assert response.status_code == 400
    assert "region" in response.json()["fields"]
    project.refresh_from_db()
    assert project.region == worlds["own"].region


def test_county_staff_cannot_attach_another_regions_project(worlds, users):
    milestone, foreign = worlds["own"].milestone, worlds["other"].project
    response = client_for(users[STAFF]).patch(
        f"{API}/milestones/{milestone.pk}/", {"project": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    assert "project" in response.json()["fields"]
    milestone.refresh_from_db()
    assert milestone.project == worlds["own"].project


def test_county_leader_reads_only_own_region(worlds, users):
    client = client_for(users[COUNTY_LEADER])
    assert client.get(f"{API}/projects/{worlds['own'].project.pk}/").status_code == 200
    assert client.get(f"{API}/projects/{worlds['other'].project.pk}/").status_code == 404
    listed = {row["id"] for row in client.get(f"{API}/projects/").json()["results"]}
    assert worlds["own"].project.pk in listed and worlds["other"].project.pk not in listed


# Last in the module: the figure of the whole matrix above.
def test_api_matrix_figure(figure):
    if not TALLY["probes"]:
        pytest.skip("the matrix did not run (a selection without it)")
    figure("permission matrix, API", **TALLY.figures())
    assert TALLY["rows_leaked"] == 0 and TALLY["writes_wrongly_allowed"] == 0, TALLY
