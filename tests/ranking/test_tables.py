"""One ranking table on every rendering: a bulletin's page, its printable page, its workbook,
the admin's bulletin page and the dashboard show the same ranks, rank changes and figures,
and the rank change has one definition (up, down, unchanged, new, none).

The race, in last year (every date is in the past whatever day the tests run), among four
ranked regions A, B, C and E:
- March: B has started a project (score 15, 1st); A, C and E have nothing (0, 2nd).
- June: A has invested 200,000,000 yuan in June against a target of 800,000,000 (rate 0.25,
  score 40, 1st); C has started two projects, in May and June (15, 2nd); B its one (7.5, 3rd);
  E nothing (4th); and N, ranked only after the March bulletin, nothing (4th).
So in the June bulletin A moved up one, C is unchanged, B and E moved down two, N is new.
"""

import datetime
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from projects import lifecycle
from projects import services as project_services
from projects.choices import RegionKind, Stage
from projects.models import Region
from supervision.choices import Indicator, PeriodKind
from supervision.periods import period_containing
from supervision.ranking.bulletins import bulletin_generate
from supervision.ranking.exports import bulletin_html, bulletin_xlsx
from supervision.ranking.tables import PRINTED_INDICATORS, rank_change

A, B, C, E, N = "441202", "441203", "441204", "441223", "441270"
FOUR = (A, B, C, E)
# Where an indicator's three cells (value, rank, this period) start in a page's row:
# rank, change, region and score come first.
FIRST_FIGURE = 4


def figure_index(indicator: str) -> int:
    return FIRST_FIGURE + 3 * PRINTED_INDICATORS.index(indicator)


@pytest.fixture
def year(today) -> int:
    return today.year - 1


@pytest.fixture
def race(year, regions, industry, enterprise, city_admin):
    Region.objects.exclude(code__in=FOUR).update(is_ranked=False)

    def project(code, name, *stages):
        made = project_services.project_create(
            by=city_admin,
            name=name,
            enterprise=enterprise,
            region=regions[code],
            industry=industry,
            signed_on=datetime.date(year, 1, 5),
            planned_investment=Decimal("300000000.00"),
        )
        for stage, on in stages:
            made = lifecycle.advance(project=made, stage=stage, on=on, by=city_admin)
        return made

    def started(month, day):
        return (Stage.LAND_SUPPLIED, datetime.date(year, month, 1)), (
            Stage.STARTED,
            datetime.date(year, month, day),
        )

    project(B, "鼎湖项目", *started(2, 10))
    march = bulletin_generate(period=period_containing(PeriodKind.MONTHLY, datetime.date(year, 3, 1)))
    Region.objects.create(
        code=N,
        name="新区",
        name_en="New District",
        kind=RegionKind.DISTRICT,
        parent=regions["441200"],
        is_ranked=True,
    )
    duanzhou = project(A, "端州项目")
    project_services.investment_report(
        project=duanzhou, month=datetime.date(year, 6, 1), amount=Decimal("200000000.00"), by=city_admin
    )
    project_services.target_set(
        region=regions[A],
        year=year,
        investment=Decimal("800000000.00"),
        investment_h1=Decimal("400000000.00"),
        by=city_admin,
    )
    project(C, "高要项目甲", *started(5, 10))
    project(C, "高要项目乙", *started(6, 5))
    june = bulletin_generate(period=period_containing(PeriodKind.MONTHLY, datetime.date(year, 6, 1)))
    return {"march": march, "june": june}


