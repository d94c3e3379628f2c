"""Checking the data rows of a ledger: what each row would do (new, update, unchanged) or why it
cannot (its errors), decided against the database as it is now and against the rows above it.

The shared part of the checkers is here; one checker per kind is in project_rows.py (projects)
and figure_rows.py (monthly investment, annual targets). A checker takes rows in chunks and
looks up what a chunk names in a few queries (projects by code, by credit code + name), so the
query count grows with the chunks, not with the rows. Nothing here writes: commit.py replays
``ImportRow.data`` through the services.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import scope
from projects.imports import values
from projects.imports.columns import columns_of
from projects.imports.models import ImportKind, ImportRow, RowAction
from projects.models import Region

# A row whose first texts say this is a total (or a subtotal) is skipped, and shown as skipped.
TOTAL_WORDS = ("合计", "总计", "小计", "累计合计", "total", "subtotal")


class RowError(Exception):
    def __init__(self, column: str, message, code: str = "invalid"):
        super().__init__(message)
        self.column, self.message, self.code = column, str(message), code


def is_total(cells) -> bool:
    texts = [values.normalise(cell) for cell in cells if isinstance(cell, str) and cell.strip()][:3]
    return any(text.replace(" ", "").lower().startswith(TOTAL_WORDS) for text in texts)


class Checker:
    kind: ImportKind

    def __init__(self, ledger_import, *, user, header):
        self.ledger_import, self.user, self.header = ledger_import, user, header
        self.columns = columns_of(self.kind)
        self.today = timezone.localdate()
        self.regions = _lookup(Region.objects.all(), ("code", "name", "name_en"))
        self.seen: dict[str, int] = {}  # identity → the row that first named it

    # --- reading cells ---------------------------------------------------------------------
    def header_text(self, field: str) -> str:
        for index, name in self.header.mapping.items():
            if name == field:
                return self.header.texts.get(index, field)
        column = self.columns.get(field)
        return str(column.label) if column else field

    def unit(self, index) -> str:
        return self.header.units.get(index) or self.header.unit or self.ledger_import.unit

    def read(self, cells) -> tuple[dict, list[dict]]:
        """Field → value for one row, and the errors of the cells that could not be read."""
        parsed, errors = {}, []
        for index, field in self.header.mapping.items():
            raw = cells[index] if index < len(cells) else None
            column = self.columns.get(field)
            try:
                if column is None:  # a month column of a 月报
                    parsed[field] = values.money(raw, self.unit(index))
                elif column.reader == "money":
                    parsed[field] = values.money(raw, self.unit(index))
                elif column.reader == "text":
                    parsed[field] = values.text(raw, max_length=column.max_length)
                else:
                    parsed[field] = getattr(values, column.reader)(raw)
            except ValueError as error:
                errors.append(_error(self.header.texts.get(index, field), str(error)))
        unreadable = {error["column"] for error in errors}
        for field, column in self.columns.items():
            if (
                column.required
                and field in set(self.header.mapping.values())
                and parsed.get(field) in (None, "")
                and self.header_text(field) not in unreadable
            ):
                errors.append(
                    _error(self.header_text(field), _("This column must be filled in."), "required")
                )
        return parsed, errors

    def region(self, text: str, field: str = "region") -> Region:
        if not text:
            own = self.user.region if self.user.region_id else None
            if own is None:
                raise RowError(self.header_text(field), _("Name the region."), "required")
            return own
        region = self.regions.get(values.normalise(text).lower())
        if region is None:
            raise RowError(self.header_text(field), _("There is no region “%(name)s”.") % {"name": text})
        if not scope.in_scope(self.user, region.pk):
            raise RowError(
                self.header_text(field),
                _("You may not write in %(region)s.") % {"region": region},
                "outside_scope",
            )
        return region

    def once(self, identity: str, number: int):
        first = self.seen.setdefault(identity, number)
        if first != number:
            raise RowError("", _("Row %(row)d already has this record.") % {"row": first}, "duplicate")

    # --- the chunk ---------------------------------------------------------------------------
    def check(self, chunk: list[tuple[int, tuple]]) -> list[ImportRow]:
        read = []
        for number, cells in chunk:
            if is_total(cells):
                read.append((number, None, []))
                continue
            parsed, errors = self.read(cells)
            read.append((number, parsed, errors))
        self.prepare([parsed for _n, parsed, errors in read if parsed is not None and not errors])
        rows = []
        for number, parsed, errors in read:
            row = ImportRow(ledger_import=self.ledger_import, number=number)
            if parsed is None:
                row.action, row.label = RowAction.SKIPPED, _("Total row")
            elif errors:
                row.action, row.errors, row.label = RowAction.ERROR, errors, _label(parsed)
            else:
                try:
                    self.decide(row, parsed)
                except RowError as error:
                    row.action, row.errors = (
                        RowAction.ERROR,
                        [_error(error.column, error.message, error.code)],
                    )
                    row.data = {}
                except ValidationError as error:
                    row.action, row.errors = RowAction.ERROR, _validation_errors(error)
                    row.data = {}
                row.label = row.label or _label(parsed)
            rows.append(row)
        return rows

    def prepare(self, parsed_rows: list[dict]) -> None:
        """Look up, in a few queries, what the chunk's rows name."""

    def decide(self, row: ImportRow, parsed: dict) -> None:
        raise NotImplementedError


def _error(column, message, code="invalid") -> dict:
    return {"column": str(column), "code": code, "message": str(message)}


def _validation_errors(error: ValidationError) -> list[dict]:
    if hasattr(error, "error_dict"):
        return [
            _error(
                field if field != "__all__" else "", message.message % (message.params or {}), message.code
            )
            for field, messages in error.error_dict.items()
            for message in messages
        ]
    return [
        _error("", message.message % (message.params or {}), message.code) for message in error.error_list
    ]


def _label(parsed: dict) -> str:
    return str(parsed.get("name") or parsed.get("region") or parsed.get("code") or "")[:300]


def _lookup(queryset, fields) -> dict:
    """Normalised code and names (lower case) → record, for small reference tables."""
    found = {}
    for record in queryset:
        for field in fields:
            value = getattr(record, field, "")
            if value:
                found.setdefault(values.normalise(value).lower(), record)
    return found


def _iso(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _money(value):
    return None if value is None else str(value)
