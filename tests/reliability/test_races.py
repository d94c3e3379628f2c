"""Races on every write operation of /api/v1/: eight clients at once doing the same conflicting thing.

Each writer is an API client in a thread of its own, with its own PostgreSQL connection, released
together (tests/fixtures/concurrency.py). A conflicting race has exactly one winner; every other
writer is refused with a 400, 409 or 412 in the API's error shape, never a 500; the stored row is
the winner's write; one history row per successful write; no duplicate rows. Creates of records
that have no natural key (a problem, a visit, a service log, a milestone) keep every writer's own
record instead, each with its history row.

The operations come from the routers (tests/fixtures/routes.py): one added without a race in
COVERED fails ``test_every_write_operation_has_a_race``. The pages' forms and the services that no
request reaches are raced in test_races_pages.py and test_races_services.py.
"""

import datetime

import pytest

from projects import services
from projects.choices import Stage, Status
from projects.imports.models import ImportMapping, ImportStatus, LedgerImport, RowAction
from projects.models import AnnualTarget, Enterprise, Industry, InvestmentReport, Project
from supervision.choices import ExtensionStatus, ProblemEventKind
from supervision.models import (
    ExtensionRequest,
    Milestone,
    Problem,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
    Unit,
)
from tests.fixtures.api_projects import CREDIT_CODE, months_ago
from tests.fixtures.concurrency import INDEPENDENT, RACES, SERIAL, WRITERS, Race, api_clients, each, figure_of
from tests.fixtures.routes import API, api_writes
from tests.fixtures.supervision import restore_milestone_templates

pytestmark = pytest.mark.usefixtures("english")

DAY = datetime.timedelta(days=1)
WRITES = api_writes()


def raced(test):
    """A race: real concurrency needs PostgreSQL's row locks, and committed data in every thread."""
    return pytest.mark.postgres(pytest.mark.django_db(transaction=True)(test))


@pytest.fixture
def users(county_staff, county_leader, city_admin):
    return {"staff": county_staff, "leader": county_leader, "admin": city_admin}


def path(key) -> str:
    return f"API {WRITES[key].method.upper()} {key[0]} {key[1]}"


def api_race(key, user, body, record=None, format="json", **headers) -> Race:
    """Eight clients of ``user`` at once: writer i sends ``body(i)`` to the operation ``key``
    (``format="multipart"`` for an upload)."""
    route, clients = WRITES[key], api_clients(user)
    url = route.url(record)
    return Race(
        path(key), lambda i: getattr(clients[i], route.method)(url, body(i), format=format, **headers)
    )


def read(user, key, record) -> dict:
    """The record as the API shows it now (an industry is named by its code)."""
    name = record.code if isinstance(record, Industry) else record.pk
    response = api_clients(user, 1)[0].get(f"{API}/{key[0]}/{name}/")
    assert response.status_code == 200, response.content
    return response.json()


# --- the same If-Match: one winner, the others 412 ----------------------------------------------


def project_put(w, i):
    project = w.project
    return {
        "name": f"写入者{i}的项目",
        "enterprise": {"id": project.enterprise_id},
        "region": w.region.code,
        "industry": w.industry.code,
        "planned_investment": "120000000.00",
        "signed_on": project.signed_on.isoformat(),
    }


def report_put(w, i):
    return {"project": w.project.pk, "month": f"{w.report.month:%Y-%m}", "amount": f"{100 + i}.00"}


def target_put(w, i):
    target = w.target
    return {
        "region": w.region.code,
        "year": target.year,
        "investment": f"{3000 + i}.00",
        "investment_h1": "8.00",
    }


def milestone_put(w, i):
    return {"project": w.project.pk, "title": f"节点{i}", "due_on": (w.today + 40 * DAY).isoformat()}


