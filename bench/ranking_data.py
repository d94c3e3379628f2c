"""The bench's data set, generated deterministically (seeded) and streamed into COPY.

``Generator`` yields the rows of every table as tab-separated COPY lines, table by
table, remembering only a few bytes per project for the later passes (reports,
targets, problems); ``Copier`` streams such lines into ``COPY … FROM STDIN`` in
chunks. What is loaded where, and with which indexes deferred, is ranking_build.py.
"""

import bisect
import datetime
import itertools
import math
import random
from array import array
from decimal import Decimal

SEED = 20261004
FULL_PROJECTS = 1_500_000
FULL_REPORTS = 20_000_000
FULL_PROBLEMS = 300_000
RANKED_REGIONS = 2_800
PROJECTS_PER_ENTERPRISE = 3

# The data ends here (the machine's "today" is later); the bench ranks ISO week
# 2026-W40 (Mon 28 Sep – Sun 4 Oct), a week with a 1st in it, so the period's own
# investment (October's reports) is not zero and is checked too.
FIRST_SIGNING = datetime.date(2020, 1, 1)
DATA_END = datetime.date(2026, 10, 31)
FIRST_REPORT_MONTH = datetime.date(2025, 1, 1)
DEFAULT_AS_OF = datetime.date(2026, 10, 4)
TIMESTAMP = "2026-11-01 09:00:00+08"

PROVINCES = [
    ("11", "北京"),
    ("12", "天津"),
    ("13", "河北"),
    ("14", "山西"),
    ("15", "内蒙古"),
    ("21", "辽宁"),
    ("22", "吉林"),
    ("23", "黑龙江"),
    ("31", "上海"),
    ("32", "江苏"),
    ("33", "浙江"),
    ("34", "安徽"),
    ("35", "福建"),
    ("36", "江西"),
    ("37", "山东"),
    ("41", "河南"),
    ("42", "湖北"),
    ("43", "湖南"),
    ("44", "广东"),
    ("45", "广西"),
    ("46", "海南"),
    ("50", "重庆"),
    ("51", "四川"),
    ("52", "贵州"),
    ("53", "云南"),
    ("54", "西藏"),
    ("61", "陕西"),
    ("62", "甘肃"),
    ("63", "青海"),
    ("64", "宁夏"),
    ("65", "新疆"),
]
CITIES = 333
KIND_SUFFIX = {"district": "区", "county": "县", "county_city": "市", "functional_zone": "高新区"}
PROBLEM_CATEGORIES = [
    "land_use",
    "energy_use",
    "environment",
    "financing",
    "employment",
    "approvals",
    "utilities",
    "other",
]
SEVERITIES = ["low", "medium", "high"]


def month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def month_date(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)


class Copier:
    """COPY rows from a generator of tab-separated lines, in chunks (never the whole table in memory)."""

    CHUNK = 5000

    def __init__(self, conn):
        self.conn = conn

    def copy(self, table: str, columns: list[str], lines) -> int:
        count = 0
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                chunk = []
                for line in lines:
                    chunk.append(line)
                    if len(chunk) >= self.CHUNK:
                        copy.write("".join(chunk))
                        count += len(chunk)
                        chunk.clear()
                if chunk:
                    copy.write("".join(chunk))
                    count += len(chunk)
        return count


