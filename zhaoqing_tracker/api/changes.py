"""The change feed behind a sync walk (``?updated_after=``) on PostgreSQL.

``updated_at`` is taken when a row is saved, not when its transaction commits: a row
saved first may commit last, after a client has already been handed a later one and
moved past it. So each synced table carries ``change_xid``, the id of the transaction
that last wrote the row (a trigger sets it on every INSERT and UPDATE, whatever code
writes), and a sync page hands out only rows written by transactions older than every
transaction still running: those can no longer be joined by a row that sorts before
them. The rest wait for a later page. See docs/api.md, "Incremental sync".

The column is not a model field: no code reads or writes it but the paginator, and a
trigger keeps it right for writes that bypass save() (queryset updates, raw SQL). On
SQLite (development) there is no column; lists keep their plain ``updated_at`` order.
"""

COLUMN = "change_xid"
FUNCTION = "zq_stamp_change_xid"


def _quoted(schema_editor, name: str) -> str:
    return schema_editor.connection.ops.quote_name(name)


def install(schema_editor, tables: list[str]) -> None:
    """Add ``change_xid``, its trigger and its index to ``tables`` (a migration's forward step)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN NEW.{COLUMN} := pg_current_xact_id()::text::bigint; RETURN NEW; END $$"
    )
    for table in tables:
        quoted = _quoted(schema_editor, table)
        # 0 for the rows written before the feed existed: they come first. A constant default
        # adds the column without rewriting the table.
        schema_editor.execute(f"ALTER TABLE {quoted} ADD COLUMN {COLUMN} bigint NOT NULL DEFAULT 0")
        schema_editor.execute(
            f"CREATE TRIGGER {_quoted(schema_editor, table + '_change_xid')}"
            f" BEFORE INSERT OR UPDATE ON {quoted} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )
        # A sync page reads in (change_xid, id) order from a position.
        schema_editor.execute(
            f"CREATE INDEX {_quoted(schema_editor, table + '_change')} ON {quoted} ({COLUMN}, id)"
        )


def uninstall(schema_editor, tables: list[str], *, drop_function: bool = False) -> None:
    """Undo ``install`` on ``tables`` (a migration's backward step)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in tables:
        quoted, trigger = _quoted(schema_editor, table), _quoted(schema_editor, table + "_change_xid")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {quoted}")
        schema_editor.execute(f"ALTER TABLE {quoted} DROP COLUMN IF EXISTS {COLUMN}")  # drops the index too
    if drop_function:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


EPOCH = 2**32


def complete_below(connection) -> int:
    """Transaction ids below this one are finished in this database: their rows may be handed out.

    The oldest transaction of this database still running with an id, other than the reader's
    own; when none runs, the upper id: one past the newest finished (the snapshot's xmax) or
    past the reader's own, whichever is higher, so that every id below it belongs to a finished
    transaction, the reader, another database or one still running. The reader's own is left
    out so that a request that wrote something (a script or a test in one transaction) sees its
    own rows; other databases of the server write no row here, and a long transaction there
    would otherwise hold this feed back.

    The upper id is read first: a transaction that gets its id after that gets a higher one.
    The running ones are then read from pg_stat_activity (32-bit ids, placed next to the
    upper one), after dropping the statistics a transaction caches, so a walk inside one transaction
    sees them fresh. Both are asked before the page's rows are read, never in the same
    statement: the rows' statement then sees every transaction that had finished by then.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint,"
            " pg_current_xact_id_if_assigned()::text::bigint, pg_stat_clear_snapshot()"
        )
        newest_finished_plus_one, own, _cleared = cursor.fetchone()
        cursor.execute(
            "SELECT backend_xid::text::bigint FROM pg_stat_activity"
            " WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
        running = [row[0] for row in cursor.fetchall()]
    upper = max(newest_finished_plus_one, own + 1 if own is not None else 0)
    below = upper
    for xid in running:
        # The running ids lie within 2**31 of the upper one (PostgreSQL's wraparound rule):
        # place each in the epoch that keeps it so (the counter may have wrapped in between).
        full = upper - upper % EPOCH + xid
        if full > upper + EPOCH // 2:
            full -= EPOCH
        elif full < upper - EPOCH // 2:
            full += EPOCH
        below = min(below, full)
    return below
