"""The month-end report (月报) of a county on one page (/projects/monthly/): the grid, one save for
every row in one transaction, a row someone else changed in the meantime, the month derived from
a year-to-date total (across a correction of an earlier month too), the region scope, the query
count, and the export.

The report is for November of last year, whatever today is: every project is signed on 1 January
of that year, so that all its months exist and none is in the future.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from projects import services
from projects.choices import Role
from projects.models import InvestmentReport, Project
from tests.fixtures.concurrency import race
from tests.fixtures.projects_views import text

pytestmark = pytest.mark.django_db

URL = "/projects/monthly/"


@pytest.fixture
def year(today) -> int:
    return today.year - 1


@pytest.fixture
def nov(year) -> datetime.date:
    return datetime.date(year, 11, 1)


def month(year, number) -> datetime.date:
    return datetime.date(year, number, 1)


@pytest.fixture
def signed(make_project, year):
    """``signed(name)``: a project of 端州区 signed on 1 January of the report's year."""

    def make(name="年产10万吨新材料项目", **overrides):
        return make_project(name=name, signed_on=datetime.date(year, 1, 1), **overrides)

    return make


@pytest.fixture
def three(signed, county_staff, year):
    """Three projects: A with January–October reported (1,000 万元 a month), B with October only
    (500 万元), C with nothing."""
    a, b, c = signed("甲项目"), signed("乙项目"), signed("丙项目")
    for number in range(1, 11):
        services.investment_report(
            project=a, month=month(year, number), amount=Decimal("10000000"), by=county_staff
        )
    services.investment_report(project=b, month=month(year, 10), amount=Decimal("5000000"), by=county_staff)
    return a, b, c


def params(nov, region, **more) -> dict:
    return {"month": f"{nov:%Y-%m}", "region": region.pk, **more}


def query(nov, region, **more) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in params(nov, region, **more).items())


def form_data(response) -> dict:
    """The inputs of the page's POST form as the browser would send them back."""
    form = re.search(r'<form method="post".*?</form>', text(response), re.S)
    assert form, "no grid form on the page"
    data = {}
    for tag in re.findall(r"<input[^>]*>", form.group(0)):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            data[name.group(1)] = value.group(1) if value else ""
    return data


def post(client, nov, region, data, **more):
    return client.post(URL + query(nov, region, **more), data)


def figure(project, on) -> Decimal | None:
    report = InvestmentReport.objects.filter(project=project, month=on).first()
    return None if report is None else report.amount


def row_html(response, project) -> str:
    row = re.search(
        rf'<tr[^>]*>\s*<th scope="row"><a href="/projects/{project.pk}/">.*?</tr>', text(response), re.S
    )
    assert row, f"no row for {project.code}"
    return row.group(0)


def row_errors(response, project) -> str:
    """The text of the row of ``project`` (its messages included)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row_html(response, project)))


def shown_figures(response, project) -> tuple[str, str]:
    """Last month's figure and the year so far, as the row shows them."""
    return tuple(re.findall(r'<td class="num" data-label="[^"]*">([^<]*)</td>', row_html(response, project)))


# --- the grid -----------------------------------------------------------------------------------


def test_the_grid_lists_the_regions_projects_with_last_month_and_the_year_so_far(
    staff_client, three, nov, region, signed, other_project, county_staff, year
):
    a, b, c = three
    cancelled = signed("清退项目")
    services.project_cancel(project=cancelled, reason="企业退出", by=county_staff)
    later = signed("十二月签约项目")
    Project.objects.filter(pk=later.pk).update(signed_on=datetime.date(year, 12, 2))
    response = staff_client.get(URL, params(nov, region))
    assert response.status_code == 200
    page = text(response)
    assert "Month-end report" in page and f"{nov:%Y-%m}" in page
    assert "Last month (10k yuan)" in page and "Months 1–10 total (10k yuan)" in page
    assert "Month 11 (10k yuan)" in page
    # A: October 1,000 万元, January–October 10,000 万元; B: 500 and 500; C: nothing yet.
    assert shown_figures(response, a) == ("1,000.00", "10,000.00")
    assert shown_figures(response, b) == ("500.00", "500.00")
    assert shown_figures(response, c) == ("—", "0.00")
    assert "Not reported yet" in row_errors(response, c)
    # Not listed: another region's project, a cancelled one, one signed after the month.
    for absent in (other_project, cancelled, later):
        assert absent.code not in page
    # Linked from the navigation and from the project list.
    assert text(staff_client.get("/projects/")).count('href="/projects/monthly/"') == 2


