#!/usr/bin/env python
"""National-scale benchmark of the county ranking (DESIGN "Scale the design must allow").

    .venv/bin/python bench/ranking.py --scale 1.0            # build (once) and measure
    .venv/bin/python bench/ranking.py --scale 1.0 --reuse    # measure an existing build

It builds its own PostgreSQL database (2,800 ranked regions; at ``--scale 1.0``
1.5 million projects, ~20 million investment reports, 300,000 problems) with
COPY, not the ORM, then prints:

- one ranking (``compute_ranking`` of a 2026 ISO week), warm, best and median;
- one hand-written SQL statement computing the same figures from the roll-up,
  checked figure by figure against ``compute_ranking``, and the ratio of the two;
- the same statement reading the raw investment reports (why the roll-up exists);
- one weekly bulletin including its xlsx, its time, and its peak memory measured
  in a fresh process; the peak at every scale measured on this machine is kept in
  bench/results.json so that runs at two scales show whether it stays flat.

Regions do not scale: every scale has the national 2,800 ranked regions, and
``--scale`` multiplies projects, enterprises, reports and problems. A bulletin's
size is O(regions); its memory must not grow with the projects.

It is a benchmark, not a test: the exit status is 0 whatever the figures.
"""

import argparse
import bisect
import datetime
import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from array import array
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zhaoqing_bench"

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
INDUSTRIES = [
    ("new-energy", "新能源", "New energy"),
    ("ev", "新能源汽车", "Electric vehicles"),
    ("electronics", "电子信息", "Electronics"),
    ("semiconductors", "半导体", "Semiconductors"),
    ("equipment", "高端装备", "Advanced equipment"),
    ("materials", "新材料", "New materials"),
    ("biomedicine", "生物医药", "Biomedicine"),
    ("metal", "金属加工", "Metal processing"),
    ("furniture", "家具制造", "Furniture"),
    ("food", "食品饮料", "Food and drink"),
    ("textiles", "纺织服装", "Textiles"),
    ("chemicals", "精细化工", "Fine chemicals"),
    ("building", "建筑材料", "Building materials"),
    ("paper", "造纸印刷", "Paper and printing"),
    ("plastics", "塑料制品", "Plastics"),
    ("appliances", "家用电器", "Home appliances"),
    ("logistics-equipment", "物流装备", "Logistics equipment"),
    ("batteries", "储能电池", "Batteries"),
    ("hydrogen", "氢能", "Hydrogen"),
    ("agri-processing", "农产品加工", "Agricultural processing"),
]
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

# Big tables whose secondary indexes and foreign keys are dropped for the COPY and
# recreated (with the migration's own definitions) afterwards: one index build and
# one validating join instead of 20 million index insertions and trigger checks.
DEFERRED_TABLES = [
    "projects_enterprise",
    "projects_project",
    "projects_investmentreport",
    "supervision_problem",
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def month_date(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)


# --------------------------------------------------------------------------- database setup


def database_name(url: str) -> str:
    return psycopg.conninfo.conninfo_to_dict(url)["dbname"]


def maintenance_url(url: str) -> str:
    params = psycopg.conninfo.conninfo_to_dict(url)
    params["dbname"] = "postgres"
    return psycopg.conninfo.make_conninfo(**params)


def database_exists(url: str) -> bool:
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]).fetchone()
            is not None
        )


