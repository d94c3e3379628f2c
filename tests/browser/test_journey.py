"""A county's week in the browser, as a real office works it.

County staff (on a phone) sign in, enter a project, take it through land supply to the start
of construction, report a month's investment and raise a problem that blocks it. The county
leader (at a desk) hands the problem to a responsible unit (交办); the staff resolve it (办结);
the leader verifies and closes it (销号) and sees the county's line of the live ranking move.
Then the leader switches the interface to English and back to Chinese.

Everything goes through the pages' own forms and buttons; the database is only used to set up
who works here (users, the responsible unit, the reference lists the project form offers).
"""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from projects.choices import Role
from supervision.periods import MONTHLY, WEEKLY, period_containing
from tests.fixtures.browser import assert_no_browser_errors, sign_in, sign_out

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1366, "height": 900}
DAY = datetime.timedelta(days=1)

PROJECT_NAME = "年产5万吨新型铝合金型材项目"
PLANNED = "15亿"  # a major project; typed in 亿元 (万元 is the default unit)
INVESTMENT = "1250"  # 万元
INVESTMENT_WAN = Decimal("1250.00")
PROBLEM = "厂区红线调整未获批复，影响厂房基础施工"  # short enough to be shown untruncated


def dashboard_url(today: datetime.date) -> str:
    """The live weekly ranking, unless this ISO week ends in the next year: its figures are then
    that year's (DESIGN "Ranking"), so the test reads this month's ranking instead."""
    if period_containing(WEEKLY, today).end.year == today.year:
        return "/"
    return f"/?kind={MONTHLY}&date={today.isoformat()}"


def wan(text: str) -> Decimal:
    return Decimal(text.replace(",", "") or "0")


def ranking_line(page, region_code: str) -> dict:
    """A region's figures in the ranking table, each cell's own text without the rank under it."""
    headers = page.locator("table.ranking thead th")
    expect(headers, "the ranking table's columns changed; update ranking_line()").to_have_count(10)
    row = page.locator(f"table.ranking tbody tr[data-region='{region_code}']")
    expect(row, f"region {region_code} has no line in the ranking").to_have_count(1)
    return row.evaluate(
        """tr => {
            const own = td => Array.from(td.childNodes)
                .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join("").trim();
            const cells = Array.from(tr.querySelectorAll("td"));
            // rank, change, [region is a th], score, investment, against target, started,
            // completed, in production, problem resolution rate
            return {investment: own(cells[3]), started: own(cells[5]), resolution: own(cells[8])};
        }"""
    )


def stage_count(page, label: str) -> int:
    """The count of projects at a stage in the table under the stage chart."""
    row = page.locator("figure.dash-figure table tbody tr").filter(
        has=page.locator("th", has_text=re.compile(f"^{re.escape(label)}$"))
    )
    expect(row, f"no row {label!r} under the stage chart").to_have_count(1)
    return int(row.locator("td").inner_text())


def open_problem(page, problem_id: int):
    """From the navigation to the problem list, then the problem's own link."""
    page.locator(".main-nav a[href='/problems/']").click()
    expect(page).to_have_url(re.compile(r"/problems/$"))
    page.locator(f"main a[href='/problems/{problem_id}/']").first.click()
    expect(page).to_have_url(re.compile(rf"/problems/{problem_id}/$"))
    expect(page.locator("#problem-title")).to_contain_text(f"#{problem_id}")


def move_form(page, move: str):
    """The form of one move on a problem's page (交办, 办结, 销号 …), opened."""
    details = page.locator("#problem-panel details.move").filter(
        has=page.locator(f"form[action$='/{move}/']")
    )
    expect(details, f"the page does not offer the move {move!r}").to_have_count(1)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    form = details.locator("form")
    expect(form).to_be_visible()
    return form


def submit_move(page, form, status: str):
    """Send a move's form (htmx replaces the panel) and wait for the problem's new status."""
    form.locator("button[type=submit]").click()
    panel = page.locator("#problem-panel")
    expect(panel.locator(".form-errors"), "the move was refused").to_have_count(0)
    expect(panel.locator(f".status-line .badge--{status}")).to_be_visible()
    flash = panel.locator(".message--success[data-focus]")
    expect(flash).to_be_visible()
    # The keyboard focus follows the change, so screen-reader users hear what happened.
    expect(flash).to_be_focused()


