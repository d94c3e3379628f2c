"""The staff workspace in the browser: sign-in, the project list and export, the project page and
the forms that write through the services. What is asserted is what a user would see or get.

Pages are read in English (the ``en`` fixture sets the language cookie) so that the assertions
match the source strings whatever the state of the Chinese catalogue.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from projects import lifecycle, services
from projects.choices import Role, Stage, Status
from projects.models import Enterprise, InvestmentReport, Project, StageTransition
from projects.templatetags.money import money, wan, yi
from supervision import services as supervision_services
from supervision.choices import ProblemCategory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff_client(en, county_staff):
    en.force_login(county_staff)
    return en


@pytest.fixture
def other_project(make_project, other_region, make_user):
    other_staff = make_user(Role.COUNTY_STAFF, region=other_region, username="staff-dinghu")
    return make_project(by=other_staff, region=other_region, name="鼎湖区外地项目")


def page_urls(pk):
    return {
        "list": "/projects/",
        "export": "/projects/export.xlsx",
        "create": "/projects/new/",
        "detail": f"/projects/{pk}/",
        "edit": f"/projects/{pk}/edit/",
        "advance": f"/projects/{pk}/advance/",
        "revert": f"/projects/{pk}/revert/",
        "cancel": f"/projects/{pk}/cancel/",
        "reactivate": f"/projects/{pk}/reactivate/",
        "investment": f"/projects/{pk}/investment/",
    }


READ_PAGES = {"list", "export", "detail"}


def text(response) -> str:
    return response.content.decode()


def field_error(response, field: str) -> str:
    """The error list Django renders for one field (id="id_<field>_error"), as plain text."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', text(response), re.S)
    assert match, f"no error shown next to {field}"
    return re.sub(r"<[^>]+>", "", match.group(1))