def test_the_default_is_last_month_of_the_users_own_region(staff_client, project, region, today):
    response = staff_client.get(URL)
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    assert response.context["month"] == last
    assert response.context["region"] == region
    assert project.code in text(response)


def test_a_city_user_picks_a_region_first(client, city_admin, three, nov, region):
    client.force_login(city_admin)
    response = client.get(URL, {"month": f"{nov:%Y-%m}"})
    assert response.status_code == 200 and response.context["rows"] is None
    assert three[0].code not in text(response)
    assert three[0].code in text(client.get(URL, params(nov, region)))


def test_a_future_month_is_refused(staff_client, project, region, today):
    future = (today.replace(day=28) + datetime.timedelta(days=5)).replace(day=1)
    response = staff_client.get(URL, params(future, region))
    assert response.context["rows"] is None
    assert "Investment cannot be reported for a future month." in text(response)


def test_leaders_who_enter_no_investment_get_403(client, county_leader, region, nov):
    client.force_login(county_leader)
    assert client.get(URL, params(nov, region)).status_code == 403
    assert client.post(URL + query(nov, region), {}).status_code == 403


# --- one save ----------------------------------------------------------------------------------


def test_one_save_writes_every_changed_row_in_one_go(staff_client, three, nov, region, county_staff):
    a, b, c = three
    shown = staff_client.get(URL, params(nov, region))
    data = form_data(shown)
    data[f"p{a.pk}-amount"] = "1200"
    data[f"p{b.pk}-amount"] = "3.86亿"
    data[f"p{c.pk}-amount"] = "１，２５０．５"  # a Chinese input method's full-width figure
    response = post(staff_client, nov, region, data)
    assert response.status_code == 302
    assert figure(a, nov) == Decimal("12000000.00")
    assert figure(b, nov) == Decimal("386000000.00")
    assert figure(c, nov) == Decimal("12505000.00")
    page = text(staff_client.get(response["Location"]))
    assert "3 figures for" in page and "saved" in page
    # The saved figures come back in 万元, and saving the page again unchanged writes nothing.
    again = form_data(staff_client.get(URL, params(nov, region)))
    assert again[f"p{b.pk}-amount"] == "38600"
    versions = {p.pk: InvestmentReport.objects.get(project=p, month=nov).version for p in three}
    response = post(staff_client, nov, region, again)
    assert response.status_code == 302
    assert "Nothing was changed." in text(staff_client.get(response["Location"]))
    assert {p.pk: InvestmentReport.objects.get(project=p, month=nov).version for p in three} == versions


def test_a_correction_keeps_the_reports_note_and_empty_rows_are_skipped(
    staff_client, three, nov, region, county_staff
):
    a, b, c = three
    services.investment_report(project=a, month=nov, amount=Decimal("1"), note="设备款", by=county_staff)
    data = form_data(staff_client.get(URL, params(nov, region)))
    data[f"p{a.pk}-amount"] = "900"
    assert data[f"p{b.pk}-amount"] == "" and data[f"p{c.pk}-amount"] == ""
    assert post(staff_client, nov, region, data).status_code == 302
    report = InvestmentReport.objects.get(project=a, month=nov)
    assert report.amount == Decimal("9000000.00") and report.note == "设备款" and report.version == 2
    assert figure(b, nov) is None and figure(c, nov) is None


def test_a_stored_figure_cannot_be_emptied(staff_client, three, nov, region, county_staff):
    a, _b, _c = three
    services.investment_report(project=a, month=nov, amount=Decimal("1000000"), by=county_staff)
    data = form_data(staff_client.get(URL, params(nov, region)))
    data[f"p{a.pk}-amount"] = ""
    response = post(staff_client, nov, region, data)
    assert response.status_code == 200
    assert "cannot be removed; type 0" in row_errors(response, a)
    assert figure(a, nov) == Decimal("1000000.00")


