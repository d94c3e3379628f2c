"""The project list and its export."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from projects import lifecycle
from projects.choices import Stage
from tests.fixtures.projects_views import text

pytestmark = pytest.mark.django_db

# --- the list -----------------------------------------------------------------------------------


def test_the_list_filters_with_the_shared_filterset_and_sorts(staff_client, make_project, industry):
    big = make_project(name="大项目", planned_investment=Decimal("2000000000.00"))
    small = make_project(name="小项目", planned_investment=Decimal("1000000.00"))
    page = text(staff_client.get("/projects/", {"is_major": "true"}))
    assert big.code in page and small.code not in page
    assert "Major" in page
    page = text(staff_client.get("/projects/", {"search": "小项"}))
    assert small.code in page and big.code not in page
    page = text(staff_client.get("/projects/", {"sort": "planned_investment"}))
    assert page.index(small.code) < page.index(big.code)
    page = text(staff_client.get("/projects/", {"sort": "-planned_investment"}))
    assert page.index(big.code) < page.index(small.code)
    # Money in 万元, and in 亿元 below it.
    assert "200,000.00" in page and "20.00 hundred million yuan" in page


def test_the_investment_filters_take_wan_as_every_money_input(staff_client, make_project):
    big = make_project(name="大项目", planned_investment=Decimal("2000000000.00"))
    small = make_project(name="小项目", planned_investment=Decimal("1000000.00"))
    page = text(staff_client.get("/projects/", {"investment_min": "5000"}))  # 5,000 万元
    assert big.code in page and small.code not in page
    page = text(staff_client.get("/projects/", {"investment_max": "0.5亿"}))
    assert small.code in page and big.code not in page
    assert "Planned investment at most (10k yuan)" in page
    page = text(staff_client.get("/projects/", {"investment_min": "386,5"}))
    assert "Enter an amount in 10k yuan" in page and big.code not in page


def test_a_bad_filter_shows_its_message_and_no_projects(staff_client, project):
    response = staff_client.get("/projects/", {"signed_after": "not-a-date"})
    assert response.status_code == 200
    page = text(response)
    assert "Correct the filters to see projects" in page
    assert project.code not in page


def test_an_unknown_sort_falls_back_to_the_default(staff_client, project):
    assert project.code in text(staff_client.get("/projects/", {"sort": "password"}))


def test_htmx_gets_only_the_results(staff_client, project):
    response = staff_client.get("/projects/", {"stage": "signed"}, headers={"HX-Request": "true"})
    page = text(response)
    assert page.lstrip().startswith('<div id="results"')
    assert "<html" not in page
    assert project.code in page
    assert "HX-Request" in response["Vary"]


def test_the_list_pages_by_50(staff_client, make_project):
    for _ in range(51):
        make_project()
    first = text(staff_client.get("/projects/"))
    # No total (it would cost a COUNT): the rows shown, and whether a next page follows.
    assert "Projects 1–50" in first
    assert (
        first.count('href="/projects/')
        - first.count('href="/projects/new/')
        - first.count('href="/projects/export')
        >= 50
    )
    assert "Page 1" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = text(staff_client.get("/projects/", {"page": 2}))
    assert "Projects 51–51" in second
    assert "Page 2" in second and 'rel="prev"' in second and 'rel="next"' not in second


def test_the_list_runs_as_many_queries_for_30_projects_as_for_3(staff_client, make_project):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get("/projects/").status_code == 200
        return len(queries)

    for _ in range(3):
        make_project()
    three = count_queries()
    for _ in range(27):
        make_project()
    assert count_queries() == three


# --- export -------------------------------------------------------------------------------------


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_the_export_holds_the_filtered_rows_with_money_as_numbers(
    staff_client, make_project, county_staff, today
):
    kept = make_project(name="导出项目", planned_investment=Decimal("123456789.01"))
    lifecycle.advance(project=kept, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff)
    make_project(name="未导出项目")
    rows = read_xlsx(staff_client.get("/projects/export.xlsx", {"stage": "land_supplied"}))
    # A title and an as-of line naming the unit, then the header (DESIGN house rule 14).
    assert rows[0][0] == "Project list"
    assert rows[1][0].startswith("As of ") and rows[1][0].endswith("Unit: 10k yuan (万元)")
    header, data = rows[2], rows[3:]
    assert header[:3] == ["Project code", "Project name", "Enterprise"]
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert row["Project code"] == kept.code
    assert row["Stage"] == "Land supplied"
    # Money in 万元 only, exact (the cell shows two decimals; the value keeps the yuan's fen).
    assert "Planned investment (yuan)" not in row
    assert row["Planned investment (10k yuan)"] == pytest.approx(12345.678901)
    assert row["Land supplied on"].date() == today


def test_the_export_follows_the_region_scope_and_keeps_text_as_text(
    staff_client, make_project, other_project
):
    make_project(name='=HYPERLINK("http://example.com")')
    rows = read_xlsx(staff_client.get("/projects/export.xlsx"))
    names = [row[1] for row in rows[3:]]
    assert names == ['=HYPERLINK("http://example.com")']
    assert other_project.name not in names


def test_the_export_header_is_in_the_readers_language(client, county_staff, project):
    client.force_login(county_staff)  # no language cookie: Chinese, the default
    rows = read_xlsx(client.get("/projects/export.xlsx"))
    assert rows[0][0] == "项目清单" and "单位：万元" in rows[1][0]
    assert "阶段" in rows[2] and "计划总投资（万元）" in rows[2]