def input_value(response, field: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{field}"[^>]*>', text(response))
    assert match, f"no input {field}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


# --- who may open what ------------------------------------------------------------------------


def test_every_page_sends_an_anonymous_visitor_to_sign_in(client, project):
    for name, url in page_urls(project.pk).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/?next="), name


@pytest.mark.parametrize(
    ("role", "in_region", "writes"),
    [
        (Role.COUNTY_STAFF, True, True),
        (Role.COUNTY_LEADER, True, False),
        (Role.CITY_LEADER, False, False),
        (Role.CITY_ADMIN, False, True),
    ],
)
def test_pages_per_role(client, make_user, region, project, role, in_region, writes):
    user = make_user(role, region=region if in_region else None)
    client.force_login(user)
    for name, url in page_urls(project.pk).items():
        expected = 200 if name in READ_PAGES or writes else 403
        assert client.get(url).status_code == expected, (role, name)


def test_leaders_see_no_edit_controls_and_staff_do(en, project, county_leader, city_leader, county_staff):
    edit_link = f'href="/projects/{project.pk}/edit/"'
    for leader in (county_leader, city_leader):
        en.force_login(leader)
        page = text(en.get(f"/projects/{project.pk}/"))
        assert edit_link not in page
        assert f"/projects/{project.pk}/advance/" not in page
        assert f"/projects/{project.pk}/investment/" not in page
        assert 'href="/projects/new/"' not in text(en.get("/projects/"))
    en.force_login(county_staff)
    page = text(en.get(f"/projects/{project.pk}/"))
    assert edit_link in page
    assert f"/projects/{project.pk}/advance/" in page
    assert f'href="/projects/{project.pk}/problems/new/"' in page
    assert f'href="/projects/{project.pk}/service-logs/new/"' in page
    assert 'href="/projects/new/"' in text(en.get("/projects/"))


def test_leaders_posting_get_403_and_nothing_changes(client, project, county_leader, city_leader, today):
    for leader in (county_leader, city_leader):
        client.force_login(leader)
        urls = page_urls(project.pk)
        assert client.post(urls["advance"], {"stage": "land_supplied", "on": today}).status_code == 403
        assert client.post(urls["revert"], {"reason": "x"}).status_code == 403
        assert client.post(urls["edit"], {"name": "改名"}).status_code == 403
        assert client.post(urls["investment"], {"month": "2025-01", "amount": "1"}).status_code == 403
        assert client.post(urls["create"], {"name": "新项目"}).status_code == 403
    project.refresh_from_db()
    assert (project.stage, project.name, project.version) == (Stage.SIGNED, "年产10万吨新材料项目", 1)
    assert not InvestmentReport.objects.exists()


def test_county_staff_see_and_touch_only_their_region(staff_client, project, other_project, today):
    listing = text(staff_client.get("/projects/"))
    assert project.code in listing
    assert other_project.code not in listing
    for name, url in page_urls(other_project.pk).items():
        if name not in {"list", "export", "create"}:
            assert staff_client.get(url).status_code == 404, name
    response = staff_client.post(
        f"/projects/{other_project.pk}/advance/", {"stage": "land_supplied", "on": today}
    )
    assert response.status_code == 404
    other_project.refresh_from_db()
    assert other_project.stage == Stage.SIGNED


def test_a_county_leader_gets_404_not_403_outside_the_region(client, county_leader, other_project):
    client.force_login(county_leader)
    assert client.get(f"/projects/{other_project.pk}/").status_code == 404
    assert client.post(f"/projects/{other_project.pk}/revert/", {"reason": "x"}).status_code == 404


def test_city_users_see_every_region(en, city_leader, project, other_project):
    en.force_login(city_leader)
    listing = text(en.get("/projects/"))
    assert project.code in listing and other_project.code in listing


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
    header, data = rows[0], rows[1:]
    assert header[:3] == ["Project code", "Project name", "Enterprise"]
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert row["Project code"] == kept.code
    assert row["Stage"] == "Land supplied"
    assert row["Planned investment (yuan)"] == pytest.approx(123456789.01)
    assert row["Planned investment (10k yuan)"] == pytest.approx(12345.68)
    assert row["Land supplied on"].date() == today


def test_the_export_follows_the_region_scope_and_keeps_text_as_text(
    staff_client, make_project, other_project
):
    make_project(name='=HYPERLINK("http://example.com")')
    rows = read_xlsx(staff_client.get("/projects/export.xlsx"))
    names = [row[1] for row in rows[1:]]
    assert names == ['=HYPERLINK("http://example.com")']
    assert other_project.name not in names


def test_the_export_header_is_in_the_readers_language(client, county_staff, project):
    client.force_login(county_staff)  # no language cookie: Chinese, the default
    header = read_xlsx(client.get("/projects/export.xlsx"))[0]
    assert "阶段" in header


# --- the project page ---------------------------------------------------------------------------


def test_the_project_page_shows_timeline_milestones_investment_problems_and_history(
    staff_client, project, county_staff, today
):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today - 10 * DAY, by=county_staff)
    lifecycle.revert(project=project, reason="供地日期录错", by=county_staff)
    services.investment_report(project=project, month=today, amount=Decimal("5000000.00"), by=county_staff)
    supervision_services.milestone_save(
        project=project, title="完成施工图审查", due_on=today - 3 * DAY, by=county_staff
    )
    problem = supervision_services.problem_raise(
        project=project,
        category=ProblemCategory.LAND_USE,
        description="用地指标未落实",
        by=county_staff,
        raised_on=today - DAY,
    )
    page = text(staff_client.get(f"/projects/{project.pk}/"))
    # The stage history, revert included with its reason and who.
    assert "Signed → Land supplied" in page
    assert "Land supplied → Signed" in page and "Reverted" in page and "供地日期录错" in page
    assert county_staff.username in page
    # The milestone's warning in words as well as colour.
    assert 'class="warning warning--red">Overdue<' in page
    # Investment: table, total and the chart's data.
    assert "500.00" in page
    assert 'id="investment-chart-data"' in page and '"amounts": ["500.00"]' in page
    assert "vendor/echarts-6.1.0/echarts.min.js" in page
    # Problems link to their own page.
    assert f'href="/problems/{problem.pk}/"' in page
    # Field history, with stage changes in words.
    assert "<del>Land supplied</del> → <ins>Signed</ins>" in page