# (prefix, action): (who writes, the record, the body of writer i, the field compared with the winner's)
SAME_IF_MATCH = {
    ("projects", "update"): ("staff", lambda w: w.project, project_put, "name"),
    ("projects", "partial_update"): ("staff", lambda w: w.project, lambda w, i: {"name": f"项目{i}"}, "name"),
    ("projects", "revert"): (
        "staff",
        lambda w: w.land_supplied(),
        lambda w, i: {"reason": f"误录{i}"},
        "stage",
    ),
    ("investment-reports", "update"): ("staff", lambda w: w.report, report_put, "amount"),
    ("investment-reports", "partial_update"): (
        "staff",
        lambda w: w.report,
        lambda w, i: {"amount": f"{200 + i}.00"},
        "amount",
    ),
    ("targets", "update"): ("admin", lambda w: w.target, target_put, "investment"),
    ("targets", "partial_update"): (
        "admin",
        lambda w: w.target,
        lambda w, i: {"investment": f"{4000 + i}.00"},
        "investment",
    ),
    ("service-teams", "update"): (
        "staff",
        lambda w: w.team,
        lambda w, i: {"project": w.project.pk, "unit": w.unit.pk, "plan": f"每周走访{i}"},
        "plan",
    ),
    ("service-teams", "partial_update"): (
        "staff",
        lambda w: w.team,
        lambda w, i: {"plan": f"每月走访{i}"},
        "plan",
    ),
    ("milestones", "update"): ("staff", lambda w: w.milestone, milestone_put, "title"),
    ("milestones", "partial_update"): (
        "staff",
        lambda w: w.milestone,
        lambda w, i: {"title": f"节点{i}"},
        "title",
    ),
    ("enterprises", "update"): (
        "admin",
        lambda w: w.enterprise,
        lambda w, i: {"name": f"肇庆写入者{i}有限公司", "credit_code": ""},
        "name",
    ),
    ("enterprises", "partial_update"): (
        "admin",
        lambda w: w.enterprise,
        lambda w, i: {"name": f"肇庆改名{i}有限公司"},
        "name",
    ),
    # An industry of its own: the world's industry is named in its ledgers by its Chinese name.
    ("industries", "update"): (
        "admin",
        lambda w: raced_industry("race-put"),
        lambda w, i: {"code": "race-put", "name": f"整体改名产业{i}", "name_en": f"put {i}"},
        "name",
    ),
    ("industries", "partial_update"): (
        "admin",
        lambda w: raced_industry("race-patch"),
        lambda w, i: {"name": f"部分改名产业{i}"},
        "name",
    ),
    ("units", "update"): (
        "admin",
        lambda w: w.unit,
        lambda w, i: {"name": f"写入者{i}局", "name_en": f"bureau {i}", "region": w.region.code},
        "name",
    ),
    ("units", "partial_update"): ("admin", lambda w: w.unit, lambda w, i: {"name": f"改名{i}局"}, "name"),
    ("problems", "assign"): (
        "leader",
        lambda w: w.raised(),
        lambda w, i: {"unit": w.unit.pk, "due_on": (w.today + (10 + i) * DAY).isoformat()},
        "due_on",
    ),
}


def raced_industry(code) -> Industry:
    return Industry.objects.get_or_create(code=code, defaults={"name": f"竞赛产业{code}"})[0]


@raced
def test_writes_with_the_same_if_match_have_one_winner(world, users):
    def run(key):
        who, record_of, body, field = SAME_IF_MATCH[key]
        record = record_of(world)
        record.refresh_from_db()  # the world's records are kept: read the version the last race left
        version, history = record.version, record.history.count()
        bodies = [body(world, i) for i in range(WRITERS)]

        race = api_race(key, users[who], bodies.__getitem__, record, HTTP_IF_MATCH=f'"{version}"')

        (winner,) = race.settle(refused=(412,), says="changed")
        stored = read(users[who], key, record)
        race.final(stored[field], bodies[winner].get(field, race.answers[winner].json()[field]))
        assert stored["version"] == version + 1
        assert record.history.count() == history + 1

    each(SAME_IF_MATCH, run)


# --- natural keys: one record, the others refused ------------------------------------------------


def reports_of_one_project_and_month(w, users):
    """Issue 11, defect 3: the later POST used to overwrite the earlier one and answer 201 too."""
    key, project, month = ("investment-reports", "create"), w.new_project(), months_ago(w.today, 1)

    def body(i):
        return {"project": project.pk, "month": f"{month:%Y-%m}", "amount": f"{i + 1}.00"}

    race = api_race(key, users["staff"], body)

    (winner,) = race.settle(refused=(409,), says="already has a report for this month")
    assert all("month" in a.json()["fields"] for i, a in enumerate(race.answers) if i != winner)
    reports = InvestmentReport.objects.filter(project=project)
    race.rows(reports.count(), 1)
    report = reports.get()
    race.final((report.pk, f"{report.amount}"), (race.answers[winner].json()["id"], f"{winner + 1}.00"))
    assert (report.version, report.history.count()) == (1, 1)


