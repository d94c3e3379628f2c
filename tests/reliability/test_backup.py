"""Backups that restore: docker/backup.sh dumps a seeded database, docker/restore.sh brings it back.

The source is built as an operator would build one, by subprocesses: an empty database,
``migrate``, ``seed_demo``. The restored copy must hold every table of the public schema
with the same rows (count and content), every sequence at the same value (new rows after a
restore must not collide with restored ones), and give the same rankings. The scripts are
the ones the backup service of docker-compose.yml runs, here against this machine's server.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from tests.fixtures.worker import ROOT, database_url

SOURCE, TARGET = "zhaoqing_bk_src", "zhaoqing_bk_dst"
# A fixed day, so the seed (fixed random seeds) and its last complete month and quarter never change.
SEED_DAY = "2025-06-15"
DAY = 24 * 3600

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql", "createdb", "dropdb")),
        reason="needs the PostgreSQL client programs (pg_dump, pg_restore, psql, createdb, dropdb)",
    ),
]

# Both rankings of the seed's last complete month and quarter, as the API serves them.
RANKINGS = f"""
import datetime, json
from supervision.periods import last_complete_period
from supervision.ranking.engine import compute_ranking, ranking_as_json
day = datetime.date.fromisoformat("{SEED_DAY}")
print(json.dumps([ranking_as_json(compute_ranking(last_complete_period(kind, day)))
                  for kind in ("monthly", "quarterly")]))
"""


def libpq_env(**extra) -> dict[str, str]:
    """The environment of a client program: the test database's server and user, nothing inherited."""
    params = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "REDIS_URL"}
    env.update(
        PGHOST=params["HOST"] or "localhost", PGPORT=str(params["PORT"] or 5432), PGUSER=params["USER"]
    )
    if params["PASSWORD"]:
        env["PGPASSWORD"] = params["PASSWORD"]
    return env | extra


def run(*command, env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def manage(database: str, *args: str, timeout: int = 120) -> str:
    # Without REDIS_URL the subprocess runs its tasks eagerly and leaves nothing in a shared broker.
    env = libpq_env(DATABASE_URL=database_url("zq-test-backup", name=database))
    return run(sys.executable, "manage.py", *args, env=env, timeout=timeout).stdout


def drop_databases():
    for name in (SOURCE, TARGET):
        run("dropdb", "--if-exists", "--force", name, env=libpq_env())


def table_contents(database: str) -> dict[str, tuple[int, str]]:
    """Every table of the public schema: its row count and a checksum of its rows."""
    with psycopg.connect(database_url("zq-test-backup", name=database)) as db:
        tables = [row[0] for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        # The rows in one order whatever the server's collation, as text: every column's value.
        rows = "string_agg(t::text, E'\\n' ORDER BY t::text COLLATE \"C\")"
        query = f"SELECT count(*), md5(coalesce({rows}, '')) FROM {{}} t"
        return {
            table: db.execute(sql.SQL(query).format(sql.Identifier(table))).fetchone() for table in tables
        }


def sequence_values(database: str) -> dict[str, int | None]:
    with psycopg.connect(database_url("zq-test-backup", name=database)) as db:
        return dict(
            db.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        )


def rankings(database: str) -> list[dict]:
    # The last line: `shell` may print its automatic imports first.
    return json.loads(manage(database, "shell", "-v", "0", "-c", RANKINGS).strip().splitlines()[-1])


@pytest.fixture
def seeded_source(request):
    drop_databases()  # what an interrupted earlier run left
    request.addfinalizer(drop_databases)
    run("createdb", SOURCE, env=libpq_env())
    manage(SOURCE, "migrate", "--noinput", "-v", "0")
    manage(SOURCE, "seed_demo", "--today", SEED_DAY, timeout=300)
    return SOURCE


def test_a_nightly_dump_restores_into_a_new_database_with_every_row_and_the_same_ranking(
    seeded_source, tmp_path, figure
):
    # What the retention must remove and keep: dumps of 31 and 29 days ago, and a file of the operator's.
    now = time.time()
    old, recent, notes = (
        tmp_path / name for name in ("zhaoqing-old.dump", "zhaoqing-recent.dump", "notes.txt")
    )
    for path, age in ((old, 31 * DAY), (recent, 29 * DAY), (notes, 31 * DAY)):
        path.write_text("placeholder")
        os.utime(path, (now - age, now - age))

    # TMPDIR: where `run` would note its start; this test never starts it.
    (tmp_path / "tmp").mkdir()
    env = libpq_env(PGDATABASE=seeded_source, BACKUP_DIR=str(tmp_path), TMPDIR=str(tmp_path / "tmp"))
    # The service's health check: unhealthy with no dump of the last day...
    unhealthy = subprocess.run(["sh", "docker/backup.sh", "check"], cwd=ROOT, env=env, capture_output=True)
    assert unhealthy.returncode == 1, unhealthy

    backup = run("sh", "docker/backup.sh", "once", env=env)
    dumps = sorted(tmp_path.glob("zhaoqing-2*.dump"))
    assert len(dumps) == 1, backup.stdout
    assert f"wrote {dumps[0]} ({dumps[0].stat().st_size} bytes" in backup.stdout
    assert not list(tmp_path.glob("*.partial"))
    assert not old.exists() and recent.exists() and notes.exists(), backup.stdout
    run("sh", "docker/backup.sh", "check", env=env)  # ...and healthy once there is one

    restore = run("sh", "docker/restore.sh", str(dumps[0]), TARGET, env=libpq_env())
    # A second restore into the same name is refused and writes nothing there (checked below).
    again = subprocess.run(
        ["sh", "docker/restore.sh", str(dumps[0]), TARGET],
        cwd=ROOT,
        env=libpq_env(),
        capture_output=True,
        text=True,
    )
    assert again.returncode != 0 and "already exists" in again.stderr, again.stderr

    source_tables, restored_tables = table_contents(seeded_source), table_contents(TARGET)
    assert restored_tables == source_tables
    for table in (
        "projects_project",
        "projects_investmentreport",
        "supervision_problem",
        "supervision_supervisionvisit",
        "supervision_bulletin",
    ):
        assert source_tables[table][0] > 0, f"the seed wrote no rows to {table}"
    # What restore.sh prints for the operator to check.
    assert f"\nprojects: {source_tables['projects_project'][0]}\n" in restore.stdout, restore.stdout

    source_sequences = sequence_values(seeded_source)
    assert sequence_values(TARGET) == source_sequences
    assert source_sequences["projects_project_id_seq"] >= 300

    source_rankings = rankings(seeded_source)
    assert rankings(TARGET) == source_rankings
    rows = [row for ranking in source_rankings for row in ranking["rows"]]
    assert rows and all(
        any(float(row["score"]) > 0 for row in ranking["rows"]) for ranking in source_rankings
    )

    figure(
        "backup → restore",
        tables=len(source_tables),
        rows=sum(count for count, _ in source_tables.values()),
        sequences=len(source_sequences),
        ranking_rows=len(rows),
        identical=True,
    )