class Generator:
    def __init__(self, scale: float, seed: int = SEED):
        self.scale = scale
        self.rng = random.Random(seed)
        self.n_projects = max(1, round(FULL_PROJECTS * scale))
        self.n_enterprises = math.ceil(self.n_projects / PROJECTS_PER_ENTERPRISE)
        self.n_reports_target = round(FULL_REPORTS * scale)
        self.n_problems = round(FULL_PROBLEMS * scale)
        # Per project, compact (a few bytes each): what the report and problem passes need.
        self.p_region = array("I")  # index into self.ranked
        self.p_signed = array("I")  # date ordinal
        self.p_status = array("B")  # 0 active, 1 stalled, 2 cancelled
        self.p_monthly = array("d")  # typical monthly investment, yuan
        self.available_months = 0

    # regions ----------------------------------------------------------------

    def regions(self, conn) -> None:
        existing = {
            code: (rid, ranked)
            for rid, code, ranked in conn.execute("SELECT id, code, is_ranked FROM projects_region")
        }
        next_id = max((rid for rid, _ in existing.values()), default=0) + 1
        ids = {code: rid for code, (rid, _) in existing.items()}
        rows = []  # (id, code, name, name_en, kind, is_ranked, parent code)

        def add(code, name, name_en, kind, ranked, parent):
            nonlocal next_id
            if code in ids:
                return
            ids[code] = next_id
            rows.append((next_id, code, name, name_en, kind, ranked, parent))
            next_id += 1

        cities = []
        per_province, extra = divmod(CITIES, len(PROVINCES))
        for i, (prefix, province) in enumerate(PROVINCES):
            add(f"{prefix}0000", f"{province}省", f"Province {prefix}", "province", False, None)
            for c in range(1, per_province + (1 if i < extra else 0) + 1):
                code = f"{prefix}{c:02d}00"
                add(code, f"{province}第{c}市", f"City {code}", "city", False, f"{prefix}0000")
                cities.append(code)
        ranked_existing = sum(1 for _rid, ranked in existing.values() if ranked)
        to_make = RANKED_REGIONS - ranked_existing
        per_city, extra = divmod(to_make, len(cities))
        rng = self.rng
        for i, city in enumerate(cities):
            counters = {"district": 1, "county": 21, "county_city": 81, "functional_zone": 91}
            for _ in range(per_city + (1 if i < extra else 0)):
                kind = rng.choices(["district", "county", "county_city", "functional_zone"], [35, 50, 12, 3])[
                    0
                ]
                if (
                    counters[kind]
                    > {"district": 20, "county": 80, "county_city": 90, "functional_zone": 99}[kind]
                ):
                    kind = "county"
                code = f"{city[:4]}{counters[kind]:02d}"
                counters[kind] += 1
                add(
                    code,
                    f"{code}{KIND_SUFFIX[kind]}",
                    f"{kind.replace('_', ' ').title()} {code}",
                    kind,
                    True,
                    city,
                )

        def lines():
            for rid, code, name, name_en, kind, ranked, parent in rows:
                parent_id = ids[parent] if parent else "\\N"
                yield f"{rid}\t{code}\t{name}\t{name_en}\t{kind}\t{'t' if ranked else 'f'}\t{parent_id}\n"

        Copier(conn).copy(
            "projects_region", ["id", "code", "name", "name_en", "kind", "is_ranked", "parent_id"], lines()
        )
        # Zhaoqing (from the data migration) sits under Guangdong like the other cities.
        conn.execute(
            "UPDATE projects_region SET parent_id = %s WHERE code = '441200' AND parent_id IS NULL",
            [ids["440000"]],
        )
        self.ranked = conn.execute(
            "SELECT id, code FROM projects_region WHERE is_ranked ORDER BY code"
        ).fetchall()
        # Regions differ a lot in how many projects they land.
        weights = [rng.lognormvariate(0, 0.8) for _ in self.ranked]
        self.region_cum = list(itertools.accumulate(weights))

    def industries_units(self, conn) -> None:
        # The industries are the migration's (the GB/T 4754 divisions and the strategic ones).
        self.industry_ids = [row[0] for row in conn.execute("SELECT id FROM projects_industry ORDER BY code")]
        base = conn.execute("SELECT COALESCE(max(id), 0) FROM supervision_unit").fetchone()[0]
        self.unit_ids = [base + i + 1 for i in range(len(self.ranked))]
        Copier(conn).copy(
            "supervision_unit",
            ["id", "name", "name_en", "region_id", "version"],
            (
                f"{self.unit_ids[i]}\t自然资源局\tNatural Resources Bureau\t{rid}\t1\n"
                for i, (rid, _code) in enumerate(self.ranked)
            ),
        )

    def enterprises(self):
        for eid in range(1, self.n_enterprises + 1):
            yield f"{eid}\t企业{eid:07d}有限公司\t\t1\t{TIMESTAMP}\t{TIMESTAMP}\n"

    # projects ----------------------------------------------------------------

    def projects(self):
        rng = self.rng
        rand, randint, lognorm = rng.random, rng.randint, rng.lognormvariate
        cum, total = self.region_cum, self.region_cum[-1]
        ranked = self.ranked
        first, last = FIRST_SIGNING.toordinal(), DATA_END.toordinal()
        first_report = month_index(FIRST_REPORT_MONTH)
        last_report = month_index(DATA_END)
        fromord = datetime.date.fromordinal
        # (probability of reaching the stage, gap in days after the previous one)
        steps = [(0.85, 30, 240), (0.85, 10, 150), (0.75, 150, 600), (0.85, 10, 150), (0.6, 90, 450)]
        stages = ["signed", "land_supplied", "started", "completed", "in_production", "above_scale"]
        industry_ids = self.industry_ids
        n_industries = len(industry_ids)
        for pid in range(1, self.n_projects + 1):
            r = bisect.bisect_left(cum, rand() * total)
            region_id, region_code = ranked[r]
            signed = randint(first, last)
            dates = [signed]
            day = signed
            for chance, low, high in steps:
                if rand() > chance:
                    break
                day += randint(low, high)
                if day > last:
                    break
                dates.append(day)
            stage = stages[len(dates) - 1]
            x = rand()
            status = 2 if x < 0.04 else 1 if x < 0.10 else 0
            planned = min(lognorm(19.1, 1.0), 9e12)  # median ~2 亿元, ~5 % major
            planned_s = f"{planned:.2f}"
            major = Decimal(planned_s) >= 1_000_000_000 if planned > 9.9e8 else False
            first_contact = fromord(signed - randint(0, 365)).isoformat() if rand() < 0.7 else "\\N"
            stage_dates = [fromord(d).isoformat() for d in dates] + ["\\N"] * (6 - len(dates))
            signed_date = stage_dates[0]
            self.p_region.append(r)
            self.p_signed.append(signed)
            self.p_status.append(status)
            self.p_monthly.append(planned / 36)
            start = max(month_index(fromord(signed)), first_report)
            if start <= last_report:
                self.available_months += last_report - start + 1
            yield (
                f"{pid}\t{region_code}-{signed_date[:4]}-{pid:07d}\t项目{pid:07d}\t"
                f"{'t' if rand() < 0.95 else 'f'}\t{planned_s}\t{first_contact}\t{stage}\t"
                + "\t".join(stage_dates)
                + f"\t{('active', 'stalled', 'cancelled')[status]}\t{'t' if major else 'f'}\t1\t"
                f"{signed_date} 09:00:00+08\t{TIMESTAMP}\t{(pid - 1) // PROJECTS_PER_ENTERPRISE + 1}\t"
                f"{industry_ids[randint(1, n_industries) - 1]}\t\\N\t{region_id}\n"
            )

    PROJECT_COLUMNS = [
        "id",
        "code",
        "name",
        "is_manufacturing",
        "planned_investment",
        "first_contact_on",
        "stage",
        "signed_on",
        "land_supplied_on",
        "started_on",
        "completed_on",
        "in_production_on",
        "above_scale_on",
        "status",
        "is_major",
        "version",
        "created_at",
        "updated_at",
        "enterprise_id",
        "industry_id",
        "park_id",
        "region_id",
    ]

    # investment reports --------------------------------------------------------

    def reports(self):
        """Contiguous monthly reports from signing (at the earliest Jan 2025) to Oct 2026, ~13 per project."""
        rng = self.rng
        rand, randint = rng.random, rng.randint
        fraction = min(1.0, self.n_reports_target / max(1, self.available_months))
        first_report = month_index(FIRST_REPORT_MONTH)
        last_report = month_index(DATA_END)
        months = {m: month_date(m).isoformat() for m in range(first_report, last_report + 1)}
        year_2026 = month_index(datetime.date(2026, 1, 1))
        self.region_2026 = [0.0] * len(self.ranked)
        rid = 0
        fromord = datetime.date.fromordinal
        for index in range(self.n_projects):
            start = max(month_index(fromord(self.p_signed[index])), first_report)
            available = last_report - start + 1
            if available <= 0:
                continue
            count = min(available, int(available * fraction + rand()))
            if count <= 0:
                continue
            start += randint(0, available - count)
            monthly = self.p_monthly[index]
            counted = self.p_status[index] != 2
            region = self.p_region[index]
            pid = index + 1
            for m in range(start, start + count):
                amount = monthly * (0.3 + 1.4 * rand())
                if counted and m >= year_2026:
                    self.region_2026[region] += amount
                rid += 1
                yield f"{rid}\t{months[m]}\t{amount:.2f}\t\t1\t{TIMESTAMP}\t{TIMESTAMP}\t\\N\t{pid}\n"

    REPORT_COLUMNS = [
        "id",
        "month",
        "amount",
        "note",
        "version",
        "created_at",
        "updated_at",
        "reported_by_id",
        "project_id",
    ]

    # annual targets ------------------------------------------------------------

    def targets(self):
        rng = self.rng
        tid = 0
        months_2026 = DATA_END.month
        for i, (region_id, _code) in enumerate(self.ranked):
            # A task set a little above or below what the region then actually achieves.
            expected = self.region_2026[i] * 12 / months_2026
            for year, factor in ((2025, 0.9), (2026, 1.0)):
                tid += 1
                target = max(1_000_000.0, expected * factor * rng.uniform(0.8, 1.4))
                h1 = target * rng.uniform(0.4, 0.5)
                signed = rng.randint(5, 60)
                yield (
                    f"{tid}\t{year}\t{target:.2f}\t{h1:.2f}\t{signed}\t{signed * 3 // 4}\t{signed // 2}\t"
                    f"{signed // 3}\t1\t{TIMESTAMP}\t{region_id}\n"
                )

    TARGET_COLUMNS = [
        "id",
        "year",
        "investment",
        "investment_h1",
        "signed",
        "started",
        "completed",
        "in_production",
        "version",
        "updated_at",
        "region_id",
    ]

    # problems -----------------------------------------------------------------

    def problems(self):
        rng = self.rng
        rand, randint = rng.random, rng.randint
        last = DATA_END.toordinal()
        first_raise = FIRST_REPORT_MONTH.toordinal()
        fromord = datetime.date.fromordinal
        for qid in range(1, self.n_problems + 1):
            index = randint(0, self.n_projects - 1)
            raised = randint(max(self.p_signed[index], first_raise), last)
            unit = self.unit_ids[self.p_region[index]]
            x = rand()
            due = resolved = verified = "\\N"
            unit_s = "\\N"
            resolution = ""
            if x < 0.15:
                status = "raised"
            else:
                unit_s = str(unit)
                due = fromord(raised + randint(7, 60)).isoformat()
                if x < 0.40:
                    status = "assigned"
                else:
                    resolved_day = min(last, raised + randint(1, 90))
                    resolved = fromord(resolved_day).isoformat()
                    resolution = "已协调解决"
                    if x < 0.60:
                        status = "resolved"
                    else:
                        status = "verified"
                        verified = fromord(min(last, resolved_day + randint(0, 30))).isoformat()
            yield (
                f"{qid}\t{PROBLEM_CATEGORIES[randint(0, 7)]}\t问题{qid}：待协调事项\t"
                f"{SEVERITIES[randint(0, 2)]}\t"
                f"{fromord(raised).isoformat()}\t{status}\t{due}\t{resolved}\t{resolution}\t{verified}\t1\t"
                f"{TIMESTAMP}\t{TIMESTAMP}\t\\N\t{index + 1}\t\\N\t\\N\t\\N\t\\N\t{unit_s}\n"
            )

    PROBLEM_COLUMNS = [
        "id",
        "category",
        "description",
        "severity",
        "raised_on",
        "status",
        "due_on",
        "resolved_on",
        "resolution",
        "verified_on",
        "version",
        "created_at",
        "updated_at",
        "assignee_id",
        "project_id",
        "raised_by_id",
        "resolved_by_id",
        "verified_by_id",
        "visit_id",
        "responsible_unit_id",
    ]
