"""Races on the named writes that no page or API request of the staff reaches: the admin's reference
rows, tokens and ranking schemes, and the daily jobs. Eight calls at once, each in a thread with its
own PostgreSQL connection, as eight admins saving at once or two beat processes by mistake.

Every public function of the service modules is listed in SERVICES with the race that covers it
(here, in test_races.py or test_races_pages.py, or an older race of the suite elsewhere) or as a
read; a function added in neither fails ``test_every_service_function_is_raced_or_a_read``.
"""

import datetime
import importlib
import inspect
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail

from projects import services
from projects.choices import Role, Status
from projects.imports.models import ImportStatus, LedgerImport
from projects.imports.preview import build_preview
from projects.models import ApiToken, Enterprise, StatusChange, User
from projects.rollups import rollup_mismatches, rollup_rebuild
from projects.tokens import token_create, token_revoke
from projects.users import user_create
from supervision import services as supervision_services
from supervision import units
from supervision.choices import ServiceKind
from supervision.models import Person, Reminder, Unit
from supervision.models_ranking import RankingScheme
from supervision.ranking.schemes import ranking_scheme_set
from supervision.reminders import send_overdue_reminders
from supervision.stalled import detect_stalled
from tests.fixtures.api_projects import CREDIT_CODE
from tests.fixtures.concurrency import (
    IDEMPOTENT,
    INDEPENDENT,
    RACES,
    SERIAL,
    SERVICE,
    WRITERS,
    Race,
    each,
    figure_of,
)

pytestmark = pytest.mark.usefixtures("english")

DAY = datetime.timedelta(days=1)
TESTS = Path(__file__).resolve().parents[1]


def raced(test):
    """A race: real concurrency needs PostgreSQL's row locks, and committed data in every thread."""
    return pytest.mark.postgres(pytest.mark.django_db(transaction=True)(test))


def service_race(name, call) -> Race:
    return Race(f"service {name}", call, via=SERVICE)


def one_each(model, pk):
    """A copy of the row for each writer, as each read it on its own page."""
    return [model.objects.get(pk=pk) for _ in range(WRITERS)]


def serial(race, record, field, history):
    """Records without a version: every write applied, one after the other (a write waits for the
    row's lock), each in the history; the row stored is the last one written."""
    race.settle(winners=WRITERS, kind=SERIAL)
    assert record.history.count() == history + WRITERS
    record.refresh_from_db()
    race.final(getattr(record, field), getattr(record.history.order_by("-history_id").first(), field))


# --- the admin's reference rows, tokens and ranking schemes ---------------------------------------


def enterprise_create(w):
    race = service_race(
        "projects.services.enterprise_create",
        lambda i: services.enterprise_create(name=f"企业{i}", credit_code=CREDIT_CODE, by=w.admin),
    )
    (winner,) = race.settle()
    race.rows(Enterprise.objects.filter(credit_code=CREDIT_CODE).count(), 1)
    race.final(Enterprise.objects.get(credit_code=CREDIT_CODE).name, f"企业{winner}")


def enterprise_update(w):
    copies, history = one_each(Enterprise, w.enterprise.pk), w.enterprise.history.count()
    race = service_race(
        "projects.services.enterprise_update",
        lambda i: services.enterprise_update(enterprise=copies[i], name=f"企业{i}", by=w.admin),
    )
    serial(race, w.enterprise, "name", history)


def unit_create(w):
    race = service_race(
        "supervision.units.unit_create",
        lambda i: units.unit_create(name="端州区供电局", name_en=f"writer {i}", region=w.region, by=w.admin),
    )
    (winner,) = race.settle()
    race.rows(Unit.objects.filter(name="端州区供电局").count(), 1)
    race.final(Unit.objects.get(name="端州区供电局").name_en, f"writer {winner}")


def unit_update(w):
    copies, history = one_each(Unit, w.unit.pk), w.unit.history.count()
    race = service_race(
        "supervision.units.unit_update",
        lambda i: units.unit_update(unit=copies[i], name=f"单位{i}", region=w.region, by=w.admin),
    )
    serial(race, w.unit, "name", history)


def person_create(w):
    """One login is one official: eight admins linking the same user, one of them does."""
    race = service_race(
        "supervision.units.person_create",
        lambda i: units.person_create(name=f"官员{i}", region=w.region, user=w.staff, by=w.admin),
    )
    (winner,) = race.settle()
    race.rows(Person.objects.filter(user=w.staff).count(), 1)
    race.final(Person.objects.get(user=w.staff).name, f"官员{winner}")