def test_a_cancelled_project_offers_reactivation_not_advance(staff_client, project, county_staff):
    services.project_cancel(project=project, reason="企业撤资", by=county_staff)
    page = text(staff_client.get(f"/projects/{project.pk}/"))
    assert f"/projects/{project.pk}/reactivate/" in page
    assert f"/projects/{project.pk}/advance/" not in page
    assert "Cancelled" in page


# --- create and edit ----------------------------------------------------------------------------


def project_data(region, industry, today, **overrides):
    data = {
        "code": "",
        "name": "新能源电池项目",
        "enterprise": "",
        "new_enterprise_name": "肇庆新能源有限公司",
        "new_enterprise_credit_code": "",
        "region": region.pk,
        "park": "",
        "industry": industry.pk,
        "is_manufacturing": "on",
        "planned_investment": "500000000.00",
        "signed_on": today.isoformat(),
        "first_contact_on": "",
    }
    data.update(overrides)
    return data


def test_creating_a_project_with_a_new_enterprise(staff_client, region, industry, today, county_staff):
    response = staff_client.post("/projects/new/", project_data(region, industry, today))
    project = Project.objects.get(name="新能源电池项目")
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/"
    assert project.enterprise.name == "肇庆新能源有限公司"
    assert project.planned_investment == Decimal("500000000.00")
    assert project.code.startswith(f"{region.code}-{today.year}-")
    transition = StageTransition.objects.get(project=project)
    assert (transition.from_stage, transition.to_stage, transition.by) == ("", Stage.SIGNED, county_staff)
    page = text(staff_client.get(response["Location"]))
    assert 'role="status"' in page and "entered at stage" in page


def test_creating_a_project_of_an_existing_enterprise(staff_client, region, industry, today, enterprise):
    data = project_data(region, industry, today, enterprise=enterprise.pk, new_enterprise_name="")
    assert staff_client.post("/projects/new/", data).status_code == 302
    assert Project.objects.get(name="新能源电池项目").enterprise == enterprise
    assert Enterprise.objects.count() == 1


def test_a_service_error_appears_next_to_its_field_and_nothing_is_written(
    staff_client, region, industry, today
):
    data = project_data(region, industry, today, signed_on=(today + DAY).isoformat())
    response = staff_client.post("/projects/new/", data)
    assert response.status_code == 200
    assert "The signing date cannot be in the future." in field_error(response, "signed_on")
    signed_on = re.search(r'<input[^>]*name="signed_on"[^>]*>', text(response)).group(0)
    assert 'aria-invalid="true"' in signed_on and 'aria-describedby="id_signed_on_error"' in signed_on
    # What the user typed is still there; the new enterprise was rolled back with the project.
    assert input_value(response, "name") == "新能源电池项目"
    assert not Project.objects.exists()
    assert not Enterprise.objects.filter(name="肇庆新能源有限公司").exists()


def test_a_bad_credit_code_is_shown_on_the_new_enterprise_field(staff_client, region, industry, today):
    data = project_data(region, industry, today, new_enterprise_credit_code="123")
    response = staff_client.post("/projects/new/", data)
    assert response.status_code == 200
    assert field_error(response, "new_enterprise_credit_code")
    assert not Project.objects.exists()


def test_county_staff_cannot_file_a_project_in_another_region(staff_client, other_region, industry, today):
    response = staff_client.post("/projects/new/", project_data(other_region, industry, today))
    assert response.status_code == 200
    assert field_error(response, "region")
    assert not Project.objects.exists()


