"""Builds the bench database: recreate, migrate, COPY the generated data, VACUUM, roll up.

Also what the entry point needs around a build: the Django set-up against the bench
database, the build's metadata kept in the database (so ``--reuse`` knows what is
there), and the log lines.
"""

import json
import os
import sys
import time
from pathlib import Path

import psycopg
from ranking_data import SEED, Copier, Generator

ROOT = Path(__file__).resolve().parent.parent

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


# --------------------------------------------------------------------------- the load


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
            ["id", "name", "credit_code", "version", "created_at", "updated_at"],
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