def person_update(w):
    copies, history = one_each(Person, w.person.pk), w.person.history.count()
    race = service_race(
        "supervision.units.person_update",
        lambda i: units.person_update(person=copies[i], name=f"官员{i}", region=w.region, by=w.admin),
    )
    serial(race, w.person, "name", history)


def visit_update(w):
    visit = w.visit
    copies, history = one_each(type(visit), visit.pk), visit.history.count()
    race = service_race(
        "supervision.services.visit_update",
        lambda i: supervision_services.visit_update(
            visit=copies[i],
            on=visit.on,
            region=w.region,
            leader=w.person,
            projects=[w.project],
            notes=f"第{i}",
            by=w.admin,
        ),
    )
    serial(race, visit, "notes", history)


def service_log_update(w):
    log = w.log
    copies, history = one_each(type(log), log.pk), log.history.count()
    race = service_race(
        "supervision.services.service_log_update",
        lambda i: supervision_services.service_log_update(
            log=copies[i], on=log.on, kind=ServiceKind.FILING, description=f"第{i}", by=w.staff
        ),
    )
    serial(race, log, "description", history)


def token_create_race(w):
    race = service_race(
        "projects.tokens.token_create",
        lambda i: token_create(user=w.staff, name=f"同步{i}", by=w.admin)[0].pk,
    )
    race.settle(winners=WRITERS, kind=INDEPENDENT)
    race.rows(ApiToken.objects.filter(user=w.staff).count(), WRITERS)
    race.final(sorted(ApiToken.objects.values_list("pk", flat=True)), sorted(race.answers))


def token_revoke_race(w):
    token, _raw = token_create(user=w.staff, name="待撤销", by=w.admin)
    copies = one_each(ApiToken, token.pk)
    race = service_race(
        "projects.tokens.token_revoke", lambda i: token_revoke(token=copies[i], by=w.admin).revoked_at
    )
    # Every writer is told the token is revoked; the first revoked it, the others found it so.
    race.settle(winners=WRITERS, kind=IDEMPOTENT)
    token.refresh_from_db()
    race.final(set(race.answers), {token.revoked_at})
    assert token.history.count() == 2  # created, revoked once


def scheme_create(w):
    race = service_race(
        "supervision.ranking.schemes.ranking_scheme_set",
        lambda i: ranking_scheme_set(year=2030, weights={"started": Decimal(10 + i)}, by=w.admin),
    )
    (winner,) = race.settle()
    scheme = RankingScheme.objects.get(year=2030)
    race.rows(RankingScheme.objects.filter(year=2030).count(), 1)
    race.final(list(scheme.weights.values_list("weight", flat=True)), [Decimal(10 + winner)])
    assert (scheme.version, scheme.history.count()) == (1, 1)


def scheme_change(w):
    scheme = ranking_scheme_set(year=2031, weights={"started": Decimal(10)}, by=w.admin)
    race = service_race(
        "supervision.ranking.schemes.ranking_scheme_set (same version)",
        lambda i: ranking_scheme_set(
            year=2031, weights={"completed": Decimal(20 + i)}, by=w.admin, version=1
        ),
    )
    (winner,) = race.settle(says="changed this record first")
    scheme.refresh_from_db()
    race.final(dict(scheme.weights.values_list("indicator", "weight")), {"completed": Decimal(20 + winner)})
    assert (scheme.version, scheme.history.count()) == (2, 2)


def user_create_race(w):
    """Eight admins creating one account at once (``manage.py create_user`` run twice): one user."""
    race = service_race(
        "projects.users.user_create",
        lambda i: user_create(
            username="race-user", role=Role.COUNTY_STAFF, region=w.region, first_name=f"写入者{i}", by=w.admin
        ),
    )
    (winner,) = race.settle(says="already exists")
    users = User.objects.filter(username__iexact="race-user")
    race.rows(users.count(), 1)
    race.final(users.get().first_name, f"写入者{winner}")
    assert list(users.get().groups.values_list("name", flat=True)) == [Role.COUNTY_STAFF]