def test_an_enterprise_is_picked_or_typed(staff_client, region, industry, today, enterprise):
    neither = project_data(region, industry, today, new_enterprise_name="")
    assert "Pick an enterprise" in field_error(staff_client.post("/projects/new/", neither), "enterprise")
    both = project_data(region, industry, today, enterprise=enterprise.pk)
    assert "not both" in field_error(staff_client.post("/projects/new/", both), "new_enterprise_name")


def edit_data(project, **overrides):
    data = {
        "name": project.name,
        "enterprise": project.enterprise_id,
        "new_enterprise_name": "",
        "new_enterprise_credit_code": "",
        "region": project.region_id,
        "park": "",
        "industry": project.industry_id,
        "is_manufacturing": "on",
        "planned_investment": str(project.planned_investment),
        "first_contact_on": "",
        "version": project.version,
    }
    data.update(overrides)
    return data


def test_editing_a_project(staff_client, project):
    response = staff_client.post(f"/projects/{project.pk}/edit/", edit_data(project, name="二期扩产项目"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.version) == ("二期扩产项目", 2)
    history = text(staff_client.get(f"/projects/{project.pk}/"))
    assert "<del>年产10万吨新材料项目</del> → <ins>二期扩产项目</ins>" in history


def test_an_unchanged_edit_writes_nothing(staff_client, project):
    response = staff_client.post(f"/projects/{project.pk}/edit/", edit_data(project), follow=True)
    assert "Nothing was changed." in text(response)
    project.refresh_from_db()
    assert project.version == 1


def test_a_stale_edit_keeps_what_was_typed_and_changes_nothing(staff_client, project, city_admin):
    loaded = edit_data(project, name="我的改名", planned_investment="450000000.00")
    services.project_update(project=project, by=city_admin, version=1, name="别人先改的名字")
    response = staff_client.post(f"/projects/{project.pk}/edit/", loaded)
    assert response.status_code == 200
    page = text(response)
    assert "Someone else changed this record while you were working on it." in page
    assert input_value(response, "name") == "我的改名"
    assert input_value(response, "planned_investment") == "450000000.00"
    assert "别人先改的名字" in page  # the stored value, for comparison
    assert input_value(response, "version") == "2"
    project.refresh_from_db()
    assert (project.name, project.planned_investment, project.version) == (
        "别人先改的名字",
        Decimal("300000000.00"),
        2,
    )
    # Saving again, knowingly, replaces it.
    again = dict(loaded, version=input_value(response, "version"))
    assert staff_client.post(f"/projects/{project.pk}/edit/", again).status_code == 302
    project.refresh_from_db()
    assert project.name == "我的改名"


# --- stage moves --------------------------------------------------------------------------------


def test_advancing_twice_on_the_same_day(staff_client, project, today):
    url = f"/projects/{project.pk}/advance/"
    first = staff_client.post(url, {"stage": "land_supplied", "on": today.isoformat(), "version": 1})
    assert first.status_code == 302
    page = text(staff_client.get(url))
    assert "Construction started" in page
    second = staff_client.post(
        url, {"stage": input_value(staff_client.get(url), "stage"), "on": today.isoformat(), "version": 2}
    )
    assert second.status_code == 302
    project.refresh_from_db()
    assert project.stage == Stage.STARTED
    assert project.land_supplied_on == project.started_on == today
    assert project.transitions.count() == 3


def test_the_advance_date_defaults_to_today_and_errors_sit_on_it(staff_client, project, today):
    url = f"/projects/{project.pk}/advance/"
    assert input_value(staff_client.get(url), "on") == today.isoformat()
    early = project.signed_on - DAY
    response = staff_client.post(url, {"stage": "land_supplied", "on": early.isoformat(), "version": 1})
    assert response.status_code == 200
    assert "cannot be before" in field_error(response, "on")
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED


def test_a_stale_advance_shows_the_project_as_it_is_now(staff_client, project, county_staff, today):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff)
    response = staff_client.post(
        f"/projects/{project.pk}/advance/", {"stage": "land_supplied", "on": today.isoformat(), "version": 1}
    )
    assert response.status_code == 200
    assert "Someone else changed this record while you were working on it." in text(response)
    assert input_value(response, "stage") == "started"
    assert input_value(response, "version") == "2"
    project.refresh_from_db()
    assert project.stage == Stage.LAND_SUPPLIED


