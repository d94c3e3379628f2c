"""The ledger template a bureau downloads: the canonical headers of columns.py in the user's
language, drop-down lists where a column takes one of a few values, and an instructions sheet.

The data sheet comes first (the import reads the first sheet), its header in row 1; the lists the
drop-downs read are on a hidden sheet, since an inline list is limited to 255 characters.
Filled in and uploaded, the template imports as it is (tests/projects/imports/test_template.py).
"""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from projects import scope
from projects.choices import Stage, Status
from projects.imports.columns import COLUMNS, Column
from projects.imports.models import ImportKind
from projects.models import Industry

# Rows that get the drop-downs: far more than a county's ledger holds.
ROWS = 2000
LISTS_SHEET = "lists"
# What each column takes, for the instructions sheet (the header itself is columns.py's label).
HELP = {
    "code": gettext_lazy(
        "Optional. An existing project is found by its code; left empty, a new project gets one "
        "(REGION-YEAR-NUMBER)."
    ),
    "name": gettext_lazy("Required. The project's name."),
    "enterprise": gettext_lazy("Required. The investing enterprise; created if it is not known yet."),
    "credit_code": gettext_lazy(
        "18 characters. Without a project code, an existing project is found by credit code and name."
    ),
    "region": gettext_lazy("Pick from the list: the regions you may write in."),
    "park": gettext_lazy("Optional. An industrial park of that region, by its name."),
    "industry": gettext_lazy("Required. Pick from the list."),
    "planned_investment": gettext_lazy("Required. In 万元 (10k yuan), up to 6 decimals."),
    "is_manufacturing": gettext_lazy("是 or 否. Left empty: 是 (a manufacturing project)."),
    "first_contact_on": gettext_lazy("Optional. A date not after the signing date."),
    "signed_on": gettext_lazy("Required. The signing date."),
    "land_supplied_on": gettext_lazy("The date the stage was reached; fill the stages in order."),
    "started_on": gettext_lazy("The date the stage was reached; fill the stages in order."),
    "completed_on": gettext_lazy("The date the stage was reached; fill the stages in order."),
    "in_production_on": gettext_lazy("The date the stage was reached; fill the stages in order."),
    "above_scale_on": gettext_lazy("The date the stage was reached; fill the stages in order."),
    "stage": gettext_lazy("Optional. Must agree with the last stage date filled in."),
    "status": gettext_lazy("Optional. A cancelled (清退) project is kept but no longer counted."),
    "month": gettext_lazy("The month the figure is for: 2024-03 or 2024年3月."),
    "amount": gettext_lazy("The investment of that month, in 万元."),
    "ytd": gettext_lazy(
        "Or the year-to-date total (1–N月累计), in 万元: the month is what it adds to the months before."
    ),
    "year": gettext_lazy("The year of the target."),
    "investment": gettext_lazy("The year's investment target, in 万元."),
    "investment_h1": gettext_lazy("The first half-year's investment target, in 万元."),
    "signed": gettext_lazy("A number of projects."),
    "started": gettext_lazy("A number of projects."),
    "completed": gettext_lazy("A number of projects."),
    "in_production": gettext_lazy("A number of projects."),
}


def header_text(column: Column) -> str:
    """The template's header: the label, with the unit where the column holds money."""
    if column.reader == "money":
        return _("%(column)s (10k yuan)") % {"column": column.label}
    return str(column.label)


def instructions_title() -> str:
    return pgettext("ledger template", "Instructions")


def _choices(user, kind) -> dict[str, list[str]]:
    """Field → the values its drop-down offers, in the user's language (the import reads both)."""
    regions = [str(region) for region in scope.regions_for(user).order_by("code")]
    yes_no = [_("Yes"), _("No")]
    choices = {"region": regions}
    if kind == ImportKind.PROJECTS:
        choices |= {
            "industry": [str(industry) for industry in Industry.objects.order_by("code")],
            "stage": [str(stage.label) for stage in Stage],
            "status": [str(status.label) for status in Status],
            "is_manufacturing": yes_no,
        }
    return choices


def _instructions(sheet, columns) -> None:
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    notes = [
        _(
            "Fill in one record per row under the header of the first sheet. Keep the headers as they are; "
            "columns you add are ignored."
        ),
        _(
            "Money is in 万元 (10k yuan) unless a header or a unit line (单位：元 / 单位：亿元) "
            "says otherwise."
        ),
        _(
            "Dates: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日 or a date cell; a month alone "
            "(2024年3月) means its first day. “—”, “/”, “无” and an empty cell mean none."
        ),
        _(
            "An existing project is found by its project code, else by credit code and project name; "
            "its row updates what changed. Other rows become new projects."
        ),
        _(
            "Stages only go forward: an import never takes a project back a stage or changes the date "
            "of a stage it has reached."
        ),
        _("A row that starts with 合计, 总计 or 小计 (a total) is skipped."),
        _("Nothing is written when you upload: you see a preview of every row and confirm it."),
    ]
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
    sheet.append([instructions_title()])
    sheet["A1"].font = Font(bold=True, size=14)
    for note in notes:
        sheet.append(["", note])
        sheet.cell(sheet.max_row, 2).alignment = wrap
    sheet.append([])
    sheet.append([_("Column"), _("What to write")])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for column in columns:
        sheet.append([header_text(column), str(HELP.get(column.field, ""))])
        sheet.cell(sheet.max_row, 2).alignment = wrap
        if column.required:
            sheet.cell(sheet.max_row, 1).font = bold


def template_workbook(kind, user) -> bytes:
    kind = ImportKind(kind)
    columns = COLUMNS[kind]
    workbook = Workbook()
    data = workbook.active
    data.title = str(kind.label)[:31]
    data.append([header_text(column) for column in columns])
    for number, column in enumerate(columns, start=1):
        data.cell(1, number).font = Font(bold=True)
        # Wide enough for the header (a Chinese character takes two widths), not wider than a screen.
        data.column_dimensions[get_column_letter(number)].width = min(30, 8 + 1.6 * len(header_text(column)))
    data.freeze_panes = "A2"

    _instructions(workbook.create_sheet(instructions_title()[:31]), columns)

    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    for offset, (name, values) in enumerate(_choices(user, kind).items(), start=1):
        where = [number for number, column in enumerate(columns, start=1) if column.field == name]
        if not where or not values:
            continue
        letter = get_column_letter(offset)
        lists.cell(1, offset, name)
        for row, value in enumerate(values, start=2):
            lists.cell(row, offset, value)
        source = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        validation = DataValidation(type="list", formula1=source, allow_blank=True)
        validation.error = _("Pick a value from the list.")
        validation.errorTitle = header_text(columns[where[0] - 1])
        target = get_column_letter(where[0])
        validation.add(f"{target}2:{target}{ROWS + 1}")
        data.add_data_validation(validation)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
