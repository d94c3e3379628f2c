#!/usr/bin/env python
"""The county user's lists at national scale: first pages, as a county user and as the city admin.

    .venv/bin/python bench/lists.py                      # the ranked region with ~21 projects
    .venv/bin/python bench/lists.py --region 140581 --runs 9 --explain

It reads the database that ``bench/ranking.py --scale 1.0`` built (2,800 ranked regions,
1.5 M projects, ~20 M investment reports, 300,000 problems) and never rebuilds it: like
``ranking.py --reuse`` it only migrates. It creates two users there (idempotently): a
``county_staff`` user of one county-level ranked region with about 21 projects, and a
``city_admin`` user with no region.

Everything goes through the product's public surface, the URLs, with django.test.Client
(signed in with ``force_login``), so the measure means the same before and after the row
scope of a county user changes inside the product. For each list it times the first page
(one warm-up, then ``--runs``; best and median), checks the answer is 200 and counts its rows.
For the county user it also times a raw SQL floor: plain psycopg statements returning the same
first page, filtered with ``region_id = ANY(<the county's region ids>)``, and checks that they
return the same rows in the same order as the page.

Targets (judged on the medians): the county user's list takes at most 2× the city admin's same
list, and is within 10 ms of the raw SQL floor. It is a benchmark, not a test: the exit status
is 0 whatever the figures.
"""

import argparse
import os
import re
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field

import psycopg
from ranking_build import database_name, log, migrate, setup_django, stored_meta

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zhaoqing_bench"
TARGET_PROJECTS = 21
COUNTY_USER = "bench_county_staff"
ADMIN_USER = "bench_city_admin"
MAX_RATIO = 2.0  # county ≤ 2× the city admin's same list
MAX_OVER_FLOOR_MS = 10.0  # county within 10 ms of the raw SQL floor

# What the product's first pages hold, so that the floor returns the same rows (looked up in the
# product, not imported from it): API lists page by 100 in ("id",) order and read one row more
# (zhaoqing_tracker/api/pagination.py); /projects/ shows 50 by ("-signed_on", "-id") and /problems/
# 25 by ("-raised_on", "-id"), each reading one row more instead of counting (zhaoqing_tracker/web.py).
API_PAGE = 100
PROJECT_PAGE = 50
SUPERVISION_PAGE = 25

# The county's projects, and the rows that belong to them, by the region ids of the county.
_PROJECTS = "projects_project p WHERE p.region_id = ANY(%(ids)s)"
_BY_PROJECT = "JOIN projects_project p ON p.id = {alias}.project_id WHERE p.region_id = ANY(%(ids)s)"


@dataclass
class Floor:
    statements: list[str]  # run in order; the last one returns the page, "id" among its columns
    shown: int  # rows of the page shown to the user (the statement may read one more)


@dataclass
class Listing:
    url: str
    kind: str  # "html" or "api"
    floor: Floor | None = None
    id_link: str | None = None  # HTML: regex of a row's link, giving the row's id
    results: dict = field(default_factory=dict)  # user label -> Result


@dataclass
class Result:
    status: int
    rows: int | None = None
    ids: list[int] | None = None
    first: float = 0.0
    warm: list[float] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    note: str = ""

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.warm) * 1000 if self.warm else None

    @property
    def best_ms(self) -> float | None:
        return min(self.warm) * 1000 if self.warm else None


LISTS = [
    Listing(
        "/projects/",
        "html",
        Floor(
            [
                f"SELECT p.* FROM {_PROJECTS} ORDER BY p.signed_on DESC, p.id DESC LIMIT {PROJECT_PAGE + 1}",
            ],
            PROJECT_PAGE,
        ),
        id_link=r'href="/projects/(\d+)/"',
    ),
    Listing(
        "/problems/",
        "html",
        Floor(
            [
                f"SELECT pb.* FROM supervision_problem pb {_BY_PROJECT.format(alias='pb')} "
                f"ORDER BY pb.raised_on DESC, pb.id DESC LIMIT {SUPERVISION_PAGE + 1}"
            ],
            SUPERVISION_PAGE,
        ),
        id_link=r'href="/problems/(\d+)/"',
    ),
    Listing("/visits/", "html"),
    Listing(
        "/api/v1/projects/",
        "api",
        Floor([f"SELECT p.* FROM {_PROJECTS} ORDER BY p.id LIMIT {API_PAGE + 1}"], API_PAGE),
    ),
    Listing(
        "/api/v1/investment-reports/",
        "api",
        Floor(
            [
                f"SELECT r.* FROM projects_investmentreport r {_BY_PROJECT.format(alias='r')} "
                f"ORDER BY r.id LIMIT {API_PAGE + 1}"
            ],
            API_PAGE,
        ),
    ),
    Listing(
        "/api/v1/problems/",
        "api",
        Floor(
            [
                f"SELECT pb.* FROM supervision_problem pb {_BY_PROJECT.format(alias='pb')} "
                f"ORDER BY pb.id LIMIT {API_PAGE + 1}"
            ],
            API_PAGE,
        ),
    ),
    Listing("/api/v1/targets/", "api"),
    Listing("/api/v1/milestones/", "api"),
    Listing("/api/v1/service-logs/", "api"),
]