def test_a_row_changed_by_someone_else_refuses_the_whole_save_and_keeps_every_typed_value(
    staff_client, three, nov, region, make_user
):
    a, b, c = three
    data = form_data(staff_client.get(URL, params(nov, region)))
    # While the page is open, a colleague reports B's November.
    colleague = make_user(Role.COUNTY_STAFF, region=region, username="colleague")
    services.investment_report(project=b, month=nov, amount=Decimal("7000000"), by=colleague)
    data[f"p{a.pk}-amount"] = "1100"
    data[f"p{b.pk}-amount"] = "650"
    data[f"p{c.pk}-amount"] = "3,000,000元"
    response = post(staff_client, nov, region, data)
    assert response.status_code == 200
    # Nothing saved: not A's, not C's, and B keeps the colleague's figure.
    assert figure(a, nov) is None and figure(c, nov) is None
    assert figure(b, nov) == Decimal("7000000.00")
    page = text(response)
    assert "Nothing was saved: 1 row needs attention" in page
    b_row = row_errors(response, b)
    assert "Someone else changed this record" in b_row
    assert "Stored now: 700.00 万元." in b_row
    # Every typed value is still in its input, as typed.
    again = form_data(response)
    assert again[f"p{a.pk}-amount"] == "1100"
    assert again[f"p{b.pk}-amount"] == "650"
    assert again[f"p{c.pk}-amount"] == "3,000,000元"
    # B's row now carries the colleague's version: sending it again is a decision taken knowingly.
    assert again[f"p{b.pk}-version"] == "1"
    response = post(staff_client, nov, region, again)
    assert response.status_code == 302
    assert figure(a, nov) == Decimal("11000000.00")
    assert figure(b, nov) == Decimal("6500000.00")
    assert figure(c, nov) == Decimal("3000000.00")


def test_every_refused_row_is_reported_at_once(staff_client, three, nov, region, county_staff):
    a, b, c = three
    services.investment_report(project=a, month=nov, amount=Decimal("1000000"), by=county_staff)
    data = form_data(staff_client.get(URL, params(nov, region)))
    data[f"p{a.pk}-amount"] = "386,5"
    data[f"p{b.pk}-amount"] = "0.0000001"
    data[f"p{c.pk}-amount"] = "12"
    response = post(staff_client, nov, region, data)
    assert response.status_code == 200
    # Each row its own message, and only that.
    assert "Enter an amount in 10k yuan" in row_errors(response, a)
    assert "cannot be removed" not in row_errors(response, a)
    assert "kept to the fen" in row_errors(response, b)
    assert "Nothing was saved: 2 rows need attention" in text(response)
    assert InvestmentReport.objects.filter(month=nov).count() == 1
    assert figure(a, nov) == Decimal("1000000.00")


def test_a_forged_post_cannot_write_another_regions_project(
    staff_client, three, nov, region, other_region, other_project
):
    a, _b, _c = three
    data = form_data(staff_client.get(URL, params(nov, region)))
    data[f"p{other_project.pk}-amount"] = "100"
    data[f"initial-p{other_project.pk}-amount"] = ""
    data[f"p{other_project.pk}-version"] = "0"
    data[f"p{a.pk}-amount"] = "100"
    assert post(staff_client, nov, region, data).status_code == 302
    assert figure(a, nov) == Decimal("1000000.00")
    assert figure(other_project, nov) is None
    # Asking for the other region itself shows and writes nothing.
    response = post(staff_client, nov, other_region, data)
    assert response.status_code == 200
    assert other_project.code not in text(response)
    assert "Select a valid choice" in text(response)
    assert figure(other_project, nov) is None


# --- year-to-date totals -----------------------------------------------------------------------


def test_a_year_to_date_total_becomes_the_months_figure(staff_client, three, nov, region):
    a, b, c = three
    response = staff_client.get(URL, params(nov, region, mode="ytd"))
    page = text(response)
    assert "Months 1–11 total (10k yuan)" in page
    data = form_data(response)
    # The echo of each input also says the month it implies.
    assert f'data-money-base="{Decimal("100000000.00")}"' in page
    data[f"p{a.pk}-amount"] = "11200"  # January–November: 10,000 before, so November is 1,200
    data[f"p{b.pk}-amount"] = "500"  # the same as before: November is 0
    response = post(staff_client, nov, region, data, mode="ytd")
    assert response.status_code == 302
    assert figure(a, nov) == Decimal("12000000.00")
    assert figure(b, nov) == Decimal("0.00")
    assert figure(c, nov) is None
    # Shown again as totals through November.
    again = form_data(staff_client.get(URL, params(nov, region, mode="ytd")))
    assert again[f"p{a.pk}-amount"] == "11200" and again[f"p{b.pk}-amount"] == "500"


def test_a_total_below_the_months_before_is_refused_on_its_row(staff_client, three, nov, region):
    a, _b, c = three
    data = form_data(staff_client.get(URL, params(nov, region, mode="ytd")))
    data[f"p{a.pk}-amount"] = "9000"  # below January–October's 10,000
    data[f"p{c.pk}-amount"] = "50"
    response = post(staff_client, nov, region, data, mode="ytd")
    assert response.status_code == 200
    assert "below the months before this one (10,000.00 万元)" in row_errors(response, a)
    assert figure(c, nov) is None


