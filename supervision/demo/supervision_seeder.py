"""The supervision work on the demo projects: units, officials, five-one teams, visits,
problems, service logs and reverse-scheduled milestones, with the stalled projects flagged.

Written through supervision.services only (house rule 2); the "recorded at" timestamps,
which the services set to "now", are moved back to each write's simulated day afterwards.
"""

import calendar
import datetime
import random
from collections import defaultdict
from decimal import Decimal

from projects.choices import Role, Stage, Status
from projects.models import Project, StatusChange
from supervision import services as supervision_services
from supervision import units
from supervision.choices import ProblemEventKind, ServiceKind, Severity
from supervision.demo import DAY, SEED, demo_projects, month_range, supervision_data
from supervision.demo.clock import Clock
from supervision.demo.problems import ProblemPlan, plan_problems
from supervision.demo.users import users_by_region
from supervision.milestones import milestone_plan_generate, milestone_save
from supervision.models import (
    ExtensionRequest,
    Milestone,
    MilestoneTemplate,
    Person,
    Problem,
    ProblemEvent,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
    Unit,
)
from supervision.periods import add_months, is_working_day
from supervision.stalled import detect_stalled

# Target production date of a project not yet in production: days after its current stage's
# date. The targets are ambitious ("Zhaoqing speed"), so many projects run behind them.
TARGET_PRODUCTION_DAYS = {
    Stage.SIGNED: (300, 420),
    Stage.LAND_SUPPLIED: (250, 360),
    Stage.STARTED: (180, 360),
    Stage.COMPLETED: (20, 90),
}


def supervision_present() -> bool:
    """Whether any supervision record of the demo projects exists (then that part is not seeded)."""
    demo = demo_projects()
    return (
        any(
            model.objects.filter(project__in=demo).exists()
            for model in (Problem, ServiceTeam, ServiceLog, Milestone)
        )
        or SupervisionVisit.objects.filter(projects__in=demo).exists()
    )


