#!/bin/sh
# Backups of the database: pg_dump in custom format, one file per run, kept BACKUP_KEEP_DAYS.
#   backup.sh once   dump now; exits non-zero when the dump fails
#   backup.sh run    dump every night at BACKUP_TIME (HH:MM, local time in TZ), forever
#   backup.sh check  the health check: fails when no dump succeeded in the last 26 hours
# The backup service of docker-compose.yml runs `run`; an operator runs `once` before an upgrade.
# The connection comes from the libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.
# Restore with docker/restore.sh (docs/operations.md).
set -u
# A dump holds every password hash and token: readable by its owner only.
umask 077

BACKUP_DIR=${BACKUP_DIR:-/backups}
BACKUP_TIME=${BACKUP_TIME:-02:30}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-30}
# Touched when `run` starts: a service up for less than a day has had no night to dump in yet.
STARTED=${TMPDIR:-/tmp}/backup-run-started

log() { echo "$(date '+%Y-%m-%d %H:%M:%S %z') backup: $*"; }
fail() { echo "$(date '+%Y-%m-%d %H:%M:%S %z') backup: FAILED: $*" >&2; }

# Old dumps go only after a dump has succeeded, so a database that has been unreachable for
# weeks still leaves the last good dumps in place. -mmin: "older than 30 days" to the minute.
prune() {
    find "$BACKUP_DIR" -maxdepth 1 -type f -name 'zhaoqing-*.dump' -mmin "+$((BACKUP_KEEP_DAYS * 1440))" \
        -print -delete | sed 's/^/removed (older than '"$BACKUP_KEEP_DAYS"' days): /'
    # What a killed run left behind (a run that is still writing is minutes old, not a day).
    find "$BACKUP_DIR" -maxdepth 1 -type f -name 'zhaoqing-*.dump.partial' -mmin +1440 -delete
}

once() {
    mkdir -p "$BACKUP_DIR" || { fail "cannot create $BACKUP_DIR"; return 1; }
    file="$BACKUP_DIR/zhaoqing-$(date +%Y%m%d-%H%M%S).dump"
    # Written under another name and renamed when complete and readable: a file named *.dump
    # is always a whole backup, whatever happens to this run.
    partial="$file.partial"
    started=$(date +%s)
    if ! pg_dump --format=custom --file="$partial"; then
        rm -f "$partial"
        fail "pg_dump of database ${PGDATABASE:-?} on ${PGHOST:-?} failed"
        return 1
    fi
    # Read back whole, as a restore would read it: `pg_restore --list` reads only the table of
    # contents at the start, which a truncated file still has.
    if ! pg_restore --file=/dev/null "$partial"; then
        rm -f "$partial"
        fail "the dump of ${PGDATABASE:-?} does not read back whole with pg_restore"
        return 1
    fi
    mv "$partial" "$file" || { fail "cannot rename $partial"; return 1; }
    log "wrote $file ($(wc -c <"$file" | tr -d ' ') bytes, $(($(date +%s) - started)) s)"
    prune
}

# A day and two hours: tonight's dump may take longer than last night's.
check() {
    if [ -n "$(find "$BACKUP_DIR" -maxdepth 1 -type f -name 'zhaoqing-*.dump' -mmin -1560 2>/dev/null)" ] \
        || [ -n "$(find "$STARTED" -mmin -1560 2>/dev/null)" ]; then
        return 0
    fi
    echo "no dump written to $BACKUP_DIR in the last 26 hours: see the log of the backup service" >&2
    return 1
}

# Seconds from now until the next BACKUP_TIME (today's if still ahead, else tomorrow's).
seconds_to_next_run() {
    now=$(date +%s)
    next=$(date -d "today $BACKUP_TIME" +%s) || return 1
    [ "$next" -gt "$now" ] || next=$(date -d "tomorrow $BACKUP_TIME" +%s) || return 1
    echo $((next - now))
}

run() {
    case "$BACKUP_TIME" in
        [01][0-9]:[0-5][0-9] | 2[0-3]:[0-5][0-9]) ;;
        *) fail "BACKUP_TIME must be HH:MM (24-hour), not '$BACKUP_TIME'"; exit 2 ;;
    esac
    [ -z "${TZ:-}" ] || [ -e "/usr/share/zoneinfo/$TZ" ] || log "warning: unknown time zone TZ=$TZ, using UTC"
    touch "$STARTED"
    # sleep in the background and wait for it: the shell then acts on `docker stop` at once.
    sleeper=
    trap '[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null; log "stopped"; exit 0' TERM INT
    log "dumping ${PGDATABASE:-?} on ${PGHOST:-?} every day at $BACKUP_TIME ($(date +%Z)) into $BACKUP_DIR," \
        "keeping $BACKUP_KEEP_DAYS days"
    while :; do
        seconds=$(seconds_to_next_run) || { fail "cannot compute the next run time"; exit 2; }
        log "next dump in $seconds s"
        sleep "$seconds" &
        sleeper=$!
        wait "$sleeper"
        sleeper=
        # A failed night is logged and the loop goes on: the next night tries again.
        once || fail "no backup tonight; the next try is tomorrow at $BACKUP_TIME"
    done
}

case "${1:-}" in
    once) once ;;
    run) run ;;
    check) check ;;
    *)
        echo "usage: $0 once|run|check" >&2
        exit 2
        ;;
esac
