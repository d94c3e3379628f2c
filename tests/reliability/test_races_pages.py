"""Races on every form of the staff pages: eight browsers at once posting the same conflicting thing.

Each writer is a signed-in browser (a session of its own) in a thread of its own, with its own
PostgreSQL connection. A page answers a successful POST with a redirect and a refusal with the form
again and its message, never a 500. As in the API's races (test_races.py): one winner where the
writers conflict, the winner's write stored, one history row per successful write, no duplicates.

The pages come from the URL configuration (tests/fixtures/routes.py): each named page is a form
raced here (POSTED), or a page that writes no record (READ_ONLY); a page added in neither fails
``test_every_page_is_raced_or_read_only``.
"""

import datetime

import pytest
from django.urls import reverse

from projects import services
from projects.choices import Stage
from projects.imports.models import ImportMapping, ImportStatus, LedgerImport, RowAction
from projects.models import InvestmentReport, Project
from supervision.choices import BulletinStatus, PeriodKind, RequestStatus
from supervision.models import (
    MilestoneTemplate,
    Problem,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
)
from supervision.models_ranking import Bulletin, BulletinRequest
from supervision.periods import period_containing
from supervision.ranking.bulletins import bulletin_generate
from tests.fixtures.api_projects import months_ago
from tests.fixtures.concurrency import (
    IDEMPOTENT,
    INDEPENDENT,
    PAGE,
    RACES,
    WRITERS,
    Race,
    each,
    figure_of,
    page_clients,
)
from tests.fixtures.routes import page_routes
from tests.fixtures.supervision import restore_milestone_templates

pytestmark = pytest.mark.usefixtures("english")

DAY = datetime.timedelta(days=1)
STALE = "Someone else changed this record while you were working on it"


def raced(test):
    """A race: real concurrency needs PostgreSQL's row locks, and committed data in every thread."""
    return pytest.mark.postgres(pytest.mark.django_db(transaction=True)(test))


@pytest.fixture
def users(county_staff, county_leader, city_admin):
    return {"staff": county_staff, "leader": county_leader, "admin": city_admin}


def page_race(name, user, data, *args) -> Race:
    """Eight browsers of ``user`` at once: writer i posts ``data(i)`` to the page ``name``."""
    url, clients = reverse(name, args=args), page_clients(user)
    return Race(f"page {name}", lambda i: clients[i].post(url, data(i)), via=PAGE)


# --- projects ------------------------------------------------------------------------------------


def project_form(w, project, i, **more):
    return {
        "name": f"项目{i}",
        "enterprise": project.enterprise_id if project else w.enterprise.pk,
        "region": w.region.pk,
        "industry": w.industry.pk,
        "is_manufacturing": "on",
        "planned_investment": "100000000",
        **more,
    }


def project_create(w, users):
    code = f"{w.region.code}-{w.today.year}-0555"
    race = page_race(
        "projects:create", users["staff"], lambda i: project_form(w, None, i, code=code, signed_on=w.today)
    )
    (winner,) = race.settle()
    projects = Project.objects.filter(code=code)
    race.rows(projects.count(), 1)
    race.final(projects.get().name, f"项目{winner}")
    assert projects.get().history.count() == 1 and projects.get().transitions.count() == 1


def project_edit(w, users):
    project = w.new_project()
    race = page_race(
        "projects:edit",
        users["staff"],
        lambda i: project_form(w, project, i, version=project.version),
        project.pk,
    )
    (winner,) = race.settle(says=STALE)
    project.refresh_from_db()
    race.final(project.name, f"项目{winner}")
    assert (project.version, project.history.count()) == (2, 2)


def project_move(name, record_of, data, expect):
    """A stage or status move of one project, posted by eight browsers at the same version."""

    def run(w, users):
        project = record_of(w)
        history = project.history.count()
        race = page_race(
            name, users["staff"], lambda i: {**data(w, i), "version": project.version}, project.pk
        )
        (winner,) = race.settle(says=STALE)
        project.refresh_from_db()
        assert project.history.count() == history + 1
        expected, trail = expect(project, winner)
        race.final(trail, expected)

    return run