def test_reverting_needs_a_reason(staff_client, project, county_staff, today):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff)
    url = f"/projects/{project.pk}/revert/"
    response = staff_client.post(url, {"reason": "  ", "version": 2})
    assert response.status_code == 200
    assert "Give a reason for going back a stage." in field_error(response, "reason")
    project.refresh_from_db()
    assert project.stage == Stage.LAND_SUPPLIED
    assert staff_client.post(url, {"reason": "供地手续未完成", "version": 2}).status_code == 302
    project.refresh_from_db()
    assert (project.stage, project.land_supplied_on) == (Stage.SIGNED, None)
    last = project.transitions.last()
    assert last.is_revert and last.note == "供地手续未完成"


def test_a_cancelled_project_cannot_advance(staff_client, project, county_staff, today):
    assert (
        staff_client.post(f"/projects/{project.pk}/cancel/", {"reason": "企业撤资", "version": 1}).status_code
        == 302
    )
    project.refresh_from_db()
    assert project.status == Status.CANCELLED
    response = staff_client.post(
        f"/projects/{project.pk}/advance/", {"stage": "land_supplied", "on": today.isoformat(), "version": 2}
    )
    assert response.status_code == 200
    assert "A cancelled project cannot advance." in text(response)
    response = staff_client.post(f"/projects/{project.pk}/reactivate/", {"reason": "恢复建设", "version": 2})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Status.ACTIVE


# --- monthly investment -------------------------------------------------------------------------