def targets_of_one_region_and_year(w, users):
    key, year = ("targets", "create"), w.today.year + 1

    def body(i):
        return {"region": w.region.code, "year": year, "investment": f"{50 + i}.00", "investment_h1": "1.00"}

    race = api_race(key, users["admin"], body)

    (winner,) = race.settle(refused=(409,), says="already has a target for this year")
    targets = AnnualTarget.objects.filter(region=w.region, year=year)
    race.rows(targets.count(), 1)
    race.final(f"{targets.get().investment}", f"{50 + winner}.00")
    assert (targets.get().version, targets.get().history.count()) == (1, 1)


def service_teams_of_one_project(w, users):
    key, project = ("service-teams", "create"), w.new_project()

    race = api_race(key, users["staff"], lambda i: {"project": project.pk, "plan": f"服务方案{i}"})

    (winner,) = race.settle(refused=(409,), says="already has a service team")
    teams = ServiceTeam.objects.filter(project=project)
    race.rows(teams.count(), 1)
    race.final(teams.get().plan, f"服务方案{winner}")
    assert (teams.get().version, teams.get().history.count()) == (1, 1)


def project_body(w, i, **code):
    return {
        **code,
        "name": f"项目{i}",
        "enterprise": {"id": w.enterprise.pk},
        "region": w.region.code,
        "industry": w.industry.code,
        "planned_investment": "100000000.00",
        "signed_on": w.today.isoformat(),
    }


def projects_with_one_code(w, users):
    key, code = ("projects", "create"), f"{w.region.code}-{w.today.year}-0777"

    race = api_race(key, users["staff"], lambda i: project_body(w, i, code=code))

    (winner,) = race.settle()
    projects = Project.objects.filter(code=code)
    race.rows(projects.count(), 1)
    race.final(projects.get().name, f"项目{winner}")
    assert projects.get().history.count() == 1 and projects.get().transitions.count() == 1


def the_default_plan_of_one_project(w, users):
    """Eight writers ask for the reverse schedule at once: it is added once; the others add nothing."""
    restore_milestone_templates()
    key, project = ("milestones", "plan"), w.new_project()

    def body(i):
        return {"project": project.pk, "target_production_on": (w.today + 400 * DAY).isoformat()}

    race = api_race(key, users["staff"], body)

    (winner,) = race.settle(
        won=lambda answer: answer.status_code == 201 and answer.json() != [],
        idle=lambda answer: answer.status_code == 201 and answer.json() == [],
    )
    plan = sorted(milestone["id"] for milestone in race.answers[winner].json())
    milestones = Milestone.objects.filter(project=project)
    race.rows(milestones.count(), len(plan))
    race.final(sorted(milestones.values_list("id", flat=True)), plan)
    assert all(m.history.count() == 1 for m in milestones)


def one_reference_row(key, model, body, **natural_key):
    """Eight admins adding the same reference row (its natural key in ``natural_key``): one is
    added, the others are told it exists; never a 500."""

    def run(w, users):
        race = api_race(key, users["admin"], lambda i: body(w, i))
        (winner,) = race.settle()
        rows = model.objects.filter(**natural_key)
        race.rows(rows.count(), 1)
        race.final(rows.get().name, body(w, winner)["name"])
        assert rows.get().history.count() == 1

    return run


NATURAL_KEYS = {
    ("investment-reports", "create"): reports_of_one_project_and_month,
    ("targets", "create"): targets_of_one_region_and_year,
    ("service-teams", "create"): service_teams_of_one_project,
    ("projects", "create"): projects_with_one_code,
    ("milestones", "plan"): the_default_plan_of_one_project,
    ("enterprises", "create"): one_reference_row(
        ("enterprises", "create"),
        Enterprise,
        lambda w, i: {"name": f"肇庆同码{i}有限公司", "credit_code": CREDIT_CODE},
        credit_code=CREDIT_CODE,
    ),
    ("industries", "create"): one_reference_row(
        ("industries", "create"),
        Industry,
        lambda w, i: {"code": "race-new", "name": f"新增产业{i}"},
        code="race-new",
    ),
    ("units", "create"): one_reference_row(
        ("units", "create"),
        Unit,
        lambda w, i: {"name": "竞赛供电局", "name_en": f"writer {i}", "region": w.region.code},
        name="竞赛供电局",
    ),
}