def last_transition(project, winner):
    return f"第{winner}", project.transitions.order_by("-id").first().note


def last_status_change(project, winner):
    return f"第{winner}", project.status_changes.order_by("-id").first().reason


def cancelled(w):
    return services.project_cancel(project=w.new_project(), reason="企业撤资", by=w.staff)


def investment(w, users):
    project, month = w.new_project(), months_ago(w.today, 2)
    race = page_race(
        "projects:investment",
        users["staff"],
        lambda i: {"month": f"{month:%Y-%m}", "amount": f"{i + 1}00", "note": "", "version": ""},
        project.pk,
    )
    (winner,) = race.settle(says=STALE)
    reports = InvestmentReport.objects.filter(project=project)
    race.rows(reports.count(), 1)
    race.final(f"{reports.get().amount}", f"{(winner + 1) * 1_000_000}.00")  # typed in 10k yuan
    assert reports.get().history.count() == 1


PROJECT_PAGES = {
    "projects:create": project_create,
    "projects:edit": project_edit,
    "projects:advance": project_move(
        "projects:advance",
        lambda w: w.new_project(),
        lambda w, i: {"stage": Stage.LAND_SUPPLIED, "on": w.today, "note": f"第{i}"},
        last_transition,
    ),
    "projects:revert": project_move(
        "projects:revert", lambda w: w.land_supplied(), lambda w, i: {"reason": f"第{i}"}, last_transition
    ),
    "projects:cancel": project_move(
        "projects:cancel", lambda w: w.new_project(), lambda w, i: {"reason": f"第{i}"}, last_status_change
    ),
    "projects:reactivate": project_move(
        "projects:reactivate", cancelled, lambda w, i: {"reason": f"第{i}"}, last_status_change
    ),
    "projects:investment": investment,
}


@raced
def test_project_forms(world, users):
    each(PROJECT_PAGES, lambda name: PROJECT_PAGES[name](world, users))


# --- problem moves -------------------------------------------------------------------------------


# move: (the problem, who moves it, the form of writer i, what the refused are told)
PROBLEM_PAGES = {
    "assign": (
        lambda w: w.raised(),
        "leader",
        lambda w, p, i: {"unit": w.unit.pk, "due_on": w.today + (10 + i) * DAY, "note": f"第{i}"},
        STALE,
    ),
    "resolve": (lambda w: w.assigned(), "staff", lambda w, p, i: {"resolution": f"第{i}"}, STALE),
    "extend": (
        lambda w: w.assigned(),
        "staff",
        lambda w, p, i: {"due_on": p.due_on + (5 + i) * DAY, "reason": f"第{i}"},
        "waiting for a decision",  # asking changes the request, not the problem's version
    ),
    "verify": (lambda w: w.resolved(), "leader", lambda w, p, i: {"note": f"第{i}"}, STALE),
    "reopen": (lambda w: w.resolved(), "leader", lambda w, p, i: {"reason": f"第{i}"}, STALE),
    "decide_extension": (
        lambda w: w.extension_pending(),
        "leader",
        lambda w, p, i: {
            "request": p.extension_requests.get().pk,
            "decision": "approve" if i % 2 == 0 else "reject",
            "note": f"第{i}",
        },
        "already been decided",
    ),
}


@raced
def test_problem_move_forms(world, users):
    def run(move):
        problem_of, who, data, says = PROBLEM_PAGES[move]
        problem = problem_of(world)
        events = problem.events.count()
        race = page_race(
            f"supervision:problem_{move}",
            users[who],
            lambda i: {**data(world, problem, i), "version": problem.version},
            problem.pk,
        )
        (winner,) = race.settle(says=says)
        race.rows(problem.events.count(), events + 1)
        race.final(problem.events.order_by("-id").first().note, f"第{winner}")

    each(PROBLEM_PAGES, run)


