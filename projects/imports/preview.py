"""Reading an uploaded ledger into its preview: the header and mapping, then every row checked.

Nothing but the import's own rows is written. The file is streamed in chunks, and the rows'
verdicts are written a chunk at a time, so memory stays flat however long the ledger is.
Progress (rows read so far) goes to the cache, where the page polls it; the import's own row
is updated only at the end. A preview holds the import's row lock from start to end, so two
previews of one import (two remaps at once, a remap and the job) take turns: each deletes the
rows and writes its own, and at once the second's rows collided with the first's (a server error).
The lock holds that one import only; the page and its progress read it without waiting.
"""

import itertools

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from projects.imports.figure_rows import InvestmentRows, TargetRows
from projects.imports.headers import HEAD_ROWS, find_header, missing_required
from projects.imports.models import (
    ImportKind,
    ImportMapping,
    ImportRow,
    ImportStatus,
    LedgerImport,
    RowAction,
)
from projects.imports.project_rows import ProjectRows
from projects.imports.readers import ImportFileError, open_table

CHUNK = 500
# One checker per kind of ledger.
CHECKERS = {
    ImportKind.PROJECTS: ProjectRows,
    ImportKind.INVESTMENT: InvestmentRows,
    ImportKind.TARGETS: TargetRows,
}


def progress_key(import_id: int) -> str:
    return f"ledger-import-progress:{import_id}"


def progress(import_id: int) -> dict:
    return cache.get(progress_key(import_id)) or {}


def _report(ledger_import, done: int, total: int | None, phase: str) -> None:
    try:
        cache.set(progress_key(ledger_import.pk), {"done": done, "total": total, "phase": phase}, 3600)
    except Exception:  # noqa: BLE001 - progress is a nicety; a cache outage must not fail the import
        pass


def bureau_of(ledger_import) -> str:
    return ledger_import.region.code if ledger_import.region_id else ""


def remembered_mapping(ledger_import) -> dict[str, str]:
    found = ImportMapping.objects.filter(bureau=bureau_of(ledger_import), kind=ledger_import.kind).first()
    return found.columns if found else {}


def build_preview(
    ledger_import: LedgerImport, *, user, mapping: dict[int, str] | None = None
) -> LedgerImport:
    """Read the file and write the preview; ``mapping`` (column index → field) overrides the match."""
    with transaction.atomic():
        LedgerImport.objects.select_for_update().filter(pk=ledger_import.pk).get()
        ledger_import.refresh_from_db()  # the version a preview before this one left
        return _preview(ledger_import, user=user, mapping=mapping)


def _preview(ledger_import, *, user, mapping):
    ImportRow.objects.filter(ledger_import=ledger_import).delete()
    try:
        counts = _read(ledger_import, user=user, mapping=mapping)
    except ImportFileError as error:
        ImportRow.objects.filter(ledger_import=ledger_import).delete()
        ledger_import.status, ledger_import.error, ledger_import.counts = (
            ImportStatus.FAILED,
            error.message,
            {},
        )
    else:
        ledger_import.counts = counts
        ledger_import.error = ""
        ledger_import.status = ImportStatus.HAS_ERRORS if counts.get(RowAction.ERROR) else ImportStatus.READY
    ledger_import.version += 1
    ledger_import.save()
    return ledger_import


def _read(ledger_import, *, user, mapping) -> dict:
    with ledger_import.file.open("rb") as handle, open_table(handle, ledger_import.filename) as table:
        rows = table.rows()
        head = []
        for row in rows:
            head.append(row)
            if len(head) > HEAD_ROWS + 1:
                break
        header = find_header(head, ledger_import.kind, remembered_mapping(ledger_import))
        if header is None:
            raise ImportFileError(
                "no_header", _("No header row was found in the first %(rows)d rows.") % {"rows": HEAD_ROWS}
            )
        if mapping is not None:
            header.mapping = {int(index): field for index, field in mapping.items() if field}
        missing = missing_required(ledger_import.kind, header.mapping)
        ledger_import.sheet = table.sheet_name[:100]
        ledger_import.header_row = header.row
        ledger_import.headers = {str(i): text for i, text in header.texts.items()}
        ledger_import.mapping = {str(i): field for i, field in header.mapping.items()}
        if missing:
            raise ImportFileError(
                "missing_columns",
                _("No column was found for: %(columns)s. Match them to the file's columns.")
                % {"columns": "、".join(str(column.label) for column in missing)},
            )
        checker = CHECKERS[ledger_import.kind](ledger_import, user=user, header=header)
        counts = {action.value: 0 for action in RowAction}
        total = getattr(table, "total_rows", None)
        chunk, done = [], 0

        def flush():
            nonlocal chunk, done
            verdicts = checker.check(chunk)
            with transaction.atomic():
                ImportRow.objects.bulk_create(verdicts)
            for verdict in verdicts:
                counts[verdict.action] += 1
            done += len(chunk)
            chunk = []
            _report(ledger_import, done, total, "preview")

        data_rows = (row for row in itertools.chain(head, rows) if row[0] > header.row)
        for number, cells in data_rows:
            if all(cell is None for cell in cells):
                continue
            chunk.append((number, cells))
            if len(chunk) >= CHUNK:
                flush()
        if chunk:
            flush()
        counts["rows"] = sum(counts[action.value] for action in RowAction)
        if not counts["rows"]:
            raise ImportFileError("no_rows", _("The file has a header but no rows under it."))
        return counts