def recreate_database(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def stored_meta(url: str) -> dict:
    if not database_exists(url):
        return {}
    with psycopg.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass('bench_meta')").fetchone()[0]
        if not exists:
            return {}
        return {key: json.loads(value) for key, value in conn.execute("SELECT key, value FROM bench_meta")}


def save_meta(url: str, meta: dict) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        for key, value in meta.items():
            conn.execute(
                "INSERT INTO bench_meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, json.dumps(value)],
            )


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhaoqing_tracker.settings")
    # Long benchmark sessions: keep one connection rather than reconnecting every minute.
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --------------------------------------------------------------------------- data generation


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


def deferred_definitions(conn, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(index name, CREATE INDEX) and (constraint name, definition) for what is dropped during the load."""
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
        [table],
    ).fetchall()
    indexes = conn.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname",
        [table],
    ).fetchall()
    return indexes, constraints


def drop_deferred(conn, table: str, indexes, constraints) -> None:
    for name, _definition in constraints:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        conn.execute(f'DROP INDEX "{name}"')


def restore_deferred(conn, table: str, indexes, constraints) -> None:
    for _name, definition in indexes:
        conn.execute(definition)
    for name, definition in constraints:
        conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


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
        Copier(conn).copy(
            "projects_industry",
            ["id", "code", "name", "name_en"],
            (f"{i}\t{c}\t{n}\t{e}\n" for i, (c, n, e) in enumerate(INDUSTRIES, start=1)),
        )
        base = conn.execute("SELECT COALESCE(max(id), 0) FROM supervision_unit").fetchone()[0]
        self.unit_ids = [base + i + 1 for i in range(len(self.ranked))]
        Copier(conn).copy(
            "supervision_unit",
            ["id", "name", "name_en", "region_id"],
            (
                f"{self.unit_ids[i]}\t自然资源局\tNatural Resources Bureau\t{rid}\n"
                for i, (rid, _code) in enumerate(self.ranked)
            ),
        )

    def enterprises(self):
        for eid in range(1, self.n_enterprises + 1):
            yield f"{eid}\t企业{eid:07d}有限公司\t\t{TIMESTAMP}\t{TIMESTAMP}\n"

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
        n_industries = len(INDUSTRIES)
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
                f"{randint(1, n_industries)}\t\\N\t{region_id}\n"
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


def build(url: str, scale: float) -> dict:
    log(f"recreating database {database_name(url)} and migrating")
    recreate_database(url)
    migrate()
    from django.db import connections

    connections.close_all()

    gen = Generator(scale)
    timings = {}
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        deferred = {table: deferred_definitions(conn, table) for table in DEFERRED_TABLES}
        for table, (indexes, constraints) in deferred.items():
            drop_deferred(conn, table, indexes, constraints)
        conn.commit()

        def load(label, table, columns, lines):
            t0 = time.perf_counter()
            count = Copier(conn).copy(table, columns, lines)
            conn.commit()
            timings[label] = round(time.perf_counter() - t0, 1)
            log(f"  {table}: {count:,} rows in {timings[label]:.1f} s")
            return count

        t0 = time.perf_counter()
        gen.regions(conn)
        gen.industries_units(conn)
        conn.commit()
        timings["regions"] = round(time.perf_counter() - t0, 1)
        log(f"  regions: {len(gen.ranked):,} ranked")
        load(
            "enterprises",
            "projects_enterprise",
            ["id", "name", "credit_code", "created_at", "updated_at"],
            gen.enterprises(),
        )
        load("projects", "projects_project", Generator.PROJECT_COLUMNS, gen.projects())
        load("reports", "projects_investmentreport", Generator.REPORT_COLUMNS, gen.reports())
        load("targets", "projects_annualtarget", Generator.TARGET_COLUMNS, gen.targets())
        load("problems", "supervision_problem", Generator.PROBLEM_COLUMNS, gen.problems())

        t0 = time.perf_counter()
        for table, (indexes, constraints) in deferred.items():
            restore_deferred(conn, table, indexes, constraints)
            conn.commit()
            log(f"  indexes and constraints of {table} restored")
        timings["indexes"] = round(time.perf_counter() - t0, 1)
        for table in [
            "projects_region",
            "projects_industry",
            "supervision_unit",
            *DEFERRED_TABLES,
            "projects_annualtarget",
        ]:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        conn.commit()
    timings["load_total"] = round(time.perf_counter() - started, 1)

    t0 = time.perf_counter()
    vacuum(url)
    timings["vacuum_analyze"] = round(time.perf_counter() - t0, 1)

    from projects.rollups import rollup_rebuild

    t0 = time.perf_counter()
    rollup_rows = rollup_rebuild()
    timings["rollup_rebuild"] = round(time.perf_counter() - t0, 2)
    log(f"  rollup_rebuild(): {rollup_rows:,} rows in {timings['rollup_rebuild']:.2f} s")
    connections.close_all()
    vacuum(url, ["projects_investmentrollup"])

    meta = {"scale": scale, "seed": SEED, "built_at": time.strftime("%Y-%m-%d %H:%M:%S"), "timings": timings}
    save_meta(url, meta)
    return meta


def vacuum(url: str, tables=None) -> None:
    # What autovacuum would have done to tables that grew over years: hint bits,
    # visibility map and statistics, so the first measured run is not the one
    # that pays for them.
    with psycopg.connect(url, autocommit=True) as conn:
        if tables:
            for table in tables:
                conn.execute(f"VACUUM (ANALYZE) {table}")
        else:
            conn.execute("VACUUM (ANALYZE)")


# --------------------------------------------------------------------------- the hand-written statement

HAND_SQL = """
WITH proj AS (
    SELECT p.region_id,
        {stage_counts},
        SUM(p.land_supplied_on - p.signed_on)
            FILTER (WHERE p.land_supplied_on BETWEEN %(ys)s AND %(d)s) AS ytd_land_days,
        SUM(p.land_supplied_on - p.signed_on)
            FILTER (WHERE p.land_supplied_on BETWEEN %(ps)s AND %(pe)s) AS period_land_days
    FROM projects_project p
    WHERE p.status <> 'cancelled' AND p.signed_on <= %(d)s
        -- the latest stage date (the current stage's) before both windows: counts nowhere
        AND COALESCE(p.above_scale_on, p.in_production_on, p.completed_on, p.started_on,
                     p.land_supplied_on, p.signed_on) >= %(earliest)s
        AND p.region_id IN (SELECT id FROM projects_region WHERE is_ranked)
    GROUP BY p.region_id
),
inv AS (
    {investment}
),
prob AS (
    SELECT p.region_id,
        COUNT(*) FILTER (WHERE q.raised_on BETWEEN %(ys)s AND %(d)s) AS ytd_raised,
        COUNT(*) FILTER (WHERE q.raised_on BETWEEN %(ys)s AND %(d)s AND q.resolved_on <= %(d)s)
            AS ytd_resolved,
        COUNT(*) FILTER (WHERE q.raised_on BETWEEN %(ps)s AND %(pe)s) AS period_raised,
        COUNT(*) FILTER (WHERE q.raised_on BETWEEN %(ps)s AND %(pe)s AND q.resolved_on <= %(d)s)
            AS period_resolved,
        COUNT(*) FILTER (WHERE q.due_on < %(d)s AND (q.resolved_on IS NULL OR q.resolved_on > %(d)s))
            AS overdue
    FROM supervision_problem q JOIN projects_project p ON p.id = q.project_id
    WHERE p.status <> 'cancelled' AND q.raised_on <= %(d)s
        AND p.region_id IN (SELECT id FROM projects_region WHERE is_ranked)
    GROUP BY p.region_id
),
vals AS (
    SELECT r.id, r.code,
        {values}
    FROM projects_region r
    LEFT JOIN proj pr ON pr.region_id = r.id
    LEFT JOIN inv ON inv.region_id = r.id
    LEFT JOIN prob pb ON pb.region_id = r.id
    LEFT JOIN projects_annualtarget t ON t.region_id = r.id AND t.year = %(year)s
    WHERE r.is_ranked
),
scored AS (
    SELECT vals.*, ROUND({score}, 2) AS score FROM vals
)
SELECT scored.*, {ranks}, RANK() OVER (ORDER BY score DESC) AS rank
FROM scored
ORDER BY rank, code
"""

ROLLUP_INVESTMENT = """SELECT region_id,
        SUM(amount) FILTER (WHERE month BETWEEN %(ys)s AND %(md)s) AS ytd,
        SUM(amount) FILTER (WHERE month BETWEEN %(ps)s AND %(pe)s) AS period
    FROM projects_investmentrollup
    WHERE month BETWEEN %(earliest)s AND %(md)s
        AND region_id IN (SELECT id FROM projects_region WHERE is_ranked)
    GROUP BY region_id"""

RAW_INVESTMENT = """SELECT p.region_id,
        SUM(ir.amount) FILTER (WHERE ir.month BETWEEN %(ys)s AND %(md)s) AS ytd,
        SUM(ir.amount) FILTER (WHERE ir.month BETWEEN %(ps)s AND %(pe)s) AS period
    FROM projects_investmentreport ir JOIN projects_project p ON p.id = ir.project_id
    WHERE p.status <> 'cancelled' AND ir.month BETWEEN %(earliest)s AND %(md)s
        AND p.region_id IN (SELECT id FROM projects_region WHERE is_ranked)
    GROUP BY p.region_id"""

STAGES = ["signed", "land_supplied", "started", "completed", "in_production", "above_scale"]
INDICATORS = [
    *STAGES,
    "investment",
    "investment_rate",
    "avg_days_to_land",
    "problems_raised",
    "problems_resolved",
    "problem_resolution_rate",
    "problems_overdue",
]
SMALLEST_FIRST = {"avg_days_to_land", "problems_overdue"}


def hand_sql(weights: dict[str, Decimal], *, raw: bool) -> str:
    stage_counts = ",\n        ".join(
        f"COUNT(*) FILTER (WHERE p.{stage}_on BETWEEN %({a})s AND %({b})s) AS {prefix}_{stage}"
        for stage in STAGES
        for prefix, a, b in (("ytd", "ys", "d"), ("period", "ps", "pe"))
    )
    values = []
    for prefix, suffix in (("ytd", ""), ("period", "_p")):
        values += [f"COALESCE(pr.{prefix}_{stage}, 0) AS {stage}{suffix}" for stage in STAGES]
        values += [
            f"ROUND(COALESCE(inv.{prefix}, 0), 2) AS investment{suffix}",
            f"ROUND(ROUND(COALESCE(inv.{prefix}, 0), 2) / NULLIF(t.investment, 0), 4) "
            f"AS investment_rate{suffix}",
            f"ROUND(pr.{prefix}_land_days::numeric / NULLIF(pr.{prefix}_land_supplied, 0), 1) "
            f"AS avg_days_to_land{suffix}",
            f"COALESCE(pb.{prefix}_raised, 0) AS problems_raised{suffix}",
            f"COALESCE(pb.{prefix}_resolved, 0) AS problems_resolved{suffix}",
            f"ROUND(pb.{prefix}_resolved::numeric / NULLIF(pb.{prefix}_raised, 0), 4) "
            f"AS problem_resolution_rate{suffix}",
        ]
    values.append("COALESCE(pb.overdue, 0) AS problems_overdue")
    score = (
        " + ".join(
            f"COALESCE({weight} * {name} / NULLIF(GREATEST(MAX({name}) OVER (), 0), 0), 0)"
            for name, weight in weights.items()
        )
        or "0"
    )
    ranks = ", ".join(
        f"RANK() OVER (ORDER BY {name} {'ASC' if name in SMALLEST_FIRST else 'DESC'} NULLS LAST) "
        f"AS {name}_rank"
        for name in INDICATORS
    )
    return HAND_SQL.format(
        stage_counts=stage_counts,
        investment=RAW_INVESTMENT if raw else ROLLUP_INVESTMENT,
        values=",\n        ".join(values),
        score=score,
        ranks=ranks,
    )


def sql_params(period) -> dict:
    d = period.end
    ys = datetime.date(d.year, 1, 1)
    return {
        "ys": ys,
        "d": d,
        "ps": period.start,
        "pe": period.end,
        "md": d.replace(day=1),
        "earliest": min(ys, period.start),
        "year": d.year,
    }


def run_hand_sql(sql: str, params: dict) -> list[dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def compare(ranking, rows: list[dict]) -> list[str]:
    """Every figure of the ranking against the statement's: values, period values, ranks, score, rank."""
    problems = []
    by_code = {row["code"]: row for row in rows}
    if len(by_code) != len(ranking.rows):
        problems.append(f"{len(ranking.rows)} regions ranked, {len(by_code)} from SQL")
    for computed in ranking.rows:
        row = by_code.get(computed.code)
        if row is None:
            problems.append(f"{computed.code} missing from SQL")
            continue
        pairs = [("score", computed.score, row["score"]), ("rank", computed.rank, row["rank"])]
        for name in INDICATORS:
            cell = computed.indicators[name]
            pairs.append((name, cell.value, row[name]))
            pairs.append((f"{name}_rank", cell.rank, row[f"{name}_rank"]))
            if name != "problems_overdue":
                pairs.append((f"{name} (period)", cell.period_value, row[f"{name}_p"]))
        for name, ours, theirs in pairs:
            if ours != theirs:
                problems.append(f"{computed.code} {name}: compute_ranking {ours!r}, SQL {theirs!r}")
    return problems


# --------------------------------------------------------------------------- measuring


def timed(fn, runs: int) -> tuple[float, list[float], object]:
    """(first run, the warm runs, last result): the first run warms caches and is not counted."""
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    warm = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        warm.append(time.perf_counter() - t0)
    return first, warm, result


def fmt_times(first: float, warm: list[float]) -> str:
    return (
        f"best {min(warm):.3f} s, median {statistics.median(warm):.3f} s "
        f"(first {first:.3f} s; runs {', '.join(f'{t:.3f}' for t in warm)})"
    )


def xlsx_function():
    try:
        from supervision.bulletin_exports import bulletin_xlsx
    except ImportError:
        return None
    return bulletin_xlsx


def one_bulletin(period, xlsx) -> tuple[object, int, float, float]:
    from supervision.bulletins import bulletin_generate

    t0 = time.perf_counter()
    bulletin = bulletin_generate(period=period, publish=False)  # a draft is replaced on every run
    generated = time.perf_counter() - t0
    size = 0
    if xlsx is not None:
        t1 = time.perf_counter()
        size = len(xlsx(bulletin))
        return bulletin, size, generated, time.perf_counter() - t1
    return bulletin, size, generated, 0.0


def _vm(field: str) -> float | None:
    """VmRSS / VmHWM of this process in MiB (Linux), None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    # Linux: writing 5 to clear_refs resets VmHWM (the peak RSS) to the current RSS,
    # so the peak read afterwards is the bulletin's own, not Django's start-up.
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def bulletin_child(period) -> dict:
    """Run in a fresh process: the bulletin's peak memory, not the loader's."""
    import gc
    import tracemalloc

    from django.db import connection

    xlsx = xlsx_function()
    connection.ensure_connection()
    one_bulletin(period, xlsx)  # imports, translations, caches: paid once per process
    gc.collect()
    reset = _reset_peak_rss()
    rss_before = _vm("VmRSS")
    _bulletin, size, _g, _x = one_bulletin(period, xlsx)
    rss_peak = _vm("VmHWM") if reset else None
    gc.collect()
    tracemalloc.start()
    one_bulletin(period, xlsx)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "tracemalloc_peak_mib": round(peak / 2**20, 1),
        "rss_before_mib": rss_before and round(rss_before, 1),
        "rss_peak_delta_mib": round(rss_peak - rss_before, 1) if rss_peak and rss_before else None,
        "xlsx_bytes": size,
        "xlsx": xlsx is not None,
    }


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(args, url: str, meta: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.models import InvestmentReport, InvestmentRollup, Project, Region
    from supervision.bulletins import bulletin_generate
    from supervision.models import Problem
    from supervision.periods import period_containing
    from supervision.ranking import compute_ranking, scheme_for

    period = period_containing("weekly", args.as_of)
    report = {"scale": meta["scale"], "period": period.label, "as_of": str(period.end)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        db_size = cursor.fetchone()[0]
    counts = {
        "ranked regions": Region.objects.ranked().count(),
        "projects": Project.objects.count(),
        "investment reports": InvestmentReport.objects.count(),
        "rollup rows": InvestmentRollup.objects.count(),
        "problems": Problem.objects.count(),
    }
    report["counts"] = counts
    timings = meta.get("timings", {})
    try:
        load_avg = os.getloadavg()
    except OSError:
        load_avg = (0, 0, 0)

    log(f"ranking {period.label} ({period.start} – {period.end}), {args.runs} warm runs each")
    rank_first, rank_warm, ranking = timed(lambda: compute_ranking(period), args.runs)
    with CaptureQueriesContext(connection) as captured:
        compute_ranking(period)
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))

    weights = scheme_for(period.end.year).weights
    params = sql_params(period)
    sql = hand_sql(weights, raw=False)
    sql_first, sql_warm, sql_rows = timed(lambda: run_hand_sql(sql, params), args.runs)
    mismatches = compare(ranking, sql_rows)

    raw_sql = hand_sql(weights, raw=True)
    raw_runs = max(1, min(args.runs, 3))
    raw_first, raw_warm, raw_rows = timed(lambda: run_hand_sql(raw_sql, params), raw_runs)
    raw_mismatches = compare(ranking, raw_rows)

    log("bulletin")
    # The previous week's bulletin, published once, so this one carries rank changes as every real one does.
    bulletin_generate(period=period.previous(), publish=True)
    xlsx = xlsx_function()
    b_first, b_warm, b_result = timed(lambda: one_bulletin(period, xlsx), max(1, min(args.runs, 3)))
    _bulletin, xlsx_size, gen_s, xlsx_s = b_result
    child = subprocess.run(
        [sys.executable, __file__, "--child-bulletin", "--database-url", url, "--as-of", str(args.as_of)],
        capture_output=True,
        text=True,
        check=False,
    )
    memory = json.loads(child.stdout.strip().splitlines()[-1]) if child.returncode == 0 else None
    if memory is None:
        print(child.stderr[-3000:])

    rank_median = statistics.median(rank_warm)
    sql_median = statistics.median(sql_warm)
    ratio = rank_median / sql_median
    report.update(
        {
            "ranking_best_s": round(min(rank_warm), 3),
            "ranking_median_s": round(rank_median, 3),
            "sql_best_s": round(min(sql_warm), 3),
            "sql_median_s": round(sql_median, 3),
            "ratio": round(ratio, 2),
            "raw_sql_median_s": round(statistics.median(raw_warm), 3),
            "bulletin_median_s": round(statistics.median(b_warm), 3),
            "bulletin_memory": memory,
            "figures_agree": not mismatches,
            "machine_load": load_avg,
        }
    )

    # ------------------------------------------------------------------ the report
    line = "=" * 78
    print(line)
    print(
        f"bench/ranking.py --scale {meta['scale']}   ({time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} CPUs, load average {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f})"
    )
    print(f"database       {database_name(url)}: {db_size / 2**30:.2f} GiB; {pg_version.split(' on ')[0]}")
    print("data           " + ", ".join(f"{name} {value:,}" for name, value in counts.items()))
    if timings:
        print(
            f"load (COPY)    {timings.get('load_total', 0):.0f} s "
            f"(projects {timings.get('projects', 0):.0f} s, "
            f"reports {timings.get('reports', 0):.0f} s, indexes+FKs {timings.get('indexes', 0):.0f} s), "
            f"VACUUM ANALYZE {timings.get('vacuum_analyze', 0):.0f} s; built {meta.get('built_at')}"
        )
        print(f"rollup         rollup_rebuild() {timings.get('rollup_rebuild', 0):.2f} s")
    print(f"period         weekly {period.label}: {period.start} – {period.end} (YTD from {params['ys']})")
    print(line)
    print(f"ranking        compute_ranking(): {fmt_times(rank_first, rank_warm)}")
    print(
        f"               {len(queries)} queries; slowest: "
        + "; ".join(f"{float(q['time']):.3f} s {q['sql'][:60]}…" for q in queries[:3])
    )
    print(f"hand SQL       one statement, roll-up: {fmt_times(sql_first, sql_warm)}")
    print(
        f"figures agree: {'yes' if not mismatches else 'no'} "
        f"({len(ranking.rows):,} regions × {len(INDICATORS)} indicators: "
        "value, rank, period value; score, rank)"
    )
    for problem in mismatches[:10]:
        print(f"               ✗ {problem}")
    print(f"ratio          ranking / hand SQL (medians) = {ratio:.2f}×")
    print(
        f"raw SQL        same statement summing the raw reports: {fmt_times(raw_first, raw_warm)}"
        f"  [{statistics.median(raw_warm) / sql_median:.1f}× the roll-up; "
        f"figures agree: {'yes' if not raw_mismatches else 'no'}]"
    )
    xlsx_note = (
        f"xlsx {xlsx_size / 1024:.0f} KiB"
        if xlsx
        else "xlsx NOT MEASURED (supervision.bulletin_exports missing)"
    )
    print(f"bulletin       bulletin_generate(draft) + bulletin_xlsx(): {fmt_times(b_first, b_warm)}")
    print(f"               last run: generate {gen_s:.3f} s + xlsx {xlsx_s:.3f} s; {xlsx_note}")
    if memory:
        print(
            f"               peak memory (fresh process): tracemalloc {memory['tracemalloc_peak_mib']} MiB, "
            f"peak RSS +{memory['rss_peak_delta_mib']} MiB over {memory['rss_before_mib']} MiB "
            "(VmHWM after a reset)"
        )
    history = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    history[str(meta["scale"])] = {
        "projects": counts["projects"],
        "reports": counts["investment reports"],
        "tracemalloc_peak_mib": memory and memory["tracemalloc_peak_mib"],
        "rss_peak_delta_mib": memory and memory["rss_peak_delta_mib"],
        "ranking_median_s": report["ranking_median_s"],
        "sql_median_s": report["sql_median_s"],
        "bulletin_median_s": report["bulletin_median_s"],
        "xlsx": bool(xlsx),
        "at": time.strftime("%Y-%m-%d %H:%M"),
    }
    RESULTS.write_text(json.dumps(history, indent=2, sort_keys=True) + "\n")
    if len(history) > 1:
        print("               bulletin peak by data size (bench/results.json, this machine):")
        for scale, entry in sorted(history.items(), key=lambda item: float(item[0])):
            print(
                f"                 scale {scale:>5}: {entry['projects']:>9,} projects, "
                f"{entry['reports']:>10,} reports → tracemalloc {entry['tracemalloc_peak_mib']} MiB, "
                f"peak RSS +{entry['rss_peak_delta_mib']} MiB, {entry['bulletin_median_s']} s"
                f"{'' if entry['xlsx'] else ' (no xlsx)'}"
            )
    print(line)
    print(
        f"target         ranking ≤ 2 s:           {'PASS' if rank_median <= 2 else 'FAIL'} "
        f"(median {rank_median:.3f} s)"
    )
    print(f"target         ranking ≤ 1.5× hand SQL: {'PASS' if ratio <= 1.5 else 'FAIL'} ({ratio:.2f}×)")
    print(f"check          figures agree:           {'PASS' if not mismatches else 'FAIL'}")
    print(line)

    if args.explain or rank_median > 2 or ratio > 1.5:
        print("EXPLAIN (ANALYZE, BUFFERS) of the slowest queries of compute_ranking():")
        for q in queries[:3]:
            print("-" * 78)
            print(q["sql"])
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))
        print("-" * 78)
        print("EXPLAIN (ANALYZE, BUFFERS) of the hand-written statement:")
        print(explain(sql, params))


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = national scale (1.5 M projects)")
    parser.add_argument(
        "--database-url",
        default=None,
        help=f"default $BENCH_DATABASE_URL or {DEFAULT_URL} (with _<scale> appended below 1.0)",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the data when it was built at this scale")
    parser.add_argument("--runs", type=int, default=5, help="warm runs per measure (after one warm-up run)")
    parser.add_argument(
        "--as-of",
        type=datetime.date.fromisoformat,
        default=DEFAULT_AS_OF,
        help="a day of the ranked ISO week (default 2026-10-04, week 2026-W40)",
    )
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the slowest queries")
    parser.add_argument("--child-bulletin", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    url = args.database_url or os.environ.get("BENCH_DATABASE_URL")
    if not url:
        # A quick run at a smaller scale must not wipe the full build that took half an hour.
        url = DEFAULT_URL if args.scale == 1.0 else f"{DEFAULT_URL}_{str(args.scale).replace('.', '_')}"

    if args.child_bulletin:
        setup_django(url)
        from supervision.periods import period_containing

        print(json.dumps(bulletin_child(period_containing("weekly", args.as_of))))
        return

    meta = stored_meta(url)
    if args.reuse and meta.get("scale") == args.scale:
        log(f"reusing {database_name(url)} (scale {args.scale}, built {meta.get('built_at')})")
        setup_django(url)
        migrate()  # the app may have gained migrations since the build
    else:
        if args.reuse:
            log(f"no data at scale {args.scale} in {database_name(url)}: building it")
        setup_django(url)
        meta = build(url, args.scale)
    measure(args, url, meta)


if __name__ == "__main__":
    main()
