"""``manage.py seed_demo``: a realistic data set that obeys every rule real data obeys, written once.

Projects with their history, then the supervision work on them (units, officials, teams,
visits, problems, service logs, milestones, stalled flags).

Seeding takes most of a minute, so the module seeds once inside a transaction that is
rolled back when the module is done; each test runs in a savepoint within it.
"""

import datetime
import importlib
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.test import override_settings
from django.utils import timezone

from projects.choices import Role, Stage, Status
from projects.models import (
    AnnualTarget,
    Industry,
    InvestmentReport,
    Project,
    Region,
    StageTransition,
    StatusChange,
    User,
)
from projects.validators import validate_credit_code
from supervision.choices import (
    ExtensionStatus,
    ProblemCategory,
    ProblemEventKind,
    ProblemStatus,
    ServiceKind,
    WarningColour,
)
from supervision.demo import project_data as demo_data
from supervision.models import (
    ExtensionRequest,
    Milestone,
    Person,
    Problem,
    ProblemEvent,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
    Unit,
)
from supervision.selectors import projects_without_complete_team
from supervision.warnings import milestone_warning

TODAY = datetime.date(2026, 6, 15)
INDUSTRIES_MIGRATION = importlib.import_module("projects.migrations.0007_national_industries")
RANKED_CODES = sorted(demo_data.REGIONS)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seed_output(django_db_setup, django_db_blocker):
    # The fast hasher the other tests use (conftest), so check_password() works in them.
    fast_hasher = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), transaction.atomic(), fast_hasher:
        # An earlier transactional test may have flushed the migrations' regions and industries.
        importlib.import_module("projects.migrations.0002_zhaoqing_regions").add_regions(apps, None)
        INDUSTRIES_MIGRATION.add_industries(apps, None)
        out = StringIO()
        call_command("seed_demo", f"--today={TODAY}", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(seed_output):
    return Project.objects.filter(code__startswith=demo_data.DEMO_CODE_PREFIX)


def row_counts() -> dict[str, int]:
    """Rows of every model of both apps (historical and m2m tables included), groups and users."""
    counts = {
        model._meta.label: model.objects.count()
        for app in ("projects", "supervision")
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    }
    counts["auth.Group"] = Group.objects.count()
    return counts


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def test_about_300_projects_unevenly_over_all_ranked_regions(demo, seed_output):
    assert 280 <= demo.count() <= 320
    per_region = Counter(demo.values_list("region__code", flat=True))
    assert sorted(per_region) == RANKED_CODES
    assert set(Region.objects.ranked().values_list("code", flat=True)) == set(RANKED_CODES)
    assert max(per_region.values()) >= 3 * min(per_region.values())
    assert "Projects: " in seed_output and "zhaoqing-demo" in seed_output


def test_every_stage_occurs_and_dates_are_plausible(demo):
    assert set(demo.values_list("stage", flat=True)) == set(Stage.values)
    for project in demo:
        dates = [project.stage_date(s) for s in Stage if project.stage_date(s) is not None]
        assert dates == sorted(dates)
        assert TODAY - datetime.timedelta(days=730) <= project.signed_on <= dates[-1] <= TODAY
        assert project.first_contact_on < project.signed_on
        assert project.park is None or project.park.region_id == project.region_id


def test_stage_history_replays_to_the_current_stage(demo):
    reverts = 0
    for project in demo.prefetch_related("transitions"):
        chain = sorted(project.transitions.all(), key=lambda t: t.id)
        first, *moves = chain
        assert (first.from_stage, first.to_stage, first.on) == ("", Stage.SIGNED, project.signed_on)
        stage, dates = Stage.SIGNED, {Stage.SIGNED: first.on}
        for move in moves:
            assert move.from_stage == stage
            to = Stage(move.to_stage)
            if to == stage.next:
                assert dates[stage] <= move.on <= TODAY
                dates[to] = move.on
            else:
                assert to == stage.previous and move.note
                del dates[stage]
                assert move.on == dates[to]
                reverts += 1
            stage = to
        assert stage == project.stage
        assert dates == {s: project.stage_date(s) for s in Stage if project.stage_date(s) is not None}
        stamps = [t.at for t in chain]
        assert stamps == sorted(stamps)  # "recorded at" follows the order of the moves
    assert reverts >= 3


def test_enterprises_have_valid_credit_codes_of_their_region(demo):
    codes = []
    for project in demo.select_related("enterprise", "region"):
        code = project.enterprise.credit_code
        try:
            validate_credit_code(code)
        except ValidationError as exc:  # pragma: no cover - the message names the bad code
            pytest.fail(f"{project.enterprise.name}: {code}: {exc.messages}")
        assert code[2:8] == project.region.code
        codes.append(code)
    assert len(set(codes)) == len(codes)


def test_the_demo_files_its_projects_under_the_migrations_industries(demo):
    """The strategic industries of the migration are reused, not duplicated; the demo's own
    (traditional industries the articles do not name) sit under their GB/T 4754 division."""
    national = {row[0] for row in INDUSTRIES_MIGRATION.STRATEGIC}
    own = {code: division for code, *_, division in demo_data.DEMO_INDUSTRIES}
    used = Counter(demo.values_list("industry__code", flat=True))
    assert set(used) <= national | set(own)
    assert used["intelligent-equipment"] > 0 and used["energy-storage"] > 0
    for code, division in own.items():
        assert Industry.objects.get(code=code).parent.code == division
    assert Industry.objects.filter(name__in=["新能源汽车", "生物医药(南药)"]).count() == 0


def test_major_and_cancelled_projects(demo):
    major = demo.filter(is_major=True)
    assert 0.04 <= major.count() / demo.count() <= 0.15
    assert all(p.planned_investment >= Decimal("1e9") for p in major)
    assert demo.filter(planned_investment__lt=Decimal("1e7")).exists()
    cancelled = demo.filter(status=Status.CANCELLED)
    assert cancelled.count() == 6
    assert (
        StatusChange.objects.filter(project__in=cancelled, to_status=Status.CANCELLED)
        .exclude(reason="")
        .count()
        == 6
    )


def test_investment_reports_follow_land_supply(demo):
    reports = InvestmentReport.objects.filter(project__in=demo).select_related("project")
    assert reports.count() > 1500
    this_month = TODAY.replace(day=1)
    for report in reports:
        project = report.project
        assert report.amount > 0
        assert project.signed_on.replace(day=1) < report.month <= this_month
        assert report.amount <= project.planned_investment
    # Some projects skipped a month (their months are not contiguous).
    gaps = 0
    for project in demo.prefetch_related("investment_reports"):
        months = sorted(r.month for r in project.investment_reports.all())
        gaps += any(
            (b.year - a.year) * 12 + b.month - a.month > 1 for a, b in zip(months, months[1:], strict=False)
        )
    assert gaps > 10


def test_stalled_projects_are_flagged_with_their_reason(demo):
    """The daily check ran as of TODAY: unmoved for 180+ days, nothing reported for 3 months."""
    quiet_since = (TODAY.replace(day=1) - datetime.timedelta(days=40)).replace(day=1)
    stalled = demo.filter(status=Status.STALLED)
    assert stalled.count() >= 6
    for project in stalled:
        assert project.stage in (Stage.LAND_SUPPLIED, Stage.STARTED)
        assert (TODAY - project.stage_date(project.stage_enum)).days > 180
        assert not project.investment_reports.filter(month__gte=quiet_since, amount__gt=0).exists()
        change = project.status_changes.get()
        assert (change.from_status, change.to_status, change.by) == (Status.ACTIVE, Status.STALLED, None)
        assert change.reason and local_day(change.at) == TODAY


def test_targets_for_two_years_with_differing_completion(seed_output):
    targets = AnnualTarget.objects.all()
    assert sorted(set(targets.values_list("year", flat=True))) == [TODAY.year - 1, TODAY.year]
    assert targets.count() == 2 * len(RANKED_CODES)
    rates = set()
    for target in targets.filter(year=TODAY.year - 1).select_related("region"):
        assert 0 < target.investment_h1 <= target.investment
        done = sum(
            r.amount
            for r in InvestmentReport.objects.filter(
                project__region=target.region, month__year=target.year
            ).exclude(project__status=Status.CANCELLED)
        )
        rates.add(round(done / target.investment, 2))
    assert len(rates) >= 6


def test_one_login_per_role(seed_output):
    expected = {
        "city_admin": (Role.CITY_ADMIN, None),
        "city_leader": (Role.CITY_LEADER, None),
        "leader_duanzhou": (Role.COUNTY_LEADER, "441202"),
        **{f"staff_{spec['slug']}": (Role.COUNTY_STAFF, code) for code, spec in demo_data.REGIONS.items()},
    }
    assert "staff_sihui" in expected and "staff_deqing" in expected
    for username, (role, region_code) in expected.items():
        user = User.objects.get(username=username)
        assert [g.name for g in user.groups.all()] == [role.value]
        assert (user.region.code if user.region else None) == region_code
        assert user.is_staff
        assert user.is_superuser == (role == Role.CITY_ADMIN)
        assert username in seed_output
    assert User.objects.get(username="staff_duanzhou").check_password(demo_data.DEMO_PASSWORD)


def test_second_run_changes_nothing(seed_output):
    before = row_counts()
    assert before["supervision.Problem"] >= 100 and before["supervision.HistoricalProblem"] > 300
    watched = (StageTransition, Problem, ProblemEvent, ExtensionRequest, Milestone, ServiceTeam)
    rows = {model: list(model.objects.order_by("id").values()) for model in watched}
    out = StringIO()
    call_command("seed_demo", f"--today={TODAY}", stdout=out)
    assert "demo data already present" in out.getvalue()
    assert "staff_duanzhou" in out.getvalue()
    assert row_counts() == before
    for model, values in rows.items():
        assert list(model.objects.order_by("id").values()) == values, model


def test_if_empty_does_nothing_when_projects_exist(seed_output):
    """Nothing is written, but the logins are listed (``make run`` shows them every time)."""
    before = row_counts()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert out.getvalue().startswith("Demo logins (14)")
    assert "staff_duanzhou" in out.getvalue() and "seeded" not in out.getvalue()
    assert row_counts() == before


def test_if_empty_on_a_database_without_demo_logins_says_so(seed_output):
    User.objects.update(username=Concat(Value("real_"), "username"))
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert out.getvalue() == "No demo logins in this database (it was not seeded by seed_demo).\n"


def test_today_in_the_future_is_refused(seed_output):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(CommandError, match="future"):
        call_command("seed_demo", f"--today={tomorrow}", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("seed_demo", "--today=15.06.2026", stdout=StringIO())


# ---- supervision ------------------------------------------------------------------------


def test_summary_counts_the_supervision_data(seed_output):
    for heading in ("Five-one teams:", "Supervision visits:", "Problems:", "Service logs:", "Milestones:"):
        assert heading in seed_output
    assert "Stalled projects flagged:" in seed_output


def test_units_and_officials(demo):
    for code in RANKED_CODES:
        region = Region.objects.get(code=code)
        names = set(Unit.objects.filter(region=region).values_list("name", flat=True))
        assert {f"{region.name}自然资源局", f"{region.name}投资促进局", f"{region.name}供电局"} <= names
        titles = list(Person.objects.filter(region=region).values_list("title", flat=True))
        assert titles.count("首席服务官") >= 1 and titles.count("企业服务专员") >= 1
    assert Unit.objects.filter(region__isnull=True).count() >= 3
    assert Person.objects.get(user__username="leader_duanzhou").title == "副区长"
    assert Person.objects.get(user__username="city_leader").region is None


def test_problems_in_every_status_and_category(demo):
    problems = Problem.objects.filter(project__in=demo)
    assert 130 <= problems.count() <= 200
    statuses = Counter(problems.values_list("status", flat=True))
    assert set(statuses) == set(ProblemStatus.values)
    assert statuses[ProblemStatus.RAISED] >= 3 and statuses[ProblemStatus.RESOLVED] >= 3
    assert set(problems.values_list("category", flat=True)) == set(ProblemCategory.values)
    assert problems.overdue(TODAY).filter(status=ProblemStatus.ASSIGNED).count() >= 3
    assert problems.filter(status=ProblemStatus.ASSIGNED, due_on__gte=TODAY).exists()
    assert not problems.filter(project__status=Status.CANCELLED).exists()
    oldest = problems.order_by("raised_on").first().raised_on
    assert TODAY - datetime.timedelta(days=366) <= oldest <= TODAY - datetime.timedelta(days=250)


def test_problem_timelines_replay_in_order(demo):
    """Each timeline starts with "raised", is dated and recorded in order, and ends in the current status."""
    leaders = {Role.COUNTY_LEADER, Role.CITY_LEADER, Role.CITY_ADMIN}
    problems = Problem.objects.filter(project__in=demo).prefetch_related("events")
    for problem in problems.select_related("verified_by", "project"):
        events = list(problem.events.all())
        assert events[0].kind == ProblemEventKind.RAISED and events[0].on == problem.raised_on
        assert [e.on for e in events] == sorted(e.on for e in events)
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert all(local_day(e.at) == e.on <= TODAY for e in events)
        assert events[-1].to_status == problem.status
        assert local_day(problem.created_at) == problem.raised_on
        assert problem.project.signed_on <= problem.raised_on
        if problem.status == ProblemStatus.VERIFIED:
            assert problem.verified_by_id != problem.resolved_by_id
            assert {g.name for g in problem.verified_by.groups.all()} & leaders


def test_reopened_problems_keep_their_history(demo):
    reopened = Problem.objects.filter(project__in=demo, events__kind=ProblemEventKind.REOPENED).distinct()
    assert reopened.count() >= 3
    for problem in reopened:
        kinds = list(problem.events.values_list("kind", flat=True))
        reopen = kinds.index(ProblemEventKind.REOPENED)
        assert ProblemEventKind.RESOLVED in kinds[:reopen]
        assert problem.status in (ProblemStatus.ASSIGNED, ProblemStatus.RESOLVED, ProblemStatus.VERIFIED)
    assert reopened.filter(status=ProblemStatus.ASSIGNED).exists()


def test_extension_requests_approved_and_rejected(demo):
    requests = ExtensionRequest.objects.filter(problem__project__in=demo).select_related("problem")
    decided = Counter(requests.values_list("status", flat=True))
    assert decided[ExtensionStatus.APPROVED] >= 1 and decided[ExtensionStatus.REJECTED] >= 1
    for request in requests:
        problem = request.problem
        assert request.decided_by is not None and request.requested_at <= request.decided_at
        assert local_day(request.decided_at) <= TODAY
        if request.status == ExtensionStatus.APPROVED:
            assert problem.due_on == request.due_on
        else:
            assert problem.due_on < request.due_on


def test_five_one_teams_complete_incomplete_and_missing(demo):
    live = demo.exclude(status=Status.CANCELLED)
    teams = ServiceTeam.objects.filter(project__in=demo)
    complete = teams.complete()
    assert 0.7 <= complete.count() / live.count() <= 0.9
    assert teams.count() - complete.count() >= 10  # a member, the unit or the plan missing
    assert live.filter(service_team__isnull=True).count() >= 10
    assert all(team.is_complete for team in complete)
    lacking = projects_without_complete_team(demo)
    assert (
        lacking.count()
        == demo.filter(status=Status.ACTIVE).count() - complete.filter(project__status=Status.ACTIVE).count()
    )
    for team in complete.select_related("project", "county_leader", "specialist"):
        assert team.county_leader.region_id == team.project.region_id
        assert team.specialist.title == "企业服务专员"


def test_visits_in_every_region_with_linked_problems(demo):
    visits = SupervisionVisit.objects.filter(region__code__in=RANKED_CODES).prefetch_related("projects")
    first_month = (TODAY.replace(day=1) - datetime.timedelta(days=5 * 31)).replace(day=1)
    assert all(first_month <= v.on <= TODAY for v in visits)
    per_region = Counter(v.region.code for v in visits.select_related("region"))
    assert sorted(per_region) == RANKED_CODES
    assert min(per_region.values()) >= 10
    for visit in visits.select_related("leader"):
        projects = list(visit.projects.all())
        assert 1 <= len(projects) <= 5
        assert {p.region_id for p in projects} == {visit.region_id}
        assert visit.leader.region_id == visit.region_id
    linked = Problem.objects.filter(project__in=demo, visit__isnull=False).select_related("visit")
    assert linked.count() >= 20
    for problem in linked:
        assert problem.raised_on == problem.visit.on
        assert problem.visit.projects.filter(pk=problem.project_id).exists()


def test_service_logs_over_the_projects_lives(demo):
    logs = ServiceLog.objects.filter(project__in=demo).select_related("project")
    assert logs.count() >= 2 * demo.count()
    assert set(logs.values_list("kind", flat=True)) == set(ServiceKind.values)
    for log in logs:
        assert log.project.signed_on <= log.on <= TODAY
        assert Decimal("0.5") <= log.hours <= Decimal("8")
        assert log.person is not None and log.person.region_id == log.project.region_id
    assert len({log.project_id for log in logs}) >= 0.8 * demo.count()


def test_milestones_in_all_three_colours(demo):
    milestones = Milestone.objects.filter(project__in=demo).with_warning(TODAY).select_related("project")
    colours = Counter(m.warning for m in milestones)
    assert set(colours) == set(WarningColour.values)
    assert min(colours.values()) >= 30
    for milestone in milestones:
        assert milestone.warning == milestone_warning(
            due_on=milestone.due_on, done_on=milestone.done_on, today=TODAY
        )
        assert milestone.project.stage_enum.index < Stage.IN_PRODUCTION.index
        assert milestone.done_on is None or milestone.done_on <= TODAY
        assert milestone.due_on.weekday() < 5
    done = [m for m in milestones if m.done_on]
    assert any(m.done_on <= m.due_on for m in done) and any(m.done_on > m.due_on for m in done)


def test_supervision_is_added_to_a_demo_database_seeded_without_it(demo):
    """A demo database from before supervision existed gets that part on the next run."""
    problems = Problem.objects.filter(project__in=demo)
    before = problems.count()
    problems.delete()
    SupervisionVisit.objects.all().delete()
    for model in (ServiceTeam, ServiceLog, Milestone):
        model.objects.filter(project__in=demo).delete()
    out = StringIO()
    call_command("seed_demo", f"--today={TODAY}", stdout=out)
    assert "supervision data added" in out.getvalue()
    assert abs(problems.count() - before) <= 20
    assert ServiceTeam.objects.filter(project__in=demo).exists()
    assert Milestone.objects.filter(project__in=demo).exists()