class Rows(HTMLParser):
    """The body rows of the first table on a page, each as the text of its cells."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.depth, self.done, self.in_body = [], None, 0, False, False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.rows.append([])
        elif tag in ("td", "th") and self.in_body:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "tbody" and self.in_body:
            self.in_body, self.done = False, True
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def rows_of(page: str, marker: str) -> dict[str, list[str]]:
    """The ranking rows of a page from ``marker`` (the table's opening) on, by region name."""
    parser = Rows()
    parser.feed(page[page.index(marker) :])
    return {cells[2]: cells for cells in parser.rows}


def browser(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def english_names(regions) -> dict[str, str]:
    return {code: Region.objects.get(code=code).name_en for code in (*FOUR, N)}


def test_rank_change_reads_up_down_unchanged_new_and_none():
    with translation.override("en"):
        readings = [
            (change.direction, change.places, change.symbol, change.words)
            for change in (
                rank_change(3, 5, compared=True),
                rank_change(4, 2, compared=True),
                rank_change(2, 2, compared=True),
                rank_change(4, None, compared=True),
                rank_change(1, None, compared=False),
            )
        ]
    assert readings == [
        ("up", 2, "↑2", "up 2"),
        ("down", -2, "↓2", "down 2"),
        ("same", 0, "=", "unchanged"),
        ("new", None, "new", "not in the previous bulletin"),
        ("none", None, "–", "no earlier bulletin"),
    ]


def test_the_june_bulletin_counts_rank_changes_from_march(race):
    rows = {row["region"]: row for row in race["june"].rows}
    assert [
        (code, rows[code]["rank"], rows[code]["previous_rank"], rows[code]["rank_change"])
        for code in (A, C, B, E, N)
    ] == [
        (A, 1, 2, 1),
        (C, 2, 2, 0),
        (B, 3, 1, -2),
        (E, 4, 2, -2),
        (N, 4, None, None),
    ]
    assert {row["rank_change"] for row in race["march"].rows} == {None}


def test_page_print_workbook_and_admin_show_the_same_ranks_changes_and_figures(
    race, regions, city_leader, admin_client
):
    june = race["june"]
    names = english_names(regions)
    page = browser(city_leader).get(f"/bulletins/{june.pk}/")
    assert page.status_code == 200
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    admin = admin_client.get(reverse("admin:supervision_bulletin_change", args=[june.pk]))
    assert admin.status_code == 200
    with translation.override("en"):
        printed = bulletin_html(june)
        workbook = load_workbook(BytesIO(bulletin_xlsx(june)))
    renderings = {
        "page": rows_of(page.content.decode(), '<table class="table bulletin-table">'),
        "print": rows_of(printed, '<table class="ranking">'),
        "admin": rows_of(admin.content.decode(), '<table class="bulletin-rows">'),
    }
    sheet = list(workbook["ranking"].iter_rows(values_only=True))
    header, data = sheet[1], {row[2]: row for row in sheet[2:]}
    money = header.index("Investment (yuan)")
    started = header.index("Started")

    expected = {
        A: ("1", "↑1", "40.00"),
        C: ("2", "=", "15.00"),
        B: ("3", "↓2", "7.50"),
        E: ("4", "↓2", "0.00"),
        N: ("4", "new", "0.00"),
    }
    for code, (rank, symbol, score) in expected.items():
        for name, rows in renderings.items():
            cells = rows[names[code]]
            assert cells[:2] == [rank, symbol] and cells[3] == score, (name, code, cells[:4])
            at = figure_index(Indicator.INVESTMENT)
            investment = data[code][money]
            wan = (Decimal(str(investment)) / 10000).quantize(Decimal("0.01"))
            assert cells[at] == f"{wan:,.2f}", (name, code)  # 万元 of the workbook's yuan
            at = figure_index(Indicator.STARTED)
            assert cells[at : at + 3] == [str(v) for v in data[code][started : started + 3]], (name, code)
        assert (str(data[code][0]), data[code][1], f"{Decimal(str(data[code][4])):.2f}") == (
            rank,
            symbol,
            score,
        )
    # A's 20,000.00 (10k yuan) were all invested within June; one of C's two starts was in June.
    assert renderings["print"][names[A]][figure_index(Indicator.INVESTMENT) :][:3] == [
        "20,000.00",
        "1",
        "20,000.00",
    ]
    assert renderings["print"][names[C]][figure_index(Indicator.STARTED) :][:3] == ["2", "1", "1"]
    assert "“new” not in the previous bulletin" in printed


def test_the_dashboard_shows_the_bulletins_rank_changes(race, year, city_leader):
    june = {row["region"]: row for row in race["june"].rows}
    response = browser(city_leader).get("/", {"kind": "monthly", "date": f"{year}-06-10"})
    rows = {row.code: row for row in response.context["rows"]}
    for code in (A, B, C, E, N):
        assert (rows[code].rank, rows[code].previous_rank, rows[code].change) == (
            june[code]["rank"],
            june[code]["previous_rank"],
            june[code]["rank_change"],
        )
    symbols = {code: rows[code].movement.symbol for code in (A, B, C, E, N)}
    assert symbols == {A: "↑1", B: "↓2", C: "=", E: "↓2", N: "new"}
    page = response.content.decode()
    assert "not in the previous bulletin" in page and "unchanged" in page


def test_money_has_thousands_separators_in_chinese_on_every_rendering(race, city_leader):
    # Chinese number formats group by nothing; tables show 万元 with separators (DESIGN), as the
    # dashboard always did and the bulletin's pages now do too.
    june = race["june"]
    page = Client()
    page.force_login(city_leader)
    assert "20,000.00" in page.get(f"/bulletins/{june.pk}/").content.decode()
    assert "20,000.00" in bulletin_html(june)


def detail_queries(client, bulletin) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/bulletins/{bulletin.pk}/").status_code == 200
    return len(queries.captured_queries)


def test_bulletin_page_query_count_does_not_grow_with_regions(race, regions, year, city_leader):
    client = browser(city_leader)
    few = detail_queries(client, race["june"])
    for number in range(5):
        Region.objects.create(
            code=f"4412{60 + number}",
            name=f"测试区{number}",
            kind=RegionKind.DISTRICT,
            parent=regions["441200"],
            is_ranked=True,
        )
    september = bulletin_generate(period=period_containing(PeriodKind.MONTHLY, datetime.date(year, 9, 1)))
    assert len(september.rows) == 10
    assert detail_queries(client, september) == few