# --- the work on a project -----------------------------------------------------------------------


def independent(name, model, data, text, *, on_project=True):
    """A create without a natural key: every writer's record is kept, with its history row."""

    def run(w, users):
        project, before = w.new_project(), model.objects.count()
        args = (project.pk,) if on_project else ()
        who = "leader" if model is SupervisionVisit else "staff"
        race = page_race(name, users[who], lambda i: data(w, project, i), *args)
        race.settle(winners=WRITERS, kind=INDEPENDENT)
        race.rows(model.objects.count(), before + WRITERS)
        created = model.objects.order_by("-id")[:WRITERS]
        race.final(sorted(getattr(r, text) for r in created), sorted(f"第{i}" for i in range(WRITERS)))
        # A visit's history row, then its projects' (simple_history's m2m row), as for a visit alone.
        rows = 2 if model is SupervisionVisit else 1
        assert all(record.history.count() == rows for record in created)

    return run


def milestone_edit(w, users):
    milestone = w.milestone
    race = page_race(
        "supervision:milestone_save",
        users["staff"],
        lambda i: {
            "milestone": milestone.pk,
            "version": milestone.version,
            "title": f"第{i}",
            "due_on": milestone.due_on,
            "order": 0,
        },
        w.project.pk,
    )
    (winner,) = race.settle(says=STALE)
    milestone.refresh_from_db()
    race.final(milestone.title, f"第{winner}")
    assert (milestone.version, milestone.history.count()) == (2, 2)


def plan_generate(w, users):
    restore_milestone_templates()
    project = w.new_project()
    race = page_race(
        "supervision:milestone_plan_generate",
        users["staff"],
        lambda i: {"target_production_on": w.today + 400 * DAY},
        project.pk,
    )
    # Every writer is sent back to the plan; the first one added it, the others nothing.
    race.settle(winners=WRITERS, kind=IDEMPOTENT)
    titles = sorted(project.milestones.values_list("title", flat=True))
    race.rows(len(titles), MilestoneTemplate.objects.count())
    race.final(titles, sorted(MilestoneTemplate.objects.values_list("name", flat=True)))


def team_form(w, users):
    project = w.new_project()
    race = page_race(
        "supervision:service_team_edit",
        users["staff"],
        lambda i: {"version": 0, "plan": f"第{i}"},
        project.pk,
    )
    (winner,) = race.settle(says=STALE)
    teams = ServiceTeam.objects.filter(project=project)
    race.rows(teams.count(), 1)
    race.final(teams.get().plan, f"第{winner}")
    assert teams.get().history.count() == 1


WORK_PAGES = {
    "supervision:problem_raise": independent(
        "supervision:problem_raise",
        Problem,
        lambda w, p, i: {"category": "land_use", "severity": "medium", "description": f"第{i}"},
        "description",
    ),
    "supervision:service_log_create": independent(
        "supervision:service_log_create",
        ServiceLog,
        lambda w, p, i: {"on": w.today, "kind": "utilities", "description": f"第{i}", "hours": "1"},
        "description",
    ),
    "supervision:visit_record": independent(
        "supervision:visit_record",
        SupervisionVisit,
        lambda w, p, i: {
            "on": w.today,
            "region": w.region.code,
            "leader": w.person.pk,
            "projects": [p.pk],
            "notes": f"第{i}",
        },
        "notes",
        on_project=False,
    ),
    "supervision:milestone_save": milestone_edit,
    "supervision:milestone_plan_generate": plan_generate,
    "supervision:service_team_edit": team_form,
}


@raced
def test_work_forms(world, users):
    each(WORK_PAGES, lambda name: WORK_PAGES[name](world, users))


# --- bulletins -----------------------------------------------------------------------------------


def last_week(w):
    return period_containing(PeriodKind.WEEKLY, w.today - 7 * DAY)