def test_county_week_from_project_entry_to_verified_problem(
    open_page,
    live_server,
    browser_user,
    browser_errors,
    region,
    industry,
    enterprise,
    responsible_unit,
    today,
):
    staff = browser_user(Role.COUNTY_STAFF, region=region, username="chenjing", name="陈静")
    leader = browser_user(Role.COUNTY_LEADER, region=region, username="liuqiang", name="刘强")
    home = dashboard_url(today)
    signed_on, land_on, started_on = today - 20 * DAY, today - 7 * DAY, today

    # --- 1. county staff, on a phone -------------------------------------------------------
    phone = open_page(viewport=PHONE)
    sign_in(phone, staff)
    expect(phone).to_have_url(f"{live_server.url}/")  # the dashboard is the home page
    expect(phone.locator(".site-header .who__region")).to_have_text(region.name)  # the page is in Chinese
    if home != "/":
        phone.goto(home)
    before = ranking_line(phone, region.code)
    started_before = stage_count(phone, "开工")

    phone.locator(".main-nav a[href='/projects/']").click()
    expect(phone).to_have_url(re.compile(r"/projects/$"))
    phone.locator("main a[href='/projects/new/']").click()
    expect(phone).to_have_url(re.compile(r"/projects/new/$"))
    form = phone.locator("main form.form")
    form.locator("#id_name").fill(PROJECT_NAME)
    form.locator("#id_enterprise").select_option(str(enterprise.pk))
    expect(form.locator("#id_region"), "the staff's own region is preselected").to_have_value(str(region.pk))
    form.locator("#id_industry").select_option(str(industry.pk))
    form.locator("#id_planned_investment").fill(PLANNED)
    expect(form.locator("#id_planned_investment_echo")).to_have_text("= 1,500,000,000.00 元 · 15.00 亿元")
    form.locator("#id_signed_on").fill(signed_on.isoformat())
    form.locator("button[type=submit]").click()
    expect(phone.locator("main .form-errors"), "the project form was refused").to_have_count(0)
    expect(phone).to_have_url(re.compile(r"/projects/\d+/$"))
    project_id = int(re.search(r"/projects/(\d+)/$", phone.url).group(1))
    project_path = f"/projects/{project_id}/"
    expect(phone.locator("main h1")).to_have_text(PROJECT_NAME)
    expect(phone.locator(".page-head .badge--stage")).to_have_text("签约")
    expect(phone.locator(".page-head .badge--major")).to_be_visible()

    for stage, label, on in (("land_supplied", "供地", land_on), ("started", "开工", started_on)):
        phone.locator(f".actions-panel a[href='{project_path}advance/']").click()
        expect(phone).to_have_url(re.compile(rf"{project_path}advance/$"))
        form = phone.locator("main form.form")
        expect(form.locator("input[name=stage]")).to_have_value(stage)
        form.locator("#id_on").fill(on.isoformat())
        form.locator("#id_note").fill(f"{label}：现场核实")
        form.locator("button[type=submit]").click()
        expect(phone.locator("main .form-errors"), f"advancing to {stage} was refused").to_have_count(0)
        expect(phone).to_have_url(re.compile(rf"{project_path}$"))
        expect(phone.locator(".page-head .badge--stage")).to_have_text(label)
        expect(phone.locator(f".page-head .badge--{stage}")).to_be_visible()

    phone.locator(f".actions-panel a[href='{project_path}investment/']").click()
    expect(phone).to_have_url(re.compile(rf"{project_path}investment/$"))
    form = phone.locator("main form.form")
    form.locator("#id_month").fill(f"{today:%Y-%m}")
    form.locator("#id_amount").fill(INVESTMENT)
    form.locator("#id_note").fill("设备采购款")
    form.locator("button[type=submit]").click()
    expect(phone.locator("main .form-errors"), "the investment figure was refused").to_have_count(0)
    expect(phone).to_have_url(re.compile(rf"{project_path}#investment$"))

    phone.locator(f".actions-panel a[href='{project_path}problems/new/']").click()
    expect(phone).to_have_url(re.compile(rf"{project_path}problems/new/$"))
    form = phone.locator("main form.form")
    form.locator("#id_category").select_option("land_use")
    form.locator("#id_severity").select_option("high")
    form.locator("#id_description").fill(PROBLEM)
    form.locator("button[type=submit]").click()
    expect(phone.locator("main .form-errors"), "raising the problem was refused").to_have_count(0)
    expect(phone).to_have_url(re.compile(r"/problems/\d+/$"))
    problem_id = int(re.search(r"/problems/(\d+)/$", phone.url).group(1))
    expect(phone.locator("#problem-panel .status-line .badge--raised")).to_be_visible()

    # What the staff see on the project's page now.
    phone.goto(project_path)
    expect(phone.locator(".page-head .badge--stage")).to_have_text("开工")
    expect(phone.locator("#stages [aria-current=step] .stage-track__name")).to_have_text("开工")
    expect(phone.locator("#stages [aria-current=step] .stage-track__date")).to_have_text(
        started_on.isoformat()
    )
    month_row = phone.locator("#investment tbody tr").filter(has_text=f"{today:%Y-%m}")
    expect(month_row.locator("td.num")).to_have_text("1,250.00")
    expect(phone.locator("#investment tfoot td.num")).to_have_text("1,250.00")
    problem_row = phone.locator("#problems tbody tr").filter(
        has=phone.locator(f"a[href='/problems/{problem_id}/']")
    )
    expect(problem_row).to_contain_text(PROBLEM)
    expect(problem_row.locator(".badge--problem-raised")).to_be_visible()

    sign_out(phone)

    # --- 2. the county leader hands the problem to a unit ---------------------------------
    desk = open_page(viewport=DESK)
    sign_in(desk, leader)
    open_problem(desk, problem_id)
    expect(
        desk.locator("#problem-panel form[action$='/resolve/']"), "a leader is not offered the staff's move"
    ).to_have_count(0)
    form = move_form(desk, "assign")
    form.locator("#id_assign_unit").select_option(str(responsible_unit.pk))
    form.locator("#id_assign_assignee").select_option(str(staff.pk))
    form.locator("#id_assign_due_on").fill((today + 14 * DAY).isoformat())
    form.locator("#id_assign_note").fill("请自然资源局两周内完成红线调整审批")
    submit_move(desk, form, "assigned")
    expect(desk.locator("#problem-panel .facts")).to_contain_text(responsible_unit.name)

    # --- the staff resolve it ----------------------------------------------------------------
    sign_in(phone, staff)
    open_problem(phone, problem_id)
    expect(phone.locator("#problem-panel form[action$='/verify/']")).to_have_count(0)
    form = move_form(phone, "resolve")
    form.locator("#id_resolve_resolution").fill("自然资源局已批复红线调整，厂房基础恢复施工")
    submit_move(phone, form, "resolved")
    sign_out(phone)

    # --- the leader verifies it and sees the county's line move ----------------------------
    desk.reload()
    form = move_form(desk, "verify")
    form.locator("#id_verify_note").fill("现场核实，同意销号")
    submit_move(desk, form, "verified")
    expect(desk.locator("#problem-panel .status-line .badge--verified")).to_have_text("已销号")

    desk.locator(".main-nav a[href='/']").click()
    if home != "/":
        desk.goto(home)
    expect(desk.locator("table.ranking")).to_be_visible()
    after = ranking_line(desk, region.code)
    assert before["started"] == "0" and after["started"] == "1", (before, after)
    assert wan(after["investment"]) == wan(before["investment"]) + INVESTMENT_WAN, (before, after)
    assert before["resolution"] == "—" and after["resolution"] == "100.00%", (before, after)
    assert stage_count(desk, "开工") == started_before + 1
    major = desk.locator("section[aria-labelledby=major-title]")
    expect(major.locator(f"a[href='{project_path}']")).to_have_text(PROJECT_NAME)

    # --- 3. the language switch in the header ------------------------------------------------
    switch = desk.locator(".site-header form.lang-switch")
    switch.locator("button[value=en]").click()
    expect(desk.locator("html")).to_have_attribute("lang", "en")
    expect(switch.locator("button[value=en]")).to_have_attribute("aria-pressed", "true")
    expect(desk.locator("main h1")).to_have_text("County race ranking")
    expect(desk.locator(".main-nav")).to_contain_text("Dashboard")
    assert stage_count(desk, "Construction started") == started_before + 1
    expect(desk).to_have_url(re.compile(re.escape(home) + "$"))  # the same page, now in English

    desk.locator(".site-header form.lang-switch button[value=zh-hans]").click()
    expect(desk.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(desk.locator(".site-header form.lang-switch button[value=zh-hans]")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert stage_count(desk, "开工") == started_before + 1

    assert_no_browser_errors(browser_errors)
