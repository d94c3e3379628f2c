"""The project list as an .xlsx workbook (the export button of the list page).

openpyxl's write-only mode keeps one row in memory at a time; the workbook is written to a
temporary file (a zip needs its directory at the end, so it cannot go straight to the socket)
and the response then streams that file.
"""

import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

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


def _cell(sheet, value, number_format):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store a name typed as "=…" as a formula; it is text.
        cell.data_type = "s"
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def xlsx_response(projects) -> FileResponse:
    columns = _columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Project list")[:31])
    bold = Font(bold=True)
    header = []
    for title, _value, _format in columns:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for project in projects.iterator(chunk_size=CHUNK):
        sheet.append([_cell(sheet, value(project), fmt) for _title, value, fmt in columns])
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    filename = f"projects-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX)