@raced
def test_creates_of_one_natural_key_make_one_record(world, users):
    each(NATURAL_KEYS, lambda key: NATURAL_KEYS[key](world, users))


# --- moves: the first one made, the others refused by the state it left ----------------------------


# (prefix, action): (the record, who moves it, the body of writer i, what the refused are told)
MOVES = {
    ("projects", "advance"): (
        lambda w: w.new_project(),
        "staff",
        lambda w, i: {"stage": Stage.LAND_SUPPLIED, "on": w.today.isoformat(), "note": f"供地{i}"},
        "it can only advance to",
    ),
    ("problems", "resolve"): (
        lambda w: w.assigned(),
        "staff",
        lambda w, i: {"resolution": f"已协调{i}"},
        "cannot be",
    ),
    ("problems", "verify"): (
        lambda w: w.resolved(),
        "leader",
        lambda w, i: {"note": f"核实{i}"},
        "cannot be",
    ),
    ("problems", "reopen"): (
        lambda w: w.resolved(),
        "leader",
        lambda w, i: {"reason": f"仍未到位{i}"},
        "cannot be",
    ),
    ("problems", "extend"): (
        lambda w: w.assigned(),
        "staff",
        lambda w, i: {"due_on": (w.today + (30 + i) * DAY).isoformat(), "reason": f"等待批复{i}"},
        "waiting for a decision",
    ),
    ("problems", "decide_extension"): (
        lambda w: w.extension_pending(),
        "leader",
        lambda w, i: {"approve": i % 2 == 0, "note": f"决定{i}"},
        "already been decided",
    ),
}


def timeline(record):
    """The entries a move adds: a project's stage transitions, a problem's events."""
    return record.transitions if isinstance(record, Project) else record.events


@raced
def test_one_move_of_one_record_has_one_winner(world, users):
    def run(key):
        record_of, who, body, says = MOVES[key]
        record = record_of(world)
        entries, history = timeline(record).count(), record.history.count()
        bodies = [body(world, i) for i in range(WRITERS)]

        race = api_race(key, users[who], bodies.__getitem__, record)

        (winner,) = race.settle(says=says)
        race.rows(timeline(record).count(), entries + 1)
        text = next(v for k, v in bodies[winner].items() if k in {"resolution", "note", "reason"})
        race.final(timeline(record).order_by("-id").first().note, text)
        # A change of the record writes its history row; asking for an extension changes only the
        # request, and a rejection only the request too.
        changed = key[1] != "extend" and bodies[winner].get("approve", True)
        assert record.history.count() == history + changed
        if key[1] in ("extend", "decide_extension"):
            request = ExtensionRequest.objects.get(problem=record)
            if key[1] == "extend":
                assert request.due_on.isoformat() == bodies[winner]["due_on"]
            else:
                decided = ExtensionStatus.APPROVED if bodies[winner]["approve"] else ExtensionStatus.REJECTED
                assert request.status == decided

    each(MOVES, run)


# --- creates without a natural key: every writer's record is kept ---------------------------------


# (prefix, action): (the model, who writes, the body of writer i, the text field, history rows of one)
INDEPENDENT_CREATES = {
    ("problems", "create"): (
        Problem,
        "staff",
        lambda w, i: {"project": w.project.pk, "category": "land_use", "description": f"供电容量不足{i}"},
        "description",
        1,
    ),
    ("visits", "create"): (
        SupervisionVisit,
        "leader",
        lambda w, i: {
            "on": w.today.isoformat(),
            "region": w.region.code,
            "leader": w.person.pk,
            "projects": [w.project.pk],
            "notes": f"督导{i}",
        },
        "notes",
        2,  # the visit's row, then its projects' (simple_history's m2m row), as for a visit alone
    ),
    ("service-logs", "create"): (
        ServiceLog,
        "staff",
        lambda w, i: {
            "project": w.project.pk,
            "on": w.today.isoformat(),
            "kind": "utilities",
            "description": f"接电{i}",
        },
        "description",
        1,
    ),
    ("milestones", "create"): (
        Milestone,
        "staff",
        lambda w, i: {
            "project": w.project.pk,
            "title": f"环评{i}",
            "due_on": (w.today + 40 * DAY).isoformat(),
        },
        "title",
        1,
    ),
}
CODE_ASSIGNED = "API POST projects create (code assigned)"