def previews_of_one_import(w):
    """Eight previews of one import at once (remaps, or a remap and the job): each reads the file and
    rewrites the import's rows in turn; one set of rows is left, each row once."""
    ledger_import = w.new_import()
    copies, version = one_each(LedgerImport, ledger_import.pk), ledger_import.version
    rows = sorted(ledger_import.rows.values_list("number", "action"))
    race = service_race(
        "projects.imports.preview.build_preview", lambda i: build_preview(copies[i], user=w.staff).version
    )
    race.settle(winners=WRITERS, kind=SERIAL)
    ledger_import.refresh_from_db()
    race.rows(ledger_import.rows.count(), len(rows))
    race.final(
        (sorted(ledger_import.rows.values_list("number", "action")), ledger_import.status),
        (rows, ImportStatus.READY),
    )
    # Each preview read the version the one before it left.
    assert sorted(race.answers) == list(range(version + 1, version + WRITERS + 1))


REFERENCE_ROWS = {
    "projects.services.enterprise_create": enterprise_create,
    "projects.services.enterprise_update": enterprise_update,
    "supervision.units.unit_create": unit_create,
    "supervision.units.unit_update": unit_update,
    "supervision.units.person_create": person_create,
    "supervision.units.person_update": person_update,
    "supervision.services.visit_update": visit_update,
    "supervision.services.service_log_update": service_log_update,
    "projects.tokens.token_create": token_create_race,
    "projects.tokens.token_revoke": token_revoke_race,
    "supervision.ranking.schemes.ranking_scheme_set": scheme_create,
    "supervision.ranking.schemes.ranking_scheme_set (same version)": scheme_change,
    "projects.users.user_create": user_create_race,
    "projects.imports.preview.build_preview": previews_of_one_import,
}


@raced
def test_reference_rows_tokens_and_schemes(world):
    each(REFERENCE_ROWS, lambda name: REFERENCE_ROWS[name](world))


# --- the daily jobs, run twice at once ------------------------------------------------------------


def stalled_flags(w):
    """Eight runs of the daily check at once flag each stalled project once, and all finish."""
    stalled = [w.new_project(signed_on=w.today - 400 * DAY) for _ in range(3)]
    race = service_race("supervision.stalled.detect_stalled", lambda i: detect_stalled(today=w.today))
    race.settle(winners=WRITERS, kind=IDEMPOTENT)
    flags = StatusChange.objects.filter(project__in=stalled, to_status=Status.STALLED)
    race.rows(flags.count(), len(stalled))
    race.final(sorted({pk for run in race.answers for pk in run.flagged}), sorted(p.pk for p in stalled))


def stalled_unflags(w):
    """A stalled project that reported investment: eight runs at once bring it back once."""
    project = w.new_project(signed_on=w.today - 400 * DAY)
    services.project_mark_stalled(project=project, reason="半拉子")
    services.investment_report(project=project, month=w.today, amount=Decimal("10.00"), by=w.staff)
    race = service_race(
        "supervision.stalled.detect_stalled (unflag)", lambda i: detect_stalled(today=w.today)
    )
    race.settle(winners=WRITERS, kind=IDEMPOTENT)
    back = StatusChange.objects.filter(project=project, to_status=Status.ACTIVE)
    race.rows(back.count(), 1)
    project.refresh_from_db()
    race.final(project.status, Status.ACTIVE)


def reminders(w, make_user):
    """Two workers sending the day's reminders at once: each recipient gets one e-mail."""
    leader = make_user(Role.COUNTY_LEADER, region=w.region, username="leader-mail")
    leader.email, w.staff.email = "leader@duanzhou.example.cn", "staff@duanzhou.example.cn"
    leader.save()
    w.staff.save()
    problem = w.raised()
    supervision_services.problem_assign(
        problem=problem,
        unit=w.unit,
        assignee=w.staff,
        due_on=w.today - DAY,
        on=w.today - 20 * DAY,
        by=w.admin,
    )
    mail.outbox = []
    race = service_race(
        "supervision.reminders.send_overdue_reminders", lambda i: send_overdue_reminders(today=w.today)
    )
    race.settle(winners=WRITERS, kind=IDEMPOTENT)
    race.rows(Reminder.objects.count(), 2)
    race.final(sorted(m.to[0] for m in mail.outbox), sorted([leader.email, w.staff.email]))
    assert sum(race.answers) == 2


def rollups(w):
    project = w.new_project()
    for months in range(1, 4):
        month = (w.today.replace(day=1) - months * 28 * DAY).replace(day=1)
        services.investment_report(project=project, month=month, amount=Decimal(f"{months}00.00"), by=w.staff)
    race = service_race("projects.rollups.rollup_rebuild", lambda i: rollup_rebuild())
    race.settle(winners=WRITERS, kind=IDEMPOTENT)
    race.final(rollup_mismatches(), [])