def test_the_derived_month_follows_a_correction_of_an_earlier_month(
    staff_client, three, nov, region, make_user, year, county_staff
):
    a, _b, _c = three
    data = form_data(staff_client.get(URL, params(nov, region, mode="ytd")))
    assert data[f"initial-p{a.pk}-amount"] == ""
    # While the page is open, October is corrected from 1,000 to 1,300 万元.
    october = InvestmentReport.objects.get(project=a, month=month(year, 10))
    colleague = make_user(Role.COUNTY_STAFF, region=region, username="colleague")
    services.investment_report(
        project=a, month=october.month, amount=Decimal("13000000"), by=colleague, version=october.version
    )
    data[f"p{a.pk}-amount"] = "11500"
    assert post(staff_client, nov, region, data, mode="ytd").status_code == 302
    # November = the total less January–October as stored when saving: 11,500 − 10,300.
    assert figure(a, nov) == Decimal("12000000.00")
    # A later correction of an earlier month: December's total derives from the current figures.
    september = InvestmentReport.objects.get(project=a, month=month(year, 9))
    services.investment_report(
        project=a,
        month=september.month,
        amount=Decimal("9000000"),
        by=county_staff,
        version=september.version,
    )
    dec = month(year, 12)
    page = staff_client.get(URL, params(dec, region, mode="ytd"))
    assert shown_figures(page, a) == ("1,200.00", "11,400.00")  # 11,500 − 100
    data = form_data(page)
    data[f"p{a.pk}-amount"] = "12000"
    assert post(staff_client, dec, region, data, mode="ytd").status_code == 302
    assert figure(a, dec) == Decimal("6000000.00")
    total = sum(r.amount for r in InvestmentReport.objects.filter(project=a, month__year=year))
    assert total == Decimal("120000000.00")


# --- scale and export --------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 50])
def test_the_grid_costs_the_same_queries_for_5_and_50_projects(
    count, staff_client, signed, nov, region, county_staff, django_assert_num_queries
):
    for i in range(count):
        project = signed(f"项目{i}")
        services.investment_report(
            project=project, month=month(nov.year, 10), amount=Decimal(i), by=county_staff
        )
    staff_client.get(URL, params(nov, region))  # the session and permissions, read once per process
    # Session, user, permissions (2), the user's scope, the region asked for and its subtree, the
    # rows (one query, however many), the header's roles and region, the region pick list.
    with django_assert_num_queries(11):
        response = staff_client.get(URL, params(nov, region))
    assert response.content.decode().count('data-money=""') == count


def test_the_export_is_the_grid_as_a_workbook_in_wan(staff_client, three, nov, region, county_staff):
    a, b, _c = three
    services.investment_report(project=a, month=nov, amount=Decimal("12500000.50"), by=county_staff)
    response = staff_client.get("/projects/monthly/export.xlsx", params(nov, region))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'month-end-{region.code}-{nov:%Y-%m}.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"Month-end investment report, {region}, {nov:%Y-%m}"
    assert rows[1][0].startswith("As of ") and rows[1][0].endswith("Unit: 10k yuan (万元)")
    assert rows[2] == (
        "Project code",
        "Project name",
        "Last month (10k yuan)",
        "Months 1–10 total (10k yuan)",
        "Month 11 (10k yuan)",
        "Months 1–11 total (10k yuan)",
    )
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:F6"
    figures = {row[0]: tuple(None if v is None else Decimal(str(v)) for v in row[2:]) for row in rows[3:]}
    # Exact 万元 (a cell shows 2 decimals, its value keeps the half yuan).
    assert figures[a.code] == (1000, 10000, Decimal("1250.00005"), Decimal("11250.00005"))
    assert figures[b.code] == (500, 500, None, None)
    assert sheet.cell(4, 3).number_format == "#,##0.00"


# --- two reports at once -------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reports_over_the_same_projects_in_opposite_orders_both_save(signed, county_staff, nov, english):
    """Two month-end saves (October's and November's) over the same projects, their rows in
    opposite orders, released together: both wait their turn, neither deadlocks."""
    projects = [signed(f"项目{i}") for i in range(20)]
    october = month(nov.year, 10)
    orders = [projects, projects[::-1]]
    months = [october, nov]

    def save(i):
        figures = [services.MonthFigure(project=p, amount=Decimal(1000 + i)) for p in orders[i]]
        return services.investment_month_figures(month=months[i], figures=figures, by=county_staff)

    results, errors = race(2, save)
    assert errors == [None, None]
    assert [len(saved) for saved in results] == [20, 20]
    assert InvestmentReport.objects.filter(month=october, amount=Decimal("1000")).count() == 20
    assert InvestmentReport.objects.filter(month=nov, amount=Decimal("1001")).count() == 20
