"""A bulletin (通报) as files: an Excel workbook, a printable A4 page, and a PDF when the server can.

Everything here reads only the bulletin's frozen ``rows`` and ``scheme`` (and the city's
name for the title), so an export shows exactly the published figures, however the
projects changed since. Each file renders the bulletin's one table model
(supervision/ranking/tables.py), the same one its page and the admin render: figures
are Decimal (never float) from the stored strings to the cell.

Labels are translated in the active language when the export is made, so the same
bulletin downloads with Chinese or English headers.
"""

import functools
import importlib
import logging
import subprocess
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from projects.models import Region
from supervision.choices import PeriodKind
from supervision.ranking import tables
from supervision.ranking.tables import (
    ALL_INDICATORS,
    RankingTable,
    plain,
    scheme_weights,
    table_from_bulletin,
)

logger = logging.getLogger(__name__)

# Excel number formats: money in yuan with grouping, rates are fractions shown as %.
MONEY_FORMAT, RATE_FORMAT, DAYS_FORMAT, SCORE_FORMAT = "#,##0.00", "0.00%", "0.0", "0.00"
NUMBER_FORMATS = {tables.MONEY: MONEY_FORMAT, tables.RATE: RATE_FORMAT, tables.DAYS: DAYS_FORMAT}

PRINT_TEMPLATE = "supervision/bulletin_print.html"


# --- the facts around the table ------------------------------------------------------------------


def weights_text(bulletin) -> str:
    return "; ".join(f"{label} {plain(weight)}" for _name, label, weight in scheme_weights(bulletin.scheme))


def _city_name(bulletin) -> str:
    # The ranked regions of one bulletin are the counties of one city.
    codes = [row["region"] for row in bulletin.rows[:1]]
    city = Region.objects.filter(children__code__in=codes).first() if codes else None
    return str(city) if city is not None else ""


def bulletin_title(bulletin) -> str:
    """肇庆市制造业项目建设“赛龙夺锦”周通报 2024-W24."""
    titles = {
        PeriodKind.WEEKLY: _(
            "%(city)s manufacturing project construction “Dragon Boat Race” weekly bulletin"
        ),
        PeriodKind.MONTHLY: _(
            "%(city)s manufacturing project construction “Dragon Boat Race” monthly bulletin"
        ),
        PeriodKind.QUARTERLY: _(
            "%(city)s manufacturing project construction “Dragon Boat Race” quarterly bulletin"
        ),
    }
    title = (titles[bulletin.kind] % {"city": _city_name(bulletin)}).strip()
    return f"{capfirst(title)} {bulletin.period.label}"


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def publication_text(bulletin) -> str:
    if bulletin.published_at:
        return _("Published %(time)s") % {"time": _local(bulletin.published_at)}
    return _("Draft, not published")


def revision_text(bulletin) -> str:
    return _("Revision %(number)s") % {"number": bulletin.revision}


# --- Excel ----------------------------------------------------------------------------------------


def _header(table: RankingTable) -> list[str]:
    header = [
        _("Rank"),
        _("Rank change"),
        _("Region code"),
        capfirst(_("region")),
        _("Score"),
        _("Investment target (yuan)"),
    ]
    for column in table.columns:
        label = column.label
        if column.unit == tables.MONEY:
            label = _("%(indicator)s (yuan)") % {"indicator": label}  # the workbook keeps yuan
        header += [
            label,
            _("%(indicator)s: rank") % {"indicator": column.label},
            _("%(indicator)s: this period") % {"indicator": column.label},
        ]
    if table.quarterly:
        header += [_("Investment a year earlier (yuan)"), _("Year-on-year investment growth")]
    return header


def _cell(sheet, value, number_format: str | None = None):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # openpyxl would store it as a formula: names and reasons are text
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def _ranking_row(sheet, table: RankingTable, row) -> list:
    cells = [
        _cell(sheet, row.rank),
        _cell(sheet, row.movement.symbol),
        _cell(sheet, row.code),
        _cell(sheet, row.name),
        _cell(sheet, row.score, SCORE_FORMAT),
        _cell(sheet, row.target, MONEY_FORMAT),
    ]
    for column, figure in zip(table.columns, row.cells, strict=True):
        number_format = NUMBER_FORMATS.get(column.unit)
        cells += [
            _cell(sheet, figure.value, number_format),
            _cell(sheet, figure.rank),
            _cell(sheet, figure.period_value, number_format),
        ]
    if table.quarterly:
        cells += [
            _cell(sheet, row.investment_last_year, MONEY_FORMAT),
            _cell(sheet, row.investment_yoy, RATE_FORMAT),
        ]
    return cells