@raced
def test_daily_jobs_run_twice_at_once(world, make_user):
    jobs = {
        "supervision.stalled.detect_stalled": stalled_flags,
        "supervision.stalled.detect_stalled (unflag)": stalled_unflags,
        "supervision.reminders.send_overdue_reminders": lambda w: reminders(w, make_user),
        "projects.rollups.rollup_rebuild": rollups,
    }
    each(jobs, lambda name: jobs[name](world))


# --- every service function is raced or a read, and the figure ------------------------------------


API = "tests/reliability/test_races.py"
PAGES = "tests/reliability/test_races_pages.py"
HERE = "tests/reliability/test_races_services.py"
IF_MATCH = f"{API}::test_writes_with_the_same_if_match_have_one_winner"
NATURAL_KEY = f"{API}::test_creates_of_one_natural_key_make_one_record"
MOVE = f"{API}::test_one_move_of_one_record_has_one_winner"
NO_KEY = f"{API}::test_creates_without_a_natural_key_keep_every_record"
CODES = f"{API}::test_projects_without_a_code_each_get_their_own"
IMPORTS = f"{API}::test_imports_race"
ROWS = f"{HERE}::test_reference_rows_tokens_and_schemes"
JOBS = f"{HERE}::test_daily_jobs_run_twice_at_once"
SERVICES = {
    # projects/services.py
    "projects.services.enterprise_create": ROWS,
    "projects.services.enterprise_update": ROWS,
    "projects.services.project_create": CODES,
    "projects.services.project_update": IF_MATCH,
    "projects.services.project_cancel": f"{PAGES}::test_project_forms",
    "projects.services.project_reactivate": f"{PAGES}::test_project_forms",
    "projects.services.project_mark_stalled": JOBS,
    "projects.services.project_unmark_stalled": JOBS,
    "projects.services.investment_report": NATURAL_KEY,
    "projects.services.target_set": NATURAL_KEY,
    "projects.services.next_project_code": None,
    "projects.services.first_of_month": None,
    # projects/lifecycle.py
    "projects.lifecycle.advance": MOVE,
    "projects.lifecycle.revert": IF_MATCH,
    "projects.lifecycle.record_creation": CODES,
    # projects/tokens.py
    "projects.tokens.token_create": ROWS,
    "projects.tokens.token_revoke": ROWS,
    "projects.tokens.hash_token": None,
    # projects/rollups.py: the deltas are written by the reports' service, in its transaction.
    "projects.rollups.rollup_add": (
        "tests/ranking/test_rollup.py::test_concurrent_reports_keep_the_rollup_exact"
    ),
    "projects.rollups.rollup_move_project": f"{PAGES}::test_project_forms",
    "projects.rollups.rollup_rebuild": JOBS,
    "projects.rollups.raw_totals": None,
    "projects.rollups.rollup_mismatches": None,
    # supervision/services.py
    "supervision.services.problem_raise": NO_KEY,
    "supervision.services.problem_assign": IF_MATCH,
    "supervision.services.problem_resolve": MOVE,
    "supervision.services.problem_verify": MOVE,
    "supervision.services.problem_reopen": MOVE,
    "supervision.services.problem_request_extension": MOVE,
    "supervision.services.problem_decide_extension": MOVE,
    "supervision.services.visit_record": NO_KEY,
    "supervision.services.visit_update": ROWS,
    "supervision.services.service_team_save": NATURAL_KEY,
    "supervision.services.service_log_record": NO_KEY,
    "supervision.services.service_log_update": ROWS,
    # supervision/milestones.py
    "supervision.milestones.milestone_save": IF_MATCH,
    "supervision.milestones.milestone_plan_generate": NATURAL_KEY,
    # supervision/units.py
    "supervision.units.unit_create": ROWS,
    "supervision.units.unit_update": ROWS,
    "projects.services.investment_month_figures": f"{PAGES}::test_import_and_month_end_forms",
    "projects.lifecycle.advance_through": IMPORTS,  # a confirmed import's new project, at its stage
    "projects.industries.industry_create": NATURAL_KEY,
    "projects.industries.industry_update": IF_MATCH,
    "projects.industries.division_ids": None,
    "projects.users.user_create": ROWS,
    # An import: uploads, remaps and confirms raced through the API and the pages; the preview,
    # which a remap and the job both run, raced here; the commit is reached only by a confirm.
    "projects.imports.services.import_create": IMPORTS,
    "projects.imports.services.import_remap": IMPORTS,
    "projects.imports.services.import_confirm": IMPORTS,
    "projects.imports.services.may_import": None,
    "projects.imports.services.may_import_any": None,
    "projects.imports.preview.build_preview": ROWS,
    "projects.imports.preview.progress_key": None,
    "projects.imports.preview.progress": None,
    "projects.imports.preview.bureau_of": None,
    "projects.imports.preview.remembered_mapping": None,
    "projects.imports.commit.commit_now": IMPORTS,
    "projects.imports.commit.apply_rows": IMPORTS,
    "projects.imports.commit.mark_committed": IMPORTS,
    "projects.imports.commit.record_refusals": IMPORTS,
    "supervision.units.person_create": ROWS,
    "supervision.units.person_update": ROWS,
    # the daily jobs
    "supervision.stalled.detect_stalled": JOBS,
    "supervision.reminders.send_overdue_reminders": JOBS,
    # supervision/ranking/bulletins.py and schemes.py
    "supervision.ranking.bulletins.bulletin_generate": (
        "tests/ranking/test_bulletins.py::test_concurrent_generations_make_one_bulletin"
    ),
    "supervision.ranking.bulletins.bulletin_request": f"{PAGES}::test_bulletin_forms",
    "supervision.ranking.bulletins.bulletin_publish": f"{PAGES}::test_bulletin_forms",
    "supervision.ranking.bulletins.bulletin_revise": f"{PAGES}::test_bulletin_forms",
    "supervision.ranking.bulletins.finish_requested_bulletins": (
        "tests/ranking/test_catch_up.py::test_concurrent_sweeps_make_one_bulletin_per_period"
    ),
    "supervision.ranking.bulletins.catch_up_bulletins": (
        "tests/ranking/test_catch_up.py::test_concurrent_sweeps_make_one_bulletin_per_period"
    ),
    "supervision.ranking.bulletins.previous_bulletin": None,
    "supervision.ranking.bulletins.bulletin_rows": None,
    "supervision.ranking.bulletins.overdue_periods": None,
    "supervision.ranking.bulletins.first_recorded_on": None,
    "supervision.ranking.schemes.ranking_scheme_set": ROWS,
    "supervision.ranking.schemes.can_set_schemes": None,
    "supervision.ranking.schemes.clean_weights": None,
}
# The modules whose functions write: every public function of theirs is in SERVICES (None: a read).
SERVICE_MODULES = sorted({name.rsplit(".", 1)[0] for name in SERVICES})


