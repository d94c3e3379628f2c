"""The projects of the demo: about 300 over the ranked regions, with two years of history.

Everything is planned in memory first (who, what, the date of every stage, the monthly
investment, which projects stall, get cancelled or have a stage taken back), then written
through the services and the lifecycle only (house rules 1 and 2), so the demo data obeys
the same rules as real data. Afterwards the "recorded at" timestamps, which the services set
to "now", are moved back to each write's simulated day.
"""

import datetime
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management.base import CommandError

from projects import industries, lifecycle, services
from projects.choices import Role, Stage
from projects.models import (
    Enterprise,
    Industry,
    InvestmentReport,
    Park,
    Project,
    Region,
    StageTransition,
    StatusChange,
)
from projects.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from supervision.demo import DAY, SEED, month_range
from supervision.demo import project_data as demo_data
from supervision.demo.clock import Clock
from supervision.demo.users import users_by_region
from supervision.periods import add_months

HISTORY_DAYS = 730

# Days from the previous stage to this one (before the project's own speed factor).
STAGE_DELAYS = {
    Stage.LAND_SUPPLIED: (30, 120),
    Stage.STARTED: (30, 90),
    Stage.COMPLETED: (180, 420),
    Stage.IN_PRODUCTION: (30, 90),
    Stage.ABOVE_SCALE: (180, 360),
}
STALLED_COUNT = 8
CANCELLED_COUNT = 6
REVERT_COUNT = 5


def round_to(amount: float, step: int) -> Decimal:
    return (Decimal(round(amount / step)) * step).quantize(Decimal("0.01"))


@dataclass
class Plan:
    """One demo project as it will be written: who, what, and the dates of its history."""

    region: Region
    industry: Industry
    park: Park | None
    name: str
    enterprise_name: str
    credit_code: str
    planned_investment: Decimal
    first_contact_on: datetime.date
    # Planned date of every stage, some in the future; only those up to "today" are written.
    dates: dict
    own_land: bool
    code: str = ""
    reached: Stage = Stage.SIGNED
    # (stage, date first recorded, date of the revert): a stage entered too early and taken back.
    revert: tuple | None = None
    cancel: tuple | None = None  # (date, reason)
    stalled: bool = False
    reports: dict = field(default_factory=dict)  # month -> Decimal


