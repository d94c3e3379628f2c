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
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

# Run by path (bench/ranking.py), so Python puts bench/ first on sys.path and the
# sibling modules import as top-level ones; the fresh process for the bulletin's
# memory is this same script, launched the same way.
#   ranking_data.py     the deterministic data generators (COPY lines)
#   ranking_build.py    the database: recreate, migrate, COPY with deferred indexes, VACUUM, roll-up
#   ranking_sql.py      the hand-written statement and its figure-by-figure comparison
#   ranking_measure.py  timings, the bulletin and its peak memory, bench/results.json
from ranking_build import build, database_name, log, migrate, setup_django, stored_meta
from ranking_data import DEFAULT_AS_OF
from ranking_measure import (
    bulletin_child,
    explain,
    fmt_times,
    one_bulletin,
    record_result,
    timed,
    xlsx_function,
)
from ranking_sql import INDICATORS, compare, hand_sql, run_hand_sql, sql_params

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zhaoqing_bench"


def measure(args, url: str, meta: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.models import InvestmentReport, InvestmentRollup, Project, Region
    from supervision.models import Problem
    from supervision.periods import period_containing
    from supervision.ranking.bulletins import bulletin_generate
    from supervision.ranking.engine import compute_ranking, scheme_for

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
    history = record_result(
        meta["scale"],
        {
            "projects": counts["projects"],
            "reports": counts["investment reports"],
            "tracemalloc_peak_mib": memory and memory["tracemalloc_peak_mib"],
            "rss_peak_delta_mib": memory and memory["rss_peak_delta_mib"],
            "ranking_median_s": report["ranking_median_s"],
            "sql_median_s": report["sql_median_s"],
            "bulletin_median_s": report["bulletin_median_s"],
            "xlsx": bool(xlsx),
            "at": time.strftime("%Y-%m-%d %H:%M"),
        },
    )
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