def writing_modules() -> set[str]:
    """The modules of the apps that write through the audit's save or in a transaction of their own
    (not the interfaces that call them: views, API, admin, commands, demo data)."""
    skipped = {"migrations", "admin", "views", "api", "demo", "management"}
    found = set()
    for app in ("projects", "supervision", "zhaoqing_tracker"):
        for file in (TESTS.parent / app).rglob("*.py"):
            relative = file.relative_to(TESTS.parent)
            text = file.read_text()
            if skipped & set(relative.parts) or relative.name == "audit.py":
                continue
            if "save_audited(" in text or "transaction.atomic" in text:
                found.add(".".join(relative.with_suffix("").parts))
    return found


def test_every_service_function_is_raced_or_a_read():
    unlisted = sorted(writing_modules() - set(SERVICE_MODULES))
    assert not unlisted, f"modules that write, without their functions in SERVICES: {unlisted}"
    functions = {
        f"{module}.{name}"
        for module in SERVICE_MODULES
        for name, value in vars(importlib.import_module(module)).items()
        if inspect.isfunction(value) and value.__module__ == module and not name.startswith("_")
    }
    assert not sorted(functions - set(SERVICES)), "functions neither raced nor listed as reads in SERVICES"
    assert not sorted(set(SERVICES) - functions), "SERVICES names functions that do not exist"
    for where in filter(None, SERVICES.values()):
        file, test = where.split("::")
        assert f"def {test}(" in (TESTS.parent / file).read_text(), f"{where} does not exist"


@pytest.mark.postgres
def test_the_figure(figure):
    names = ["supervision.stalled.detect_stalled (unflag)", *REFERENCE_ROWS]
    names += ["supervision.stalled.detect_stalled", "supervision.reminders.send_overdue_reminders"]
    races = [RACES.get(f"service {name}") for name in [*names, "projects.rollups.rollup_rebuild"]]
    if None in races:
        pytest.skip("not every race of this module ran (a selection of its tests)")
    writes = [name for name, where in SERVICES.items() if where]
    elsewhere = [name for name in writes if not SERVICES[name].startswith("tests/reliability/")]
    figure("races: services", **figure_of(races), raced_by_older_tests=len(elsewhere))
