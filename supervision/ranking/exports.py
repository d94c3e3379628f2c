"""A bulletin (通报) as files: an Excel workbook, a printable A4 page, and a PDF when the server can.

Everything here reads only the bulletin's frozen ``rows`` and ``scheme`` (and the city's
name for the title), so an export shows exactly the published figures, however the
projects changed since. Figures are stored as Decimal strings; they are turned into
Decimal, never float, before any arithmetic (万元, percentages).

Labels are translated in the active language when the export is made, so the same
bulletin downloads with Chinese or English headers.
"""

import functools
import importlib
import logging
import subprocess
from decimal import Decimal
from io import BytesIO

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from projects.models import Region
from projects.templatetags.money import WAN, in_unit
from supervision.choices import Indicator, PeriodKind
from supervision.ranking.display import bilingual, change_symbol, percent_text

logger = logging.getLogger(__name__)

MONEY = frozenset({Indicator.INVESTMENT})
RATES = frozenset({Indicator.INVESTMENT_RATE, Indicator.PROBLEM_RESOLUTION_RATE})
DAYS = frozenset({Indicator.AVG_DAYS_TO_LAND})

# Excel number formats: money in yuan with grouping, rates are fractions shown as %.
MONEY_FORMAT, RATE_FORMAT, DAYS_FORMAT, SCORE_FORMAT = "#,##0.00", "0.00%", "0.0", "0.00"

# The indicators the printed page shows (an A4 page has room for about eight); any other
# indicator the scheme weights is added, so every figure behind a score is on the page.
PRINTED_INDICATORS = (
    Indicator.INVESTMENT,
    Indicator.INVESTMENT_RATE,
    Indicator.SIGNED,
    Indicator.STARTED,
    Indicator.COMPLETED,
    Indicator.IN_PRODUCTION,
    Indicator.PROBLEM_RESOLUTION_RATE,
    Indicator.PROBLEMS_OVERDUE,
)

PRINT_TEMPLATE = "supervision/bulletin_print.html"


# --- values and their display -------------------------------------------------------------------


def as_number(value):
    """A stored figure as a number: counts are ints, everything else a Decimal string."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    return Decimal(str(value))


def wan(amount) -> str:
    """Yuan shown as 万元 with 2 decimals (screens show 万元; storage keeps yuan)."""
    value = in_unit(as_number(amount), WAN)
    if value is None:
        return "—"
    return number_format(value, decimal_pos=2, force_grouping=True)


def show(indicator: str, value) -> str:
    """One indicator's value as printed: 万元, %, days with one decimal, or a count."""
    if value is None:
        return "—"
    if indicator in MONEY:
        return wan(value)
    if indicator in RATES:
        return percent_text(value)
    if indicator in DAYS:
        return number_format(as_number(value), decimal_pos=1)
    return str(value)


def change_text(rank_change) -> str:
    return change_symbol(rank_change)[0]


def region_name(row: dict) -> str:
    return bilingual(row["region_name"], row.get("region_name_en", ""))


def indicator_label(indicator: str) -> str:
    return str(Indicator(indicator).label)


def plain(weight) -> str:
    """A weight without trailing zeros: 40, 12.5."""
    return f"{Decimal(str(weight)).normalize():f}"


def scheme_weights(bulletin) -> list[tuple[str, str, Decimal]]:
    """(indicator, label, weight) of the scheme the bulletin was computed with."""
    weights = bulletin.scheme.get("weights", {})
    return [
        (name, indicator_label(name), Decimal(weights[name])) for name in Indicator.values if name in weights
    ]


def weights_text(bulletin) -> str:
    return "; ".join(f"{label} {plain(weight)}" for _name, label, weight in scheme_weights(bulletin))


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


def _header(quarterly: bool) -> list[str]:
    header = [
        _("Rank"),
        _("Rank change"),
        _("Region code"),
        capfirst(_("region")),
        _("Score"),
        _("Investment target (yuan)"),
    ]
    for indicator in Indicator.values:
        label = indicator_label(indicator)
        if indicator in MONEY:
            label = _("%(indicator)s (yuan)") % {"indicator": label}
        header += [
            label,
            _("%(indicator)s: rank") % {"indicator": indicator_label(indicator)},
            _("%(indicator)s: this period") % {"indicator": indicator_label(indicator)},
        ]
    if quarterly:
        header += [_("Investment a year earlier (yuan)"), _("Year-on-year investment growth")]
    return header


def _cell(sheet, value, number_format: str | None = None):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # openpyxl would store it as a formula: names and reasons are text
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def _figure(sheet, indicator: str, value):
    value = as_number(value)
    if indicator in MONEY:
        return _cell(sheet, value, MONEY_FORMAT)
    if indicator in RATES:
        return _cell(sheet, value, RATE_FORMAT)
    if indicator in DAYS:
        return _cell(sheet, value, DAYS_FORMAT)
    return _cell(sheet, value)


