"""Lists as .xlsx workbooks: the project list's export button, and ``table_response`` for the
other lists of the staff pages (house rule 14: a title, an as-of line, column widths, a frozen
header with filters, print setup, money in 万元).

openpyxl's write-only mode keeps one row in memory at a time; the workbook is written to a
temporary file (a zip needs its directory at the end, so it cannot go straight to the socket)
and the response then streams that file.
"""

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from projects.choices import Stage
from projects.models import Project
from projects.templatetags.money import WAN, in_unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
CHUNK = 2000


def _field(name: str) -> str:
    return capfirst(str(Project._meta.get_field(name).verbose_name))


def _columns():
    """(header, value of a project, number format) per column, headers in the reader's language."""
    columns = [
        (_field("code"), lambda p: p.code, None),
        (_field("name"), lambda p: p.name, None),
        (_field("enterprise"), lambda p: p.enterprise.name, None),
        (capfirst(_("unified social credit code")), lambda p: p.enterprise.credit_code, None),
        (_field("region"), lambda p: str(p.region), None),
        (_field("industry"), lambda p: str(p.industry), None),
        (_field("stage"), lambda p: p.get_stage_display(), None),
        (_field("status"), lambda p: p.get_status_display(), None),
        (_field("is_major"), lambda p: _("Yes") if p.is_major else _("No"), None),
        (_field("is_manufacturing"), lambda p: _("Yes") if p.is_manufacturing else _("No"), None),
        (_field("planned_investment"), lambda p: p.planned_investment, MONEY_FORMAT),
        (_("Planned investment (10k yuan)"), lambda p: in_unit(p.planned_investment, WAN), MONEY_FORMAT),
        (_field("first_contact_on"), lambda p: p.first_contact_on, DATE_FORMAT),
    ]
    for stage in Stage:
        columns.append((_field(stage.date_field), lambda p, s=stage: p.stage_date(s), DATE_FORMAT))
    return columns


def _cell(sheet, value, number_format=None, font=None):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store a name typed as "=…" as a formula; it is text.
        cell.data_type = "s"
    if number_format and value is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    return cell


def _rows(rows):
    return rows.iterator(chunk_size=CHUNK) if isinstance(rows, QuerySet) else rows


def _response(workbook, filename: str) -> FileResponse:
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX)


def xlsx_response(projects) -> FileResponse:
    columns = _columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Project list")[:31])
    bold = Font(bold=True)
    sheet.append([_cell(sheet, title, font=bold) for title, _value, _format in columns])
    for project in _rows(projects):
        sheet.append([_cell(sheet, value(project), fmt) for _title, value, fmt in columns])
    return _response(workbook, f"projects-{timezone.localdate():%Y%m%d}.xlsx")


# --- any list: title, as-of line, frozen header ------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable  # row → cell value (money already in 万元, a Decimal)
    number_format: str | None = None
    width: int = 14


# The title, the as-of line, then the header: the rows above the data.
HEADER_ROW = 3


def table_response(
    *, rows: Iterable, columns: list[Column], sheet_title: str, title: str, filename: str
) -> FileResponse:
    """One sheet: ``title`` in bold, the as-of line ("As of 2026-12-01 09:30 · money in 万元"),
    the column headers (frozen, with filter buttons, repeated on every printed page), then one
    line per row (a queryset is read in chunks). Landscape A4, fitted to the page width."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4 (openpyxl's Worksheet.PAPERSIZE_A4)
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    bold = Font(bold=True)
    sheet.append([_cell(sheet, title, font=Font(bold=True, size=14))])
    as_of = _("As of %(time)s") % {"time": f"{timezone.localtime():%Y-%m-%d %H:%M}"}
    unit = _("money in 万元")
    sheet.append([f"{as_of} · {unit}"])
    sheet.append([_cell(sheet, column.header, font=bold) for column in columns])
    count = 0
    for row in _rows(rows):
        sheet.append([_cell(sheet, column.value(row), column.number_format) for column in columns])
        count += 1
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + count}"
    return _response(workbook, filename)
