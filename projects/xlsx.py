"""Lists as .xlsx workbooks (DESIGN house rule 14): one layout for every export of the projects app.

A title, an as-of line (with the money unit where the list has money), the header frozen under
them with filters on it, column widths, and a print setup (landscape, one page wide, the header
repeated on every page). Money is shown in 万元 with the unit in its header.

openpyxl's write-only mode keeps one row in memory at a time; the workbook is written to a
temporary file (a zip needs its directory at the end, so it cannot go straight to the socket)
and the response then streams that file.
"""

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projects.choices import Stage
from projects.models import Project
from projects.templatetags.money import WAN

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
CHUNK = 2000
# The title and the as-of line sit above the header.
HEADER_ROW = 3


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Any], Any]
    number_format: str | None = None
    width: float = 14


def text_cell(sheet, value, number_format: str | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store a name typed as "=…" as a formula; it is text.
        cell.data_type = "s"
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def bold_cell(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def as_of_line(*, money: bool) -> str:
    line = _("As of %(time)s") % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    if money:
        # The import reads this unit line back (单位：万元), so an export re-imports as it is.
        unit = _("Unit: 10k yuan (万元)")
        line = f"{line} · {unit}"
    return line


def table_response(
    *,
    title: str,
    columns: list[Column],
    rows: Iterable,
    filename: str,
    money: bool = False,
    sheet_title: str | None = None,
) -> FileResponse:
    """``rows`` (records, read one at a time; a queryset in chunks) as one sheet of ``columns``,
    as an attachment."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(sheet_title or title)[:31])
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    heading = bold_cell(sheet, title)
    heading.font = Font(bold=True, size=14)
    sheet.append([heading])
    sheet.append([as_of_line(money=money)])
    sheet.append([bold_cell(sheet, column.title) for column in columns])
    last = HEADER_ROW
    for record in rows.iterator(chunk_size=CHUNK) if isinstance(rows, QuerySet) else rows:
        sheet.append([text_cell(sheet, column.value(record), column.number_format) for column in columns])
        last += 1
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{last}"
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX)


# --- the project list ---------------------------------------------------------------------


def _field(name: str) -> str:
    return capfirst(str(Project._meta.get_field(name).verbose_name))


def in_wan(amount):
    """Yuan as exact 万元 (up to 6 decimal places, not rounded to the 2 shown), so that a re-import
    reads back the same yuan."""
    return None if amount is None else amount / WAN


def project_columns() -> list[Column]:
    """Headers in the reader's language that the ledger import maps back to the same fields
    (projects/imports/columns.py), so that the export re-imports as "unchanged"."""
    yes, no = _("Yes"), _("No")
    columns = [
        Column(_field("code"), lambda p: p.code, width=18),
        Column(_field("name"), lambda p: p.name, width=32),
        Column(_field("enterprise"), lambda p: p.enterprise.name, width=28),
        Column(capfirst(_("unified social credit code")), lambda p: p.enterprise.credit_code, width=22),
        Column(_field("region"), lambda p: str(p.region), width=12),
        Column(_field("park"), lambda p: str(p.park) if p.park_id else None, width=18),
        Column(_field("industry"), lambda p: str(p.industry), width=16),
        Column(_field("stage"), lambda p: p.get_stage_display(), width=12),
        Column(_field("status"), lambda p: p.get_status_display(), width=10),
        Column(_field("is_major"), lambda p: yes if p.is_major else no, width=10),
        Column(_field("is_manufacturing"), lambda p: yes if p.is_manufacturing else no, width=10),
        Column(_("Planned investment (10k yuan)"), lambda p: in_wan(p.planned_investment), MONEY_FORMAT, 16),
        Column(_field("first_contact_on"), lambda p: p.first_contact_on, DATE_FORMAT, 12),
    ]
    for stage in Stage:
        columns.append(Column(_field(stage.date_field), lambda p, s=stage: p.stage_date(s), DATE_FORMAT, 12))
    return columns


def xlsx_response(projects) -> FileResponse:
    return table_response(
        title=_("Project list"),
        columns=project_columns(),
        rows=projects.select_related("park").iterator(chunk_size=CHUNK),
        filename=f"projects-{timezone.localdate():%Y%m%d}.xlsx",
        money=True,
    )