_TBODY = re.compile(r"<tbody[^>]*>(.*?)</tbody>", re.S)
_TR = re.compile(r"<tr[\s>]")


# --------------------------------------------------------------------------- set-up


def configure_environment(url: str) -> None:
    """The product's settings as production runs them, read from the environment before Django starts."""
    os.environ["DJANGO_DEBUG"] = "0"
    # The test client's requests come from host "testserver".
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if hosts and "testserver" not in hosts:
        os.environ["DJANGO_ALLOWED_HOSTS"] = ",".join([*hosts, "testserver"])
    # Keep the connection between requests as production does (settings default 60 s); ranking_build's
    # "0" would close it after every request and time a new connection with each page.
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
    # Throttling disabled for the bench, in effect: the bench sends hundreds of requests per user in a
    # few minutes and must never be answered 429 by the per-user budget (REST_FRAMEWORK
    # DEFAULT_THROTTLE_RATES "token", 3000/minute by default). The rate is raised through the
    # settings' own variable, read when the settings load (DRF binds its throttle classes and rates
    # at import, so overriding REST_FRAMEWORK later would not reach the views). The throttle still
    # runs, so its cost per request is measured as in production. A 429 would be printed anyway.
    os.environ["API_THROTTLE_TOKEN"] = "1000000/minute"
    # WhiteNoise looks for STATIC_ROOT, which exists only after collectstatic (as in pytest's settings).
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    setup_django(url)


def load_urlconf(tries: int = 3) -> None:
    """Import the product's URLs now; application modules may be in the middle of a move, so an
    ImportError is retried after a minute."""
    from django.urls import get_resolver

    for attempt in range(1, tries + 1):
        try:
            get_resolver().url_patterns  # noqa: B018 (imports every view module)
            return
        except ImportError as exc:
            if attempt == tries:
                raise
            log(f"importing the URLs failed ({exc}); retrying in 60 s")
            time.sleep(60)


def region_subtrees() -> tuple[dict[int, list[int]], dict[int, str]]:
    """Each region's ids: itself, its children and theirs (the scope of a user of that region)."""
    from projects.models import Region

    children: dict[int, list[int]] = {}
    codes = {}
    for pk, parent_id, code in Region.objects.values_list("id", "parent_id", "code"):
        codes[pk] = code
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    subtrees = {}
    for pk in codes:
        ids = [pk, *children.get(pk, [])]
        ids += [g for c in children.get(pk, []) for g in children.get(c, [])]
        subtrees[pk] = sorted(ids)
    return subtrees, codes


def pick_region(code: str | None):
    """The given region, or the ranked region whose project count is closest to 21 (ties by code)."""
    from django.db.models import Count

    from projects.models import Project, Region

    subtrees, codes = region_subtrees()
    per_region = dict(Project.objects.order_by().values_list("region").annotate(n=Count("id")))

    def count(pk):
        return sum(per_region.get(i, 0) for i in subtrees[pk])

    if code:
        region = Region.objects.get(code=code)
    else:
        ranked = Region.objects.filter(is_ranked=True).values_list("id", flat=True)
        best = min(ranked, key=lambda pk: (abs(count(pk) - TARGET_PROJECTS), codes[pk]))
        region = Region.objects.get(pk=best)
    return region, subtrees[region.pk], count(region.pk)


def bench_users(region):
    """The county staff user of ``region`` and the city admin (no region), created once, kept up to date."""
    from django.contrib.auth.models import Group

    from projects.choices import Role
    from projects.models import User
    from projects.roles import ensure_role_groups

    ensure_role_groups()
    users = {}
    for label, username, role, user_region in (
        ("county_staff", COUNTY_USER, Role.COUNTY_STAFF, region),
        ("city_admin", ADMIN_USER, Role.CITY_ADMIN, None),
    ):
        user, created = User.objects.get_or_create(username=username, defaults={"region": user_region})
        if created:
            user.set_unusable_password()
        user.region = user_region
        user.is_active = True
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        users[label] = user
    return users