def _ranking_row(sheet, row: dict, quarterly: bool) -> list:
    cells = [
        _cell(sheet, row["rank"]),
        _cell(sheet, change_text(row.get("rank_change"))),
        _cell(sheet, row["region"]),
        _cell(sheet, region_name(row)),
        _cell(sheet, as_number(row["score"]), SCORE_FORMAT),
        _cell(sheet, as_number(row.get("investment_target")), MONEY_FORMAT),
    ]
    for indicator in Indicator.values:
        figures = row["indicators"].get(indicator, {})
        cells += [
            _figure(sheet, indicator, figures.get("value")),
            _cell(sheet, figures.get("rank")),
            _figure(sheet, indicator, figures.get("period_value")),
        ]
    if quarterly:
        cells += [
            _cell(sheet, as_number(row.get("investment_last_year")), MONEY_FORMAT),
            _cell(sheet, as_number(row.get("investment_yoy")), RATE_FORMAT),
        ]
    return cells


def bulletin_xlsx(bulletin) -> bytes:
    """The bulletin as an .xlsx: sheet "ranking" (one row per region) and sheet "scheme".

    A write-only workbook streams rows to a temporary file, so memory does not grow
    with the number of regions (2,800 at national scale).
    """
    quarterly = bulletin.kind == PeriodKind.QUARTERLY
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
    for label in _header(quarterly):
        cell = _cell(sheet, label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in bulletin.rows:
        sheet.append(_ranking_row(sheet, row, quarterly))

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
    for name, label, weight in scheme_weights(bulletin):
        scheme.append([label, name, _cell(scheme, weight, SCORE_FORMAT)])

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the printed page -----------------------------------------------------------------------------


def printed_indicators(bulletin) -> list[str]:
    weighted = [name for name, _label, _weight in scheme_weights(bulletin)]
    extra = [name for name in weighted if name not in PRINTED_INDICATORS]
    return [*PRINTED_INDICATORS, *extra]


def table_rows(bulletin, indicators: list[str]) -> list[dict]:
    """The bulletin's rows as display strings, for the printed page and the admin."""
    quarterly = bulletin.kind == PeriodKind.QUARTERLY
    rows = []
    for row in bulletin.rows:
        change = row.get("rank_change")
        cells = []
        for indicator in indicators:
            figures = row["indicators"].get(indicator, {})
            cells.append({"value": show(indicator, figures.get("value")), "rank": figures.get("rank")})
        rows.append(
            {
                "rank": row["rank"],
                "change": change_text(change),
                "direction": "up" if change and change > 0 else "down" if change and change < 0 else "same",
                "code": row["region"],
                "name": region_name(row),
                "score": number_format(as_number(row["score"]), decimal_pos=2),
                "cells": cells,
                "last_year": wan(row.get("investment_last_year")) if quarterly else "",
                "yoy": percent_text(row.get("investment_yoy")) if quarterly else "",
            }
        )
    return rows


def column_labels(indicators: list[str]) -> list[str]:
    """Headings of the printed indicators; money is shown in 万元, and the heading says so."""
    return [
        _("%(indicator)s (10k yuan)") % {"indicator": indicator_label(name)}
        if name in MONEY
        else indicator_label(name)
        for name in indicators
    ]


def print_context(bulletin) -> dict:
    indicators = printed_indicators(bulletin)
    return {
        "bulletin": bulletin,
        "language": get_language() or "zh-hans",
        "title": bulletin_title(bulletin),
        "period_label": bulletin.period.label,
        "kind_label": bulletin.get_kind_display(),
        "revision": revision_text(bulletin),
        "publication": publication_text(bulletin),
        "generated_at": _local(bulletin.generated_at),
        "columns": column_labels(indicators),
        "rows": table_rows(bulletin, indicators),
        "quarterly": bulletin.kind == PeriodKind.QUARTERLY,
        "weights": [(label, plain(weight)) for _name, label, weight in scheme_weights(bulletin)],
        "scheme_year": bulletin.scheme.get("year"),
        "scheme_is_default": bulletin.scheme.get("is_default"),
    }


def bulletin_html(bulletin, request=None) -> str:
    """The bulletin as one standalone printable page (A4 landscape, no scripts, no external files)."""
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


def bulletin_pdf(bulletin) -> bytes | None:
    """The printed page as PDF, or None when ``pdf_available()`` is false."""
    if not pdf_available():
        return None
    # No base_url: the page has no external assets to resolve.
    return _weasyprint().HTML(string=bulletin_html(bulletin)).write_pdf()
