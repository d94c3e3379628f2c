"""A county's ledger goes in on a phone: county staff upload the bureau's messy Excel ledger (title
rows, a unit line, merged headers, text dates, 万元, a 合计 row) at 360 px, read the preview as
cards with its figures in view, confirm it, and see it written. Screenshots of the preview and
of the outcome are kept as CI artefacts (tests/artifacts/imports-*-360.png).
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from projects.choices import Role
from projects.models import Project
from tests.fixtures.browser import assert_no_browser_errors, sign_in
from tests.fixtures.ledgers import XLSX, county_rows, messy_ledger

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PHONE = {"width": 360, "height": 740}
DAY = datetime.timedelta(days=1)


def fits_the_screen(page) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"the page scrolls sideways: scrollWidth {scroll} > {inner}"


def test_a_messy_ledger_goes_in_on_a_phone(
    open_page, browser_user, region, industry, today, artifacts, browser_errors, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    staff = browser_user(Role.COUNTY_STAFF, region=region, username="staff-phone", name="王晓")
    content = messy_ledger(county_rows(3, signed=today - 20 * DAY))
    page = open_page(viewport=PHONE)
    sign_in(page, staff)

    page.goto("/projects/")
    page.get_by_role("link", name="从 Excel 导入").click()
    expect(page.get_by_role("heading", name="导入台账")).to_be_visible()
    page.set_input_files(
        "#id_file", files=[{"name": "端州区项目台账.xlsx", "mimeType": XLSX, "buffer": content}]
    )
    page.get_by_role("button", name="上传并预览").click()

    expect(page).to_have_url(re.compile(r"/projects/imports/\d+/$"))
    expect(page.locator(".status-line .badge")).to_have_text("待确认")
    figures = page.locator(".import-figures > div")
    expect(figures).to_have_count(5)
    expect(page.locator(".import-figure--new dd")).to_have_text("3")
    expect(page.locator(".import-figure--skipped dd")).to_have_text("1")  # the 合计 row
    expect(page.locator(".import-figure--error dd")).to_have_text("0")
    for box in (figures.nth(i).bounding_box() for i in range(5)):
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    cards = page.locator("table.import-rows tbody tr")
    expect(cards).to_have_count(3)
    assert cards.first.evaluate("tr => getComputedStyle(tr).display") == "block"  # a card, not a row
    expect(cards.first).to_contain_text("台账项目0001")
    expect(cards.first).to_contain_text("1,001.00 万元")
    fits_the_screen(page)
    page.screenshot(path=str(artifacts / "imports-preview-360.png"), full_page=True)

    page.get_by_role("button", name="确认写入").click()
    expect(page.locator(".status-line .badge")).to_have_text("已写入")
    expect(page.locator(".messages")).to_contain_text("已写入：新增 3 个，更新 0 个。")
    expect(page.get_by_role("button", name="确认写入")).to_have_count(0)
    fits_the_screen(page)
    page.screenshot(path=str(artifacts / "imports-written-360.png"), full_page=True)
    assert Project.objects.filter(region=region, name__startswith="台账项目").count() == 3

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="台账导入").click()
    expect(page.locator("table.import-list tbody tr")).to_have_count(1)
    expect(page.locator("table.import-list")).to_contain_text("端州区项目台账.xlsx")
    fits_the_screen(page)
    assert_no_browser_errors(browser_errors)