# --------------------------------------------------------------------------- measuring


def page_rows(listing: Listing, response) -> tuple[int, list[int] | None]:
    """Rows on the page and their ids when the page shows them (API: ``results``; HTML: the table)."""
    if listing.kind == "api":
        data = response.json()
        results = data["results"] if isinstance(data, dict) else data
        ids = [row["id"] for row in results if isinstance(row, dict) and "id" in row]
        return len(results), ids if len(ids) == len(results) else None
    body = _TBODY.search(response.content.decode())
    if body is None:  # an empty list may have no table at all
        return 0, [] if listing.id_link else None
    # Rows of the table body, without the single "nothing matches" row (colspan).
    rows = [row for row in _TR.split(body.group(1))[1:] if "colspan" not in row.split("</tr>")[0]]
    if not listing.id_link:
        return len(rows), None
    ids = list(dict.fromkeys(int(i) for i in re.findall(listing.id_link, body.group(1))))
    return len(rows), ids


def measure_list(client, listing: Listing, runs: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The warm-up request, with its queries captured (for their count and --explain); not counted.
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(listing.url)
    first = time.perf_counter() - t0
    result = Result(status=response.status_code, first=first, queries=list(captured.captured_queries))
    if response.status_code != 200:
        result.note = response.content.decode(errors="replace")[:300].replace("\n", " ")
        return result
    result.rows, result.ids = page_rows(listing, response)
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(listing.url)
        result.warm.append(time.perf_counter() - t0)
        if response.status_code != 200:
            result.status = response.status_code
            result.note = f"a timed run answered {response.status_code}"
            break
    return result


def measure_floor(conn, floor: Floor, ids: list[int], runs: int) -> Result:
    def run():
        rows = None
        cursor = conn.cursor()
        for sql in floor.statements:
            cursor.execute(sql, {"ids": ids})
            rows = cursor.fetchall()
        names = [column.name for column in cursor.description]
        return rows, names.index("id")

    t0 = time.perf_counter()
    rows, id_col = run()
    first = time.perf_counter() - t0
    warm = []
    for _ in range(runs):
        t0 = time.perf_counter()
        rows, id_col = run()
        warm.append(time.perf_counter() - t0)
    page = rows[: floor.shown]
    return Result(status=200, rows=len(page), ids=[row[id_col] for row in page], first=first, warm=warm)


def explain_query(sql: str, params=None) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


# --------------------------------------------------------------------------- the report


def fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def report(args, url: str, meta: dict, region, ids: list[int], n_projects: int, floors: dict) -> None:
    try:
        load_avg = os.getloadavg()
    except OSError:
        load_avg = (0, 0, 0)
    line = "=" * 118
    print(line)
    print(
        f"bench/lists.py   ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
        f"load average {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f})"
    )
    print(
        f"database   {database_name(url)}: scale {meta.get('scale')}, built {meta.get('built_at')}; "
        f"{args.runs} warm runs per list after one warm-up; figures in ms"
    )
    print(
        f"county     {region.code} {region} ({region.kind}): {n_projects} projects; "
        f"region ids {ids}; users {COUNTY_USER} (county_staff), {ADMIN_USER} (city_admin, no region)"
    )
    print(line)
    header = (
        f"{'list':<32} {'user':<13} {'best':>9} {'median':>9} {'rows':>5} {'queries':>7} "
        f"{'cty/admin':>9} {'cty−floor':>9}  {'≤2× admin':<9} {'≤floor+10ms':<11}"
    )
    print(header)
    print("-" * len(header))
    verdicts = []
    for listing in LISTS:
        label = f"{listing.kind.upper():<4} {listing.url}"
        county = listing.results["county_staff"]
        admin = listing.results["city_admin"]
        floor = floors.get(id(listing))
        ratio = over = None
        ratio_verdict = floor_verdict = "—"
        if county.median_ms is not None and admin.median_ms is not None:
            ratio = county.median_ms / admin.median_ms
            ratio_verdict = "PASS" if ratio <= MAX_RATIO else "MISS"
        if floor is not None and county.median_ms is not None:
            over = county.median_ms - floor.median_ms
            floor_verdict = "PASS" if over <= MAX_OVER_FLOOR_MS else "MISS"
        verdicts.append((label, ratio_verdict, floor_verdict))
        for user, result in (("county_staff", county), ("city_admin", admin)):
            is_county = user == "county_staff"
            print(
                f"{label if is_county else '':<32} {user:<13} {fmt_ms(result.best_ms):>9} "
                f"{fmt_ms(result.median_ms):>9} {'—' if result.rows is None else result.rows:>5} "
                f"{len(result.queries):>7} "
                f"{(f'{ratio:,.1f}×' if ratio is not None else '—') if is_county else '':>9} "
                f"{(f'{over:+,.1f}' if over is not None else '—') if is_county else '':>9}  "
                f"{ratio_verdict if is_county else '':<9} {floor_verdict if is_county else '':<11}"
            )
            if result.status != 200:
                print(f"{'':<32} {'':<13} ✗ HTTP {result.status}: {result.note}")
        if floor is not None:
            same = county.ids is not None and floor.ids == county.ids
            check = (
                "same rows, same order"
                if same
                else (
                    "rows NOT compared (the page shows no ids)"
                    if county.ids is None
                    else f"DIFFERENT rows: page {county.ids[:5]}…, floor {floor.ids[:5]}…"
                )
            )
            print(
                f"{'':<32} {'raw SQL floor':<13} {fmt_ms(floor.best_ms):>9} {fmt_ms(floor.median_ms):>9} "
                f"{floor.rows:>5} {len(listing.floor.statements):>7}  [{check}]"
            )
    print(line)
    passed = sum(v == "PASS" for _label, *vs in verdicts for v in vs)
    judged = sum(v != "—" for _label, *vs in verdicts for v in vs)
    print(
        f"targets    county ≤ {MAX_RATIO:g}× the city admin's same list; county within "
        f"{MAX_OVER_FLOOR_MS:g} ms of the raw SQL floor: {passed} of {judged} PASS"
    )
    for label, ratio_verdict, floor_verdict in verdicts:
        if "MISS" in (ratio_verdict, floor_verdict):
            print(f"MISS       {label}: ≤2× admin {ratio_verdict}, ≤floor+10ms {floor_verdict}")
    print(line)


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=None, help=f"default $BENCH_DATABASE_URL or {DEFAULT_URL}")
    parser.add_argument("--runs", type=int, default=5, help="warm runs per list (after one warm-up run)")
    parser.add_argument(
        "--region", default=None, help="code of the county user's region (default: ~21 projects)"
    )
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE of the slowest county list's main query"
    )
    args = parser.parse_args()
    url = args.database_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL

    meta = stored_meta(url)
    if not meta:
        sys.exit(
            f"{database_name(url)} holds no bench data: build it first with "
            ".venv/bin/python bench/ranking.py --scale 1.0 (this benchmark never builds)"
        )
    log(f"reusing {database_name(url)} (scale {meta.get('scale')}, built {meta.get('built_at')})")
    configure_environment(url)
    migrate()  # the app may have gained migrations since the build, as ranking.py --reuse does
    load_urlconf()

    from django.test import Client

    region, ids, n_projects = pick_region(args.region)
    users = bench_users(region)
    log(f"county user's region {region.code} ({region.kind}, {n_projects} projects, region ids {ids})")
    clients = {}
    for label, user in users.items():
        # A 500 is reported like any other non-200 answer, not raised.
        clients[label] = Client(raise_request_exception=False)
        clients[label].force_login(user)

    floors = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for listing in LISTS:
            for label, client in clients.items():
                log(f"{listing.url} as {label}")
                listing.results[label] = measure_list(client, listing, args.runs)
            if listing.floor is not None:
                floors[id(listing)] = measure_floor(conn, listing.floor, ids, args.runs)

    report(args, url, meta, region, ids, n_projects, floors)

    if args.explain:
        timed = [lst for lst in LISTS if lst.results["county_staff"].median_ms is not None]
        if not timed:
            return
        slowest = max(timed, key=lambda lst: lst.results["county_staff"].median_ms)
        queries = sorted(slowest.results["county_staff"].queries, key=lambda q: -float(q["time"]))
        print(f"EXPLAIN (ANALYZE, BUFFERS) of the slowest county list's main query: {slowest.url}")
        print(
            f"({len(queries)} queries in its warm-up request; "
            f"the slowest took {float(queries[0]['time']):.3f} s)"
        )
        print("-" * 78)
        print(queries[0]["sql"])
        print(explain_query(queries[0]["sql"]))
        if slowest.floor is not None:
            print("-" * 78)
            print("EXPLAIN (ANALYZE, BUFFERS) of its raw SQL floor:")
            for sql in slowest.floor.statements:
                print(sql.replace("%(ids)s", "%s"), f"  -- ids {ids}")
                print(explain_query(sql.replace("%(ids)s", "%s"), [ids]))


if __name__ == "__main__":
    main()
