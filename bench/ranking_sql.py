"""The hand-written statement that computes the ranking's figures, and their comparison.

``hand_sql`` writes one SELECT (CTEs, ``COUNT(*) FILTER``, window functions) giving,
per ranked region, every indicator's value, period value and rank, the composite
score and the rank, from the investment roll-up or (``raw=True``) from the raw
reports; ``compare`` checks each of those figures against ``compute_ranking``'s.
"""

import datetime
from decimal import Decimal

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