@raced
def test_creates_without_a_natural_key_keep_every_record(world, users):
    def run(key):
        model, who, body, text, history = INDEPENDENT_CREATES[key]
        _ = world.project, world.person  # written before the race, not by it
        bodies, before = [body(world, i) for i in range(WRITERS)], model.objects.count()

        race = api_race(key, users[who], bodies.__getitem__)

        race.settle(winners=WRITERS, kind=INDEPENDENT)
        created = model.objects.filter(pk__in=[answer.json()["id"] for answer in race.answers])
        race.rows(model.objects.count(), before + WRITERS)
        race.final(sorted(created.values_list(text, flat=True)), sorted(body[text] for body in bodies))
        assert all(record.history.count() == history for record in created)
        if model is Problem:
            assert all(p.events.filter(kind=ProblemEventKind.RAISED).count() == 1 for p in created)

    each(INDEPENDENT_CREATES, run)


@raced
def test_projects_without_a_code_each_get_their_own(world, users):
    """The code is assigned after the region's last one: writers of one region must not all take
    the same number (all but one used to be refused: "conflicts with one saved at the same moment")."""
    clients = api_clients(users["staff"])
    race = Race(
        CODE_ASSIGNED, lambda i: clients[i].post(f"{API}/projects/", project_body(world, i), format="json")
    )

    race.settle(winners=WRITERS, kind=INDEPENDENT)
    codes = sorted(answer.json()["code"] for answer in race.answers)
    race.rows(len(set(codes)), WRITERS)
    race.final(codes, [f"{world.region.code}-{world.today.year}-{n:04d}" for n in range(1, WRITERS + 1)])


# --- a project's status: one cancel, one reactivation -----------------------------------------------


def cancelled(w) -> Project:
    project = w.new_project()
    services.project_cancel(project=project, reason="准备重新启用", by=w.admin)
    return project


# (prefix, action): (the project, the status it ends in)
STATUS_MOVES = {
    ("projects", "cancel"): (lambda w: w.new_project(), Status.CANCELLED),
    ("projects", "reactivate"): (cancelled, Status.ACTIVE),
}


@raced
def test_one_status_change_of_a_project_has_one_winner(world, users):
    """Eight cancels of one project, with the same If-Match and without: one is made, the others
    are refused (412 with it, 400 by the status it left without), one status change is kept."""

    def run(case):
        key, if_match = case
        project_of, to = STATUS_MOVES[key]
        project = project_of(world)
        changes, version = project.status_changes.count(), project.version
        headers = {"HTTP_IF_MATCH": f'"{version}"'} if if_match else {}

        race = api_race(key, users["staff"], lambda i: {"reason": f"理由{i}"}, project, **headers)
        RACES[f"{race.path} (If-Match)" if if_match else race.path] = race.record

        (winner,) = race.settle(refused=(412,) if if_match else (400, 409))
        race.rows(project.status_changes.count(), changes + 1)
        project.refresh_from_db()
        race.final((project.status, project.status_changes.latest("id").reason), (to, f"理由{winner}"))
        assert project.version == version + 1

    each([(key, if_match) for key in STATUS_MOVES for if_match in (True, False)], run)


# --- imports: each upload its own; one confirm writes; remaps leave one mapping --------------------


def upload_body(w):
    """Writer i's upload of the same ledger: a file object of its own (one is read to its end)."""
    files = [w.ledger() for _ in range(WRITERS)]
    return lambda i: {"file": files[i], "kind": "projects"}


def uploads_of_one_file(w, users):
    key, before = ("imports", "create"), LedgerImport.objects.count()
    race = api_race(key, users["staff"], upload_body(w), format="multipart")
    race.settle(winners=WRITERS, kind=INDEPENDENT)
    created = LedgerImport.objects.filter(pk__in=[answer.json()["id"] for answer in race.answers])
    race.rows(LedgerImport.objects.count(), before + WRITERS)
    race.final(
        sorted((i.status, i.rows.filter(action=RowAction.NEW).count()) for i in created),
        [(ImportStatus.READY, 1)] * WRITERS,
    )


