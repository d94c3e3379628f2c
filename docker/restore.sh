#!/bin/sh
# Restore a dump of docker/backup.sh into a NEW database, then print what it holds:
#   restore.sh FILE [TARGET_DB]
# TARGET_DB defaults to zhaoqing_restore_<the dump's date and time>. The target must not
# exist: this script never writes into an existing database, the live one included
# (restoring over production is the maintenance-window procedure of docs/operations.md).
# The server and user come from the libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD.
set -u

fail() {
    echo "restore: FAILED: $*" >&2
    exit 1
}

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 FILE [TARGET_DB]" >&2; exit 2; }
file=$1
[ -f "$file" ] || fail "no such file: $file"
if [ $# -eq 2 ]; then
    target=$2
else
    # zhaoqing-20250615-023000.dump -> zhaoqing_restore_20250615_023000
    stamp=$(basename "$file" .dump | sed -e 's/^zhaoqing-//' -e 's/[^A-Za-z0-9]/_/g')
    target="zhaoqing_restore_$stamp"
fi
case "$target" in
    "" | *[!A-Za-z0-9_]*) fail "the target database name may hold only letters, digits and _: '$target'" ;;
esac

pg_restore --file=/dev/null "$file" || fail "$file is not a whole dump pg_restore can read"
# From template0, so the new database is empty whatever was added to template1.
createdb --template=template0 "$target" || fail "cannot create database $target (does it exist already?)"
# One transaction: a dump that cannot be restored whole leaves nothing half-restored,
# and the database this script created is dropped again.
if ! pg_restore --no-owner --exit-on-error --single-transaction --dbname="$target" "$file"; then
    dropdb "$target"
    fail "pg_restore of $file stopped; database $target was dropped again"
fi
# A dump carries no planner statistics: without them the first rankings on it plan badly.
vacuumdb --analyze-only --quiet --dbname="$target" || echo "restore: warning: ANALYZE of $target failed" >&2

echo "restored $file into database $target:"
psql --dbname="$target" --no-psqlrc --quiet --tuples-only --no-align --field-separator=': ' \
    --set=ON_ERROR_STOP=1 <<'SQL'
SELECT 'projects', count(*)::text FROM projects_project
UNION ALL SELECT 'investment reports', count(*)::text FROM projects_investmentreport
UNION ALL SELECT 'problems', count(*)::text FROM supervision_problem
UNION ALL SELECT 'supervision visits', count(*)::text FROM supervision_supervisionvisit
UNION ALL SELECT 'service logs', count(*)::text FROM supervision_servicelog
UNION ALL SELECT 'milestones', count(*)::text FROM supervision_milestone
UNION ALL SELECT 'bulletins', count(*)::text FROM supervision_bulletin
UNION ALL SELECT 'users', count(*)::text FROM projects_user
UNION ALL SELECT 'newest migration', max(applied)::text FROM django_migrations;
SQL