class SupervisionSeeder:
    """The supervision work on the demo projects, written through supervision.services only.

    It reads the projects as stored and has its own random generator, so it gives the same
    data whether it runs right after the projects are written or later, on a demo database
    seeded before supervision existed. Each move is dated with its simulated day; as for the
    projects, the "recorded at" timestamps are moved back to those days afterwards.
    """

    def __init__(self, *, today: datetime.date, users: dict):
        self.today = today
        self.rng = random.Random(SEED + 2)
        self.clock = Clock(today, random.Random(SEED + 3))
        self.admin = users["city_admin"]
        self.city_leader = users["city_leader"]
        self.staff = users_by_region(users, Role.COUNTY_STAFF)
        self.leader_users = users_by_region(users, Role.COUNTY_LEADER)
        self.names: set[str] = set(Person.objects.values_list("name", flat=True))
        # The simulated day(s) of each write, by model and row, for the "recorded at" fields.
        self.days: dict[type, dict[int, list[datetime.date]]] = defaultdict(lambda: defaultdict(list))

    def run(self, regions):
        rng = self.rng
        projects = list(demo_projects().counted().select_related("region").order_by("code"))
        self.by_region = defaultdict(list)
        for project in projects:
            self.by_region[project.region.code].append(project)
        self.targets = {p.pk: self.target_production(p) for p in projects}
        self.template_stages = {t.name: Stage(t.stage) for t in MilestoneTemplate.objects.all()}

        self.ensure_units(regions)
        self.ensure_people(regions)
        self.teams = {}
        for project in projects:
            self.write_team(project)
        visits = []
        for region in regions:
            visits += self.write_visits(region)
        plans = plan_problems(rng, self.today, projects, visits)
        for plan in plans:
            self.write_problem(plan)
        for project in projects:
            self.write_service_logs(project)
        for project in projects:
            if project.stage_enum.index < Stage.IN_PRODUCTION.index and rng.random() < 0.92:
                self.write_milestones(project)
        self.backdate()
        run = detect_stalled(today=self.today)
        changes = list(StatusChange.objects.filter(project_id__in=run.flagged, to_status=Status.STALLED))
        for change in changes:
            change.at = self.clock.at(self.today)
        StatusChange.objects.bulk_update(changes, ["at"], batch_size=500)

    def stamp(self, instance, day: datetime.date):
        self.days[type(instance)][instance.pk].append(day)

    # ---- units and officials ----------------------------------------------------------

    def ensure_units(self, regions):
        """Each region's departments and a few city-level ones (lookups keep reruns from duplicating)."""
        self.units = {}

        def unit(region, name, name_en):
            found = Unit.objects.filter(region=region, name=name).first()
            return found or units.unit_create(region=region, name=name, name_en=name_en, by=self.admin)

        for region in regions:
            for key, suffix, suffix_en in supervision_data.UNIT_KINDS:
                self.units[region.code, key] = unit(
                    region, f"{region.name}{suffix}", f"{region.name_en} {suffix_en}"
                )
        for key, name, name_en in supervision_data.CITY_UNITS:
            self.units[None, key] = unit(None, name, name_en)

    def person(self, *, title, region=None, unit=None, user=None) -> Person:
        rng = self.rng
        while True:
            name = rng.choice(supervision_data.SURNAMES) + rng.choice(supervision_data.GIVEN_NAMES)
            if name not in self.names:
                self.names.add(name)
                break
        if user is not None and Person.objects.filter(user=user).exists():
            user = None  # the login already stands for someone
        phone = (
            f"0758-{rng.randint(2000000, 2999999)}"
            if region is None
            else f"13{rng.randint(100000000, 999999999)}"
        )
        return units.person_create(
            name=name, title=title, phone=phone, region=region, unit=unit, user=user, by=self.admin
        )

    def ensure_people(self, regions):
        """Per region: two county leaders, two chief service officers, three service specialists."""
        self.people = {}
        for region in regions:
            leader_title = supervision_data.LEADER_TITLES.get(region.kind, "副县长")
            leader_user = self.leader_users.get(region.code)
            staff_user = self.staff.get(region.code)
            self.people[region.code] = {
                "leader": [
                    self.person(title=leader_title, region=region, user=leader_user if i == 0 else None)
                    for i in range(2)
                ],
                "chief": [
                    self.person(
                        title=supervision_data.CHIEF_OFFICER_TITLE,
                        region=region,
                        unit=self.units[region.code, key],
                    )
                    for key in ("investment", "development_reform")
                ],
                "specialist": [
                    self.person(
                        title=supervision_data.SPECIALIST_TITLE,
                        region=region,
                        unit=self.units[region.code, "investment"],
                        user=staff_user if i == 0 else None,
                    )
                    for i in range(3)
                ],
            }
        self.city_leader_person = self.person(title=supervision_data.CITY_LEADER_TITLE, user=self.city_leader)

    # ---- five-one teams ----------------------------------------------------------------

    def target_production(self, project: Project) -> datetime.date:
        """The production date the project is pushed towards (its real one once it is in production)."""
        stage = project.stage_enum
        if stage.index >= Stage.IN_PRODUCTION.index:
            return project.in_production_on
        low, high = TARGET_PRODUCTION_DAYS[stage]
        return project.stage_date(stage) + self.rng.randint(low, high) * DAY

    def write_team(self, project: Project):
        """About 80% complete, 10% missing a member, the unit or the plan, 10% without a team."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.1:
            return
        people = self.people[project.region.code]
        target = self.targets[project.pk]
        members = {
            "county_leader": rng.choice(people["leader"]),
            "chief_officer": rng.choice(people["chief"]),
            "specialist": rng.choice(people["specialist"]),
            "unit": self.units[
                project.region.code, rng.choice(("investment", "investment", "natural_resources"))
            ],
            "plan": supervision_data.SERVICE_PLAN.format(
                focus=rng.choice(supervision_data.PLAN_FOCUS), target=f"{target.year}年{target.month}月"
            ),
        }
        if draw < 0.2:
            missing = rng.choice(list(members))
            members[missing] = "" if missing == "plan" else None
        team = supervision_services.service_team_save(
            project=project, by=self.staff[project.region.code], **members
        )
        self.teams[project.pk] = team
        self.stamp(team, min(project.signed_on + rng.randint(3, 40) * DAY, self.today))

    # ---- supervision visits ------------------------------------------------------------

    def write_visits(self, region) -> list[SupervisionVisit]:
        """Two supervision days a month over the last six months, each to two to five projects."""
        rng = self.rng
        visits = []
        leaders = self.people[region.code]["leader"]
        first = add_months(self.today, -5)
        for month in month_range(first, self.today):
            length = calendar.monthrange(month.year, month.month)[1]
            days = [
                day
                for day in (month + n * DAY for n in range(length))
                if day <= self.today and is_working_day(day)
            ]
            for day in sorted(rng.sample(days, min(2, len(days)))):
                candidates = [p for p in self.by_region[region.code] if p.signed_on <= day]
                if not candidates:
                    continue
                visited = rng.sample(candidates, min(len(candidates), rng.randint(2, 5)))
                visit = supervision_services.visit_record(
                    on=day,
                    region=region,
                    leader=rng.choice(leaders),
                    by=self.staff[region.code],
                    projects=sorted(visited, key=lambda p: p.code),
                    notes=rng.choice(supervision_data.VISIT_NOTES),
                )
                visit.visited = visited
                self.stamp(visit, day)
                visits.append(visit)
        return visits

    # ---- problems (planned in .problems) ------------------------------------------------

    def unit_for(self, category: str, region_code: str) -> Unit:
        keys = supervision_data.CATEGORY_UNITS[category]
        key = keys[0] if self.rng.random() < 0.7 else self.rng.choice(keys)
        if (None, key) in self.units and (self.rng.random() < 0.15 or (region_code, key) not in self.units):
            return self.units[None, key]
        return self.units[region_code, key]

    def write_problem(self, plan: ProblemPlan):
        rng = self.rng
        code = plan.project.region.code
        staff = self.staff[code]
        # Regions without a county leader login are led, in the demo, by the city admin: a city
        # leader only raises problems and sends resolutions back (problem_flow.py).
        leader = self.leader_users.get(code, self.admin)
        assigner = self.admin if rng.random() < 0.15 else leader
        description, resolution = rng.choice(supervision_data.PROBLEMS[plan.category])
        severity = rng.choices(Severity.values, (2, 5, 3) if plan.visit else (3, 5, 2))[0]
        problem = supervision_services.problem_raise(
            project=plan.project,
            category=plan.category,
            description=description,
            by=leader if plan.visit and code in self.leader_users else staff,
            raised_on=plan.raised_on,
            severity=severity,
            visit=plan.visit,
        )
        self.stamp(problem, plan.raised_on)
        unit = self.unit_for(plan.category, code)
        request = None
        for move, day, options in plan.steps:
            if move == "assign":
                problem = supervision_services.problem_assign(
                    problem=problem,
                    unit=unit,
                    due_on=options["due_on"],
                    by=assigner,
                    assignee=staff,
                    on=day,
                    note=rng.choice(supervision_data.ASSIGN_NOTES),
                )
            elif move == "resolve":
                text = f"补充整改：{resolution}" if options.get("again") else resolution
                problem = supervision_services.problem_resolve(
                    problem=problem, resolution=text, by=staff, on=day
                )
            elif move == "verify":
                note = rng.choice(supervision_data.VERIFY_NOTES)
                problem = supervision_services.problem_verify(problem=problem, by=leader, on=day, note=note)
            elif move == "reopen":
                problem = supervision_services.problem_reopen(
                    problem=problem,
                    reason=rng.choice(supervision_data.REOPEN_REASONS),
                    by=leader,
                    due_on=options["due_on"],
                    on=day,
                )
            elif move == "request":
                request = supervision_services.problem_request_extension(
                    problem=problem,
                    due_on=options["due_on"],
                    reason=rng.choice(supervision_data.EXTENSION_REASONS),
                    by=staff,
                )
            elif move == "decide":
                notes = (
                    supervision_data.EXTENSION_APPROVE_NOTES
                    if options["approve"]
                    else supervision_data.EXTENSION_REJECT_NOTES
                )
                supervision_services.problem_decide_extension(
                    request=request, approve=options["approve"], by=leader, note=rng.choice(notes)
                )
            self.stamp(problem, day)

    # ---- service logs ------------------------------------------------------------------

    def write_service_logs(self, project: Project):
        """Matters handled for the enterprise, each near the stage it served."""
        rng = self.rng
        today = self.today
        signed = project.signed_on

        def before(stage, low, high):
            day = project.stage_date(stage)
            return day - rng.randint(low, high) * DAY if day else None

        wanted = [
            (ServiceKind.REGISTRATION, 0.6, signed + rng.randint(3, 30) * DAY),
            (ServiceKind.FILING, 0.4, signed + rng.randint(10, 60) * DAY),
            (ServiceKind.LAND_AUCTION, 0.6, before(Stage.LAND_SUPPLIED, 0, 20)),
            (ServiceKind.CONSTRUCTION_PERMIT, 0.6, before(Stage.STARTED, 0, 20)),
            (ServiceKind.UTILITIES, 0.4, before(Stage.COMPLETED, 0, 40)),
            (ServiceKind.RECRUITMENT, 0.4, before(Stage.IN_PRODUCTION, 0, 45)),
            (ServiceKind.FINANCING, 0.2, signed + int((today - signed).days * rng.random()) * DAY),
            (ServiceKind.OTHER, 0.2, signed + int((today - signed).days * rng.random()) * DAY),
        ]
        team = self.teams.get(project.pk)
        people = self.people[project.region.code]
        helpers = [p for p in (team.chief_officer, team.specialist) if p] if team else []
        helpers = helpers or people["specialist"]
        for kind, chance, day in wanted:
            if day is None or rng.random() >= chance:
                continue
            day = min(max(day, signed), today)
            log = supervision_services.service_log_record(
                project=project,
                on=day,
                kind=kind,
                description=rng.choice(supervision_data.SERVICE_LOGS[kind]),
                by=self.staff[project.region.code],
                person=rng.choice(helpers),
                hours=Decimal(rng.randint(1, 16)) / 2,
            )
            self.stamp(log, day)

    # ---- milestones --------------------------------------------------------------------

    def write_milestones(self, project: Project):
        """The reverse schedule from the target production date; earlier steps of the next stage done.

        Only steps of the stage the project is working towards can be done, and never that
        stage's last step (reaching the stage is recorded by the lifecycle, not here).
        Steps past due and not done are red; done late, yellow.
        """
        rng = self.rng
        today = self.today
        team = self.teams.get(project.pk)
        responsible = team and (team.chief_officer or team.specialist)
        responsible = responsible or self.people[project.region.code]["specialist"][0]
        planned_on = min(project.stage_date(project.stage_enum) + rng.randint(1, 20) * DAY, today)
        milestones = milestone_plan_generate(
            project=project,
            target_production_on=self.targets[project.pk],
            by=self.staff[project.region.code],
            responsible=responsible,
        )
        next_stage = project.stage_enum.next
        doable = [m for m in milestones if self.template_stages.get(m.title) == next_stage]
        last_of_stage = max(doable, key=lambda m: (m.due_on, m.order), default=None)
        for milestone in milestones:
            self.stamp(milestone, planned_on)
            if milestone not in doable or milestone == last_of_stage or milestone.due_on > today + 7 * DAY:
                continue
            if rng.random() >= 0.85:
                continue
            if rng.random() < 0.5:
                done_on = milestone.due_on - rng.randint(0, 15) * DAY
            else:
                done_on = milestone.due_on + rng.randint(1, 40) * DAY
            if done_on > today:
                continue
            done_on = max(done_on, planned_on)
            milestone_save(
                project=project,
                milestone=milestone,
                title=milestone.title,
                due_on=milestone.due_on,
                responsible=milestone.responsible,
                order=milestone.order,
                done_on=done_on,
                by=self.staff[project.region.code],
            )
            self.stamp(milestone, done_on)

    # ---- "recorded at" -----------------------------------------------------------------

    def backdate(self):
        """Move the timestamps the services wrote "now" back to each write's simulated day.

        The extension request and decision are dated by the service with the real date (they
        take no date of their own), so their timeline entries get their simulated day here too.
        """
        clock = self.clock
        problem_days = self.days[Problem]
        events = defaultdict(list)
        for event in ProblemEvent.objects.filter(problem_id__in=problem_days).order_by("problem_id", "id"):
            events[event.problem_id].append(event)
        # A demo problem has at most one extension request.
        requests = {r.problem_id: r for r in ExtensionRequest.objects.filter(problem_id__in=problem_days)}
        decisions = {ProblemEventKind.EXTENSION_APPROVED, ProblemEventKind.EXTENSION_REJECTED}
        changed_events, changed_problems = [], []
        problems = Problem.objects.in_bulk(list(problem_days))
        for pk, days in problem_days.items():
            stamps = clock.sequence(days)
            for event, day, stamp in zip(events[pk], days, stamps, strict=True):
                event.at = stamp
                event.on = day
                changed_events.append(event)
                if event.kind == ProblemEventKind.EXTENSION_REQUESTED:
                    requests[pk].requested_at = stamp
                elif event.kind in decisions:
                    requests[pk].decided_at = stamp
            problem = problems[pk]
            problem.created_at, problem.updated_at = stamps[0], stamps[-1]
            changed_problems.append(problem)
        ProblemEvent.objects.bulk_update(changed_events, ["at", "on"], batch_size=500)
        Problem.objects.bulk_update(changed_problems, ["created_at", "updated_at"], batch_size=500)
        ExtensionRequest.objects.bulk_update(
            requests.values(), ["requested_at", "decided_at"], batch_size=500
        )

        for model, fields in (
            (SupervisionVisit, ["created_at", "updated_at"]),
            (ServiceLog, ["created_at", "updated_at"]),
            (ServiceTeam, ["updated_at"]),
            (Milestone, ["updated_at"]),
        ):
            rows = model.objects.in_bulk(list(self.days[model]))
            for pk, days in self.days[model].items():
                stamp = clock.sequence(days)[-1]
                for name in fields:
                    setattr(rows[pk], name, stamp)
            model.objects.bulk_update(rows.values(), fields, batch_size=500)
