"""Bulletin files: the workbook holds exactly the bulletin's figures, the printed page shows
them in 万元 with the rank changes as text, and a PDF is made only where the server can."""

import datetime
import re
import zlib
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.utils import translation
from openpyxl import load_workbook

from supervision.choices import PeriodKind
from supervision.periods import period_containing
from supervision.ranking import exports as bulletin_exports
from supervision.ranking.bulletins import bulletin_generate
from supervision.ranking.exports import bulletin_html, bulletin_pdf, bulletin_xlsx, pdf_available
from tests.fixtures.bulletins import Q1_2024, Q4_2023, A, B, build_race, row_of

MONTH = period_containing(PeriodKind.MONTHLY, datetime.date(2024, 3, 1))


@pytest.fixture
def race(regions, industry, enterprise, county_staff):
    build_race(regions, industry, enterprise, county_staff)


@pytest.fixture
def quarterly(race):
    bulletin_generate(period=Q4_2023, publish=True)
    return bulletin_generate(period=Q1_2024, publish=True)


def test_the_race_ranks_as_designed(quarterly):
    # The figures the export tests below rely on.
    a, b = row_of(quarterly, A), row_of(quarterly, B)
    assert (b["rank"], b["score"], b["rank_change"]) == (1, "55.00", 1)
    assert (a["rank"], a["score"], a["rank_change"]) == (2, "12.35", -1)
    assert a["indicators"]["investment_rate"]["value"] == "0.1235"
    assert a["investment_yoy"] == "-0.7531"


def sheet_rows(content: bytes, sheet="ranking"):
    workbook = load_workbook(BytesIO(content))
    return workbook, list(workbook[sheet].iter_rows())


def test_xlsx_holds_the_bulletins_figures(quarterly):
    with translation.override("en"):
        workbook, rows = sheet_rows(bulletin_xlsx(quarterly))
    assert workbook["ranking"].freeze_panes == "A3"
    header = [cell.value for cell in rows[1]]
    data = rows[2:]
    assert len(data) == len(quarterly.rows) == 11  # every ranked region, with or without data
    investment = header.index("Investment (yuan)")
    rate = header.index("Investment against target")
    started, started_rank = header.index("Started"), header.index("Started: rank")
    started_period = header.index("Started: this period")

    for cells, row in zip(data, quarterly.rows, strict=True):
        values = [cell.value for cell in cells]
        assert values[0] == row["rank"]
        assert values[2] == row["region"]
        assert Decimal(str(values[4])) == Decimal(row["score"])
        figures = row["indicators"]
        assert Decimal(str(values[investment])) == Decimal(figures["investment"]["value"])
        assert cells[investment].number_format == "#,##0.00"
        assert values[started] == figures["started"]["value"]
        assert isinstance(values[started], int)
        assert values[started_rank] == figures["started"]["rank"]
        assert values[started_period] == figures["started"]["period_value"]
        if figures["investment_rate"]["value"] is None:
            assert values[rate] is None  # no target: an empty cell, not 0
        else:
            assert Decimal(str(values[rate])) == Decimal(figures["investment_rate"]["value"])
            assert cells[rate].number_format == "0.00%"

    a = next(cells for cells in data if cells[2].value == A)
    assert a[1].value == "↓1"
    assert float(a[rate].value) == pytest.approx(0.1235)
    b = next(cells for cells in data if cells[2].value == B)
    assert b[1].value == "↑1"
    # Quarterly: last year's investment and the growth, as a percentage.
    assert Decimal(str(a[-2].value)) == Decimal("5000000.00")
    assert float(a[-1].value) == pytest.approx(-0.7531)
    assert a[-1].number_format == "0.00%"
    assert b[-1].value is None  # nothing a year earlier: no growth rate


def test_xlsx_scheme_sheet(quarterly):
    _workbook, rows = sheet_rows(bulletin_xlsx(quarterly), "scheme")
    weights = {row[1].value: Decimal(str(row[2].value)) for row in rows[4:]}
    assert weights == {name: Decimal(weight) for name, weight in quarterly.scheme["weights"].items()}