def bulletin_generate_page(w, users):
    """Eight requests for one period's draft: each generates it again (a rerun replaces, house
    rule 8); one bulletin, one request row, finished."""
    period = last_week(w)
    race = page_race(
        "supervision:bulletin_generate",
        users["admin"],
        lambda i: {"kind": "weekly", "date": w.today - 7 * DAY},
    )
    race.settle(winners=WRITERS, kind=IDEMPOTENT)
    bulletins = Bulletin.objects.filter(kind=period.kind, period_start=period.start)
    race.rows(bulletins.count(), 1)
    request = BulletinRequest.objects.get(kind=period.kind, period_start=period.start)
    race.final((request.status, request.bulletin_id), (RequestStatus.DONE, bulletins.get().pk))
    assert bulletins.get().history.count() == WRITERS  # each generation audited


def bulletin_publish_page(w, users):
    period = period_containing(PeriodKind.WEEKLY, w.today - 14 * DAY)
    draft = bulletin_generate(period=period, by=users["admin"], publish=False)
    race = page_race("supervision:bulletin_publish", users["admin"], lambda i: {}, draft.pk)
    race.settle(says="already published")
    draft.refresh_from_db()
    race.final(draft.status, BulletinStatus.PUBLISHED)
    assert draft.history.count() == 2  # generated, published once


def bulletin_correct_page(w, users):
    period = period_containing(PeriodKind.MONTHLY, w.today.replace(day=1) - DAY)
    published = bulletin_generate(period=period, by=users["admin"], publish=True)
    race = page_race(
        "supervision:bulletin_correct", users["admin"], lambda i: {"reason": f"第{i}"}, published.pk
    )
    (winner,) = race.settle(says="newer revision")
    revisions = Bulletin.objects.filter(kind=period.kind, period_start=period.start)
    race.rows(revisions.count(), 2)
    current = revisions.get(is_current=True)
    race.final((current.revision, current.reason), (2, f"第{winner}"))


BULLETIN_PAGES = {
    "supervision:bulletin_generate": bulletin_generate_page,
    "supervision:bulletin_publish": bulletin_publish_page,
    "supervision:bulletin_correct": bulletin_correct_page,
}


@raced
def test_bulletin_forms(world, users, eager_celery):
    # Eager: each request generates its bulletin in its own thread, as a worker would.
    each(BULLETIN_PAGES, lambda name: BULLETIN_PAGES[name](world, users))


# --- imports and the month-end report ---------------------------------------------------------------


def import_uploads(w, users):
    """Eight uploads of one file at once: eight imports, each previewed (an upload has no natural key)."""
    files, before = [w.ledger() for _ in range(WRITERS)], LedgerImport.objects.count()
    race = page_race(
        "projects:import_new", users["staff"], lambda i: {"kind": "projects", "unit": "wan", "file": files[i]}
    )
    race.settle(winners=WRITERS, kind=INDEPENDENT)
    race.rows(LedgerImport.objects.count(), before + WRITERS)
    created = LedgerImport.objects.order_by("-id")[:WRITERS]
    race.final(
        sorted((i.status, i.rows.filter(action=RowAction.NEW).count()) for i in created),
        [(ImportStatus.READY, 1)] * WRITERS,
    )


def import_mappings(w, users):
    """Eight users correcting one import's column matching at the version they saw: one preview
    again, the others the page again (400) with the stale message."""
    ledger_import = w.new_import()
    version = ledger_import.version
    form = {f"col_{index}": field for index, field in ledger_import.mapping.items()}
    race = page_race(
        "projects:import_mapping", users["staff"], lambda i: {**form, "version": version}, ledger_import.pk
    )
    race.settle(refused=(400,), says=STALE)
    ledger_import.refresh_from_db()
    race.rows(ledger_import.rows.filter(action=RowAction.NEW).count(), 1)
    race.final(
        (ledger_import.status, ledger_import.version, ImportMapping.objects.count()),
        (ImportStatus.READY, version + 1, 1),
    )