class Seeder:
    def __init__(self, *, today: datetime.date, users: dict):
        self.today = today
        self.rng = random.Random(SEED)
        self.clock_rng = random.Random(SEED + 1)
        self.users = users
        self.staff = users_by_region(users, Role.COUNTY_STAFF)
        self.admin = next(u for u in users.values() if u.username == "city_admin")
        # The simulated day of each write, by record, to be put into the "recorded at" fields.
        self.transition_days: dict[int, list[datetime.date]] = {}
        self.cancel_days: dict[int, datetime.date] = {}

    # ---- reference data -------------------------------------------------------------

    def ensure_reference_data(self, regions):
        # The migration's industries are reused; only the demo's own are added (through the service).
        self.industries = {industry.code: industry for industry in Industry.objects.all()}
        own = {code for code, *_ in demo_data.DEMO_INDUSTRIES}
        wanted = {code for spec in demo_data.REGIONS.values() for code in spec["industries"]} - own
        wanted |= {division for *_, division in demo_data.DEMO_INDUSTRIES}
        missing = sorted(wanted - set(self.industries))
        if missing:
            raise CommandError(f"Industries {', '.join(missing)} are missing: run `manage.py migrate` first.")
        for code, name, name_en, division in demo_data.DEMO_INDUSTRIES:
            if code not in self.industries:
                self.industries[code] = industries.industry_create(
                    code=code, name=name, name_en=name_en, parent=self.industries[division], by=None
                )
        self.parks = defaultdict(list)
        for region in regions:
            for name, name_en in demo_data.REGIONS[region.code]["parks"]:
                park, _ = Park.objects.get_or_create(region=region, name=name, defaults={"name_en": name_en})
                self.parks[region.code].append(park)

    # ---- planning (pure, in memory) ---------------------------------------------------

    def credit_code(self, region: Region, taken: set) -> str:
        """A valid unified social credit code: 9 (market regulator), 1 (company), region, org code."""
        while True:
            body = "".join(self.rng.choice(CREDIT_CODE_ALPHABET) for _ in range(8))
            # GB 11714 organisation code check character over the 8-character body.
            total = sum(int(ch, 36) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
            check = 11 - total % 11
            org_check = {10: "X", 11: "0"}.get(check, str(check))
            first17 = f"91{region.code}{body}{org_check}"
            if all(ch in CREDIT_CODE_ALPHABET for ch in first17):
                code = first17 + credit_code_check_char(first17)
                if code not in taken:
                    taken.add(code)
                    return code

    def planned_investment(self) -> Decimal:
        rng = self.rng
        if rng.random() < 0.08:  # 重大项目: 10 to 80 亿元
            amount = math.exp(rng.uniform(math.log(1e9), math.log(8e9)))
        else:  # most manufacturing projects sign for a few hundred million yuan
            amount = math.exp(rng.triangular(math.log(5e6), math.log(9.8e8), math.log(1.5e8)))
        return round_to(amount, 1_000_000 if amount >= 1e8 else 100_000)

    def plan_project(self, region: Region, names: set, credit_codes: set) -> Plan:
        rng = self.rng
        spec = demo_data.REGIONS[region.code]
        codes, weights = zip(*spec["industries"].items(), strict=True)
        industry_code = rng.choices(codes, weights)[0]
        words = demo_data.INDUSTRY_WORDS[industry_code]

        keywords = demo_data.PARK_KEYWORDS.get(industry_code, ())
        parks = self.parks[region.code]
        preferred = [p for p in parks if any(k in p.name for k in keywords)]
        park = None if rng.random() < 0.12 else rng.choice(preferred or parks)

        while True:
            brand = rng.choice(demo_data.BRANDS)
            place = spec["place"] if rng.random() < 0.7 else rng.choice(("肇庆", "广东"))
            kind = "股份有限公司" if rng.random() < 0.1 else "有限公司"
            enterprise_name = f"{place}{brand}{rng.choice(words['company'])}{kind}"
            if enterprise_name not in names:
                names.add(enterprise_name)
                break
        product = rng.choice(words["products"]).format(n=rng.choice((2, 3, 5, 8, 10, 12, 15, 20, 30, 50)))
        name = f"{brand}{product}{rng.choice(demo_data.PROJECT_SUFFIXES)}"

        signed_on = self.today - datetime.timedelta(days=int(HISTORY_DAYS * rng.random() ** 1.1))
        first_contact_on = signed_on - datetime.timedelta(days=7 * rng.randint(2, 30) + rng.randint(0, 6))

        # Expansions on a company's own land get land within days; a few new projects get
        # it in about a week ("Zhaoqing speed"); the rest wait one to four months.
        own_land = rng.random() < 0.12
        fast = rng.random() < 0.08
        speed = rng.uniform(0.5, 1.25)
        dates = {Stage.SIGNED: signed_on}
        day = signed_on
        for stage, (low, high) in STAGE_DELAYS.items():
            if stage == Stage.LAND_SUPPLIED and own_land:
                days = rng.randint(0, 14)
            elif stage == Stage.LAND_SUPPLIED and fast:
                days = rng.randint(5, 15)
            else:
                days = round(rng.uniform(low, high) * speed)
            day += datetime.timedelta(days=days)
            dates[stage] = day

        return Plan(
            region=region,
            industry=self.industries[industry_code],
            park=park,
            name=name,
            enterprise_name=enterprise_name,
            credit_code=self.credit_code(region, credit_codes),
            planned_investment=self.planned_investment(),
            first_contact_on=first_contact_on,
            dates=dates,
            own_land=own_land,
        )

    def reached_stage(self, plan: Plan, *, until: datetime.date) -> Stage:
        return [s for s in Stage.ordered() if plan.dates[s] <= until][-1]

    def choose_special(self, plans: list[Plan]):
        """Pick the stalled, cancelled and reverted projects among the planned ones."""
        rng = self.rng
        today = self.today
        for plan in plans:
            plan.reached = self.reached_stage(plan, until=today)

        # Stalled (半拉子): stuck at land supply or construction for over 200 days, and
        # no investment reported for the last three months or more.
        candidates = []
        for plan in plans:
            for stage in (Stage.LAND_SUPPLIED, Stage.STARTED):
                if (
                    plan.dates[stage] <= today - 200 * DAY
                    and plan.dates[Stage.LAND_SUPPLIED] <= today - 300 * DAY
                    and stage.index <= plan.reached.index
                ):
                    candidates.append((plan, stage))
        taken = set()
        for plan, stage in rng.sample(candidates, len(candidates)):
            if len(taken) == STALLED_COUNT:
                break
            if id(plan) in taken:
                continue
            taken.add(id(plan))
            plan.stalled = True
            plan.reached = stage

        free = [p for p in plans if not p.stalled]
        cancelled = [p for p in free if p.dates[Stage.SIGNED] <= today - 150 * DAY]
        for plan in rng.sample(cancelled, CANCELLED_COUNT):
            stage = rng.choice(
                [s for s in (Stage.SIGNED, Stage.LAND_SUPPLIED) if s.index <= plan.reached.index]
            )
            on = min(plan.dates[stage] + rng.randint(60, 150) * DAY, today - 7 * DAY)
            plan.reached = self.reached_stage(plan, until=min(on, plan.dates[stage.next] - DAY))
            plan.cancel = (on, rng.choice(demo_data.CANCEL_REASONS))

        # Reverts: a stage recorded too early, taken back a few days later with a reason,
        # and recorded again two to six weeks after the first time.
        candidates = []
        for plan in plans:
            if plan.stalled or plan.cancel:
                continue
            for stage in (Stage.LAND_SUPPLIED, Stage.STARTED, Stage.COMPLETED, Stage.IN_PRODUCTION):
                if stage.index > plan.reached.index:
                    continue
                following = plan.dates[stage.next] if stage.next.index <= plan.reached.index else today
                if (following - plan.dates[stage]).days >= 50:
                    candidates.append((plan, stage))
        taken = set()
        for plan, stage in rng.sample(candidates, len(candidates)):
            if len(taken) == REVERT_COUNT:
                break
            if id(plan) in taken:
                continue
            taken.add(id(plan))
            first = plan.dates[stage]
            reverted_on = first + rng.randint(3, 10) * DAY
            plan.dates[stage] = first + rng.randint(14, 42) * DAY
            plan.revert = (stage, first, reverted_on)

    def plan_reports(self, plan: Plan):
        """Monthly actual investment from the month after land supply (or signing, on own land)."""
        rng = self.rng
        today_month = self.today.replace(day=1)
        start_day = plan.dates[Stage.SIGNED] if plan.own_land else plan.dates[Stage.LAND_SUPPLIED]
        if not plan.own_land and plan.reached.index < Stage.LAND_SUPPLIED.index:
            return
        first = add_months(start_day, 1)
        # Most of the money goes in between land supply and production; afterwards only
        # equipment additions until the company is above designated size.
        build_end = add_months(plan.dates[Stage.IN_PRODUCTION], 2)
        tail_end = add_months(plan.dates[Stage.ABOVE_SCALE], 2)
        # Reports for a month arrive early the next month, so this month's are only partly in.
        last = today_month if rng.random() < self.today.day / 31 else add_months(today_month, -1)
        if plan.stalled:
            last = add_months(today_month, -rng.randint(4, 7))
        if plan.cancel:
            last = add_months(plan.cancel[0], -1)
        last = min(last, tail_end)
        build_months = max(1, len(list(month_range(first, build_end))))
        share = float(plan.planned_investment) * rng.uniform(0.55, 0.95) / build_months
        recent = add_months(today_month, -3)
        for month in month_range(first, last):
            if month < recent and rng.random() < 0.08:
                continue  # a month nobody reported
            if month <= build_end:
                amount = share * rng.lognormvariate(0, 0.45)
            else:
                amount = float(plan.planned_investment) * 0.01 * rng.lognormvariate(0, 0.6)
            plan.reports[month] = round_to(amount, 100)

    def plan_all(self, regions) -> list[Plan]:
        names = set(Enterprise.objects.values_list("name", flat=True))
        credit_codes = set(Enterprise.objects.exclude(credit_code="").values_list("credit_code", flat=True))
        plans = []
        for region in regions:
            for _ in range(demo_data.REGIONS[region.code]["projects"]):
                plans.append(self.plan_project(region, names, credit_codes))
        self.choose_special(plans)
        for plan in plans:
            self.plan_reports(plan)
        # Codes numbered in order of signing within each region and year.
        plans.sort(key=lambda p: (p.dates[Stage.SIGNED], p.region.code, p.credit_code))
        numbers = Counter()
        for plan in plans:
            key = (plan.region.code, plan.dates[Stage.SIGNED].year)
            numbers[key] += 1
            plan.code = f"{demo_data.DEMO_CODE_PREFIX}{key[0]}-{key[1]}-{numbers[key]:04d}"
        return plans

    # ---- writing (through services and the lifecycle only) ---------------------------

    def write(self, plan: Plan) -> Project:
        rng = self.rng
        by = self.staff.get(plan.region.code)
        enterprise = services.enterprise_create(
            name=plan.enterprise_name, credit_code=plan.credit_code, by=by
        )
        project = services.project_create(
            by=by,
            code=plan.code,
            name=plan.name,
            enterprise=enterprise,
            region=plan.region,
            park=plan.park,
            industry=plan.industry,
            signed_on=plan.dates[Stage.SIGNED],
            planned_investment=plan.planned_investment,
            first_contact_on=plan.first_contact_on,
        )
        days = [plan.dates[Stage.SIGNED]]
        for stage in Stage.ordered()[1 : plan.reached.index + 1]:
            if plan.revert and plan.revert[0] == stage:
                _, first, reverted_on = plan.revert
                project = lifecycle.advance(project=project, stage=stage, on=first, note="", by=by)
                project = lifecycle.revert(project=project, reason=demo_data.REVERT_REASONS[stage], by=by)
                days += [first, reverted_on]
            note = rng.choice(demo_data.ADVANCE_NOTES[stage])
            project = lifecycle.advance(project=project, stage=stage, on=plan.dates[stage], note=note, by=by)
            days.append(plan.dates[stage])
        self.transition_days[project.pk] = days

        for month, amount in plan.reports.items():
            services.investment_report(project=project, month=month, amount=amount, by=by)

        if plan.cancel:
            on, reason = plan.cancel
            project = services.project_cancel(project=project, reason=reason, by=by)
            self.cancel_days[project.pk] = on
        return project

    def backdate(self, projects: list[Project]):
        """Put the simulated day into the "recorded at" timestamps (``auto_now_add`` wrote today).

        Without this every transition and report would look entered at the moment of
        seeding, and anything that asks "when did this project last move?" by timestamp
        would find every demo project fresh.
        """
        rng = self.clock_rng
        clock = Clock(self.today, rng)
        at = clock.at

        ids = [p.pk for p in projects]
        transitions = defaultdict(list)
        for transition in StageTransition.objects.filter(project_id__in=ids).order_by("project_id", "id"):
            transitions[transition.project_id].append(transition)
        changed_transitions, changed_projects, changed_enterprises = [], [], []
        for project in projects:
            stamps = clock.sequence(self.transition_days[project.pk])
            for transition, stamp in zip(transitions[project.pk], stamps, strict=True):
                transition.at = stamp
                changed_transitions.append(transition)
            project.created_at = transitions[project.pk][0].at
            project.enterprise.created_at = project.created_at - datetime.timedelta(
                minutes=rng.randint(5, 60)
            )
            changed_projects.append(project)
            changed_enterprises.append(project.enterprise)
        StageTransition.objects.bulk_update(changed_transitions, ["at"], batch_size=500)
        Project.objects.bulk_update(changed_projects, ["created_at"], batch_size=500)
        Enterprise.objects.bulk_update(changed_enterprises, ["created_at"], batch_size=500)

        reports = list(InvestmentReport.objects.filter(project_id__in=ids))
        for report in reports:
            report.created_at = report.updated_at = at(add_months(report.month, 1) + rng.randint(0, 9) * DAY)
        InvestmentReport.objects.bulk_update(reports, ["created_at", "updated_at"], batch_size=500)

        changes = list(StatusChange.objects.filter(project_id__in=self.cancel_days))
        for change in changes:
            change.at = at(self.cancel_days[change.project_id])
        StatusChange.objects.bulk_update(changes, ["at"], batch_size=500)

    def set_targets(self, regions, plans: list[Plan]):
        """Targets near each region's pace, some above and some below, so completion rates differ."""
        rng = self.rng
        for year in (self.today.year - 1, self.today.year):
            months = 12 if year < self.today.year else self.today.month
            for region in regions:
                mine = [p for p in plans if p.region == region and not p.cancel]
                actual = sum(
                    float(amount) for p in mine for month, amount in p.reports.items() if month.year == year
                )
                pace = actual * 12 / months if actual else 5e8
                investment = max(round_to(pace * rng.uniform(0.75, 1.35), 10_000_000), Decimal("10000000.00"))

                def count_target(stage, mine=mine, year=year, months=months):
                    done = sum(
                        1 for p in mine if stage.index <= p.reached.index and p.dates[stage].year == year
                    )
                    return max(1, round(done * 12 / months * rng.uniform(0.8, 1.3)))

                services.target_set(
                    region=region,
                    year=year,
                    investment=investment,
                    investment_h1=round_to(float(investment) * rng.uniform(0.42, 0.5), 1_000_000),
                    signed=count_target(Stage.SIGNED),
                    started=count_target(Stage.STARTED),
                    completed=count_target(Stage.COMPLETED),
                    in_production=count_target(Stage.IN_PRODUCTION),
                    by=self.admin,
                )

    def run(self, regions):
        self.ensure_reference_data(regions)
        plans = self.plan_all(regions)
        projects = [self.write(plan) for plan in plans]
        self.backdate(projects)
        self.set_targets(regions, plans)