def bulletin_xlsx(bulletin) -> bytes:
    """The bulletin as an .xlsx: sheet "ranking" (one row per region) and sheet "scheme".

    A write-only workbook streams rows to a temporary file, so memory does not grow
    with the number of regions (2,800 at national scale).
    """
    table = table_from_bulletin(bulletin, ALL_INDICATORS)
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    sheet = workbook.create_sheet("ranking")
    sheet.freeze_panes = "A3"  # the title and header rows stay in view
    for column, width in zip("ABCDEF", (6, 8, 10, 24, 10, 18), strict=True):
        sheet.column_dimensions[column].width = width
    title = _cell(sheet, bulletin_title(bulletin))
    title.font = bold
    period = f"{bulletin.period_start:%Y-%m-%d} – {bulletin.period_end:%Y-%m-%d}"
    facts = [period, revision_text(bulletin), publication_text(bulletin)]
    facts.append(_("Weights: %(weights)s") % {"weights": weights_text(bulletin)})
    if bulletin.reason:
        facts.append(_("Reason for the revision: %(reason)s") % {"reason": bulletin.reason})
    sheet.append([title, *facts])
    header = []
    for label in _header(table):
        cell = _cell(sheet, label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append(_ranking_row(sheet, table, row))

    scheme = workbook.create_sheet("scheme")
    scheme.column_dimensions["A"].width = 36
    scheme.column_dimensions["B"].width = 24
    scheme.append([capfirst(_("year")), bulletin.scheme.get("year")])
    default = bulletin.scheme.get("is_default")
    scheme.append([_("Scheme"), _("Default weights") if default else _("Set by the city administrator")])
    scheme.append([])
    scheme.append(
        [_cell(scheme, _("Indicator")), _cell(scheme, _("Indicator code")), _cell(scheme, _("Weight"))]
    )
    for name, label, weight in scheme_weights(bulletin.scheme):
        scheme.append([label, name, _cell(scheme, weight, SCORE_FORMAT)])

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the printed page -----------------------------------------------------------------------------


def print_context(bulletin) -> dict:
    """What the bulletin's page and its printable page show around their one table."""
    return {
        "bulletin": bulletin,
        "language": get_language() or "zh-hans",
        "title": bulletin_title(bulletin),
        "period_label": bulletin.period.label,
        "kind_label": bulletin.get_kind_display(),
        "revision": revision_text(bulletin),
        "publication": publication_text(bulletin),
        "generated_at": _local(bulletin.generated_at),
        "table": table_from_bulletin(bulletin),
    }


def bulletin_html(bulletin, request=None) -> str:
    """The bulletin as one printable page (A4 landscape, no scripts; its one stylesheet is a static
    file, static/css/bulletin-print.css, since the Content-Security-Policy allows no inline style)."""
    return render_to_string(PRINT_TEMPLATE, print_context(bulletin), request=request)


# --- PDF ------------------------------------------------------------------------------------------


@functools.cache
def _cjk_font_installed() -> bool:
    # Without a Chinese font WeasyPrint prints every region name as boxes; better no PDF at all.
    try:
        found = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(found.stdout.strip())


@functools.cache
def _weasyprint():
    try:
        return importlib.import_module("weasyprint")
    except Exception as exc:  # ImportError, or OSError when Pango's shared libraries are missing
        logger.info("PDF bulletins unavailable: %s", exc)
        return None


def pdf_available() -> bool:
    """Whether this server can make PDF bulletins: WeasyPrint importable and a CJK font installed.

    Both are only in the Docker image (see Dockerfile); elsewhere the HTML page is printed instead.
    """
    return _weasyprint() is not None and _cjk_font_installed()


# WeasyPrint resolves the page's links against this address; nothing is ever asked of it, since
# the fetcher below answers from the static files on disk.
PDF_BASE_URL = "http://bulletin.invalid/"


def static_file_path(url: str) -> str:
    """The file on disk behind a static file's URL (``{% static %}``): the source file, or in
    production the hashed copy that collectstatic wrote to STATIC_ROOT."""
    prefix = urlsplit(settings.STATIC_URL).path
    path = unquote(urlsplit(url).path)
    name = path.removeprefix(prefix)
    found = path.startswith(prefix) and (
        finders.find(name) or (staticfiles_storage.exists(name) and staticfiles_storage.path(name))
    )
    if not found:
        raise ValueError(f"not a static file: {url}")
    return found


def _static_files_only(weasyprint):
    """WeasyPrint's fetcher for the printed page: the stylesheet it links read from the static
    files, and nothing from the network (a PDF must not wait on, or reveal itself to, any host)."""

    class StaticFilesOnly(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            return super().fetch(Path(static_file_path(url)).as_uri(), headers)

    return StaticFilesOnly(allowed_protocols={"file"})


def bulletin_pdf(bulletin) -> bytes | None:
    """The printed page as PDF, or None when ``pdf_available()`` is false."""
    if not pdf_available():
        return None
    weasyprint = _weasyprint()
    page = weasyprint.HTML(
        string=bulletin_html(bulletin), base_url=PDF_BASE_URL, url_fetcher=_static_files_only(weasyprint)
    )
    return page.write_pdf()