def import_confirms(w, users):
    """Eight confirms of one import: its projects written once; the others come back to the import's
    page told it changed (or is confirmed already), nothing written twice."""
    ledger_import = w.new_import()
    name, version = ledger_import.rows.get(action=RowAction.NEW).label, ledger_import.version
    url, clients = reverse("projects:import_confirm", args=[ledger_import.pk]), page_clients(users["staff"])
    race = Race(
        "page projects:import_confirm",
        lambda i: clients[i].post(url, {"version": version}, follow=True),
        via=PAGE,
    )
    race.settle(
        won=lambda answer: "Written: 1 new" in answer.content.decode(),
        idle=lambda answer: (
            STALE in answer.content.decode() or "confirmed already" in answer.content.decode()
        ),
    )
    race.rows(Project.objects.filter(name=name).count(), 1)
    ledger_import.refresh_from_db()
    race.final(ledger_import.status, ImportStatus.COMMITTED)


def month_end(w, users):
    """Eight staff saving one project's figure on the month-end grid, each from the grid as it was
    (no report yet): one is saved, the others see the stale message on the row."""
    project, month = w.new_project(), months_ago(w.today, 3)
    url, clients = f"{reverse('projects:monthly')}?month={month:%Y-%m}", page_clients(users["staff"])
    row = f"p{project.pk}"

    def send(i):
        return clients[i].post(
            url, {f"{row}-amount": f"{i + 1}", f"{row}-version": "0", f"initial-{row}-amount": ""}
        )

    race = Race("page projects:monthly", send, via=PAGE)
    (winner,) = race.settle(says=STALE)
    reports = InvestmentReport.objects.filter(project=project)
    race.rows(reports.count(), 1)
    race.final(f"{reports.get().amount}", f"{winner + 1}0000.00")
    assert reports.get().history.count() == 1


IMPORT_PAGES = {
    "projects:import_new": import_uploads,
    "projects:import_mapping": import_mappings,
    "projects:import_confirm": import_confirms,
    "projects:monthly": month_end,
}


@raced
def test_import_and_month_end_forms(world, users):
    each(IMPORT_PAGES, lambda name: IMPORT_PAGES[name](world, users))


# --- every page is raced or read-only, and the figure ---------------------------------------------


POSTED = {
    **{name: "test_project_forms" for name in PROJECT_PAGES},
    **{f"supervision:problem_{move}": "test_problem_move_forms" for move in PROBLEM_PAGES},
    **{name: "test_work_forms" for name in WORK_PAGES},
    **{name: "test_bulletin_forms" for name in BULLETIN_PAGES},
    **{name: "test_import_and_month_end_forms" for name in IMPORT_PAGES},
}
READ_ONLY = {
    # Pages that show records and write none.
    *("home", "projects:list", "projects:export", "projects:detail"),
    *("supervision:dashboard", "supervision:projects_without_team", "supervision:region"),
    *("supervision:problem_list", "supervision:problem_detail", "supervision:visit_list"),
    *("supervision:milestone_plan", "supervision:bulletin_list", "supervision:bulletin_detail"),
    *("projects:imports", "projects:import", "projects:import_file", "projects:import_progress"),
    *("projects:import_template", "projects:imports_export", "projects:monthly_export"),
    # They write the session or a cookie, no record: signing in and out, choosing the language.
    *("login", "logout", "set_language"),
}


def test_every_page_is_raced_or_read_only():
    pages = set(page_routes())
    unknown = sorted(pages - set(POSTED) - READ_ONLY)
    assert not unknown, f"pages neither raced in POSTED nor listed as READ_ONLY: {unknown}"
    assert not sorted((set(POSTED) | READ_ONLY) - pages), "POSTED or READ_ONLY names pages that do not exist"
    assert not set(POSTED) & READ_ONLY
    assert all(name in globals() for name in POSTED.values())


@pytest.mark.postgres
def test_the_figure(figure):
    races = [RACES.get(f"page {name}") for name in POSTED]
    if None in races:
        pytest.skip("not every race of this module ran (a selection of its tests)")
    figure("races: pages", **figure_of(races))
