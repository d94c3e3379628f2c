"""Money inputs and the month-end report in Chromium: the browser reads typed amounts exactly as
the server does, the live echo under a money input follows the typing, a year-to-date total
echoes the month it implies, one save writes the grid, and the grid is cards on a 360-px phone
with every key figure on screen (tests/artifacts/monthly-360.png and monthly-desktop.png kept).

The report is for November of last year: the projects are signed on 1 January of that year.
"""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from projects import services
from projects.choices import Role
from projects.models import InvestmentReport
from tests.fixtures.browser import assert_no_browser_errors, sign_in
from tests.fixtures.money import ACCEPTED, REFUSED

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def nov(today) -> datetime.date:
    return datetime.date(today.year - 1, 11, 1)


@pytest.fixture
def staff(browser_user, region):
    return browser_user(Role.COUNTY_STAFF, region=region, username="liwei", name="李伟")


@pytest.fixture
def projects(make_project, staff, nov):
    """Three projects with January–October reported: 1,000 万元 a month for the first."""
    made = []
    for i, name in enumerate(
        ["年产5万吨新型铝合金型材项目", "新能源汽车零部件智能制造基地", "精密五金制品生产项目"]
    ):
        project = make_project(name=name, by=staff, signed_on=datetime.date(nov.year, 1, 1))
        for number in range(1, 11):
            amount = Decimal(10_000_000 // (i + 1))
            services.investment_report(
                project=project, month=datetime.date(nov.year, number, 1), amount=amount, by=staff
            )
        made.append(project)
    return made


def test_the_echo_reads_every_amount_as_the_server_does(open_page, browser_errors):
    """The table the server's field is tested with (tests/fixtures/money.py), read by the page's
    script: the same fen for every amount, the same refusal for every bad input."""
    page = open_page()
    page.goto("/accounts/login/")  # every page loads the script
    page.wait_for_function("() => window.zqMoney !== undefined")
    read = page.evaluate(
        """cases => cases.map(text => {
            const amount = zqMoney.parse(text);
            return amount.error || (amount.fen < 0 ? "min_value" : amount.fen.toString());
        })""",
        [typed for typed, _yuan in ACCEPTED] + [typed for typed, _code in REFUSED],
    )
    expected = [str(int(Decimal(yuan) * 100)) for _typed, yuan in ACCEPTED] + [code for _t, code in REFUSED]
    cases = [typed for typed, _ in ACCEPTED + REFUSED]
    differing = [
        (case, got, want) for case, got, want in zip(cases, read, expected, strict=True) if got != want
    ]
    assert differing == [], "the browser reads these amounts otherwise (typed, browser, server)"
    assert page.evaluate("zqMoney.parse('   ')") is None
    assert_no_browser_errors(browser_errors)


def grid_url(nov, region, mode="month") -> str:
    return f"/projects/monthly/?month={nov:%Y-%m}&region={region.pk}&mode={mode}"


def test_the_echo_follows_the_typing_and_one_save_writes_the_grid(
    open_page, staff, projects, nov, region, browser_errors, artifacts
):
    page = open_page()
    sign_in(page, staff)
    page.goto(grid_url(nov, region))
    first, second = projects[0], projects[1]
    amount = page.locator(f"#id_p{first.pk}-amount")
    echo = page.locator(f"#id_p{first.pk}-amount_echo")
    amount.press_sequentially("3.86亿")
    expect(echo).to_have_text("= 386,000,000.00 元 · 3.86 亿元")
    amount.fill("386")
    expect(echo).to_have_text("= 3,860,000.00 元 · 0.04 亿元")
    amount.fill("３，８６０，０００元")  # full-width, as a Chinese input method types it
    expect(echo).to_have_text("= 3,860,000.00 元 · 0.04 亿元")
    amount.fill("386,5")
    expect(echo).to_contain_text("请以万元为单位填写金额")
    expect(echo).to_have_class(re.compile(r"money-echo--problem"))
    amount.fill("0.0000001")
    expect(echo).to_contain_text("金额精确到分")
    amount.fill("1200")
    page.locator(f"#id_p{second.pk}-amount").fill("500.5")
    page.get_by_role("button", name="全部保存").click()
    expect(page.locator(".message--success")).to_contain_text("已保存")
    assert InvestmentReport.objects.get(project=first, month=nov).amount == Decimal("12000000.00")
    assert InvestmentReport.objects.get(project=second, month=nov).amount == Decimal("5005000.00")

    # Typed as the year-to-date total, the echo also says which month figure it implies.
    page.get_by_role("link", name="1–11月累计").click()
    third = projects[2]
    total = page.locator(f"#id_p{third.pk}-amount")
    echo = page.locator(f"#id_p{third.pk}-amount_echo")
    total.fill("3533.33")  # January–October: 10 × 333.3333 = 3,333.333 万元
    expect(echo).to_have_text("= 35,333,300.00 元 · 0.35 亿元 · 11月 199.997 万元")
    total.fill("3000")
    expect(echo).to_contain_text("比此前各月合计少 333.333 万元")
    expect(echo).to_have_class(re.compile(r"money-echo--problem"))
    total.fill("3533.33")
    page.get_by_role("button", name="全部保存").click()
    expect(page.locator(".message--success")).to_contain_text("已保存")
    assert InvestmentReport.objects.get(project=third, month=nov).amount == Decimal("1999970.00")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.screenshot(path=str(artifacts / "monthly-desktop.png"), full_page=True)
    assert_no_browser_errors(browser_errors)


def test_on_a_360_px_phone_the_grid_is_cards_with_the_key_figures_on_screen(
    open_page, staff, projects, nov, region, browser_errors, artifacts
):
    width = 360
    page = open_page(viewport={"width": width, "height": 740})
    sign_in(page, staff)
    page.goto(grid_url(nov, region, mode="ytd"))
    rows = page.locator("table.month-end tbody tr")
    expect(rows).to_have_count(3)
    page.locator(f"#id_p{projects[0].pk}-amount").fill("11000")
    expect(page.locator(f"#id_p{projects[0].pk}-amount_echo")).to_contain_text("11月 1,000.00 万元")

    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways at {width} px: {widths}"
    # The header row is hidden: each project is a card whose cells carry their own labels.
    assert page.locator("table.month-end thead").bounding_box()["height"] <= 1
    for i in range(rows.count()):
        row = rows.nth(i)
        card = row.bounding_box()
        assert card["x"] >= 0 and card["x"] + card["width"] <= width + 1, f"card {i} is wider than the screen"
        for cell in (row.locator("th"), *[row.locator("td").nth(n) for n in range(3)]):
            box = cell.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (
                f"card {i}: a cell is off-screen: {box} {cell.inner_text()!r}"
            )
        # Last month, the year so far and the input, each under its label.
        labels = row.evaluate(
            """r => Array.from(r.querySelectorAll("td[data-label]"))
                 .map(td => getComputedStyle(td, "::before").content)"""
        )
        assert labels == ['"上月（万元）"', '"1–10月累计（万元）"', '"1–11月累计（万元）"'], labels
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("10,000.00")
    input_box = page.locator(f"#id_p{projects[0].pk}-amount").bounding_box()
    assert input_box["width"] >= 200, f"the input is too narrow to type into on a phone: {input_box}"

    # At the end of the page the save bar (sticky at the bottom of the screen) is in its own place.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.screenshot(path=str(artifacts / "monthly-360.png"), full_page=True)
    assert_no_browser_errors(browser_errors)