def confirms_of_one_import(w, users):
    """Issue 11: eight confirms of one ready import write its projects once; the others are told
    it is confirmed already."""
    key, ledger_import = ("imports", "confirm"), w.new_import()
    assert ledger_import.status == ImportStatus.READY, ledger_import.error
    name = ledger_import.rows.get(action=RowAction.NEW).label

    race = api_race(key, users["staff"], lambda i: {}, ledger_import)

    (winner,) = race.settle(refused=(400, 409), says="confirmed already")
    race.rows(Project.objects.filter(name=name).count(), 1)
    ledger_import.refresh_from_db()
    race.final(ledger_import.status, ImportStatus.COMMITTED)
    assert race.answers[winner].json()["status"] == ImportStatus.COMMITTED


def remaps_of_one_import(w, users):
    """Eight remaps with the same mapping at once: each previews again in turn; the import keeps
    one set of rows and the bureau one remembered mapping."""
    key, ledger_import = ("imports", "remap"), w.new_import()
    mapping, version = dict(ledger_import.mapping), ledger_import.version

    race = api_race(key, users["staff"], lambda i: {"mapping": mapping}, ledger_import)

    race.settle(winners=WRITERS, kind=SERIAL)
    ledger_import.refresh_from_db()
    race.rows(ledger_import.rows.filter(action=RowAction.NEW).count(), 1)
    race.final(
        (ledger_import.status, ledger_import.version, ImportMapping.objects.count()),
        (ImportStatus.READY, version + WRITERS, 1),
    )

    # With the version read before them in If-Match: one remap is made, the others are told (412).
    version, serial = ledger_import.version, race.record
    race = api_race(
        key, users["staff"], lambda i: {"mapping": mapping}, ledger_import, HTTP_IF_MATCH=f'"{version}"'
    )
    RACES[f"{race.path} (If-Match)"], RACES[race.path] = race.record, serial
    race.settle(refused=(412,), says="changed")
    ledger_import.refresh_from_db()
    race.rows(ledger_import.rows.filter(action=RowAction.NEW).count(), 1)
    race.final((ledger_import.status, ledger_import.version), (ImportStatus.READY, version + 1))


IMPORTS = {
    ("imports", "create"): uploads_of_one_file,
    ("imports", "confirm"): confirms_of_one_import,
    ("imports", "remap"): remaps_of_one_import,
}


@raced
def test_imports_race(world, users):
    each(IMPORTS, lambda key: IMPORTS[key](world, users))


# --- every write operation has its race, and the figure -------------------------------------------


COVERED = {
    **{key: "test_writes_with_the_same_if_match_have_one_winner" for key in SAME_IF_MATCH},
    **{key: "test_creates_of_one_natural_key_make_one_record" for key in NATURAL_KEYS},
    **{key: "test_one_move_of_one_record_has_one_winner" for key in MOVES},
    **{key: "test_creates_without_a_natural_key_keep_every_record" for key in INDEPENDENT_CREATES},
    **{key: "test_one_status_change_of_a_project_has_one_winner" for key in STATUS_MOVES},
    **{key: "test_imports_race" for key in IMPORTS},
}


def test_every_write_operation_has_a_race():
    missing = sorted(set(WRITES) - set(COVERED))
    assert not missing, "\n".join(
        f"{WRITES[key].method.upper()} {key[0]} {WRITES[key].url_path or '(collection)'} (action {key[1]}) "
        "has no race in COVERED"
        for key in missing
    )
    assert not sorted(set(COVERED) - set(WRITES)), "COVERED names operations that do not exist"
    assert all(name in globals() for name in COVERED.values())


@pytest.mark.postgres
def test_the_figure(figure):
    names = [
        *map(path, COVERED),
        CODE_ASSIGNED,
        *(f"{path(key)} (If-Match)" for key in [*STATUS_MOVES, ("imports", "remap")]),
    ]
    races = [RACES.get(name) for name in names]
    if None in races:
        pytest.skip("not every race of this module ran (a selection of its tests)")
    figure("races: API", **figure_of(races))