def test_an_investment_report_keeps_the_decimal_exactly(staff_client, project, today):
    month = today.strftime("%Y-%m")
    response = staff_client.post(
        f"/projects/{project.pk}/investment/", {"month": month, "amount": "12345678.91", "note": "设备款"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/projects/{project.pk}/#investment")
    report = InvestmentReport.objects.get(project=project)
    assert report.amount == Decimal("12345678.91")
    assert report.month == today.replace(day=1)
    assert "1,234.57" in text(staff_client.get(response["Location"]))


def test_the_investment_form_uses_a_month_picker_and_refuses_the_future(staff_client, project, today):
    url = f"/projects/{project.pk}/investment/"
    page = text(staff_client.get(url))
    assert 'type="month"' in page
    future = (today.replace(day=28) + 5 * DAY).strftime("%Y-%m")
    response = staff_client.post(url, {"month": future, "amount": "1.00"})
    assert "future month" in field_error(response, "month")
    assert not InvestmentReport.objects.exists()


def test_reporting_a_month_that_already_has_a_figure_asks_first(staff_client, project, city_admin, today):
    services.investment_report(project=project, month=today, amount=Decimal("100.00"), by=city_admin)
    url = f"/projects/{project.pk}/investment/"
    response = staff_client.post(url, {"month": today.strftime("%Y-%m"), "amount": "200.00", "version": ""})
    assert response.status_code == 200
    assert "Someone else changed this record while you were working on it." in text(response)
    assert "Stored figure for " + today.strftime("%Y-%m") in text(response)
    assert input_value(response, "amount") == "200.00"
    assert InvestmentReport.objects.get().amount == Decimal("100.00")
    again = {
        "month": today.strftime("%Y-%m"),
        "amount": "200.00",
        "version": input_value(response, "version"),
    }
    assert staff_client.post(url, again).status_code == 302
    assert InvestmentReport.objects.get().amount == Decimal("200.00")


def test_the_correct_link_loads_the_stored_figure(staff_client, project, county_staff, today):
    services.investment_report(project=project, month=today, amount=Decimal("300.50"), by=county_staff)
    response = staff_client.get(f"/projects/{project.pk}/investment/", {"month": today.strftime("%Y-%m")})
    assert input_value(response, "amount") == "300.50"
    assert input_value(response, "version") == "1"


# --- sign-in, sign-out, language ----------------------------------------------------------------


def test_the_sign_in_page_signs_in_and_goes_where_asked(en, county_staff, project):
    page = en.get("/accounts/login/?next=/projects/")
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in text(page)
    response = en.post(
        "/accounts/login/",
        {"username": county_staff.username, "password": "x-Pass-1234", "next": "/projects/"},
    )
    assert response.status_code == 302 and response["Location"] == "/projects/"
    assert project.code in text(en.get("/projects/"))


def test_a_wrong_password_is_refused_on_the_page(en, county_staff):
    response = en.post("/accounts/login/", {"username": county_staff.username, "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in text(response)
    assert "_auth_user_id" not in en.session


def test_too_many_failures_show_the_lock_on_the_sign_in_page(en, county_staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        en.post("/accounts/login/", {"username": county_staff.username, "password": "wrong"})
    response = en.post("/accounts/login/", {"username": county_staff.username, "password": "x-Pass-1234"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts." in text(response)
    assert '<form method="post"' in text(response)  # still the page, with the language switch and all
    assert "_auth_user_id" not in en.session


def test_signing_out_is_a_post(staff_client):
    assert staff_client.get("/accounts/logout/").status_code == 405
    response = staff_client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert staff_client.get("/projects/").status_code == 302


def test_the_header_shows_who_is_signed_in(staff_client, county_staff):
    page = text(staff_client.get("/projects/"))
    assert county_staff.username in page
    assert "County staff" in page
    assert "Duanzhou District" in page
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    assert "vendor/htmx-2.0.11/htmx.min.js" in page


def test_the_language_switch_works_without_javascript(client, county_staff):
    client.force_login(county_staff)
    chinese = text(client.get("/projects/"))
    assert 'lang="zh-Hans"' in chinese and "签约" in chinese  # the default language
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/projects/"})
    assert response.status_code == 302 and response["Location"] == "/projects/"
    english = text(client.get("/projects/"))
    assert 'lang="en"' in english
    assert 'value="signed">Signed<' in english
    assert 'aria-pressed="true">English<' in english


# --- money on screens ---------------------------------------------------------------------------


def test_money_filters_are_exact_decimal(english):
    assert wan(Decimal("300000000.00")) == "30,000.00"
    assert wan(Decimal("12345678.91")) == "1,234.57"
    assert wan(Decimal("0.005")) == "0.00"
    assert wan("50000") == "5.00"
    assert yi(Decimal("123456789.01")) == "1.23"
    assert wan(None) == ""
    # Past 1 亿元 the amount is read in 亿元, below it in 万元.
    assert money(Decimal("300000000")) == "3.00 hundred million yuan"
    assert money(Decimal("99999999.99")) == "10,000.00 ten thousand yuan"
    with pytest.raises(TypeError):
        wan(1.5)


def test_a_move_that_cannot_happen_says_so_instead_of_showing_a_form(staff_client, project):
    page = text(staff_client.get(f"/projects/{project.pk}/revert/"))
    assert "nothing to revert" in page
    assert 'name="reason"' not in page
    page = text(staff_client.get(f"/projects/{project.pk}/reactivate/"))
    assert "Only a cancelled project can be reactivated." in page


def test_county_staff_pick_only_enterprises_of_their_region(staff_client, project, other_project):
    loose = Enterprise.objects.create(name="尚无项目的企业")
    other_project.enterprise = Enterprise.objects.create(name="鼎湖区的投资方")
    other_project.save()
    page = text(staff_client.get("/projects/new/"))
    assert project.enterprise.name in page
    assert loose.name in page
    assert "鼎湖区的投资方" not in page