def test_xlsx_headers_follow_the_language(quarterly):
    # Chinese (the default language) unless another one is active.
    _workbook, rows = sheet_rows(bulletin_xlsx(quarterly))
    header = [cell.value for cell in rows[1]]
    assert "区域" in header and "签约" in header and "竣工" in header
    assert "端州区" in [cells[3].value for cells in rows[2:]]

    with translation.override("en"):
        _workbook, rows = sheet_rows(bulletin_xlsx(quarterly))
    header = [cell.value for cell in rows[1]]
    assert header[:5] == ["Rank", "Rank change", "Region code", "Region", "Score"]
    assert "Signed" in header and "Investment (yuan)" in header and "Year-on-year investment growth" in header
    assert "Duanzhou District" in [cells[3].value for cells in rows[2:]]
    assert (
        rows[0][0].value
        == "Zhaoqing manufacturing project construction “Dragon Boat Race” quarterly bulletin 2024-Q1"
    )


def test_a_monthly_workbook_has_no_year_on_year_columns(race):
    bulletin = bulletin_generate(period=MONTH, publish=False)
    with translation.override("en"):
        _workbook, rows = sheet_rows(bulletin_xlsx(bulletin))
    header = [cell.value for cell in rows[1]]
    assert "Year-on-year investment growth" not in header
    assert "Draft, not published" in [cell.value for cell in rows[0]]


def test_html_page(quarterly):
    with translation.override("en"):
        page = bulletin_html(quarterly)
    assert "Zhaoqing manufacturing project construction “Dragon Boat Race” quarterly bulletin 2024-Q1" in page
    # No script and nothing from another host; its one file is its stylesheet (tested below).
    assert "<script" not in page and "http" not in page and page.count("<link") == 1
    for row in quarterly.rows:
        assert row["region_name_en"] in page
    assert ">55.00<" in page and ">12.35<" in page
    assert "↑1" in page and "↓1" in page
    # Money in 万元 with two decimals: 1,234,567.89 yuan is 123.46.
    assert ">123.46<" in page and ">800.00<" in page
    # Quarterly: last year's investment (500.00) and the growth rate.
    assert ">500.00<" in page and "-75.31%" in page
    assert "12.35%" in page  # A's investment against target


def test_html_page_in_chinese_with_the_revision_reason(quarterly):
    from supervision.ranking.bulletins import bulletin_revise

    revised = bulletin_revise(bulletin=quarterly, reason="更正鼎湖区投资数据", by=None)
    page = bulletin_html(revised)
    assert '<html lang="zh-hans">' in page
    assert "肇庆市" in page and "2024-Q1" in page
    assert "更正鼎湖区投资数据" in page
    for row in revised.rows:
        assert row["region_name"] in page


def test_no_pdf_without_weasyprint(quarterly, monkeypatch):
    monkeypatch.setattr(bulletin_exports, "_weasyprint", lambda: None)
    assert pdf_available() is False
    assert bulletin_pdf(quarterly) is None


@pytest.mark.skipif(
    not pdf_available(), reason="WeasyPrint or a CJK font is not installed (only in the Docker image)"
)
def test_pdf(quarterly):
    content = bulletin_pdf(quarterly)
    assert content.startswith(b"%PDF")
    # A4 landscape comes from the page's stylesheet (a static file); without it WeasyPrint
    # prints A4 portrait, so this also shows the stylesheet was read.
    assert page_sizes(content) == {(842, 595)}


def page_sizes(pdf: bytes) -> set[tuple[int, int]]:
    """Width and height in points of the PDF's pages (read from its compressed object streams)."""
    sizes = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text = zlib.decompress(stream)
        except zlib.error:  # a font or an image, not objects
            continue
        for width, height in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", text):
            sizes.add((round(float(width)), round(float(height))))
    return sizes


def test_the_printed_page_links_its_stylesheet_from_the_static_files(quarterly):
    page = bulletin_html(quarterly)
    (href,) = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    with open(bulletin_exports.static_file_path(href), encoding="utf-8") as stylesheet:
        assert "@page { size: A4 landscape;" in stylesheet.read()
    with pytest.raises(SuspiciousFileOperation):  # nothing outside the static files, whatever the URL says
        bulletin_exports.static_file_path("/static/../zhaoqing_tracker/settings.py")


def test_text_that_looks_like_a_formula_stays_text(quarterly):
    quarterly.rows[0]["region_name"] = '=HYPERLINK("http://example.com","x")'  # in memory only
    _workbook, rows = sheet_rows(bulletin_xlsx(quarterly))
    cell = rows[2][3]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.com","x")', "s")
